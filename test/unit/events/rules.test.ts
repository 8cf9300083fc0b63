import { describe, expect, it } from 'vitest';
import { type AppConfig, parseAppConfig } from '#contracts/config/app.ts';
import { buildRules, MAX_PATTERN_LENGTH, MAX_RULE_NAME_LENGTH } from '#events/rules.ts';
import { getTestEvent, SAMPLE_CLUSTER_ARN, type SampleSource, sampleConfig } from '#events/samples/index.ts';
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
          state: { value: ['ALARM'] },
          $or: [
            { alarmName: [{ prefix: 'hpr-' }] },
            { alarmTags: { 'hyperpod-resilience.io/cluster': [{ exists: true }] } },
          ],
        },
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
      case: 'alarm by prefix',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      expected: ['hpr-node-alarms'],
    },
    {
      case: 'metric-math alarm',
      source: 'aws.cloudwatch',
      name: 'alarm-metric-math',
      expected: ['hpr-node-alarms'],
    },
    {
      case: 'alarm by tag',
      source: 'aws.cloudwatch',
      name: 'alarm-tagged-composite',
      expected: ['hpr-node-alarms'],
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

  it('uses the configured alarm name prefix and tag key', () => {
    // Prepare
    const rules = buildRules(configWith(1, { namePrefix: 'gpu-', tagKey: 'team/cluster' }));
    const byPrefix = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
      'detail.alarmName': 'gpu-node-7',
    });
    const byTag = sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
      'detail.alarmTags': { 'team/cluster': 'x' },
    });
    const ours = getTestEvent({ source: 'aws.cloudwatch', name: 'alarm-gpu-pending-replacement' });

    // Act
    const matched = [byPrefix, byTag, ours].map((event) => matchingRules(rules, event).length);

    // Assess
    expect(matched).toStrictEqual([1, 1, 0]);
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

  it('refuses an alarm selection too large for an event pattern', () => {
    // Prepare
    const config = configWith(1, { tagKey: 't'.repeat(MAX_PATTERN_LENGTH) });

    // Act
    const build = () => buildRules(config);

    // Assess
    expect(build).toThrow('event pattern of rule hpr-node-alarms exceeds 2048 characters');
  });

  it('keeps descriptions within the EventBridge limit', () => {
    // Act
    const rules = buildRules(configWith(1, { namePrefix: 'p'.repeat(600) }));

    // Assess
    for (const rule of rules) expect(rule.description.length).toBeLessThanOrEqual(512);
    expect(rules[0]?.description).toBe('HyperPod node health events of 1 configured cluster (part 1 of 1)');
  });
});
