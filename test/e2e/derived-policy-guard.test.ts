/**
 * The derived-policy guard on the real adapters (local/iam-guard.ts): the SDK middleware on every
 * client of the local environment refuses a command the running Lambda's derived policy lacks,
 * before it reaches the simulator. Every e2e run carries it with deploy/task-iam.ts; this one takes
 * a copy without one action.
 */
import { describe, expect, it } from 'vitest';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { loadScenario } from '#local/cli/scenario.ts';
import { runScenario } from '#local/cli/simulate.ts';
import type { LocalEnvironment } from '#local/environment.ts';
import { type DerivedPolicies, drainPolicyViolations } from '#local/iam-guard.ts';

describe('End to end: the derived-policy guard on the SDK clients', () => {
  it('fails RequestRemediation before BatchReplaceClusterNodes reaches SageMaker when its policy lacks the action', async () => {
    // Prepare: the port member stays allowed; only the IAM action is gone.
    const iam = TASK_IAM['request-remediation']!;
    const policies: DerivedPolicies = {
      ...TASK_IAM,
      'request-remediation': {
        ...iam,
        actions: iam.actions.filter((a) => a !== 'sagemaker:BatchReplaceClusterNodes'),
      },
    };
    let env: LocalEnvironment | undefined;
    let calls: Record<string, number> = {};
    const scenario = loadScenario(
      new URL('../../local/scenarios/fatal-fault-replace.json', import.meta.url).pathname,
    );

    // Act
    await runScenario(await scenario, {
      policies,
      onEnvironment: (e) => {
        env = e;
      },
    }).finally(() => {
      calls = { ...env?.simulator.calls };
    });
    const violations = drainPolicyViolations();

    // Assess
    expect(calls['sagemaker:BatchReplaceClusterNodes'] ?? 0).toBe(0);
    expect(violations[0]).toMatch(
      /^request-remediation sent SageMaker BatchReplaceClusterNodesCommand, which needs sagemaker:BatchReplaceClusterNodes: not in its derived policy/,
    );
  });
});
