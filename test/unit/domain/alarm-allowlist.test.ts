import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALARM_ARN,
  ALARM_NAME,
  type AllowedAlarm,
  allowedAlarmName,
  parseAppConfig,
} from '#contracts/config/app.ts';
import { capAlarmAction, classifyAllowedAlarm, findAllowedAlarm } from '#domain/alarm-allowlist.ts';
import { ALARM_FAULT_TAG } from '#domain/fault-classification.ts';
import type { AlarmTrigger } from '#domain/types.ts';
import { NOW } from './fixtures.ts';

const ARN = 'arn:aws:cloudwatch:us-west-2:111122223333:alarm:gpu-xid-node0';
const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

const alarm = (overrides: Partial<AlarmTrigger> = {}): AlarmTrigger => ({
  kind: 'alarm',
  eventId: 'evt-1',
  time: NOW,
  clusterName: 'ml-cluster',
  alarmName: 'gpu-xid-node0',
  alarmArn: ARN,
  state: 'ALARM',
  tags: {},
  ...overrides,
});

const entry = (overrides: Partial<AllowedAlarm> = {}): AllowedAlarm => ({
  name: 'gpu-xid-node0',
  cluster: 'ml-cluster',
  meaning: 'fatal',
  maxAction: 'replace',
  ...overrides,
});

describe('Function: findAllowedAlarm', () => {
  it('finds an entry by exact name or by exact ARN, with its index', () => {
    // Prepare
    const allow = [entry({ name: 'other' }), entry({ name: undefined, arn: ARN })];

    // Act
    const byArn = findAllowedAlarm(allow, { alarmName: 'gpu-xid-node0', alarmArn: ARN });
    const byName = findAllowedAlarm([entry()], { alarmName: 'gpu-xid-node0', alarmArn: ARN });

    // Assess
    expect(byArn).toStrictEqual({ entry: allow[1], index: 1 });
    expect(byName?.index).toBe(0);
  });

  it.each([
    {
      case: 'a name that only starts like an allowed one',
      alarmName: 'gpu-xid-node0-copy',
      alarmArn: `${ARN}-copy`,
    },
    {
      case: 'the same name in another account, allowed by ARN',
      alarmName: 'gpu-xid-node0',
      alarmArn: 'arn:aws:cloudwatch:us-west-2:444455556666:alarm:gpu-xid-node0',
    },
    {
      case: 'a prefix-named alarm',
      alarmName: 'hpr-forged',
      alarmArn: 'arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-forged',
    },
  ])('does not allow $case', ({ alarmName, alarmArn }) => {
    // Act
    const found = findAllowedAlarm([entry({ name: undefined, arn: ARN }), entry({ name: 'other' })], {
      alarmName,
      alarmArn,
    });

    // Assess
    expect(found).toBeUndefined();
  });
});

describe('Function: capAlarmAction', () => {
  it.each([
    { action: 'replace', max: 'reboot', expected: 'reboot' },
    { action: 'replace', max: 'observe', expected: 'observe' },
    { action: 'reboot', max: 'observe', expected: 'observe' },
    { action: 'reboot', max: 'replace', expected: 'reboot' },
    { action: 'ignore', max: 'replace', expected: 'ignore' },
    { action: 'observe', max: 'reboot', expected: 'observe' },
  ] as const)('lowers $action to at most $max, never raises it', ({ action, max, expected }) => {
    // Act & Assess
    expect(capAlarmAction(action, max)).toBe(expected);
  });
});

