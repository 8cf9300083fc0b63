import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import {
  healthCheckLeaseMinutes,
  healthCheckLimits,
  OPERATOR_LOG_LIMIT,
  withOperatorLog,
} from '#domain/guardrails.ts';
import type { ClusterGuardState } from '#domain/types.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};
const config = parseAppConfig({ clusters: [CLUSTER] });
const check = { policy: config.policy, fleetSize: 100, checkId: 'check-1', instanceId: 'i-0a' };

describe('Function: healthCheckLimits', () => {
  it('lets a check start on a free node with room under the in-flight limit', () => {
    expect(
      healthCheckLimits({ ...check, leases: [{ instanceId: 'i-0b', incidentId: 'inc-1' }] }),
    ).toBeUndefined();
  });

  it('refuses a check of a node whose lease another incident or check holds', () => {
    expect(healthCheckLimits({ ...check, leases: [{ instanceId: 'i-0a', incidentId: 'inc-1' }] })).toEqual({
      reason: 'lease-held',
      detail: 'node lease held by inc-1',
    });
  });

  it('counts every other lease toward the in-flight limit, and not the check own lease (a retried start)', () => {
    // Prepare: 100 nodes → limit min(2, 5) = 2.
    const leases = [
      { instanceId: 'i-0b', incidentId: 'inc-1' },
      { instanceId: 'i-0c', incidentId: 'check-2' },
    ];

    // Act & Assess
    expect(healthCheckLimits({ ...check, leases })).toEqual({
      reason: 'max-parallel',
      detail: '2 remediations or checks in flight, limit 2 for 100 nodes',
    });
    expect(
      healthCheckLimits({ ...check, leases: [leases[0]!, { instanceId: 'i-0a', incidentId: 'check-1' }] }),
    ).toBeUndefined();
  });
});

describe('Function: healthCheckLeaseMinutes', () => {
  it('holds the node for the check deadline and ten minutes: quick from the Job deadline, full from the start grace and timeout', () => {
    const healthChecks = {
      quick: { timeoutSeconds: 601 },
      full: { timeoutMinutes: 240, startGraceMinutes: 20 },
    };
    expect(healthCheckLeaseMinutes('quick', healthChecks)).toBe(21);
    expect(healthCheckLeaseMinutes('full', healthChecks)).toBe(270);
  });
});

describe('Function: withOperatorLog', () => {
  it('appends who did what, when and why, keeping the newest hundred', () => {
    // Prepare
    const entry = (i: number) => ({
      at: `2026-12-03T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
      by: `p${i}`,
      action: 'pause' as const,
    });
    let state: ClusterGuardState = { version: 3, remediations: [] };

    // Act
    for (let i = 0; i < OPERATOR_LOG_LIMIT + 5; i += 1) state = withOperatorLog(state, entry(i));

    // Assess
    expect(state.operatorLog).toHaveLength(OPERATOR_LOG_LIMIT);
    expect(state.operatorLog?.[0]?.by).toBe('p5');
    expect(state.operatorLog?.at(-1)?.by).toBe(`p${OPERATOR_LOG_LIMIT + 4}`);
    expect(state.version).toBe(3);
  });
});
