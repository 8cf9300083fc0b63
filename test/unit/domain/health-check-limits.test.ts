import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import { healthCheckLeaseMinutes, healthCheckLimits } from '#domain/guardrails.ts';

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
