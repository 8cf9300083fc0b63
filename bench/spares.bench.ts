/**
 * Hot spares (docs/design/hot-spares.md): how soon a suspended job runs again on a promoted spare,
 * and how much job downtime a spare saves per incident. Whole node-recovery executions (real ASL on
 * aws-local-stepfunctions, real adapters, our RBAC and admission policies, a real kube-apiserver
 * with the Job controller, the scheduler and kwok), wall clock of this process.
 *
 * 1. Event → jobs resumed on a spare, simulated delays at zero, over HPR_BENCH_SPARE_ROUNDS (20)
 *    incidents: a one-pod Job (8 GPUs: a whole node) allowed on its worker and on the spare; HMA
 *    flags the worker. Measured: event emitted → PromoteSpare done (the job unsuspended with the
 *    toleration), and → the job's new pod Running on the spare. Each round has a fresh worker and
 *    spare (the repaired workers join the pool as newer spares; the oldest is chosen).
 * 2. Job downtime per incident with and without a spare, side by side in one run, under simulated
 *    repair times of reboot 10 min and replacement 30 min, time-compressed ×COMPRESSION (600: one
 *    simulated minute lasts 100 ms). Downtime = event → the job's pod Running again. Without a spare
 *    it includes the repair; with one it does not. The uncompressed estimate scales only the
 *    simulated repair (our orchestration and Kubernetes run in real time).
 */
import { type LocalEnvironment, startLocalEnvironment } from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import type { ExecutionReport } from '#local/runner.ts';
import { summarize } from './stats.ts';

const ROUNDS = Number(process.env.HPR_BENCH_SPARE_ROUNDS ?? 20);
const DOWNTIME_ROUNDS = Number(process.env.HPR_BENCH_SPARE_DOWNTIME_ROUNDS ?? 3);
const COMPRESSION = 600;
const MINUTE_MS = 60_000 / COMPRESSION;
const REBOOT_MINUTES = 10;
const REPLACE_MINUTES = 30;
const SPARE = 'hyperpod-resilience.io/spare';

const policy = {
  mode: 'act' as const,
  circuitBreaker: { maxNodesPerWindow: 1000, windowMinutes: 1 },
  maxParallel: { absolute: 1000, percent: 100 },
  perNode: { maxReboots: 1000, rebootWindowHours: 1 },
  repeatOffender: { faults: 1000, windowDays: 1 },
  dedupeWindowMinutes: 1,
  awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 },
};

const start = (name: string, nodes: number, withPool: boolean, timings: Record<string, number>) =>
  startLocalEnvironment({
    cluster: {
      name,
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: nodes }],
    },
    policy,
    ...(withPool ? { spares: { pools: [{ cluster: name, instanceGroup: 'workers', count: 1 }] } } : {}),
    timings: { shutdownMs: 0, nodeJoinMs: 0, capacityFailMs: 0, ...timings },
    autoDispatch: false,
    pollMs: 100,
  });

const nodesOf = (env: LocalEnvironment) =>
  [...env.simulator.clusters[0]!.nodes].sort((a, b) => a.nodeName.localeCompare(b.nodeName));

const makeSpare = (env: LocalEnvironment, nodeName: string) =>
  env.admin.patchNode(nodeName, {
    metadata: {
      labels: { [SPARE]: 'ready' },
      annotations: {
        // The oldest spare of the pool: chosen before the repaired workers that joined it.
        'hyperpod-resilience.io/spare-since': '2020-01-01T00:00:00.000Z',
        'hyperpod-resilience.io/spare-verified': 'not-verified',
      },
    },
    spec: { taints: [{ key: SPARE, value: 'pool', effect: 'NoSchedule' }] },
  });

/** A one-pod Job taking a whole node (8 GPUs), allowed on `nodes` only. */
const job = (name: string, nodes: string[]) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'bench' },
  spec: {
    parallelism: 1,
    completions: 1,
    backoffLimit: 0,
    template: {
      metadata: { labels: { app: name } },
      spec: {
        restartPolicy: 'Never',
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] },
              ],
            },
          },
        },
        containers: [{ name: 'trainer', image: 'trainer', resources: { limits: { 'nvidia.com/gpu': '8' } } }],
      },
    },
  },
});

