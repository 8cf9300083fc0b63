/**
 * The health-sweep stays under the Step Functions payload quota in a mass failure: at the
 * maximum caps (500 recoveries) the findings of a 600-node outage would pass 256 KiB, which fails
 * the sweep with the uncatchable States.DataLimitExceeded and starts nothing. The sweep keeps its
 * output under a budget, counts what it dropped, and the Maps replace their item lists with
 * their results. Sources: docs/facts/step-functions.md.
 */
import { describe, expect, it } from 'vitest';
import { SWEEP_OUTPUT_BUDGET_BYTES } from '#functions/tasks/sweep-cluster.ts';
import { LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { INSTANCES, makeHarness, nodeName } from './harness.ts';

// "262,144 bytes of data as a UTF-8 encoded string" — Step Functions quotas page.
const QUOTA_BYTES = 262_144;

describe('State machine: health-sweep under the payload quota', () => {
  it('starts as many recoveries as fit in 256 KiB when 600 nodes are NotReady and counts the rest as dropped', async () => {
    // Prepare
    // The mass-finding limit would hold a 600-of-600 outage as a detector disagreement (zero
    // starts, test/integration/mass-findings.test.ts): lifted here to measure the byte budget.
    const h = makeHarness({
      policy: { massFindings: { maxSharePercent: 100 } },
      sweep: { maxRecoveries: 500, maxRepairs: 500, startConcurrency: 40 },
    });
    const ids = [...INSTANCES];
    for (let i = ids.length; i < 600; i++) {
      const id = `i-0c${i.toString(16).padStart(15, '0')}`;
      h.hyperpod.addInstance({ instanceId: id });
      ids.push(id);
    }
    for (const id of ids) {
      h.kube.nodes.get(nodeName(id))!.status!.conditions = [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          lastTransitionTime: '2026-11-29T08:00:00Z',
        },
      ];
    }
    const executions = new LocalExecutions({ run: false });

    // Act
    const report = await runHealthSweep({}, h.deps, { executions });

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.usage.largestPayload.bytes).toBeLessThanOrEqual(SWEEP_OUTPUT_BUDGET_BYTES);
    expect(SWEEP_OUTPUT_BUDGET_BYTES).toBeLessThan(QUOTA_BYTES);
    const output = report.output as {
      started: unknown[];
      summary: { dropped: { recoveries: number } }[];
    };
    const dropped = output.summary[0]!.dropped.recoveries;
    expect(executions.started.length).toBe(output.started.length);
    expect(output.started.length).toBeGreaterThan(300);
    // 600 findings: 100 over the cap, the rest over the byte budget.
    expect(output.started.length + dropped).toBe(600);
  });
});