describe('Function: classifyAllowedAlarm', () => {
  it.each([
    { meaning: 'fatal', cls: 'fatal', action: 'replace', severity: 'critical' },
    { meaning: 'recoverable', cls: 'recoverable', action: 'reboot', severity: 'high' },
    { meaning: 'suspect', cls: 'unknown', action: 'reboot', severity: 'medium' },
    { meaning: 'informational', cls: 'informational', action: 'observe', severity: 'info' },
  ] as const)('reads an alarm meaning $meaning as a $cls fault', ({ meaning, cls, action, severity }) => {
    // Act
    const fault = classifyAllowedAlarm(alarm(), entry({ meaning }), 3);

    // Assess
    expect(fault).toMatchObject({
      source: 'alarm',
      class: cls,
      code: `alarm-allow-${meaning}`,
      severity,
      recommendedAction: action,
    });
    expect(fault.evidence).toContain(`alarms.allow.3: meaning ${meaning}, at most replace`);
  });

  it('never lets the alarm tag ask for a replacement (the configuration decides)', () => {
    // Act
    const fault = classifyAllowedAlarm(
      alarm({ tags: { [ALARM_FAULT_TAG]: 'replace' } }),
      entry({ meaning: 'suspect' }),
      0,
    );

    // Assess
    expect(fault.recommendedAction).toBe('reboot');
    expect(fault.evidence).toContain(`${ALARM_FAULT_TAG}=replace ignored: the configuration decides`);
  });

  it('reads the watched metric when the meaning is metric, still without the tag', () => {
    // Act
    const pending = classifyAllowedAlarm(
      alarm({ metricName: 'hyperpod_node_health_status_unschedulable_pending_reboot' }),
      entry({ meaning: 'metric' }),
      0,
    );
    const other = classifyAllowedAlarm(
      alarm({ metricName: 'node_gpu_temperature', tags: { [ALARM_FAULT_TAG]: 'replace' } }),
      entry({ meaning: 'metric' }),
      0,
    );

    // Assess
    expect(pending).toMatchObject({ class: 'recoverable', recommendedAction: 'reboot' });
    expect(other).toMatchObject({ class: 'unknown', code: 'alarm', recommendedAction: 'reboot' });
  });

  it('reads OK as healthy and INSUFFICIENT_DATA as worth observing, whatever the meaning', () => {
    // Act
    const ok = classifyAllowedAlarm(alarm({ state: 'OK' }), entry(), 0);
    const missing = classifyAllowedAlarm(alarm({ state: 'INSUFFICIENT_DATA' }), entry(), 0);

    // Assess
    expect(ok).toMatchObject({ class: 'healthy', recommendedAction: 'ignore' });
    expect(missing).toMatchObject({ class: 'informational', recommendedAction: 'observe' });
  });
});

