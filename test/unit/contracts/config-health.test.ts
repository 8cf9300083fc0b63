import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

describe('Config: healthChecks and sweep', () => {
  it('defaults to safe settings: quick checks off, idle checks off, a 5-minute sweep', () => {
    // Act
    const config = parseAppConfig({ clusters: [CLUSTER] });

    // Assess
    expect(config.healthChecks.quick).toMatchObject({
      enabled: false,
      timeoutSeconds: 1200,
      ttlSecondsAfterFinished: 3600,
    });
    expect(config.healthChecks.quick.checks.map((c) => c.name)).toEqual([
      'gpu-count',
      'dcgm-diag',
      'nccl-all-reduce',
      'efa',
    ]);
    expect(config.healthChecks.quick.checks[1]?.command).toContain('dcgmi diag -r 2');
    expect(config.healthChecks.full).toEqual({
      deepHealthChecks: ['InstanceStress'],
      pollSeconds: 300,
      timeoutMinutes: 360,
      startGraceMinutes: 20,
    });
    expect(config.healthChecks.instanceTypes['ml.p5.48xlarge']).toEqual({
      gpus: 8,
      efaDevices: 32,
      ncclBusBandwidthGBps: 350,
    });
    expect(config.sweep).toMatchObject({
      rateMinutes: 5,
      gpuGraceMinutes: 5,
      idleChecks: { enabled: false },
    });
  });

  it('fills in the defaults of a partial section', () => {
    // Act
    const config = parseAppConfig({
      clusters: [CLUSTER],
      healthChecks: {
        quick: { enabled: true, image: 'registry.example.com/checks@sha256:abc' },
        instanceTypes: { 'ml.trn1.32xlarge': { gpus: 0 } },
      },
      sweep: { idleChecks: { enabled: true } },
    });

    // Assess
    expect(config.healthChecks.quick).toMatchObject({
      enabled: true,
      pollSeconds: 15,
      imagePullPolicy: 'IfNotPresent',
    });
    expect(config.healthChecks.instanceTypes).toEqual({ 'ml.trn1.32xlarge': { gpus: 0, efaDevices: 0 } });
    expect(config.sweep.idleChecks).toEqual({ enabled: true, periodHours: 24, maxPerSweep: 2 });
  });

  it.each([
    {
      case: 'quick checks enabled without an image',
      input: { healthChecks: { quick: { enabled: true } } },
      issue: 'healthChecks.quick.image: an image is required when enabled',
    },
    {
      case: 'two checks of one name',
      input: {
        healthChecks: {
          quick: {
            checks: [
              { name: 'a', command: 'true' },
              { name: 'a', command: 'true' },
            ],
          },
        },
      },
      issue: 'healthChecks.quick.checks.1.name: duplicate check a',
    },
    {
      case: 'a check name that is not a word',
      input: { healthChecks: { quick: { checks: [{ name: 'A B', command: 'true' }] } } },
      issue: 'healthChecks.quick.checks.0.name',
    },
    {
      case: 'a GPU grace under the 2 minutes HMA needs',
      input: { sweep: { gpuGraceMinutes: 1 } },
      issue: 'sweep.gpuGraceMinutes',
    },
    {
      case: 'an unknown deep health check',
      input: { healthChecks: { full: { deepHealthChecks: ['Everything'] } } },
      issue: 'healthChecks.full.deepHealthChecks.0',
    },
    {
      case: 'a node wait of more polls than the Step Functions history quota allows (2 hours every second)',
      input: { policy: { awaitNode: { pollSeconds: 1, replaceTimeoutMinutes: 120 } } },
      issue: 'policy.awaitNode: timeout / pollSeconds must be at most 600 polls',
    },
    {
      case: 'a quick check polled every second for 4 hours',
      input: { healthChecks: { quick: { pollSeconds: 1, timeoutSeconds: 4 * 3600 } } },
      issue: 'healthChecks.quick: timeout / pollSeconds must be at most 600 polls',
    },
    {
      case: 'a deep health check polled every 10 seconds for 6 hours',
      input: { healthChecks: { full: { pollSeconds: 10 } } },
      issue: 'healthChecks.full: timeout / pollSeconds must be at most 600 polls',
    },
  ])('rejects $case', ({ input, issue }) => {
    // Act
    const parse = () => parseAppConfig({ clusters: [CLUSTER], ...input });

    // Assess
    expect(parse).toThrow(issue);
  });
});
