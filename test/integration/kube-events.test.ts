/**
 * The Kubernetes Events a whole node-recovery execution leaves (ASL on aws-local-stepfunctions,
 * real tasks, in-memory ports): the skip path writes RemediationSkipped on the node, typed by
 * why; duplicates write none; a remediated incident leaves its actions on the node and the job.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_INCIDENT_ANNOTATION } from '#domain/kube-events.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

const [NODE_A, NODE_B] = INSTANCES as [string, string];

const eventsOn = (h: ReturnType<typeof makeHarness>, name: string) =>
  [...h.kube.events.values()]
    .filter((e) => e.regarding.name === name)
    .map((e) => ({
      reason: e.reason,
      type: e.type,
      incident: e.metadata.annotations[EVENT_INCIDENT_ANNOTATION],
    }));

describe('State machine: node-recovery Kubernetes Events', () => {
  it('writes a Normal RemediationSkipped on the node in observe mode, and nothing else', async () => {
    // Prepare
    const h = makeHarness({ policy: { mode: 'observe' } });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(h.kube.mutations).toEqual([]);
    expect(eventsOn(h, nodeName(NODE_A))).toEqual([
      { reason: 'RemediationSkipped', type: 'Normal', incident: report.executionName },
    ]);
    const [event] = h.kube.events.values();
    expect(event?.note).toContain('remediation skipped (observe-mode)');
    expect(h.kube.events.size).toBe(1);
  });

  it('writes a Warning RemediationSkipped when the circuit breaker stops a remediation', async () => {
    // Prepare
    const h = makeHarness({
      policy: {
        circuitBreaker: { maxNodesPerWindow: 1, windowMinutes: 60 },
        massFindings: { maxSharePercent: 100 },
      },
    });
    await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_B, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(eventsOn(h, nodeName(NODE_B))).toEqual([
      { reason: 'RemediationSkipped', type: 'Warning', incident: report.executionName },
    ]);
  });

  it('leaves the quarantine, the job suspension and resumption and the restore on a rebooted node and its job, and no Event for a duplicate delivery', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);
    await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(eventsOn(h, nodeName(NODE_A)).map((e) => `${e.type} ${e.reason} ${e.incident}`)).toEqual([
      `Warning NodeQuarantined ${report.executionName}`,
      `Normal NodeRestored ${report.executionName}`,
    ]);
    expect(eventsOn(h, 'llama').map((e) => `${e.type} ${e.reason}`)).toEqual([
      'Warning WorkloadSuspended',
      'Normal WorkloadResumed',
    ]);
  });
});
