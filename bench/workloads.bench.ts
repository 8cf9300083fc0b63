/**
 * How fast a large job is stopped and brought back: a 64-pod Indexed Job (one GPU per pod, eight
 * per node) on eight simulated p5 nodes; HMA flags one of them and a whole node-recovery execution
 * runs (real ASL on aws-local-stepfunctions, real adapters, our RBAC; the Job controller deletes and
 * recreates the pods, kwok runs them). Measured per round, from the wall clock of this process:
 * - incident start (the event emitted) → every pod of the job deleted (no pod object left);
 * - ResumeWorkloads entered → all 64 pods Running again.
 * The simulated reboot lasts HPR_BENCH_REBOOT_MS (20 s: the pods are gone before the job resumes)
 * and Wait states 100 ms, so the numbers are our own orchestration plus Kubernetes
 * (kube-controller-manager at its default client QPS of 20, scheduler, kwok) on this machine.
 */
import { startLocalEnvironment } from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import { summarize } from './stats.ts';

const PODS = 64;
const NODES = 8;
const ROUNDS = Number(process.env.HPR_BENCH_ROUNDS ?? 3);
/** Long enough for the pods to be gone before the node is back and the job resumed, as in life. */
const REBOOT_MS = Number(process.env.HPR_BENCH_REBOOT_MS ?? 20_000);

export async function run(): Promise<Record<string, unknown>> {
  const env = await startLocalEnvironment({
    cluster: {
      name: 'bench-workloads',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: NODES + 1 }],
    },
    policy: {
      mode: 'act',
      circuitBreaker: { maxNodesPerWindow: 1000, windowMinutes: 1 },
      maxParallel: { absolute: 1000, percent: 100 },
      perNode: { maxReboots: 1000, rebootWindowHours: 1 },
      repeatOffender: { faults: 1000, windowDays: 1 },
      dedupeWindowMinutes: 1,
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 },
    },
    timings: { rebootMs: REBOOT_MS, shutdownMs: 0, replaceMs: 0, nodeJoinMs: 0, capacityFailMs: 0 },
    autoDispatch: false,
    pollMs: 100,
  });
  const deleted: number[] = [];
  const terminating: number[] = [];
  const jobSuspended: number[] = [];
  const running: number[] = [];
  const suspendTask: number[] = [];
  const executions: number[] = [];
  try {
    const instances = [...env.simulator.clusters[0]!.nodes].sort((a, b) =>
      a.nodeName.localeCompare(b.nodeName),
    );
    const workers = instances.slice(0, NODES);
    const spare = instances[NODES]!;
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }]);
    await env.apply([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'big', namespace: 'bench' },
        spec: {
          parallelism: PODS,
          completions: PODS,
          completionMode: 'Indexed',
          backoffLimit: 0,
          template: {
            metadata: { labels: { app: 'big' } },
            spec: {
              restartPolicy: 'Never',
              // Keep the spare node free: it takes the warm-up incident.
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [
                          { key: 'kubernetes.io/hostname', operator: 'NotIn', values: [spare.nodeName] },
                        ],
                      },
                    ],
                  },
                },
              },
              containers: [
                { name: 'trainer', image: 'trainer', resources: { limits: { 'nvidia.com/gpu': '1' } } },
              ],
            },
          },
        },
      },
    ]);
    const pods = () => env.admin.listPods({ namespace: 'bench', labelSelector: 'app=big' });
    const allRunning = async () =>
      (await pods()).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running').length ===
      PODS;
    /** When `check` first held (polled every 25 ms). */
    const waitFor = async (what: string, check: () => Promise<boolean>) => {
      await pollUntil(check, { what, timeoutMs: 180_000, intervalMs: 25 });
      return Date.now();
    };
    await waitFor('64 pods Running', allRunning);

    // Warm-up incident on the spare node (cold clients, TLS, token): not counted.
    await Promise.all(
      env.dispatch(
        await env.simulator.injectFault({
          instanceId: spare.instanceId,
          faultType: 'NvidiaErrorReboot',
          labels: false,
        }),
      ),
    );

    for (let round = 0; round < ROUNDS; round++) {
      const target = workers[round % NODES]!;
      const eventAt = Date.now();
      const event = await env.simulator.injectFault({
        instanceId: target.instanceId,
        faultType: 'NvidiaErrorReboot',
        labels: false,
      });
      const [execution] = env.dispatch(event);
      if (!execution) throw new Error('bench: the event matched no rule');
      let terminatingAt = 0;
      const goneAt = await waitFor('every pod deleted', async () => {
        const left = await pods();
        if (!terminatingAt && left.every((p) => p.metadata.deletionTimestamp)) terminatingAt = Date.now();
        return left.length === 0;
      });
      const report = await execution;
      if (report.status !== 'SUCCEEDED')
        throw new Error(`bench: execution ${report.status} ${JSON.stringify(report.error)}`);
      const resume = report.states.find((s) => s.name === 'ResumeWorkloads');
      const suspend = report.states.find((s) => s.name === 'SuspendWorkloads');
      if (!resume || !suspend?.exitedAt) throw new Error('bench: no ResumeWorkloads/SuspendWorkloads state');
      const runningAt = await waitFor('64 pods Running again', allRunning);
      deleted.push(goneAt - eventAt);
      terminating.push(terminatingAt - eventAt);
      jobSuspended.push(suspend.exitedAt - eventAt);
      running.push(runningAt - resume.enteredAt);
      suspendTask.push(suspend.exitedAt - suspend.enteredAt);
      executions.push(Date.parse(report.endedAt) - Date.parse(report.startedAt));
    }
  } finally {
    await env.stop();
  }
  return {
    pods: PODS,
    nodes: NODES,
    rounds: ROUNDS,
    incidentStartToJobSuspendedMs: summarize(jobSuspended),
    incidentStartToAllPodsTerminatingMs: summarize(terminating),
    incidentStartToAllPodsDeletedMs: summarize(deleted),
    resumeToAllPodsRunningMs: summarize(running),
    suspendWorkloadsTaskMs: summarize(suspendTask),
    nodeRecoveryExecutionMs: summarize(executions),
    rebootMs: REBOOT_MS,
    note: 'batch/v1 Indexed Job, 1 GPU per pod, 8 pods per node; kwok pods; kube-controller-manager default client QPS 20 / burst 30',
  };
}