const runningOn = async (env: LocalEnvironment, app: string): Promise<string | undefined> => {
  const pods = await env.admin.listPods({ namespace: 'bench', labelSelector: `app=${app}` });
  return pods.find((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running')?.spec?.nodeName;
};

const waitRunning = (env: LocalEnvironment, app: string, on?: string) =>
  pollUntil(
    async () => {
      const node = await runningOn(env, app);
      return node !== undefined && (on === undefined || node === on) ? node : undefined;
    },
    { what: `${app} running${on ? ` on ${on}` : ''}`, timeoutMs: 180_000, intervalMs: 20 },
  );

const podUid = async (env: LocalEnvironment, app: string): Promise<string | undefined> =>
  (await env.admin.listPods({ namespace: 'bench', labelSelector: `app=${app}` }))[0]?.metadata.uid;

const deleteJob = async (env: LocalEnvironment, name: string) => {
  await env.controlPlane.kubectl([
    'delete',
    'job',
    '-n',
    'bench',
    name,
    '--cascade=foreground',
    '--wait=true',
  ]);
};

const fault = async (
  env: LocalEnvironment,
  instanceId: string,
  faultType: 'NvidiaErrorReboot' | 'NvidiaErrorTerminate',
) => {
  const event = await env.simulator.injectFault({ instanceId, faultType, labels: false });
  const [execution] = env.dispatch(event);
  if (!execution) throw new Error('bench: the event matched no rule');
  // Wrapped: an async function returning the promise itself would make the caller wait for it.
  return { execution };
};

const succeeded = (report: ExecutionReport) => {
  if (report.status !== 'SUCCEEDED')
    throw new Error(`bench: execution ${report.status} ${JSON.stringify(report.error)}`);
  return report;
};

/** Part 1: event → resumed on the spare, delays at zero. */
const resumeLatency = async () => {
  const env = await start('bench-spares', 2 * (ROUNDS + 1), true, { rebootMs: 0, replaceMs: 0 });
  const promoted: number[] = [];
  const onSpare: number[] = [];
  const promoteTask: number[] = [];
  try {
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }]);
    const nodes = nodesOf(env);
    // A fresh worker and spare per round (the repaired workers join the pool as newer spares).
    // Round -1 warms up (cold clients, TLS, token): not counted.
    for (let round = -1; round < ROUNDS; round++) {
      const worker = nodes[2 * (round + 1)]!;
      const spare = nodes[2 * (round + 1) + 1]!;
      await makeSpare(env, spare.nodeName);
      const name = `r${round + 1}`;
      await env.apply([job(name, [worker.nodeName, spare.nodeName])]);
      await waitRunning(env, name, worker.nodeName);
      const eventAt = Date.now();
      const { execution } = await fault(env, worker.instanceId, 'NvidiaErrorReboot');
      await waitRunning(env, name, spare.nodeName);
      const onSpareAt = Date.now();
      const report = succeeded(await execution);
      const state = report.states.find((s) => s.name === 'PromoteSpare');
      if (!state?.exitedAt) throw new Error('bench: no PromoteSpare state');
      const record = await env.deps.ledger.getIncident(env.config.clusters[0]!.name, report.executionName);
      if (!record?.actions.some((x) => x.type === 'spare-promoted'))
        throw new Error('bench: no spare promoted');
      if (round >= 0) {
        promoted.push(state.exitedAt - eventAt);
        onSpare.push(onSpareAt - eventAt);
        promoteTask.push(state.exitedAt - state.enteredAt);
      }
    }
  } finally {
    await env.stop();
  }
  return {
    rounds: promoted.length,
    eventToJobResumedMs: summarize(promoted),
    eventToPodRunningOnSpareMs: summarize(onSpare),
    promoteSpareTaskMs: summarize(promoteTask),
    targetP95Ms: 1500,
    note: 'simulated delays zero; one-pod batch Job taking a whole node; resumed = PromoteSpare done (job unsuspended with the toleration)',
  };
};

