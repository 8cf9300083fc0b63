import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import { InvalidInputError, UnknownClusterError } from '#contracts/errors.ts';
import type { Trigger } from '#domain/types.ts';
import { MAX_INPUT_BYTES, normalizeTrigger } from '#events/normalize.ts';
import { getTestEvent, SAMPLE_CLUSTER_ARN, type SampleSource, sampleConfig } from '#events/samples/index.ts';
import { type Json, sampleWith } from './helpers.ts';

const NOW = '2026-06-01T18:00:00.000Z';
const options = { now: NOW, newId: () => 'manual-0001' };
const INSTANCE = 'i-0391f86fa0fe0d465';
const NODE = 'hyperpod-i-0391f86fa0fe0d465';
const TERMINATE_REASON =
  'HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node and is unhealthy.';
const PENDING_REPLACEMENT_ALARM = `hpr-ml-cluster-${INSTANCE}-pending-replacement`;
const OTHER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/zyxwvu987654';
/** Renames the sample alarm to one that `sampleConfig` does not allowlist. */
const UNLISTED = {
  'detail.alarmName': 'hpr-unlisted',
  resources: ['arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-unlisted'],
};

/** Calls `normalizeTrigger` and returns what it threw. */
const thrown = (input: unknown, config = sampleConfig, opts = options): unknown => {
  try {
    normalizeTrigger(input, config, opts);
  } catch (error) {
    return error;
  }
  throw new Error('normalizeTrigger did not throw');
};

