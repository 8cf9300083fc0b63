/**
 * The derived-policy guard in the integration harness (local/iam-guard.ts `guardPorts`): every task
 * the runner invokes may call only the port members deploy/task-iam.ts derived for its Lambda.
 * Every integration test runs under it; this one proves it bites, with a copy of the derived
 * policies that lacks one member.
 */
import { describe, expect, it } from 'vitest';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { type DerivedPolicies, drainPolicyViolations } from '#local/iam-guard.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

const [NODE_A, NODE_B] = INSTANCES as [string, string];

/** A copy of the derived policies where `lambda` lacks the port member `member`. */
const without = (lambda: string, member: string): DerivedPolicies => ({
  ...TASK_IAM,
  [lambda]: { ...TASK_IAM[lambda]!, ports: TASK_IAM[lambda]!.ports.filter((p) => p !== member) },
});

describe('Derived-policy guard: integration harness', () => {
  it('lets a reboot through with the derived policies (the policy RequestRemediation is deployed with)', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
  });

  it('fails RequestRemediation before the reboot when its policy lacks ClusterNodes.rebootNodes, naming Lambda and member', async () => {
    // Prepare
    const h = makeHarness({ policies: without('request-remediation', 'ClusterNodes.rebootNodes') });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A), nodeName(NODE_B)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);
    const violations = drainPolicyViolations();

    // Assess: no reboot reached HyperPod; the state failed with the guard's error.
    expect(h.hyperpod.calls).toEqual([]);
    expect(report.states.find((s) => s.name === 'RequestRemediation')?.error).toBe(
      'OutsideDerivedPolicyError',
    );
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]).toMatch(
      /^request-remediation called ClusterNodes\.rebootNodes, which needs ClusterNodes\.rebootNodes: not in its derived policy/,
    );
  });
});