/** Part 2: downtime per incident with and without a spare. */
const downtime = async () => {
  const rows: Record<
    string,
    { measuredMs: ReturnType<typeof summarize>; uncompressedEstimateSeconds: number }
  > = {};
  for (const withSpare of [false, true]) {
    const env = await start(
      `bench-downtime-${withSpare ? 'spare' : 'none'}`,
      4 * DOWNTIME_ROUNDS,
      withSpare,
      {
        rebootMs: REBOOT_MINUTES * MINUTE_MS,
        replaceMs: REPLACE_MINUTES * MINUTE_MS,
      },
    );
    try {
      await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }]);
      const nodes = nodesOf(env);
      let next = 0;
      for (const [action, faultType, repairMinutes] of [
        ['reboot', 'NvidiaErrorReboot', REBOOT_MINUTES],
        ['replace', 'NvidiaErrorTerminate', REPLACE_MINUTES],
      ] as const) {
        const samples: number[] = [];
        for (let round = 0; round < DOWNTIME_ROUNDS; round++) {
          // A fresh worker and spare per round.
          const worker = nodes[next++]!;
          const spare = nodes[next++]!;
          // The job starts on its worker: the spare is tainted, or (no pool) cordoned until then.
          if (withSpare) await makeSpare(env, spare.nodeName);
          else await env.admin.patchNode(spare.nodeName, { spec: { unschedulable: true } });
          const name = `${action}-${withSpare ? 's' : 'n'}-${round}`;
          // Allowed on both: without a pool the second node is free, yet the job stays suspended
          // until the repair ends (today's path); with one it is the spare.
          await env.apply([job(name, [worker.nodeName, spare.nodeName])]);
          await waitRunning(env, name, worker.nodeName);
          if (!withSpare) await env.admin.patchNode(spare.nodeName, { spec: { unschedulable: false } });
          const before = await podUid(env, name);
          const eventAt = Date.now();
          const { execution } = await fault(env, worker.instanceId, faultType);
          await pollUntil(
            async () => {
              const pods = await env.admin.listPods({ namespace: 'bench', labelSelector: `app=${name}` });
              return pods.some(
                (p) =>
                  p.metadata.uid !== before && !p.metadata.deletionTimestamp && p.status?.phase === 'Running',
              );
            },
            { what: `${name} running again`, timeoutMs: 300_000, intervalMs: 20 },
          );
          samples.push(Date.now() - eventAt);
          succeeded(await execution);
          await deleteJob(env, name);
        }
        const measured = summarize(samples);
        const repairMs = repairMinutes * MINUTE_MS;
        rows[`${action}-${withSpare ? 'with-spare' : 'without-spare'}`] = {
          measuredMs: measured,
          uncompressedEstimateSeconds:
            Math.round((withSpare ? measured.p50 : measured.p50 - repairMs + repairMinutes * 60_000) / 100) /
            10,
        };
      }
    } finally {
      await env.stop();
    }
  }
  return {
    compression: `×${COMPRESSION} (one simulated minute = ${MINUTE_MS} ms): reboot ${REBOOT_MINUTES} min = ${REBOOT_MINUTES * MINUTE_MS} ms, replacement ${REPLACE_MINUTES} min = ${REPLACE_MINUTES * MINUTE_MS} ms`,
    roundsPerCell: DOWNTIME_ROUNDS,
    downtimePerIncident: rows,
    note: 'downtime = fault event → the job’s new pod Running; the job may run on its worker or a second node (without a pool that node is free, yet the job stays suspended until the repair ends); uncompressed estimate (p50, seconds) scales only the simulated repair back to real time (orchestration and Kubernetes run in real time)',
  };
};

export async function run(): Promise<Record<string, unknown>> {
  return { resumeOnSpare: await resumeLatency(), downtime: await downtime() };
}