describe('Config: alarms.allow', () => {
  const parse =
    (allow: unknown[], clusters = [CLUSTER]) =>
    () =>
      parseAppConfig({ clusters, alarms: { allow } });

  it('accepts entries by name and by ARN', () => {
    // Act
    const config = parse([
      { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' },
      { arn: `${ARN}-b`, cluster: 'ml-cluster', meaning: 'metric', maxAction: 'replace' },
    ])();

    // Assess
    expect(config.alarms.allow.map(allowedAlarmName)).toStrictEqual(['gpu-xid-node0', 'gpu-xid-node0-b']);
  });

  it('allows no alarm to act when nothing is configured', () => {
    // Act & Assess
    expect(parseAppConfig({ clusters: [CLUSTER] }).alarms.allow).toStrictEqual([]);
  });

  it.each([
    {
      case: 'a bad ARN',
      allow: [
        {
          arn: 'arn:aws:cloudwatch:us-west-2:111122223333:alarms/x',
          cluster: 'ml-cluster',
          meaning: 'fatal',
          maxAction: 'reboot',
        },
      ],
      error: 'alarms.allow.0.arn: arn:aws:cloudwatch:<region>:<account-id>:alarm:<alarm-name>',
    },
    {
      case: 'a name with an IAM wildcard',
      allow: [{ name: 'hpr-*', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' }],
      error: 'alarms.allow.0.name: a CloudWatch alarm name',
    },
    {
      case: 'a duplicate name',
      allow: [
        { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' },
        { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'suspect', maxAction: 'replace' },
      ],
      error: 'alarms.allow.1: duplicate alarm gpu-xid-node0 (also alarms.allow.0)',
    },
    {
      case: 'a name and an ARN of the same alarm',
      allow: [
        { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' },
        { arn: ARN, cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' },
      ],
      error: 'alarms.allow.1: duplicate alarm gpu-xid-node0 (also alarms.allow.0)',
    },
    {
      case: 'an unknown cluster',
      allow: [{ name: 'gpu-xid-node0', cluster: 'eval-cluster', meaning: 'fatal', maxAction: 'reboot' }],
      error: 'alarms.allow.0.cluster: unknown cluster eval-cluster: not in clusters[].name',
    },
    {
      case: 'both a name and an ARN',
      allow: [
        { name: 'gpu-xid-node0', arn: ARN, cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' },
      ],
      error: 'alarms.allow.0: give exactly one of name or arn',
    },
    {
      case: 'neither a name nor an ARN',
      allow: [{ cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' }],
      error: 'alarms.allow.0: give exactly one of name or arn',
    },
    {
      case: 'an unknown maxAction',
      allow: [{ name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'terminate' }],
      error: 'alarms.allow.0.maxAction',
    },
    {
      case: 'no meaning',
      allow: [{ name: 'gpu-xid-node0', cluster: 'ml-cluster', maxAction: 'reboot' }],
      error: 'alarms.allow.0.meaning',
    },
    {
      case: 'too many entries',
      allow: Array.from({ length: 51 }, (_, i) => ({
        name: `alarm-${i}`,
        cluster: 'ml-cluster',
        meaning: 'fatal',
        maxAction: 'reboot',
      })),
      error: 'alarms.allow: at most 50 alarms may act',
    },
  ])('refuses $case with a clear error', ({ allow, error }) => {
    // Act & Assess
    expect(parse(allow)).toThrow(error);
  });

  it('takes the alarm ARN form of the CloudWatch API model', () => {
    // Prepare: botocore cloudwatch 2010-08-01 TagResourceInput.ResourceARN documentation, and the
    // IAM resource type `alarm` (docs/FACTS.md alarms.alarm-arn-format)
    const documented = 'arn:aws:cloudwatch:Region:account-id:alarm:alarm-name';
    const iamTemplate = 'arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${AlarmName}';
    const filled = documented.replace('Region', 'us-west-2').replace('account-id', '111122223333');

    // Act
    const match = ALARM_ARN.exec(filled);

    // Assess
    expect(match?.[1]).toBe('alarm-name');
    expect(iamTemplate.split(':').slice(2, 6)).toStrictEqual([
      'cloudwatch',
      '${Region}',
      '${Account}',
      'alarm',
    ]);
  });
});

describe('Facts: alarm identity and the protective deny', () => {
  it("allows the alarm of AWS's sample event by its name and by its ARN", () => {
    // Prepare: the "Single Metric Alarm" example of
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
    const sample = {
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh'],
      detail: { alarmName: 'ServerCpuTooHigh' },
    };
    const alarm = { alarmName: sample.detail.alarmName, alarmArn: sample.resources[0]! };
    const config = parseAppConfig({
      clusters: [CLUSTER],
      alarms: {
        allow: [{ arn: sample.resources[0], cluster: 'ml-cluster', meaning: 'suspect', maxAction: 'reboot' }],
      },
    });

    // Act
    const byArn = findAllowedAlarm(config.alarms.allow, alarm);
    const byName = findAllowedAlarm([entry({ name: 'ServerCpuTooHigh' })], alarm);

    // Assess
    expect(byArn?.index).toBe(0);
    expect(byName?.index).toBe(0);
    expect(allowedAlarmName(config.alarms.allow[0]!)).toBe(sample.detail.alarmName);
  });

  it('writes the protective deny of the README with the CloudWatch actions and alarm ARN form', () => {
    // Prepare: the actions that take resource type `alarm` in the Service Authorization Reference
    // for CloudWatch (parliament 1.6.3 iam_definition.json; docs/FACTS.md alarms.iam-actions-on-alarm-resources).
    const sourceActions = [
      'PutMetricAlarm',
      'PutCompositeAlarm',
      'DeleteAlarms',
      'SetAlarmState',
      'EnableAlarmActions',
      'DisableAlarmActions',
      'TagResource',
      'UntagResource',
    ];
    const iamTemplate = 'arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${AlarmName}';
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const block = /```json\n(\{\n {2}"Sid": "ProtectHyperPodResilienceAlarms"[\s\S]*?)\n```/.exec(
      readme,
    )?.[1];

    // Act
    const statement = JSON.parse(block ?? '{}');

    // Assess
    expect(statement.Effect).toBe('Deny');
    expect(statement.Action).toStrictEqual(sourceActions.map((a) => `cloudwatch:${a}`));
    for (const resource of statement.Resource as string[]) {
      const [, , service, region, account, type, name] = resource.split(':');
      const [, , tService, , , tType] = iamTemplate.split(':');
      expect([service, type]).toStrictEqual([tService, tType]);
      expect([region, account]).toStrictEqual(['*', '*']);
      expect(name).toMatch(ALARM_NAME);
    }
  });
});
