/**
 * The node-recovery ASL executed end to end by aws-local-stepfunctions with the real tasks and
 * in-memory ports: one scenario per branch of the machine.
 */
import { describe, expect, it } from 'vitest';
import { KubernetesRequestFailedError, KubernetesThrottledError } from '#contracts/errors.ts';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { runNodeRecovery } from '#local/runner.ts';
import {
  CLUSTER,
  gpuAlarmAllow,
  gpuAlarmEvent,
  INSTANCES,
  makeHarness,
  nodeHealthEvent,
  nodeName,
} from './harness.ts';

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
      'PromoteSpare',
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

  it('changes nothing when HyperPod reports another EKS cluster as the orchestrator than the configuration names', async () => {
    // Prepare
    const h = makeHarness({ orchestrator: 'someone-elses-eks' });
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
      skipReason: 'wrong-eks-cluster',
      skipDetail: expect.stringContaining('someone-elses-eks'),
    });
  });

  it.each([
    {
      case: 'an operator paused the cluster',
      change: async (h: ReturnType<typeof makeHarness>) => {
        const guard = await h.ledger.getClusterState(CLUSTER.name);
        await h.ledger.putClusterState(
          CLUSTER.name,
          {
            ...guard,
            paused: { reason: 'maintenance window', by: 'oncall', at: '2026-11-29T10:00:05.000Z' },
          },
          guard.version,
        );
      },
      reason: 'paused',
    },
    {
      case: 'the circuit breaker opened',
      change: async (h: ReturnType<typeof makeHarness>) => {
        const guard = await h.ledger.getClusterState(CLUSTER.name);
        await h.ledger.putClusterState(
          CLUSTER.name,
          { ...guard, breaker: { trippedAt: '2026-11-29T10:00:05.000Z', reason: 'correlated faults' } },
          guard.version,
        );
      },
      reason: 'breaker-open',
    },
    {
      case: 'observe mode was switched on',
      change: async (h: ReturnType<typeof makeHarness>) => {
        h.deps.config = { ...h.deps.config, policy: { ...h.deps.config.policy, mode: 'observe' } };
      },
      reason: 'observe-mode',
    },
  ])(
    'stops before the reboot when, after admission, $case: escalates to people, resumes the job, calls nothing',
    async ({ change, reason }) => {
      // Prepare: the change lands while the job is being suspended, after Admit said yes.
      const h = makeHarness();
      h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
      const kubeFor = h.deps.kubeFor;
      h.deps.kubeFor = async (name) => {
        const kube = await kubeFor(name);
        return new Proxy(kube, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if (property !== 'patchWorkload' || typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
              const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              await change(h);
              return result;
            };
          },
        });
      };

      // Act
      const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

      // Assess
      expect(report.status).toBe('FAILED');
      expect(report.error?.name).toBe('NeedsAttention');
      expect(visited(report)).toEqual([
        'AdmitIncident',
        'IsActionNeeded',
        'QuarantineNode',
        'SuspendWorkloads',
        'PromoteSpare',
        'RequestRemediation',
        'Escalate',
        'RecordOutcome',
        'IsNeedsAttention',
        'NeedsAttention',
      ]);
      expect(h.hyperpod.calls).toEqual([]);
      expect(isQuarantined(h, NODE_A)).toEqual({ cordoned: true, tainted: true });
      expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
      const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
      expect(incident?.actions.find((a) => a.type === 'action-refused')?.detail).toMatchObject({
        action: 'reboot',
        reason,
      });
    },
  );

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

  it('waits for the recovery under way when SageMaker answers InstanceIdInUse and the node is being terminated', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.failNode(NODE_A, 'InstanceIdInUse');
    const listNodes = h.hyperpod.clusterNodes.listNodes;
    h.hyperpod.clusterNodes.rebootNodes = ((reboot) => async (name, ids) => {
      const result = await reboot(name, ids);
      // Someone else's replacement holds the node: SageMaker shows it ShuttingDown.
      h.hyperpod.instances.get(NODE_A)!.status = 'ShuttingDown';
      return result;
    })(h.hyperpod.clusterNodes.rebootNodes);
    let replaced = false;
    h.hyperpod.clusterNodes.listNodes = async (name, filter) => {
      if (!replaced) {
        replaced = true;
        h.hyperpod.instances.get(NODE_A)!.status = 'Running';
        h.hyperpod.replaceNow(NODE_A);
      }
      return listNodes(name, filter);
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toHaveLength(1);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    const inProgress = incident?.actions.find((a) => a.type === 'remediation-already-in-progress');
    expect(inProgress?.detail).toMatchObject({ code: 'InstanceIdInUse', observed: 'replace' });
    expect(incident?.actions.find((a) => a.type === 'node-ready')?.detail).toMatchObject({ replaced: true });
    expect(incident?.status).toBe('resolved');
  });

  it('retries when SageMaker answers InstanceIdInUse during a deep health check, and acts once it ends', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.failNode(NODE_A, 'InstanceIdInUse', { count: 2, whileStatus: 'DeepHealthCheckInProgress' });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.states.find((s) => s.name === 'RequestRemediation')?.retries).toBe(2);
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'reboot', 'reboot']);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.map((a) => a.type)).toContain('remediation-requested');
    expect(incident?.actions.map((a) => a.type)).not.toContain('remediation-already-in-progress');
    expect(incident?.outcome).toBe('rebooted-not-verified');
  });

  it.each([
    { case: 'a software update', status: 'SystemUpdating', code: 'InstanceIdInUse' },
    { case: 'a deep health check', status: 'DeepHealthCheckInProgress', code: 'InvalidInstanceStatus' },
  ])(
    'escalates and resumes the jobs when $case holds the node ($code) past the retry budget, never assuming a recovery',
    async ({ status, code }) => {
      // Prepare
      const h = makeHarness();
      h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);
      h.hyperpod.failNode(NODE_A, code, { count: 100, whileStatus: status });

      // Act
      const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

      // Assess
      expect(report.status).toBe('FAILED');
      expect(visited(report)).toContain('Escalate');
      expect(h.hyperpod.calls).toHaveLength(7);
      expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
      const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
      expect(incident?.actions.map((a) => a.type)).not.toContain('remediation-already-in-progress');
      const escalation = incident?.actions.find((a) => a.type === 'escalated');
      expect(String(escalation?.detail?.reason)).toContain('NodeBusyError');
      expect(String(escalation?.detail?.reason)).toContain(status);
    },
  );

  it('retries a per-node InternalServerError with backoff and then reboots', async () => {
    // Prepare
    const h = makeHarness();
    // Per-node code from the API reference (BatchRebootClusterNodesError.ErrorCode).
    h.hyperpod.failNode(NODE_A, 'InternalServerError', { count: 2 });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.states.find((s) => s.name === 'RequestRemediation')?.retries).toBe(2);
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'reboot', 'reboot']);
  });

  it('escalates when the per-node InternalServerError outlasts the retries', async () => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.failNode(NODE_A, 'InternalServerError', { count: 100 });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(h.hyperpod.calls).toHaveLength(6);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    const escalation = incident?.actions.find((a) => a.type === 'escalated');
    expect(String(escalation?.detail?.reason)).toContain('SageMakerTransientError');
  });

  it.each([
    { survives: true, case: 'keeps' },
    { survives: false, case: 'does not keep' },
  ])('finds the replacement when it $case the old NodeLogicalId', async ({ survives }) => {
    // Prepare
    const h = makeHarness();
    h.hyperpod.logicalIdSurvivesReplacement = survives;

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    const ready = incident?.actions.find((a) => a.type === 'node-ready')?.detail;
    expect(ready).toMatchObject({ replaced: true });
    const replacement = h.hyperpod.instances.get(String(ready?.instanceId));
    expect(replacement?.nodeLogicalId === `logical-${NODE_A}`).toBe(survives);
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

  it('waits for HyperPod under NodeRecovery=Automatic when its own event comes with its Pending label: no second recovery', async () => {
    // Prepare
    const h = makeHarness({ nodeRecovery: 'Automatic' });
    h.addJob('Job', 'eval', [nodeName(NODE_A)]);
    h.labelNode(NODE_A, 'UnschedulablePendingReboot');

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.hyperpod.hyperpodActions).toEqual([{ op: 'reboot', instanceId: NODE_A }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({ remediation: 'await-hyperpod', hyperpodPending: 'reboot' });
    expect(incident?.actions.map((a) => a.type)).toEqual([
      'admitted',
      'quarantined',
      'workloads-suspended',
      'awaiting-hyperpod',
      'hyperpod-recovery-started',
      'node-ready',
      'verification-not-verified',
      'node-restored',
      'workloads-resumed',
      'recorded',
    ]);
    expect(h.suspendValue('Job', 'eval')).toBe(false);
  });

  it('asks HyperPod to recover the node under NodeRecovery=Automatic when only our alarm saw the fault', async () => {
    // Prepare
    const h = makeHarness({ nodeRecovery: 'Automatic', alarms: { allow: [gpuAlarmAllow(NODE_A)] } });
    h.addJob('Job', 'eval', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(gpuAlarmEvent(NODE_A), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    expect(h.hyperpod.hyperpodActions).toEqual([]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.trigger).toMatchObject({ kind: 'alarm' });
    expect(incident?.decision).toMatchObject({ action: 'reboot', remediation: 'request' });
    expect(incident?.actions.map((a) => a.type)).toContain('remediation-requested');
    expect(incident?.outcome).toBe('rebooted-not-verified');
    expect(h.suspendValue('Job', 'eval')).toBe(false);
  });

  it('escalates and resumes the jobs when HyperPod does not start the recovery it has pending within the grace', async () => {
    // Prepare
    const h = makeHarness({
      nodeRecovery: 'Automatic',
      policy: { awaitNode: { pollSeconds: 5, replaceTimeoutMinutes: 30, hyperpodStartGraceMinutes: 1 } },
    });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);
    h.labelNode(NODE_A, 'UnschedulablePendingReplacement');
    h.hyperpod.automaticRecovery = false;

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('NeedsAttention');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    expect(isQuarantined(h, NODE_A)).toEqual({ cordoned: true, tainted: true });
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.status).toBe('needs-attention');
    const escalation = incident?.actions.find((a) => a.type === 'escalated');
    expect(String(escalation?.detail?.reason)).toContain('RecoveryNotStartedError');
    // Well before the 120-minute replace timeout.
    const awaited = incident?.actions.find((a) => a.type === 'awaiting-hyperpod');
    const elapsedMs = Date.parse(String(escalation?.at)) - Date.parse(String(awaited?.at));
    expect(elapsedMs).toBeLessThan(5 * 60_000);
  });
});
