/**
 * Step Functions quotas at scale: the largest payload (bytes of a state's input/output or a task's
 * input/result, UTF-8 JSON) and the history events (counted as Step Functions would,
 * local/sfn-quotas.ts) of each machine, on a cluster of 2,000 nodes holding 100 jobs we suspended.
 * Quotas: 262,144 bytes per payload, 25,000 events per execution (docs/facts/step-functions.md).
 *
 * What runs: the real ASL of each machine on the local runner (quotas enforced) with the real
 * tasks; in-memory ports (fake HyperPod with 2,000 instances, fake Kubernetes API with their
 * nodes, 100 PyTorchJobs of 20 workers each suspended by the real SuspendWorkloads task and their
 * open incidents in the memory ledger, one more job running). Machines:
 * - node-recovery: a recoverable fault on a node of the running job (reboot, verify, resume);
 * - health-check: a quick check of one node that passes;
 * - health-sweep, typical: 1% of the nodes with GPUs missing, 0.5% NotReady for an hour;
 * - health-sweep, worst: every node NotReady, recovery and repair caps at their maximum (500);
 * - job-resume: `all: true`, resuming the 100 jobs.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH tsx bench/run.ts quotas
 */

import type { AppConfigInput } from '#contracts/config/app.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { passingVerdict } from '#local/environment.ts';
import {
  type ExecutionReport,
  LocalExecutions,
  runHealthCheck,
  runHealthSweep,
  runJobResume,
  runNodeRecovery,
} from '#local/runner.ts';
import { HISTORY_LIMIT_EVENTS, PAYLOAD_LIMIT_BYTES } from '#local/sfn-quotas.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from '../test/integration/harness.ts';
import { QUICK_CHECKS_ON, simulateCheckPods } from '../test/integration/health-harness.ts';

const NODES = 2_000;
const SUSPENDED_JOBS = 100;
const WORKERS_PER_JOB = 20;

const instanceId = (i: number) =>
  i < INSTANCES.length ? INSTANCES[i]! : `i-0b${i.toString(16).padStart(15, '0')}`;

/** A 2,000-node cluster with 100 jobs we suspended (one open incident each) and one running job. */
export const bigCluster = async (sweep?: AppConfigInput['sweep'], policy?: AppConfigInput['policy']) => {
  const h = makeHarness({
    healthChecks: QUICK_CHECKS_ON,
    ...(sweep ? { sweep } : {}),
    ...(policy ? { policy } : {}),
  });
  for (let i = INSTANCES.length; i < NODES; i++) {
    h.hyperpod.addInstance({ instanceId: instanceId(i), group: i < NODES / 2 ? 'workers-a' : 'workers-b' });
  }
  const ids = Array.from({ length: NODES }, (_, i) => instanceId(i));
  for (let j = 0; j < SUSPENDED_JOBS; j++) {
    const nodes = ids.slice(j * WORKERS_PER_JOB, (j + 1) * WORKERS_PER_JOB);
    h.addJob('PyTorchJob', `train-${j}`, nodes.map(nodeName));
    const incidentId = `inc-${j}`;
    await h.ledger.createIncident({
      incidentId,
      clusterName: CLUSTER.name,
      trigger: { kind: 'node-health' },
      status: 'open',
      startedAt: h.deps.now(),
      actions: [],
    });
    await suspendWorkloads(
      {
        incidentId,
        executionName: incidentId,
        startedAt: h.deps.now(),
        clusterName: CLUSTER.name,
        eksClusterName: CLUSTER.eksClusterName,
        trigger: { kind: 'node-health' },
        fault: { class: 'fatal', code: 'NvidiaErrorTerminate' },
        node: { clusterName: CLUSTER.name, instanceId: nodes[0]!, nodeName: nodeName(nodes[0]!) },
        decision: {
          outcome: 'proceed',
          action: 'replace',
          reason: 'fatal-fault',
          mode: 'act',
          leaseHeld: true,
        },
      },
      h.deps,
    );
  }
  // One job still running, on nodes shared with suspended ones (a node can hold several pods).
  h.addJob('PyTorchJob', 'live', ids.slice(0, WORKERS_PER_JOB).map(nodeName));
  return { h, ids };
};

export const notReadySince = (h: Awaited<ReturnType<typeof bigCluster>>['h'], id: string, since: string) => {
  const node = h.kube.nodes.get(nodeName(id))!;
  node.status = {
    ...node.status,
    conditions: [
      { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: since },
    ],
  };
};

