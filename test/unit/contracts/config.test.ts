import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig } from '#composition/runtime-config.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { resolveDeployConfig } from '#deploy/deploy-config.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

describe('Config: policy defaults', () => {
  it('is observe-only with a tight breaker when nothing is configured', () => {
    // Act
    const config = parseAppConfig({ clusters: [CLUSTER] });

    // Assess
    expect(config.policy).toMatchObject({
      mode: 'observe',
      circuitBreaker: { maxNodesPerWindow: 3, windowMinutes: 10 },
      maxParallel: { absolute: 2, percent: 5 },
      perNode: { maxReboots: 1, rebootWindowHours: 24 },
      repeatOffender: { faults: 2, windowDays: 7 },
      workloads: { suspend: true, respectHyperPodAutoResume: true },
    });
    expect(config.clusters[0]?.remediationOwner).toBe('auto');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    { case: 'no policy at all', input: { clusters: [CLUSTER] } },
    { case: 'a policy without awaitNode', input: { clusters: [CLUSTER], policy: { mode: 'act' } } },
    {
      case: 'an awaitNode without the grace',
      input: { clusters: [CLUSTER], policy: { awaitNode: { pollSeconds: 15 } } },
    },
  ])('gives HyperPod 10 minutes to start a recovery it was left to do ($case)', ({ input }) => {
    // Act
    const config = parseAppConfig(input);

    // Assess
    expect(config.policy.awaitNode.hyperpodStartGraceMinutes).toBe(10);
  });

  it('rejects a HyperPod start grace of zero minutes', () => {
    // Act & Assess
    expect(() =>
      parseAppConfig({ clusters: [CLUSTER], policy: { awaitNode: { hyperpodStartGraceMinutes: 0 } } }),
    ).toThrow(/policy\.awaitNode\.hyperpodStartGraceMinutes/);
  });

  it('lists every problem of a bad config by its path', () => {
    // Act & Assess
    expect(() =>
      parseAppConfig({
        clusters: [{ ...CLUSTER, arn: 'arn:aws:sagemaker:us-west-2:1:cluster/x' }],
        policy: { mode: 'yolo', circuitBreaker: { maxNodesPerWindow: 0 } },
      }),
    ).toThrow(/clusters\.0\.arn[\s\S]*policy\.mode[\s\S]*policy\.circuitBreaker\.maxNodesPerWindow/);
  });

  // The SageMaker API's own ClusterArn pattern admits every partition:
  // `arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:cluster/[a-z0-9]{12}` (SM-API
  // API_StartClusterHealthCheck.html); region names as EKS and STS use them in aws-cn and aws-us-gov.
  it.each([
    'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
    'arn:aws-cn:sagemaker:cn-north-1:111122223333:cluster/abcdef123456',
    'arn:aws-cn:sagemaker:cn-northwest-1:111122223333:cluster/abcdef123456',
    'arn:aws-us-gov:sagemaker:us-gov-west-1:111122223333:cluster/abcdef123456',
    'arn:aws-us-gov:sagemaker:us-gov-east-1:111122223333:cluster/abcdef123456',
  ])('accepts the cluster ARN %s', (arn) => {
    // Act
    const config = parseAppConfig({ clusters: [{ ...CLUSTER, arn }] });

    // Assess
    expect(config.clusters[0]?.arn).toBe(arn);
  });

  it.each([
    'arn:aws:eks:us-west-2:111122223333:cluster/abcdef123456',
    'arn:gcp:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
    'arn:aws-cn:sagemaker:cn-north-1:111122223333:cluster/ABCDEF123456',
  ])('rejects the cluster ARN %s', (arn) => {
    // Act & Assess
    expect(() => parseAppConfig({ clusters: [{ ...CLUSTER, arn }] })).toThrow(/clusters\.0\.arn/);
  });

  it('refuses a node lease shorter than a reboot and a replacement together, naming the field', () => {
    // Act & Assess
    expect(() =>
      parseAppConfig({
        clusters: [CLUSTER],
        policy: { leaseTtlMinutes: 60, awaitNode: { rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 120 } },
      }),
    ).toThrow(
      /policy\.leaseTtlMinutes: must be at least awaitNode\.rebootTimeoutMinutes \+ awaitNode\.replaceTimeoutMinutes/,
    );
    expect(
      parseAppConfig({
        clusters: [CLUSTER],
        policy: { leaseTtlMinutes: 150, awaitNode: { rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 120 } },
      }).policy.leaseTtlMinutes,
    ).toBe(150);
  });

  it('rejects the same cluster configured twice', () => {
    // Act & Assess
    expect(() => parseAppConfig({ clusters: [CLUSTER, CLUSTER] })).toThrow(
      'clusters.1.name: duplicate cluster ml-cluster',
    );
  });

  it('fails a cold start with a clear message when the Lambda environment is incomplete', () => {
    // Act & Assess
    expect(() => loadRuntimeConfig({ AWS_REGION: 'us-west-2', HPR_CONFIG_TABLE: 'hpr-config' })).toThrow(
      /HPR_LEDGER_TABLE|HPR_TOPIC_ARN/,
    );
    expect(() =>
      loadRuntimeConfig({
        AWS_REGION: 'us-west-2',
        HPR_LEDGER_TABLE: 'hpr-ledger',
        HPR_TOPIC_ARN: 'arn:aws:sns:us-west-2:111122223333:hpr',
      }),
    ).toThrow(/HPR_CONFIG_TABLE/);
  });

  it('reads the ledger retention the deploy sets, and leaves it to the ledger when absent or refuses it when out of range', () => {
    // Prepare
    const env = {
      AWS_REGION: 'us-west-2',
      HPR_CONFIG_TABLE: 'hpr-config',
      HPR_LEDGER_TABLE: 'hpr-ledger',
      HPR_TOPIC_ARN: 'arn:aws:sns:us-west-2:111122223333:hpr',
    };

    // Act & Assess
    expect(loadRuntimeConfig({ ...env, HPR_LEDGER_RETENTION_DAYS: '30' }).ledgerRetentionDays).toBe(30);
    expect(loadRuntimeConfig(env)).not.toHaveProperty('ledgerRetentionDays');
    expect(() => loadRuntimeConfig({ ...env, HPR_LEDGER_RETENTION_DAYS: '0' })).toThrow(
      /HPR_LEDGER_RETENTION_DAYS/,
    );
    expect(resolveDeployConfig({ app: { clusters: [CLUSTER] } }, 'dev').ledgerRetentionDays).toBe(365);
  });

  it.each([
    { case: 'a dev stage', stage: 'dev', allow: false, mode: 'observe' },
    { case: 'a dev stage that explicitly allows acting', stage: 'dev', allow: true, mode: 'act' },
    { case: 'production', stage: 'production', allow: false, mode: 'act' },
  ])('forces observe mode outside production unless overridden: $case', ({ stage, allow, mode }) => {
    // Act
    const deploy = resolveDeployConfig(
      { app: { clusters: [CLUSTER], policy: { mode: 'act' } }, allowActOutsideProduction: allow },
      stage,
    );

    // Assess
    expect(deploy.app.policy.mode).toBe(mode);
  });
});
