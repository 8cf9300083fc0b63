import { describe, expect, it } from 'vitest';
import { type AppConfig, MAX_ALLOWED_ALARMS, parseAppConfig } from '#contracts/config/app.ts';
import { buildRules, MAX_PATTERN_LENGTH, MAX_RULE_NAME_LENGTH } from '#events/rules.ts';
import { SAMPLE_CLUSTER_ARN, type SampleSource, sampleConfig } from '#events/samples/index.ts';
import { matchingRules } from '#local/event-matcher.ts';
import { type Json, sampleWith } from './helpers.ts';

const OTHER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/zyxwvu987654';

/** A config with `n` clusters, ids `c00000000000`, `c00000000001`, … */
const configWith = (n: number, alarms?: Json): AppConfig =>
  parseAppConfig({
    clusters: Array.from({ length: n }, (_, i) => ({
      name: `cluster-${i}`,
      arn: `arn:aws:sagemaker:us-west-2:111122223333:cluster/c${String(i).padStart(11, '0')}`,
      eksClusterName: `eks-${i}`,
    })),
    ...(alarms && { alarms }),
  });

describe('Function: buildRules', () => {
  it('builds one rule per signal for a small fleet', () => {
    // Act
    const rules = buildRules(sampleConfig);

    // Assess
    expect(rules.map((r) => [r.name, r.target])).toStrictEqual([
      ['hpr-node-health', 'node-recovery'],
      ['hpr-cluster-instance-errors', 'node-recovery'],
      ['hpr-node-alarms', 'node-recovery'],
      ['hpr-node-alarms-2', 'node-recovery'],
    ]);
  });

  it('builds the documented patterns as plain JSON data', () => {
    // Act
    const rules = buildRules(sampleConfig);

    // Assess
    expect(rules.map((r) => r.pattern)).toStrictEqual([
      {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker HyperPod Cluster Node Health Event'],
        detail: { ClusterArn: [SAMPLE_CLUSTER_ARN] },
      },
      {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker HyperPod Cluster Event'],
        detail: {
          EventDetails: {
            EventLevel: ['Error'],
            ResourceType: ['Instance'],
            ClusterArn: [SAMPLE_CLUSTER_ARN],
          },
        },
      },
      {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: ['hpr-ml-cluster-i-0391f86fa0fe0d465-pending-replacement'],
          state: { value: ['ALARM'] },
        },
      },
      {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [
          'arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-ml-cluster-i-0391f86fa0fe0d465-pending-repair',
        ],
        detail: { state: { value: ['ALARM'] } },
      },
    ]);
    for (const rule of rules) expect(JSON.parse(JSON.stringify(rule))).toStrictEqual(rule);
  });

  it.each<{ case: string; source: SampleSource; name: string; changes?: Json; expected: string[] }>([
    {
      case: 'replace verdict',
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-terminate',
      expected: ['hpr-node-health'],
    },
    {
      case: 'reboot verdict',
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-reboot',
      expected: ['hpr-node-health'],
    },
    {
      case: 'healthy again: the domain decides',
      source: 'aws.sagemaker',
      name: 'node-health-healthy',
      expected: ['hpr-node-health'],
    },
    {
      case: 'unknown fields',
      source: 'aws.sagemaker',
      name: 'node-health-extra-fields',
      expected: ['hpr-node-health'],
    },
    { case: 'other cluster', source: 'aws.sagemaker', name: 'node-health-unknown-cluster', expected: [] },
    {
      case: 'wrong source',
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-terminate',
      changes: { source: 'aws.ec2' },
      expected: [],
    },
    {
      case: 'instance error',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      expected: ['hpr-cluster-instance-errors'],
    },
    { case: 'Info level', source: 'aws.sagemaker', name: 'cluster-event-info', expected: [] },
    {
      case: 'Warn level',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      changes: { 'detail.EventDetails.EventLevel': 'Warn' },
      expected: [],
    },
    {
      case: 'no level',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      changes: { 'detail.EventDetails.EventLevel': undefined },
      expected: [],
    },
    {
      case: 'instance-group error',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      changes: { 'detail.EventDetails.ResourceType': 'InstanceGroup' },
      expected: [],
    },
    {
      case: 'instance error of another cluster',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      changes: { 'detail.EventDetails.ClusterArn': OTHER_ARN },
      expected: [],
    },
    { case: 'cluster state change', source: 'aws.sagemaker', name: 'cluster-state-change', expected: [] },
    {
      case: 'alarm allowed by name',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      expected: ['hpr-node-alarms'],
    },
    {
      case: 'metric-math alarm allowed by ARN',
      source: 'aws.cloudwatch',
      name: 'alarm-metric-math',
      expected: ['hpr-node-alarms-2'],
    },
    {
      case: 'alarm with our tag but not allowed',
      source: 'aws.cloudwatch',
      name: 'alarm-tagged-composite',
      expected: [],
    },
    {
      case: 'alarm with our prefix but not allowed',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      changes: {
        'detail.alarmName': 'hpr-forged',
        resources: ['arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-forged'],
      },
      expected: [],
    },
    {
      case: 'alarm of an allowed name in another account (allowed by ARN only)',
      source: 'aws.cloudwatch',
      name: 'alarm-metric-math',
      changes: {
        resources: [
          'arn:aws:cloudwatch:us-west-2:444455556666:alarm:hpr-ml-cluster-i-0391f86fa0fe0d465-pending-repair',
        ],
      },
      expected: [],
    },
    { case: 'OK alarm', source: 'aws.cloudwatch', name: 'alarm-ok', expected: [] },
    {
      case: 'INSUFFICIENT_DATA alarm',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      changes: { 'detail.state.value': 'INSUFFICIENT_DATA' },
      expected: [],
    },
    {
      case: 'alarm neither ours by name nor by tag',
      source: 'aws.cloudwatch',
      name: 'alarm-tagged-composite',
      changes: { 'detail.alarmTags': { team: 'research' } },
      expected: [],
    },
    {
      case: 'alarm from another source',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      changes: { source: 'custom.cloudwatch' },
      expected: [],
    },
    { case: 'manual request', source: 'manual', name: 'recover-instance', expected: [] },
  ])('routes a sample to the rules that must match it ($case)', ({ source, name, changes, expected }) => {
    // Prepare
    const rules = buildRules(sampleConfig);
    const event = sampleWith(source, name, changes);

    // Act
    const matched = matchingRules(rules, event);

    // Assess
    expect(matched.map((r) => r.name)).toStrictEqual(expected);
  });

  it('matches only the allowlisted alarm names and ARNs, whatever their prefix or tags', () => {
    // Prepare
    const rules = buildRules(
      configWith(1, {
        namePrefix: 'gpu-',
        tagKey: 'team/cluster',
        allow: [{ name: 'xid-node-7', cluster: 'cluster-0', meaning: 'fatal', maxAction: 'reboot' }],
      }),
    );
    const alarm = (name: string, tags?: Json) =>
      sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
        'detail.alarmName': name,
        resources: [`arn:aws:cloudwatch:us-west-2:111122223333:alarm:${name}`],
        ...(tags ? { 'detail.alarmTags': tags } : {}),
      });

    // Act
    const matched = [
      alarm('xid-node-7'),
      alarm('gpu-node-7'),
      alarm('other', { 'team/cluster': 'cluster-0' }),
      alarm('xid-node-7-copy'),
    ].map((event) => matchingRules(rules, event).map((r) => r.name));

    // Assess
    expect(matched).toStrictEqual([['hpr-node-alarms'], [], [], []]);
  });

  it('builds no alarm rule when no alarm may act', () => {
    // Act
    const rules = buildRules(configWith(1));

    // Assess
    expect(rules.map((r) => r.name)).toStrictEqual(['hpr-node-health', 'hpr-cluster-instance-errors']);
  });

  it('keeps names short, unique and valid for EventBridge', () => {
    // Act
    const names = buildRules(configWith(50)).map((r) => r.name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(MAX_RULE_NAME_LENGTH);
      expect(name).toMatch(/^[.\-_A-Za-z0-9]+$/);
    }
  });

  it('splits a large fleet over several rules that each fit the pattern-size quota', () => {
    // Prepare
    const config = configWith(50);

    // Act
    const rules = buildRules(config);

    // Assess
    const nodeHealth = rules.filter((r) => r.name.startsWith('hpr-node-health'));
    expect(nodeHealth.length).toBeGreaterThan(1);
    expect(nodeHealth.map((r) => r.name).slice(0, 2)).toStrictEqual(['hpr-node-health', 'hpr-node-health-2']);
    for (const rule of rules)
      expect(JSON.stringify(rule.pattern).length).toBeLessThanOrEqual(MAX_PATTERN_LENGTH);
    for (const cluster of config.clusters) {
      const event = sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
        'detail.ClusterArn': cluster.arn,
      });
      const instanceError = sampleWith('aws.sagemaker', 'cluster-event-instance-error', {
        'detail.EventDetails.ClusterArn': cluster.arn,
      });
      expect(matchingRules(rules, event)).toHaveLength(1);
      expect(matchingRules(rules, instanceError)).toHaveLength(1);
    }
  });

  it('builds the same rules whatever the order of the configured clusters', () => {
    // Prepare
    const config = configWith(50);
    const reversed = parseAppConfig({ ...config, clusters: [...config.clusters].reverse() });

    // Act
    const [a, b] = [buildRules(config), buildRules(reversed)];

    // Assess
    expect(b).toStrictEqual(a);
  });

  it('splits the most alarms that may act over rules that each fit the pattern-size quota', () => {
    // Prepare
    const allow = Array.from({ length: MAX_ALLOWED_ALARMS }, (_, i) => ({
      ...(i % 2 === 0
        ? { name: `${'n'.repeat(250)}${String(i).padStart(5, '0')}` }
        : {
            arn: `arn:aws:cloudwatch:us-west-2:111122223333:alarm:${'a'.repeat(250)}${String(i).padStart(5, '0')}`,
          }),
      cluster: 'cluster-0',
      meaning: 'fatal',
      maxAction: 'reboot',
    }));
    const config = configWith(1, { allow });

    // Act
    const rules = buildRules(config).filter((r) => r.name.startsWith('hpr-node-alarms'));

    // Assess
    expect(rules.length).toBeGreaterThan(2);
    for (const rule of rules)
      expect(JSON.stringify(rule.pattern).length).toBeLessThanOrEqual(MAX_PATTERN_LENGTH);
    for (const entry of config.alarms.allow) {
      const name = entry.name ?? entry.arn!.split(':alarm:')[1]!;
      const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
        'detail.alarmName': name,
        resources: [entry.arn ?? `arn:aws:cloudwatch:us-west-2:111122223333:alarm:${name}`],
      });
      expect(matchingRules(rules, event)).toHaveLength(1);
    }
  });

  it('refuses a pattern too large for the quota', () => {
    // Prepare
    const config = configWith(1);
    const huge = {
      ...config,
      clusters: [{ ...config.clusters[0]!, arn: `arn:${'x'.repeat(MAX_PATTERN_LENGTH)}` }],
    };

    // Act
    const build = () => buildRules(huge as AppConfig);

    // Assess
    expect(build).toThrow('event pattern of rule hpr-node-health exceeds 2048 characters');
  });

  it('keeps descriptions within the EventBridge limit', () => {
    // Act
    const rules = buildRules(configWith(1, { namePrefix: 'p'.repeat(600) }));
    expect(rules).toHaveLength(2);

    // Assess
    for (const rule of rules) expect(rule.description.length).toBeLessThanOrEqual(512);
    expect(rules[0]?.description).toBe('HyperPod node health events of 1 configured cluster (part 1 of 1)');
  });
});
