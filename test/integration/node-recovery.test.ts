/**
 * The node-recovery ASL executed end to end by aws-local-stepfunctions with the real tasks and
 * in-memory ports: one scenario per branch of the machine.
 */
import { describe, expect, it } from 'vitest';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { KubernetesRequestFailedError, KubernetesThrottledError } from '#shared/errors.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

const [NODE_A, NODE_B, NODE_C] = INSTANCES as [string, string, string];

const visited = (report: Awaited<ReturnType<typeof runNodeRecovery>>) => report.states.map((s) => s.name);

const isQuarantined = (h: ReturnType<typeof makeHarness>, instanceId: string) => {
  const node = h.kube.nodes.get(nodeName(instanceId));
  return {
    cordoned: node?.spec?.unschedulable === true,
    tainted: node?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) === true,
  };
};

describe('State machine: node-recovery', () => {
  it('reboots a node with a recoverable fault, proves the reboot by a new boot id, then restores it and resumes its job', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual([
      'AdmitIncident',
      'IsActionNeeded',
      'QuarantineNode',
      'SuspendWorkloads',
      'RequestRemediation',
      'WaitForNode',
      'CheckNodeRecovery',
      'IsNodeBack',
      'StartQuickCheck',
      'IsQuickCheckDone',
      'IsNodeHealthy',
      'RestoreNode',
      'ResumeWorkloads',
      'RecordOutcome',
      'IsNeedsAttention',
      'Done',
    ]);
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    expect(isQuarantined(h, NODE_A)).toEqual({ cordoned: false, tainted: false });
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.status).toBe('resolved');
    expect(incident?.outcome).toBe('rebooted-not-verified');
    expect(incident?.actions.map((a) => a.type)).toEqual([
      'admitted',
      'quarantined',
      'workloads-suspended',
      'remediation-requested',
      'node-ready',
      'verification-not-verified',
      'node-restored',
      'workloads-resumed',
      'recorded',
    ]);
  });

  it('replaces the node when the reboot did not fix it', async () => {
    // Prepare
    const h = makeHarness();
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };
    h.hyperpod.rebootEffect = 'gpus-still-missing';
    h.addJob('Job', 'eval', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'replace']);
    expect(visited(report)).toContain('EscalateToReplace');
    expect(h.hyperpod.instances.has(NODE_A)).toBe(false);
    expect(h.suspendValue('Job', 'eval')).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.outcome).toBe('replaced-not-verified');
  });

  it('replaces at once for a known-fatal fault, without trying a reboot', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'replace', instanceIds: [NODE_A] }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({ action: 'replace', reason: 'fatal-fault' });
  });

  it('remediates once when the same event is delivered three times', async () => {
    // Prepare
    const h = makeHarness();
    const event = nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate');

    // Act
    const reports = await Promise.all([1, 2, 3].map(() => runNodeRecovery(structuredClone(event), h.deps)));

    // Assess
    expect(h.hyperpod.calls).toHaveLength(1);
    expect(reports.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    const incidents = await h.ledger.listIncidents(CLUSTER.name);
    expect(incidents.map((i) => i.status).sort()).toEqual(['resolved', 'skipped', 'skipped']);
    const skipReasons = incidents.filter((i) => i.status === 'skipped').map((i) => i.decision?.skipReason);
    expect(skipReasons.every((r) => r === 'duplicate' || r === 'lease-held')).toBe(true);
  });

  it('changes nothing in observe mode and records the decision that would have run', async () => {
    // Prepare
    const h = makeHarness({ policy: { mode: 'observe' } });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual(['AdmitIncident', 'IsActionNeeded', 'RecordSkip', 'Done']);
    expect(h.kube.mutations).toEqual([]);
    expect(h.hyperpod.calls).toEqual([]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({
      outcome: 'skip',
      skipReason: 'observe-mode',
      wouldHave: { action: 'replace', remediation: 'request' },
    });
  });

  it('stops remediating and notifies people when the circuit breaker trips', async () => {
    // Prepare
    // 3 of 4 nodes would also be a mass finding (mass-findings.test.ts): judged off here.
    const h = makeHarness({
      policy: {
        circuitBreaker: { maxNodesPerWindow: 1, windowMinutes: 60 },
        massFindings: { maxSharePercent: 100 },
      },
    });
    await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_B, 'NvidiaErrorTerminate'), h.deps);
    const later = await runNodeRecovery(nodeHealthEvent(NODE_C, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(h.hyperpod.calls).toEqual([{ op: 'replace', instanceIds: [NODE_A] }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision?.skipReason).toBe('breaker-open');
    const laterIncident = await h.ledger.getIncident(CLUSTER.name, later.executionName);
    expect(laterIncident?.decision?.skipReason).toBe('breaker-open');
    expect(h.notifier.notifications).toHaveLength(1);
    expect(h.notifier.notifications[0]).toMatchObject({ severity: 'critical' });
    expect(h.notifier.notifications[0]?.subject).toContain('circuit breaker');
    expect(isQuarantined(h, NODE_B)).toEqual({ cordoned: false, tainted: false });
  });

  it('records HyperPod as acting and issues no second action when SageMaker answers InstanceIdInUse', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.failNode(NODE_A, 'InstanceIdInUse', { actAnyway: 'reboot' });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toHaveLength(1);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.map((a) => a.type)).toContain('remediation-already-in-progress');
    expect(incident?.status).toBe('resolved');
  });

  it('escalates on a Kubernetes failure midway: the node stays quarantined, the jobs are resumed and the incident is recorded', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);
    h.hyperpod.afterAction = () =>
      h.kube.failNext('getNode', new KubernetesRequestFailedError('nodes is forbidden (403)'), 1);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('NeedsAttention');
    expect(visited(report)).toContain('Escalate');
    expect(isQuarantined(h, NODE_A)).toEqual({ cordoned: true, tainted: true });
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.status).toBe('needs-attention');
    expect(h.notifier.notifications.some((n) => n.subject.includes('needs attention'))).toBe(true);
    const history = await h.ledger.getNodeHistory(CLUSTER.name, NODE_A);
    expect(history.needsAttention?.incidentId).toBe(report.executionName);
  });

  it('retries a throttled Kubernetes call and then succeeds', async () => {
    // Prepare
    const h = makeHarness();
    h.kube.failNext('patchNode', new KubernetesThrottledError('429 Too Many Requests'), 2);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.states.find((s) => s.name === 'QuarantineNode')?.retries).toBe(2);
  });

  it('suspends a job spanning two failing nodes once and resumes it once', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const reports = await Promise.all([
      runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps),
      runNodeRecovery(nodeHealthEvent(NODE_B, 'NvidiaErrorTerminate'), h.deps),
    ]);

    // Assess
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const suspendPatches = h.kube.mutations.filter(
      (m) => m.method === 'patchWorkload' && JSON.stringify(m.patch).includes('"suspend":true'),
    );
    const resumePatches = h.kube.mutations.filter(
      (m) => m.method === 'patchWorkload' && JSON.stringify(m.patch).includes('"suspend":false'),
    );
    expect(suspendPatches).toHaveLength(1);
    expect(resumePatches).toHaveLength(1);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
  });

  it.each([
    { case: 'a non-object event', input: 'not an event', error: 'InvalidInputError' },
    {
      case: 'a node-health event without an instance id',
      input: (() => {
        const e = nodeHealthEvent(INSTANCES[0]!, 'NvidiaErrorTerminate');
        delete e.detail.InstanceId;
        return e;
      })(),
      error: 'InvalidInputError',
    },
    {
      case: 'a manual request with an unknown key',
      input: { clusterName: CLUSTER.name, instanceId: INSTANCES[0], reason: 'test', rebootNow: true },
      error: 'InvalidInputError',
    },
    {
      case: 'an event from a cluster that is not configured',
      input: (() => {
        const e = nodeHealthEvent(INSTANCES[0]!, 'NvidiaErrorTerminate');
        e.detail.ClusterArn = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/zzzzzzzzzzzz';
        e.detail.ClusterName = 'other';
        e.resources = [e.detail.ClusterArn];
        return e;
      })(),
      error: 'UnknownClusterError',
    },
    {
      case: 'an instance that is not in the cluster',
      input: nodeHealthEvent('i-0fffffffffffffff0', 'NvidiaErrorTerminate'),
      error: 'NodeNotFoundError',
    },
  ])('rejects $case with $error and changes nothing', async ({ input, error }) => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runNodeRecovery(input, h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe(error);
    expect(h.kube.mutations).toEqual([]);
    expect(h.hyperpod.calls).toEqual([]);
    expect(await h.ledger.listIncidents(CLUSTER.name)).toEqual([]);
  });

  it('skips a node that returned to healthy: it is not a fault', async () => {
    // Prepare
    const h = makeHarness();
    const event = nodeHealthEvent(NODE_A, 'NvidiaErrorReboot');
    event.detail.HealthSummary = { HealthStatus: 'Healthy', RepairAction: 'None' };

    // Act
    const report = await runNodeRecovery(event, h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision?.skipReason).toBe('not-a-fault');
    expect(h.kube.mutations).toEqual([]);
  });

  it('leaves remediation to HyperPod when it owns node recovery, and still quarantines, suspends and resumes', async () => {
    // Prepare
    const h = makeHarness({ nodeRecovery: 'Automatic' });
    h.addJob('Job', 'eval', [nodeName(NODE_A)]);
    const kubePatch = h.kube.patchNode.bind(h.kube);
    let hyperpodActed = false;
    h.kube.patchNode = async (name, patch, options) => {
      const result = await kubePatch(name, patch, options);
      // HyperPod's own recovery reboots the node once it is quarantined (as HMA would).
      if (!hyperpodActed && name === nodeName(NODE_A)) {
        hyperpodActed = true;
        h.hyperpod.failNode(NODE_A, 'InstanceIdInUse', { actAnyway: 'reboot' });
        await h.hyperpod.clusterNodes.rebootNodes(CLUSTER.name, [NODE_A]);
        h.hyperpod.calls.length = 0;
      }
      return result;
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({ remediation: 'await-hyperpod' });
    expect(incident?.actions.map((a) => a.type)).toContain('awaiting-hyperpod');
    expect(h.suspendValue('Job', 'eval')).toBe(false);
  });
});