const figures = (report: ExecutionReport) => ({
  status: report.status,
  ...(report.error ? { error: report.error.name } : {}),
  historyEvents: report.usage.historyEvents,
  historyShare: Math.round((report.usage.historyEvents / HISTORY_LIMIT_EVENTS) * 1000) / 10,
  largestPayloadBytes: report.usage.largestPayload.bytes,
  largestPayloadShare: Math.round((report.usage.largestPayload.bytes / PAYLOAD_LIMIT_BYTES) * 1000) / 10,
  largestPayloadAt: `${report.usage.largestPayload.state ?? 'execution'} (${report.usage.largestPayload.kind})`,
  states: report.states.length,
  ...sweepCounts(report.output),
});

/** A sweep's starts and what its caps and payload budget dropped. */
const sweepCounts = (output: unknown) => {
  const sweep = output as { started?: unknown[]; summary?: { dropped: unknown }[] } | undefined;
  return sweep?.started && sweep.summary
    ? { recoveriesStarted: sweep.started.length, dropped: sweep.summary[0]?.dropped }
    : {};
};

export const run = async (): Promise<Record<string, unknown>> => {
  const results: Record<string, unknown> = {};

  {
    const { h, ids } = await bigCluster();
    // The quick check that verifies the rebooted node passes.
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    results['node-recovery'] = figures(
      await runNodeRecovery(nodeHealthEvent(ids[0]!, 'NvidiaErrorReboot'), h.deps),
    );
  }
  {
    const { h, ids } = await bigCluster();
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    results['health-check'] = figures(
      await runHealthCheck(
        { clusterName: CLUSTER.name, instanceId: ids[1_000]!, reason: 'bench', requestedBy: 'bench' },
        h.deps,
      ),
    );
  }
  {
    const { h, ids } = await bigCluster();
    // Findings of the sweep bench's mix: 1% GPUs missing, 0.5% NotReady for an hour.
    ids.forEach((id, i) => {
      if (i % 100 === 1) {
        const node = h.kube.nodes.get(nodeName(id))!;
        node.status = { ...node.status, allocatable: { ...node.status?.allocatable, 'nvidia.com/gpu': '7' } };
      }
      if (i % 200 === 3) notReadySince(h, id, '2026-11-29T08:00:00Z');
    });
    h.advanceClock(3 * 3600_000);
    results['health-sweep'] = figures(
      await runHealthSweep({}, h.deps, { executions: new LocalExecutions({ run: false }) }),
    );
  }
  {
    // With the default limits every-node-NotReady is a detector disagreement: nothing starts.
    const { h, ids } = await bigCluster({ maxRecoveries: 500, maxRepairs: 500, startConcurrency: 40 });
    for (const id of ids) notReadySince(h, id, '2026-11-29T08:00:00Z');
    h.advanceClock(3 * 3600_000);
    results['health-sweep (every node NotReady, default limits)'] = figures(
      await runHealthSweep({}, h.deps, { executions: new LocalExecutions({ run: false }) }),
    );
  }
  {
    // The payload worst case: the mass-finding limit lifted, so 500 recoveries are planned.
    const { h, ids } = await bigCluster(
      { maxRecoveries: 500, maxRepairs: 500, startConcurrency: 40 },
      { massFindings: { maxSharePercent: 100 } },
    );
    for (const id of ids) notReadySince(h, id, '2026-11-29T08:00:00Z');
    h.advanceClock(3 * 3600_000);
    results['health-sweep (every node NotReady, mass-finding limit lifted, caps 500)'] = figures(
      await runHealthSweep({}, h.deps, { executions: new LocalExecutions({ run: false }) }),
    );
  }
  {
    const { h } = await bigCluster();
    results['job-resume'] = figures(
      await runJobResume(
        { clusterName: CLUSTER.name, all: true, reason: 'bench', requestedBy: 'bench' },
        h.deps,
      ),
    );
  }
  return {
    setup: `${NODES} nodes, ${SUSPENDED_JOBS} suspended PyTorchJobs of ${WORKERS_PER_JOB} workers (+1 running); real ASL on the local runner with quotas enforced, real tasks, in-memory ports`,
    quotas: { payloadBytes: PAYLOAD_LIMIT_BYTES, historyEvents: HISTORY_LIMIT_EVENTS },
    machines: results,
  };
};
