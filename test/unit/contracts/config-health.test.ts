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
        quick: {
          enabled: true,
          image:
            'registry.example.com/checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        },
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
    { case: 'a tag', image: 'registry.example.com/checks:1.2.0' },
    { case: 'no tag at all', image: 'registry.example.com/checks' },
    { case: 'a short digest', image: 'registry.example.com/checks@sha256:abc' },
    { case: 'an uppercase digest', image: `registry.example.com/checks@sha256:${'A'.repeat(64)}` },
  ])('refuses a quick-check image referenced by $case, with a clear error', ({ image }) => {
    // Act
    const parse = () =>
      parseAppConfig({ clusters: [CLUSTER], healthChecks: { quick: { enabled: true, image } } });

    // Assess
    expect(parse).toThrow(
      /healthChecks\.quick\.image: must be referenced by digest, <repository>@sha256:<64 lowercase hex digits>/,
    );
  });

  it('accepts an image by digest, with or without a tag before it', () => {
    // Prepare: a digest as `docker buildx imagetools inspect` prints it (64 hex digits).
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

    // Act
    const images = [
      `123456789012.dkr.ecr.us-west-2.amazonaws.com/hpr-checks@${digest}`,
      `public.ecr.aws/hpr/checks:1.2.0@${digest}`,
    ].map(
      (image) =>
        parseAppConfig({ clusters: [CLUSTER], healthChecks: { quick: { enabled: true, image } } })
          .healthChecks.quick.image,
    );

    // Assess
    expect(images).toHaveLength(2);
  });

  it('refuses a CPU or memory that is no Kubernetes quantity', () => {
    // Act
    const parse = (compute: Record<string, string>) => () =>
      parseAppConfig({ clusters: [CLUSTER], healthChecks: { quick: { compute } } });

    // Assess
    expect(parse({ cpu: 'four' })).toThrow(/healthChecks\.quick\.compute\.cpu/);
    expect(parse({ memory: '16GB' })).toThrow(/healthChecks\.quick\.compute\.memory/);
    expect(parse({ cpu: '500m', memory: '512Mi' })).not.toThrow();
  });

  it('defaults the Trainium rows and the Neuron checks beside the GPU ones', () => {
    // Act
    const config = parseAppConfig({ clusters: [CLUSTER] });

    // Assess
    expect(config.healthChecks.instanceTypes['ml.trn1.32xlarge']).toEqual({
      neuronDevices: 16,
      neuronCores: 32,
      efaDevices: 8,
      nccomBusBandwidthGBps: 50,
    });
    expect(config.healthChecks.instanceTypes['ml.trn1n.32xlarge']).toMatchObject({
      neuronDevices: 16,
      efaDevices: 16,
    });
    expect(config.healthChecks.instanceTypes['ml.trn2.48xlarge']).toEqual({
      neuronDevices: 16,
      efaDevices: 0,
      nccomBusBandwidthGBps: 100,
    });
    expect(config.healthChecks.quick.neuronChecks.map((c) => c.name)).toEqual([
      'neuron-device-count',
      'neuron-runtime',
      'nccom-all-reduce',
      'efa',
    ]);
    expect(config.healthChecks.quick.neuronChecks[0]?.command).toContain('neuron-ls');
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
      case: 'an instance type that names no accelerator',
      input: { healthChecks: { instanceTypes: { 'ml.p5.48xlarge': { efaDevices: 32 } } } },
      issue: 'name the accelerators: gpus (NVIDIA) or neuronDevices (Neuron)',
    },
    {
      case: 'an instance type with GPUs and Neuron devices',
      input: { healthChecks: { instanceTypes: { 'ml.x.large': { gpus: 8, neuronDevices: 16 } } } },
      issue: 'a type has GPUs or Neuron devices, not both',
    },
    {
      case: 'two Neuron checks of one name',
      input: {
        healthChecks: {
          quick: {
            neuronChecks: [
              { name: 'b', command: 'true' },
              { name: 'b', command: 'true' },
            ],
          },
        },
      },
      issue: 'healthChecks.quick.neuronChecks.1.name: duplicate check b',
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
