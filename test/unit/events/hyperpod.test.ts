import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CLUSTER_EVENT,
  CLUSTER_STATE_CHANGE,
  clusterEventSchema,
  clusterStateChangeEventSchema,
  extractFaultType,
  NODE_HEALTH_EVENT,
  nodeHealthEventSchema,
  SAGEMAKER_SOURCE,
} from '#events/hyperpod.ts';
import { getTestEvent } from '#events/samples/index.ts';
import { sampleWith } from './helpers.ts';

describe('Function: extractFaultType', () => {
  it.each<{ case: string; reason: string | undefined; expected: { faultType?: string; raw?: string } }>([
    {
      case: 'documented terminate reason',
      reason:
        'HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node and is unhealthy.',
      expected: {
        faultType: 'NvidiaErrorTerminate',
        raw: 'HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node and is unhealthy.',
      },
    },
    {
      case: 'reboot fault type',
      reason: 'HMA has detected fault type NvidiaErrorReboot on this node',
      expected: {
        faultType: 'NvidiaErrorReboot',
        raw: 'HMA has detected fault type NvidiaErrorReboot on this node',
      },
    },
    {
      case: 'different capitalisation',
      reason: 'Fault Type NeuronErrorReboot detected',
      expected: { faultType: 'NeuronErrorReboot', raw: 'Fault Type NeuronErrorReboot detected' },
    },
    {
      case: 'no fault type in the text',
      reason: 'The node is healthy.',
      expected: { raw: 'The node is healthy.' },
    },
    { case: 'no reason at all', reason: undefined, expected: {} },
  ])('reads the HMA fault type and keeps the raw text ($case)', ({ reason, expected }) => {
    // Act
    const result = extractFaultType(reason);

    // Assess
    expect(result).toStrictEqual(expected);
  });
});

describe('HyperPod event schemas', () => {
  it('exports the documented source and detail-types', () => {
    // Assess
    expect([SAGEMAKER_SOURCE, NODE_HEALTH_EVENT, CLUSTER_EVENT, CLUSTER_STATE_CHANGE]).toStrictEqual([
      'aws.sagemaker',
      'SageMaker HyperPod Cluster Node Health Event',
      'SageMaker HyperPod Cluster Event',
      'SageMaker HyperPod Cluster State Change',
    ]);
  });

  it.each<{ name: string; schema: z.ZodType }>([
    { name: 'node-health-unhealthy-terminate', schema: nodeHealthEventSchema },
    { name: 'node-health-unhealthy-reboot', schema: nodeHealthEventSchema },
    { name: 'node-health-healthy', schema: nodeHealthEventSchema },
    { name: 'node-health-unknown-cluster', schema: nodeHealthEventSchema },
    { name: 'node-health-extra-fields', schema: nodeHealthEventSchema },
    { name: 'cluster-event-instance-error', schema: clusterEventSchema },
    { name: 'cluster-event-info', schema: clusterEventSchema },
    { name: 'cluster-state-change', schema: clusterStateChangeEventSchema },
  ])('parses the sample $name', ({ name, schema }) => {
    // Act
    const result = schema.safeParse(getTestEvent({ source: 'aws.sagemaker', name }));

    // Assess
    expect(result.error?.issues).toBeUndefined();
  });

  it('keeps unknown fields and unknown enum values', () => {
    // Act
    const event = nodeHealthEventSchema.parse(
      getTestEvent({ source: 'aws.sagemaker', name: 'node-health-extra-fields' }),
    );

    // Assess
    expect(event.detail.HealthSummary.RepairAction).toBe('QuarantineAndReplace');
    expect(event.detail).toMatchObject({
      SchemaVersion: '2.0',
      NodeLogicalId: 'df268d19-f035-4f28-9b80-b956b92ae21e',
    });
    expect(event.detail.HealthSummary).toMatchObject({ FaultDetails: { Xid: 79, GpuIndex: 3 } });
  });

  it('accepts the documented name-like cluster id in an ARN', () => {
    // Prepare
    const arn = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/sample-cluster';
    const event = sampleWith('aws.sagemaker', 'node-health-unhealthy-terminate', {
      'detail.ClusterArn': arn,
    });

    // Act
    const result = nodeHealthEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(true);
  });

  it.each<{ case: string; changes: Record<string, unknown> }>([
    { case: 'unknown ClusterStatus', changes: { 'detail.ClusterStatus': 'Hibernating' } },
    { case: 'unknown group Status', changes: { 'detail.InstanceGroups.0.Status': 'Draining' } },
    { case: 'no InstanceGroups', changes: { 'detail.InstanceGroups': undefined } },
    { case: 'CreationTime as ISO', changes: { 'detail.CreationTime': '2025-04-28T16:40:47Z' } },
  ])('parses a cluster state change variant ($case)', ({ changes }) => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'cluster-state-change', changes);

    // Act
    const result = clusterStateChangeEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(true);
  });

  it.each<{ case: string; changes: Record<string, unknown>; path: string }>([
    { case: 'empty ClusterStatus', changes: { 'detail.ClusterStatus': '' }, path: 'detail.ClusterStatus' },
    {
      case: 'bad ClusterName',
      changes: { 'detail.ClusterName': 'no spaces allowed' },
      path: 'detail.ClusterName',
    },
    {
      case: 'negative count',
      changes: { 'detail.InstanceGroups.0.CurrentCount': -1 },
      path: 'detail.InstanceGroups.0.CurrentCount',
    },
    {
      case: 'oversized FailureMessage',
      changes: { 'detail.FailureMessage': 'f'.repeat(4097) },
      path: 'detail.FailureMessage',
    },
  ])('rejects a cluster state change variant ($case)', ({ changes, path }) => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'cluster-state-change', changes);

    // Act
    const result = clusterStateChangeEventSchema.safeParse(event);

    // Assess
    expect(result.error?.issues.map((i) => i.path.join('.'))).toStrictEqual([path]);
  });

  it.each<{ case: string; metadata: Record<string, unknown> }>([
    {
      case: 'Cluster',
      metadata: { Cluster: { FailureMessage: 'no access entry', EksRoleAccessEntries: ['a'] } },
    },
    {
      case: 'InstanceGroup',
      metadata: {
        InstanceGroup: {
          CapacityReservation: { Arn: 'arn:x', Type: 'ODCR' },
          SecurityGroupIds: ['sg-1'],
          SubnetId: 's-1',
        },
      },
    },
    {
      case: 'InstanceGroupScaling',
      metadata: { InstanceGroupScaling: { InstanceCount: 3, TargetCount: 4 } },
    },
    { case: 'a future member', metadata: { Accelerator: { Something: true } } },
  ])('parses cluster event metadata of each kind ($case)', ({ metadata }) => {
    // Prepare
    const event = sampleWith('aws.sagemaker', 'cluster-event-instance-error', {
      'detail.EventDetails.EventDetails': { EventMetadata: metadata },
    });

    // Act
    const result = clusterEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(true);
  });
});
