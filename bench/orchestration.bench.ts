/**
 * Control-plane start with cached binaries, and the orchestration overhead of one incident with
 * every simulated provider delay at zero: event → quarantined, → jobs suspended, → remediation
 * requested, → jobs resumed. Real ASL on aws-local-stepfunctions, real adapters over HTTP (SDK →
 * simulator, Kubernetes client → kube-apiserver with RBAC and webhook tokens, DynamoDB → dynalite).
 */

import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { startLocalEnvironment } from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import { startControlPlane } from '#local/testbed/control-plane.ts';
import { summarize } from './stats.ts';

const INCIDENTS = Number(process.env.HPR_BENCH_INCIDENTS ?? 24);

const controlPlaneStart = async () => {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cp = await startControlPlane({ tier: 1 });
    samples.push(cp.startupMs);
    await cp.stop();
  }
  return summarize(samples);
};

export async function run(): Promise<Record<string, unknown>> {
  const startup = await controlPlaneStart();
  const env = await startLocalEnvironment({
    cluster: {
      name: 'bench',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: INCIDENTS + 2 }],
    },
    policy: {
      mode: 'act',
      circuitBreaker: { maxNodesPerWindow: 1000, windowMinutes: 1 },
      maxParallel: { absolute: 1000, percent: 100 },
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 },
    },
    timings: { rebootMs: 0, shutdownMs: 0, replaceMs: 0, nodeJoinMs: 0, capacityFailMs: 0 },
    pollMs: 0,
  });
  const stages = {
    quarantined: [] as number[],
    suspended: [] as number[],
    requested: [] as number[],
    resumed: [] as number[],
  };
  try {
    const instances = [...env.simulator.clusters[0]!.nodes];
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }]);
    // One single-pod PyTorchJob per node: every incident has a job to suspend and resume.
    const meta = WORKLOAD_KINDS.PyTorchJob;
    for (const [i, instance] of instances.slice(0, INCIDENTS).entries()) {
      await env.apply([
        {
          apiVersion: meta.apiVersion,
          kind: 'PyTorchJob',
          metadata: { name: `job-${i}`, namespace: 'bench' },
          spec: { runPolicy: { suspend: false } },
        },
      ]);
      const job = await env.admin.getWorkload({
        kind: 'PyTorchJob',
        apiVersion: meta.apiVersion,
        namespace: 'bench',
        name: `job-${i}`,
      });
      await env.apply([
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `job-${i}-worker-0`,
            namespace: 'bench',
            ownerReferences: [
              {
                apiVersion: meta.apiVersion,
                kind: 'PyTorchJob',
                name: `job-${i}`,
                uid: job?.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: { nodeName: instance.nodeName, containers: [{ name: 'trainer', image: 'trainer' }] },
        },
      ]);
    }
    // A warm-up incident on the spare node (cold clients, TLS, token) is not counted.
    await env.simulator.injectFault({
      instanceId: instances[INCIDENTS]!.instanceId,
      faultType: 'NvidiaErrorTerminate',
    });
    await env.settled();
    for (const instance of instances.slice(0, INCIDENTS)) {
      const before = env.executions.length;
      // EventBridge `time` has whole seconds: measure from the emission itself (no HMA labels, so
      // the simulator emits at once).
      const eventAt = Date.now();
      await env.simulator.injectFault({
        instanceId: instance.instanceId,
        faultType: 'NvidiaErrorTerminate',
        labels: false,
      });
      await pollUntil(() => env.executions.length > before, {
        what: 'the execution the fault started',
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      const report = await env.executions[before]!;
      const incident = await env.deps.ledger.getIncident('bench', report.executionName);
      const at = (type: string) =>
        Date.parse(incident?.actions.find((a) => a.type === type)?.at ?? '') - eventAt;
      stages.quarantined.push(at('quarantined'));
      stages.suspended.push(at('workloads-suspended'));
      stages.requested.push(at('remediation-requested'));
      stages.resumed.push(at('workloads-resumed'));
    }
  } finally {
    await env.stop();
  }
  return {
    controlPlaneStartMs: startup,
    incidents: INCIDENTS,
    eventToQuarantinedMs: summarize(stages.quarantined),
    eventToJobsSuspendedMs: summarize(stages.suspended),
    eventToRemediationRequestedMs: summarize(stages.requested),
    eventToJobsResumedMs: summarize(stages.resumed),
    note: 'simulated reboot/replace/join delays are 0 and Wait states last 0 ms: this is our own overhead',
  };
}
