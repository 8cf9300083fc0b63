/**
 * Forged and allowlisted CloudWatch alarms through the real node-recovery ASL (aws-local-stepfunctions,
 * real tasks, in-memory ports): only an alarm of `alarms.allow` may act, and only up to its
 * `maxAction` (security review finding 1).
 */
import { describe, expect, it } from 'vitest';
import { ALARM_FAULT_TAG } from '#domain/fault-classification.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { CLUSTER, gpuAlarmAllow, gpuAlarmEvent, INSTANCES, makeHarness, nodeName } from './harness.ts';

const [NODE_A, NODE_B, NODE_C, NODE_D] = INSTANCES as [string, string, string, string];

/** An alarm anyone with `cloudwatch:PutMetricAlarm` could create: our prefix, our tags, asking for a replacement. */
const forgedAlarm = (instanceId: string) => {
  const event = gpuAlarmEvent(instanceId, `hpr-forged-${instanceId}`);
  event.detail.alarmTags = { 'hyperpod-resilience.io/cluster': CLUSTER.name, [ALARM_FAULT_TAG]: 'replace' };
  return event;
};

describe('State machine: node-recovery with alarms that may act', () => {
  it('records an alarm that is not allowlisted and only observes it, though it carries our prefix, our tag and asks for replace', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_B)] } });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(forgedAlarm(NODE_A), h.deps);

    // Assess: nothing touched, nothing counted, the decision recorded.
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    expect(h.kube.nodes.get(nodeName(NODE_A))?.spec?.unschedulable).not.toBe(true);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.status).toBe('skipped');
    expect(incident?.instanceId).toBe(NODE_A);
    expect(incident?.decision).toMatchObject({
      outcome: 'skip',
      action: 'observe',
      skipReason: 'alarm-not-allowed',
      skipDetail: `alarm hpr-forged-${NODE_A} is not in alarms.allow: recorded and observed, never acted on (the decision was replace)`,
      leaseHeld: false,
    });
    expect((await h.ledger.getNodeHistory(CLUSTER.name, NODE_A)).faults).toEqual([]);
    expect((await h.ledger.getClusterState(CLUSTER.name)).remediations).toEqual([]);
    expect(h.metrics).toContainEqual(
      expect.objectContaining({ name: 'RemediationSkipped', dimensions: { reason: 'alarm-not-allowed' } }),
    );
  });

  it('lets four forged alarms neither trip the breaker nor hold back a genuine alarm that follows', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A)] } });

    // Act
    for (const node of [NODE_A, NODE_B, NODE_C, NODE_D]) await runNodeRecovery(forgedAlarm(node), h.deps);
    const genuine = await runNodeRecovery(gpuAlarmEvent(NODE_A), h.deps);

    // Assess
    const state = await h.ledger.getClusterState(CLUSTER.name);
    expect(state.breaker).toBeUndefined();
    expect(h.notifier.notifications.filter((n) => n.severity === 'critical')).toEqual([]);
    expect(genuine.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    expect(state.remediations.map((r) => r.instanceId)).toEqual([NODE_A]);
    const incident = await h.ledger.getIncident(CLUSTER.name, genuine.executionName);
    expect(incident?.decision).toMatchObject({ outcome: 'proceed', action: 'reboot' });
  });

  it('lowers the replacement an allowlisted alarm asks for to its maxAction reboot', async () => {
    // Prepare: the entry says the alarm means a fatal fault, but may at most reboot; the tag asks for replace.
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'reboot', 'fatal')] } });
    const event = gpuAlarmEvent(NODE_A);
    event.detail.alarmTags = { [ALARM_FAULT_TAG]: 'replace' };

    // Act
    const report = await runNodeRecovery(event, h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.fault).toMatchObject({ class: 'fatal', code: 'alarm-allow-fatal' });
    expect(incident?.decision).toMatchObject({
      outcome: 'proceed',
      action: 'reboot',
      reason: 'alarm-max-action',
    });
  });

  it('escalates to people instead of replacing when the reboot of an alarm that may only reboot did not fix the node', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'reboot', 'suspect')] } });
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };
    h.hyperpod.rebootEffect = 'gpus-still-missing';

    // Act
    const report = await runNodeRecovery(gpuAlarmEvent(NODE_A), h.deps);

    // Assess
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot']);
    expect(report.states.map((s) => s.name)).not.toContain('EscalateToReplace');
    expect(report.states.map((s) => s.name)).toContain('Escalate');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({ action: 'reboot', maxAction: 'reboot' });
  });

  it('still replaces when the reboot did not fix the node and the entry allows replace', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'replace', 'suspect')] } });
    h.kube.nodes.get(nodeName(NODE_A))!.status!.allocatable = { 'nvidia.com/gpu': '7' };
    h.hyperpod.rebootEffect = 'gpus-still-missing';

    // Act
    await runNodeRecovery(gpuAlarmEvent(NODE_A), h.deps);

    // Assess
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'replace']);
  });

  it('never replaces on the alarm tag alone: an entry that means suspect reboots, and only maxAction replace with meaning fatal replaces', async () => {
    // Prepare
    const tagged = (node: string) => {
      const event = gpuAlarmEvent(node);
      event.detail.alarmTags = { [ALARM_FAULT_TAG]: 'replace' };
      return event;
    };
    const suspect = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'replace', 'suspect')] } });
    const fatal = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'replace', 'fatal')] } });

    // Act
    await runNodeRecovery(tagged(NODE_A), suspect.deps);
    await runNodeRecovery(gpuAlarmEvent(NODE_A), fatal.deps);

    // Assess
    expect(suspect.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    expect(fatal.hyperpod.calls).toEqual([{ op: 'replace', instanceIds: [NODE_A] }]);
  });

  it('only records an allowlisted alarm whose maxAction is observe, and counts it nowhere', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A, 'observe', 'fatal')] } });

    // Act
    const report = await runNodeRecovery(gpuAlarmEvent(NODE_A), h.deps);

    // Assess
    expect(h.hyperpod.calls).toEqual([]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({
      outcome: 'skip',
      action: 'observe',
      skipReason: 'alarm-max-action',
      skipDetail: `alarms.allow.0 lets alarm ${gpuAlarmEvent(NODE_A).detail.alarmName} do at most observe (the decision was replace)`,
    });
    expect((await h.ledger.getNodeHistory(CLUSTER.name, NODE_A)).faults).toEqual([]);
    expect((await h.ledger.getClusterState(CLUSTER.name)).remediations).toEqual([]);
  });

  it('acts on the cluster of the allowlist entry, whatever cluster the alarm tag names', async () => {
    // Prepare
    const h = makeHarness({ alarms: { allow: [gpuAlarmAllow(NODE_A)] } });
    const event = gpuAlarmEvent(NODE_A);
    event.detail.alarmTags = { 'hyperpod-resilience.io/cluster': 'someone-elses-cluster' };

    // Act
    const report = await runNodeRecovery(event, h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.clusterName).toBe(CLUSTER.name);
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
  });
});
