import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

describe('Config: policy.massFindings', () => {
  it.each([
    { case: 'no policy at all', policy: undefined },
    { case: 'a policy without massFindings', policy: { mode: 'act' as const } },
    { case: 'an empty massFindings', policy: { massFindings: {} } },
  ])(
    'applies the safe defaults (more than 50% and at least 3 nodes, 10 min bursts) with $case',
    ({ policy }) => {
      // Act
      const config = parseAppConfig({ clusters: [CLUSTER], ...(policy ? { policy } : {}) });

      // Assess
      expect(config.policy.massFindings).toEqual({
        maxSharePercent: 50,
        minNodes: 3,
        burstWindowMinutes: 10,
      });
    },
  );

  it('keeps the defaults of the fields not given', () => {
    // Act
    const config = parseAppConfig({ clusters: [CLUSTER], policy: { massFindings: { minNodes: 5 } } });

    // Assess
    expect(config.policy.massFindings).toEqual({ maxSharePercent: 50, minNodes: 5, burstWindowMinutes: 10 });
  });

  it.each([
    {
      case: 'a share above 100%',
      massFindings: { maxSharePercent: 101 },
      path: 'policy.massFindings.maxSharePercent',
    },
    {
      case: 'a negative share',
      massFindings: { maxSharePercent: -1 },
      path: 'policy.massFindings.maxSharePercent',
    },
    { case: 'minNodes 0', massFindings: { minNodes: 0 }, path: 'policy.massFindings.minNodes' },
    { case: 'a fractional minNodes', massFindings: { minNodes: 2.5 }, path: 'policy.massFindings.minNodes' },
    {
      case: 'a zero burst window',
      massFindings: { burstWindowMinutes: 0 },
      path: 'policy.massFindings.burstWindowMinutes',
    },
  ])('rejects $case', ({ massFindings, path }) => {
    // Act & Assess
    expect(() => parseAppConfig({ clusters: [CLUSTER], policy: { massFindings } })).toThrow(path);
  });
});