describe('Function: normalizeTrigger', () => {
  it.each<{ case: string; source: SampleSource; name: string; expected: Trigger }>([
    {
      case: 'HMA verdict with a replace recommendation',
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-terminate',
      expected: {
        kind: 'node-health',
        eventId: '0bd4a141-0a02-9d8a-f977-3924c3fb259c',
        time: '2021-10-25T01:52:12.000Z',
        clusterName: 'ml-cluster',
        clusterArn: SAMPLE_CLUSTER_ARN,
        instanceId: INSTANCE,
        healthStatus: 'Unhealthy',
        repairAction: 'None',
        healthStatusReason: TERMINATE_REASON,
        recommendation: 'Please Replace the Faulty Node.',
      },
    },
    {
      case: 'instance capacity failure',
      source: 'aws.sagemaker',
      name: 'cluster-event-instance-error',
      expected: {
        kind: 'cluster-event',
        eventId: '83ea0bb5-be77-45e8-a458-0a87f778a205',
        time: '2025-06-01T16:20:25.350Z',
        clusterName: 'ml-cluster',
        clusterArn: SAMPLE_CLUSTER_ARN,
        resourceType: 'Instance',
        level: 'Error',
        instanceId: INSTANCE,
        instanceGroupName: 'p5Inst',
        nodeLogicalId: 'df268d19-f035-4f28-9b80-b956b92ae21e',
        description: 'Instance creation in Cluster ml-cluster and InstanceGroup p5Inst failed',
        failureMessage:
          'We currently do not have sufficient capacity to launch new ml.p5.48xlarge instances. Please try again.',
      },
    },
    {
      case: 'per-node HyperPod health metric alarm',
      source: 'aws.cloudwatch',
      name: 'alarm-gpu-pending-replacement',
      expected: {
        kind: 'alarm',
        eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
        time: '2026-06-01T17:21:40.000Z',
        clusterName: 'ml-cluster',
        alarmName: PENDING_REPLACEMENT_ALARM,
        alarmArn: `arn:aws:cloudwatch:us-west-2:111122223333:alarm:${PENDING_REPLACEMENT_ALARM}`,
        state: 'ALARM',
        metricName: 'hyperpod_node_health_status_unschedulable_pending_replacement',
        namespace: 'ContainerInsights',
        instanceId: INSTANCE,
        nodeName: NODE,
        tags: {},
        reason:
          'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/06/26 17:20:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
      },
    },
    {
      case: 'manual request by instance id',
      source: 'manual',
      name: 'recover-instance',
      expected: {
        kind: 'manual',
        eventId: 'manual-0001',
        time: NOW,
        clusterName: 'ml-cluster',
        instanceId: INSTANCE,
        action: 'replace',
        reason: 'NCCL all_reduce bandwidth dropped to 30 GB/s on this node',
        requestedBy: 'alice@example.com',
      },
    },
    {
      case: 'manual request by node name, with defaults',
      source: 'manual',
      name: 'recover-node-name',
      expected: {
        kind: 'manual',
        eventId: 'manual-0001',
        time: NOW,
        clusterName: 'ml-cluster',
        nodeName: NODE,
        action: 'auto',
        reason: 'training step time doubled since the last checkpoint',
        requestedBy: 'console',
      },
    },
  ])('normalizes a sample into its trigger ($case)', ({ source, name, expected }) => {
    // Prepare
    const event = getTestEvent({ source, name });

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toStrictEqual(expected);
  });

  it.each<{ case: string; source: SampleSource; name: string; expected: Partial<Trigger> & Json }>([
    {
      case: 'reboot verdict',
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-reboot',
      expected: {
        kind: 'node-health',
        instanceId: 'i-0220224e40218ce3a',
        recommendation: 'Please Reboot the Faulty Node.',
      },
    },
    {
      case: 'healthy again (unconfirmed spelling kept as text)',
      source: 'aws.sagemaker',
      name: 'node-health-healthy',
      expected: { kind: 'node-health', healthStatus: 'Healthy' },
    },
    {
      case: 'unknown fields and an unknown RepairAction',
      source: 'aws.sagemaker',
      name: 'node-health-extra-fields',
      expected: { kind: 'node-health', repairAction: 'QuarantineAndReplace', instanceId: INSTANCE },
    },
    {
      case: 'Info-level cluster event (the rule filters it, the domain may see it locally)',
      source: 'aws.sagemaker',
      name: 'cluster-event-info',
      expected: { kind: 'cluster-event', level: 'Info', time: '2025-06-01T16:25:02.000Z' },
    },
    {
      case: 'alarm back to OK',
      source: 'aws.cloudwatch',
      name: 'alarm-ok',
      expected: { kind: 'alarm', state: 'OK', instanceId: INSTANCE },
    },
    {
      case: 'metric-math alarm over two metrics of one node',
      source: 'aws.cloudwatch',
      name: 'alarm-metric-math',
      expected: { kind: 'alarm', namespace: 'ContainerInsights', instanceId: INSTANCE, nodeName: NODE },
    },
    {
      case: 'composite alarm named by tags',
      source: 'aws.cloudwatch',
      name: 'alarm-tagged-composite',
      expected: {
        kind: 'alarm',
        clusterName: 'ml-cluster',
        instanceId: INSTANCE,
        tags: {
          'hyperpod-resilience.io/cluster': 'ml-cluster',
          'hyperpod-resilience.io/instance-id': INSTANCE,
          'hyperpod-resilience.io/fault': 'gpu-degraded',
        },
      },
    },
  ])('normalizes a sample ($case)', ({ source, name, expected }) => {
    // Prepare
    const event = getTestEvent({ source, name });

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject(expected);
  });

  it.each([
    ['aws.sagemaker', 'node-health-unhealthy-terminate'],
    ['aws.sagemaker', 'cluster-event-instance-error'],
    ['aws.cloudwatch', 'alarm-metric-math'],
    ['aws.cloudwatch', 'alarm-tagged-composite'],
    ['manual', 'recover-node-name'],
  ] as const)('returns plain JSON data without undefined members (%s/%s)', (source, name) => {
    // Act
    const trigger = normalizeTrigger(getTestEvent({ source, name }), sampleConfig, options);

    // Assess
    expect(JSON.parse(JSON.stringify(trigger))).toStrictEqual(trigger);
  });

  it('names no single metric when a metric-math alarm combines two', () => {
    // Act
    const trigger = normalizeTrigger(
      getTestEvent({ source: 'aws.cloudwatch', name: 'alarm-metric-math' }),
      sampleConfig,
      options,
    );

    // Assess
    expect(trigger).not.toHaveProperty('metricName');
  });

  it('leaves out optional fields the event does not carry', () => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
      'detail.ClusterName': undefined,
      'detail.Tags': undefined,
      'detail.HealthSummary': { HealthStatus: 'Unhealthy' },
    });

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toStrictEqual({
      kind: 'node-health',
      eventId: '0bd4a141-0a02-9d8a-f977-3924c3fb259c',
      time: '2021-10-25T01:52:12.000Z',
      clusterName: 'ml-cluster',
      clusterArn: SAMPLE_CLUSTER_ARN,
      instanceId: INSTANCE,
      healthStatus: 'Unhealthy',
    });
  });

  it.each<{ case: string; changes: Json; expected: Json }>([
    {
      case: 'unknown EventLevel',
      changes: { 'detail.EventDetails.EventLevel': 'Critical' },
      expected: { level: 'Critical' },
    },
    {
      case: 'no EventLevel (older shape)',
      changes: { 'detail.EventDetails.EventLevel': undefined },
      expected: { kind: 'cluster-event', instanceId: INSTANCE },
    },
    {
      case: 'EventTime as an ISO string',
      changes: { 'detail.EventDetails.EventTime': '2026-06-01T17:20:25+02:00' },
      expected: { time: '2026-06-01T15:20:25.000Z' },
    },
    {
      case: 'only a NodeLogicalId names the node',
      changes: { 'detail.EventDetails.InstanceId': undefined },
      expected: { nodeLogicalId: 'df268d19-f035-4f28-9b80-b956b92ae21e' },
    },
    {
      case: 'no metadata',
      changes: { 'detail.EventDetails.EventDetails': undefined },
      expected: { instanceId: INSTANCE },
    },
  ])('accepts a cluster event variant ($case)', ({ changes, expected }) => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'cluster-event-instance-error', changes);

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject(expected);
  });

  it.each<{ case: string; changes: Json; expected: Json }>([
    {
      case: 'Tags as the API list form',
      changes: { 'detail.Tags': [{ Key: 'team', Value: 'research' }] },
      expected: { instanceId: INSTANCE },
    },
    {
      case: 'unknown HealthStatus',
      changes: { 'detail.HealthSummary.HealthStatus': 'Degraded' },
      expected: { healthStatus: 'Degraded' },
    },
    {
      case: 'time with an offset',
      changes: { time: '2021-10-25T03:52:12+02:00' },
      expected: { time: '2021-10-25T01:52:12.000Z' },
    },
  ])('accepts a node health event variant ($case)', ({ changes, expected }) => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', changes);

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject(expected);
  });

  it.each<{ case: string; changes: Json; expected: Json }>([
    {
      case: 'cluster tag holding the cluster ARN',
      changes: { 'detail.alarmTags': { 'hyperpod-resilience.io/cluster': SAMPLE_CLUSTER_ARN } },
      expected: { clusterName: 'ml-cluster' },
    },
    {
      case: 'cluster tag wins over a ClusterName dimension it disagrees with',
      changes: {
        'detail.alarmTags': { 'hyperpod-resilience.io/cluster': 'ml-cluster' },
        'detail.configuration.metrics.0.metricStat.metric.dimensions.ClusterName': 'somebody-else',
      },
      expected: { clusterName: 'ml-cluster' },
    },
    {
      case: 'ClusterName dimension holding the HyperPod name',
      changes: { 'detail.configuration.metrics.0.metricStat.metric.dimensions.ClusterName': 'ml-cluster' },
      expected: { clusterName: 'ml-cluster' },
    },
    {
      case: 'node tag that agrees with the dimension',
      changes: {
        'detail.alarmTags': { 'hyperpod-resilience.io/instance-id': INSTANCE },
      },
      expected: { instanceId: INSTANCE },
    },
    {
      case: 'NodeName dimension only',
      changes: { 'detail.configuration.metrics.0.metricStat.metric.dimensions.InstanceId': undefined },
      expected: { nodeName: NODE },
    },
    {
      case: 'unknown alarm state',
      changes: { 'detail.state.value': 'MUTED' },
      expected: { state: 'MUTED' },
    },
  ])('resolves an alarm variant ($case)', ({ changes, expected }) => {
    // Prepare
    const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', changes);

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject(expected);
  });

  it('resolves a composite alarm named by the node-name tag', () => {
    // Prepare
    const event = sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
      'detail.alarmTags': {
        'hyperpod-resilience.io/cluster': 'ml-cluster',
        'hyperpod-resilience.io/node-name': NODE,
      },
    });

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject({ kind: 'alarm', nodeName: NODE });
    expect(trigger).not.toHaveProperty('instanceId');
  });

  it("takes an allowlisted alarm's cluster from its entry, whatever its cluster tag or dimension says", () => {
    // Prepare
    const config = parseAppConfig({
      clusters: [
        { name: 'ml-cluster', arn: SAMPLE_CLUSTER_ARN, eksClusterName: 'ml-cluster-eks' },
        { name: 'other-cluster', arn: OTHER_ARN, eksClusterName: 'other-eks' },
      ],
      alarms: {
        allow: [
          {
            name: PENDING_REPLACEMENT_ALARM,
            cluster: 'other-cluster',
            meaning: 'metric',
            maxAction: 'reboot',
          },
        ],
      },
    });
    const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
      'detail.alarmTags': { 'hyperpod-resilience.io/cluster': 'ml-cluster' },
    });

    // Act
    const trigger = normalizeTrigger(event, config, options);

    // Assess
    expect(trigger).toMatchObject({ kind: 'alarm', clusterName: 'other-cluster', instanceId: INSTANCE });
  });

  it('resolves an alarm that is not allowlisted by its ClusterName dimension (it is then only observed)', () => {
    // Prepare
    const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', UNLISTED);

    // Act
    const trigger = normalizeTrigger(event, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject({ kind: 'alarm', alarmName: 'hpr-unlisted', clusterName: 'ml-cluster' });
  });

  it('uses the configured cluster tag key', () => {
    // Prepare
    const config = parseAppConfig({
      clusters: [{ name: 'ml-cluster', arn: SAMPLE_CLUSTER_ARN, eksClusterName: 'ml-cluster-eks' }],
      alarms: { tagKey: 'team/cluster' },
    });
    const event = sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
      'detail.alarmTags': { 'team/cluster': 'ml-cluster', 'hyperpod-resilience.io/instance-id': INSTANCE },
    });

    // Act
    const trigger = normalizeTrigger(event, config, options);

    // Assess
    expect(trigger).toMatchObject({ clusterName: 'ml-cluster', instanceId: INSTANCE });
  });

  it('gives a manual request a fresh id and the current time by default', () => {
    // Prepare
    const before = Date.now();

    // Act
    const trigger = normalizeTrigger(
      getTestEvent({ source: 'manual', name: 'recover-instance' }),
      sampleConfig,
    );

    // Assess
    expect(trigger.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(trigger.time)).toBeGreaterThanOrEqual(before);
    expect(trigger.time).toBe(new Date(trigger.time).toISOString());
  });

  it('trims the reason and requester of a manual request', () => {
    // Prepare
    const request = { clusterName: 'ml-cluster', nodeName: NODE, reason: '  flaky  ', requestedBy: ' bob ' };

    // Act
    const trigger = normalizeTrigger(request, sampleConfig, options);

    // Assess
    expect(trigger).toMatchObject({ reason: 'flaky', requestedBy: 'bob' });
  });

  it.each<{ case: string; input: () => unknown; message: string | RegExp }>([
    { case: 'a string', input: () => 'hello', message: '(root): got string' },
    { case: 'null', input: () => null, message: '(root): got null' },
    { case: 'an array', input: () => [], message: '(root): got an array' },
    { case: 'a number', input: () => 42, message: '(root): got number' },
    {
      case: 'node health without InstanceId',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.InstanceId': undefined }),
      message: 'invalid SageMaker HyperPod Cluster Node Health Event: detail.InstanceId: Invalid input',
    },
    {
      case: 'node health with a malformed InstanceId',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.InstanceId': 'i-XYZ; rm' }),
      message: 'detail.InstanceId: an EC2 instance id (i- followed by 8-17 lowercase hex digits)',
    },
    {
      case: 'node health with a malformed ClusterArn',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.ClusterArn': 'ml-cluster' }),
      message: 'detail.ClusterArn: a HyperPod cluster ARN',
    },
    {
      case: 'node health without HealthSummary',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.HealthSummary': undefined }),
      message: 'detail.HealthSummary',
    },
    {
      case: 'an oversized reason string',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
          'detail.HealthSummary.HealthStatusReason': 'x'.repeat(5000),
        }),
      message:
        /detail\.HealthSummary\.HealthStatusReason: Too big: expected string to have <=4096 characters/,
    },
    {
      case: 'Tags that are neither a map nor a list',
      input: () => sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.Tags': 7 }),
      message: 'detail.Tags',
    },
    {
      case: 'a tag map with a non-string value',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
          'detail.Tags': { team: 5, cost: 6 },
        }),
      message: 'detail.Tags.team: Invalid input: expected string, received number; detail.Tags.cost',
    },
    {
      case: 'a metric-math expression with a non-string label',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-metric-math', { 'detail.configuration.metrics.0.label': 5 }),
      message:
        'invalid CloudWatch Alarm State Change: detail.configuration.metrics.0.label: Invalid input: expected string, received number',
    },
    {
      case: 'an event larger than EventBridge allows',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
          'detail.Padding': 'x'.repeat(MAX_INPUT_BYTES),
        }),
      message: /^input too large: \(root\): \d+ bytes/,
    },
    {
      case: 'a circular structure',
      input: () => {
        const event = sampleWith('manual', 'recover-instance');
        event.self = event;
        return event;
      },
      message: 'input is not JSON',
    },
    {
      case: 'an envelope without time',
      input: () => sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { time: undefined }),
      message: 'invalid EventBridge event: time',
    },
    {
      case: 'an envelope with a non-ISO time',
      input: () => sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { time: 'yesterday' }),
      message: 'invalid EventBridge event: time',
    },
    {
      case: 'a cluster state change (no node)',
      input: () => getTestEvent({ source: 'aws.sagemaker', name: 'cluster-state-change' }),
      message: 'unsupported event: detail-type: aws.sagemaker / SageMaker HyperPod Cluster State Change',
    },
    {
      case: 'a HyperPod detail-type from another source',
      input: () => sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { source: 'aws.ec2' }),
      message: 'unsupported event',
    },
    {
      case: 'an alarm detail-type from another source',
      input: () => sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', { source: 'aws.sagemaker' }),
      message: 'unsupported event',
    },
    {
      case: 'a cluster event about an instance group',
      input: () =>
        sampleWith('aws.sagemaker', 'cluster-event-instance-error', {
          'detail.EventDetails.ResourceType': 'InstanceGroup',
        }),
      message: 'detail.EventDetails.ResourceType: expected Instance, got InstanceGroup',
    },
    {
      case: 'a cluster event about an instance it does not name',
      input: () =>
        sampleWith('aws.sagemaker', 'cluster-event-instance-error', {
          'detail.EventDetails.InstanceId': undefined,
          'detail.EventDetails.EventDetails': undefined,
        }),
      message: 'names no node',
    },
    {
      case: 'a cluster event with a negative EventTime',
      input: () =>
        sampleWith('aws.sagemaker', 'cluster-event-instance-error', { 'detail.EventDetails.EventTime': -1 }),
      message: 'detail.EventDetails.EventTime',
    },
    {
      case: 'a composite alarm that names no node',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
          'detail.alarmTags': { 'hyperpod-resilience.io/cluster': 'ml-cluster' },
        }),
      message: 'alarm names no node',
    },
    {
      case: 'an alarm not allowlisted that names no cluster',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
          ...UNLISTED,
          'detail.configuration.metrics.0.metricStat.metric.dimensions.ClusterName': undefined,
        }),
      message: 'names no cluster',
    },
    {
      case: 'a metric-math alarm over two instances',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-metric-math', {
          'detail.configuration.metrics.2.metricStat.metric.dimensions.InstanceId': 'i-0220224e40218ce3a',
        }),
      message: 'names more than one InstanceId',
    },
    {
      case: 'a node tag that contradicts the dimension',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
          'detail.alarmTags': { 'hyperpod-resilience.io/instance-id': 'i-0220224e40218ce3a' },
        }),
      message: 'names two nodes',
    },
    {
      case: 'a malformed InstanceId dimension',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
          'detail.configuration.metrics.0.metricStat.metric.dimensions.InstanceId': 'node-7',
        }),
      message: 'dimensions.InstanceId: node-7 is not an EC2 instance id',
    },
    {
      case: 'a malformed node-name tag',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
          'detail.alarmTags': {
            'hyperpod-resilience.io/cluster': 'ml-cluster',
            'hyperpod-resilience.io/node-name': 'Bad_Name',
          },
        }),
      message: 'detail.alarmTags.hyperpod-resilience.io/node-name: Bad_Name is not a Kubernetes node name',
    },
    {
      case: 'a dimension value that is not a string',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
          'detail.configuration.metrics.0.metricStat.metric.dimensions.InstanceId': 7,
        }),
      message:
        'detail.configuration.metrics.0.metricStat.metric.dimensions.InstanceId: Invalid input: expected string',
    },
    {
      case: 'an alarm without resources',
      input: () => sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', { resources: [] }),
      message: 'resources',
    },
    {
      case: 'an alarm whose first resource is not an ARN',
      input: () => sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', { resources: ['my-alarm'] }),
      message: 'resources: resources[0] must be the alarm ARN',
    },
    {
      case: 'a manual request with both instanceId and nodeName',
      input: () => sampleWith('manual', 'recover-instance', { nodeName: NODE }),
      message:
        'invalid manual recovery request: (root): give exactly one of instanceId or nodeName (got both)',
    },
    {
      case: 'a manual request with neither instanceId nor nodeName',
      input: () => sampleWith('manual', 'recover-instance', { instanceId: undefined }),
      message: '(got neither)',
    },
    {
      case: 'a manual request with a misspelt key',
      input: () => ({ clusterName: 'ml-cluster', instanceID: INSTANCE, reason: 'x' }),
      message: 'Unrecognized key: "instanceID"',
    },
    {
      case: 'a manual request with a blank reason',
      input: () => sampleWith('manual', 'recover-instance', { reason: '   ' }),
      message: 'reason: Too small',
    },
    {
      case: 'a manual request with a reason over 512 characters',
      input: () => sampleWith('manual', 'recover-instance', { reason: 'r'.repeat(513) }),
      message: 'reason: Too big',
    },
    {
      case: 'a manual request with an unknown action',
      input: () => sampleWith('manual', 'recover-instance', { action: 'terminate' }),
      message: 'action: Invalid option',
    },
  ])('rejects malformed input with a readable InvalidInputError ($case)', ({ input, message }) => {
    // Act
    const error = thrown(input());

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toHaveProperty('name', 'InvalidInputError');
    if (typeof message === 'string') expect((error as Error).message).toContain(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('lists every issue by path', () => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
      'detail.InstanceId': 'bad',
      'detail.ClusterArn': 'bad',
    });

    // Act
    const error = thrown(event) as InvalidInputError;

    // Assess
    expect(error.issues.map((i) => i.path)).toStrictEqual(['detail.ClusterArn', 'detail.InstanceId']);
  });

  it('rejects an invalid options.now', () => {
    // Act
    const error = thrown(getTestEvent({ source: 'manual', name: 'recover-instance' }), sampleConfig, {
      ...options,
      now: 'soon',
    });

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('invalid time: options.now: not a valid date: soon');
  });

  it.each<{ case: string; input: () => unknown; message: string }>([
    {
      case: 'node health event of another cluster',
      input: () => getTestEvent({ source: 'aws.sagemaker', name: 'node-health-unknown-cluster' }),
      message: `cluster ${OTHER_ARN} is not configured`,
    },
    {
      case: 'our cluster name under another ARN (a recreated cluster)',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', { 'detail.ClusterArn': OTHER_ARN }),
      message: `cluster ml-cluster is configured with ARN ${SAMPLE_CLUSTER_ARN}, but the event names ${OTHER_ARN}`,
    },
    {
      case: 'node health event of another cluster that gives no name',
      input: () =>
        sampleWith('aws.sagemaker', 'node-health-unknown-cluster', { 'detail.ClusterName': undefined }),
      message: `cluster ${OTHER_ARN} is not configured`,
    },
    {
      case: 'cluster event of another cluster',
      input: () =>
        sampleWith('aws.sagemaker', 'cluster-event-instance-error', {
          'detail.EventDetails.ClusterArn': OTHER_ARN,
          'detail.EventDetails.ClusterName': 'other-cluster',
        }),
      message: `cluster ${OTHER_ARN} is not configured`,
    },
    {
      case: 'alarm tagged with another cluster',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-tagged-composite', {
          'detail.alarmTags': {
            'hyperpod-resilience.io/cluster': 'other-cluster',
            'hyperpod-resilience.io/instance-id': INSTANCE,
          },
        }),
      message: 'alarm tag hyperpod-resilience.io/cluster=other-cluster names no configured cluster',
    },
    {
      case: 'alarm not allowlisted on another EKS cluster',
      input: () =>
        sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
          ...UNLISTED,
          'detail.configuration.metrics.0.metricStat.metric.dimensions.ClusterName': 'other-eks',
        }),
      message: 'alarm dimension ClusterName=other-eks names no configured cluster',
    },
    {
      case: 'manual request for another cluster',
      input: () => sampleWith('manual', 'recover-instance', { clusterName: 'other-cluster' }),
      message: 'cluster other-cluster is not configured',
    },
  ])('rejects a cluster that is not configured with UnknownClusterError ($case)', ({ input, message }) => {
    // Act
    const error = thrown(input());

    // Assess
    expect(error).toBeInstanceOf(UnknownClusterError);
    expect((error as Error).message).toBe(message);
  });
});
