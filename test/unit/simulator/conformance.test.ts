/**
 * The conformance validator against the committed botocore extracts (test/fixtures/aws-models):
 * each case names the model shape whose constraint it breaks.
 */
import { describe, expect, it } from 'vitest';
import { awsModel } from '#local/simulator/aws-models.ts';
import {
  type ServiceModel,
  validateError,
  validateInput,
  validateOutput,
  validateQueryInput,
  validateShape,
} from '#local/simulator/conformance.ts';
import { SAGEMAKER_OPERATIONS } from '#local/simulator/sagemaker-api.ts';

const sagemaker = awsModel('sagemaker');
const eks = awsModel('eks');
const sns = awsModel('sns');
const sts = awsModel('sts');

// A ClusterNodeSummary as the SageMaker API reference shows it (values from AWS's examples).
const summary = {
  InstanceGroupName: 'worker-group-1',
  InstanceId: 'i-0123456789abcdef0',
  InstanceType: 'ml.p5.48xlarge',
  LaunchTime: 1717000000.123,
  InstanceStatus: { Status: 'Running' },
};

describe('Function: validateShape', () => {
  it('accepts a ListClusterNodes answer that follows the model', () => {
    // Act
    const violations = validateOutput(sagemaker, 'ListClusterNodes', { ClusterNodeSummaries: [summary] });

    // Assess
    expect(violations).toEqual([]);
  });

  it.each([
    {
      case: 'a member the model does not have',
      value: { ClusterNodeSummaries: [{ ...summary, HealthStatus: 'Healthy' }] },
      path: '$.ClusterNodeSummaries[0].HealthStatus',
      message: 'ClusterNodeSummary has no member HealthStatus',
    },
    {
      case: 'a missing required member',
      value: { ClusterNodeSummaries: [{ ...summary, InstanceStatus: undefined }] },
      path: '$.ClusterNodeSummaries[0].InstanceStatus',
      message: 'required member InstanceStatus of ClusterNodeSummary is missing',
    },
    {
      case: 'a value outside the enum',
      value: { ClusterNodeSummaries: [{ ...summary, InstanceStatus: { Status: 'Healthy' } }] },
      path: '$.ClusterNodeSummaries[0].InstanceStatus.Status',
      message: '"Healthy" is not a value of enum ClusterInstanceStatus',
    },
    {
      case: 'a timestamp as ISO text where awsJson1_1 sends epoch seconds',
      value: { ClusterNodeSummaries: [{ ...summary, LaunchTime: '2024-05-29T16:26:40Z' }] },
      path: '$.ClusterNodeSummaries[0].LaunchTime',
      message: 'expected a epoch-seconds timestamp',
    },
    {
      case: 'a null member',
      value: { ClusterNodeSummaries: [summary], NextToken: null },
      path: '$.NextToken',
      message: 'null where the model has NextToken',
    },
  ])('fails an answer with $case', ({ value, path, message }) => {
    // Act
    const violations = validateOutput(sagemaker, 'ListClusterNodes', value);

    // Assess
    expect(violations).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it.each([
    {
      case: 'MaxResults above its range (MaxResults: 1–100)',
      input: { ClusterName: 'ml-cluster', MaxResults: 101 },
      path: '$.MaxResults',
      message: "value 101 is above the model's maximum 100",
    },
    {
      case: 'MaxResults below its range',
      input: { ClusterName: 'ml-cluster', MaxResults: 0 },
      path: '$.MaxResults',
      message: "value 0 is below the model's minimum 1",
    },
    {
      case: 'a fractional integer',
      input: { ClusterName: 'ml-cluster', MaxResults: 2.5 },
      path: '$.MaxResults',
      message: 'expected a whole number',
    },
    {
      case: 'a NextToken longer than 8192 characters (NextToken)',
      input: { ClusterName: 'ml-cluster', NextToken: 'a'.repeat(8193) },
      path: '$.NextToken',
      message: "string length 8193 is above the model's maximum 8192",
    },
    {
      case: 'a SortBy outside its enum (ClusterSortBy)',
      input: { ClusterName: 'ml-cluster', SortBy: 'LAUNCH_TIME' },
      path: '$.SortBy',
      message: 'is not a value of enum ClusterSortBy (CREATION_TIME | NAME)',
    },
    {
      case: 'a boolean sent as text',
      input: { ClusterName: 'ml-cluster', IncludeNodeLogicalIds: 'true' },
      path: '$.IncludeNodeLogicalIds',
      message: 'expected true or false',
    },
  ])('fails a ListClusterNodes request with $case', ({ input, path, message }) => {
    // Act
    const violations = validateInput(sagemaker, 'ListClusterNodes', input);

    // Assess
    expect(violations).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('matches a pattern against the whole value, as AWS services do (ClusterName)', () => {
    // Act
    const inside = validateInput(sagemaker, 'DescribeCluster', { ClusterName: 'ml_cluster' });

    // Assess
    expect(inside).toEqual([
      { path: '$.ClusterName', message: expect.stringContaining('does not match the pattern') },
    ]);
  });

  it('fails a node id that does not match the ClusterNodeId pattern', () => {
    // Act
    const violations = validateInput(sagemaker, 'BatchRebootClusterNodes', {
      ClusterName: 'ml-cluster',
      NodeIds: ['ip-10-1-2-3'],
    });

    // Assess
    expect(violations).toEqual([
      { path: '$.NodeIds[0]', message: expect.stringContaining('does not match the pattern i-[a-f0-9]{8}') },
    ]);
  });

  it('fails a reboot call with more node ids than the list allows (BatchRebootClusterNodesRequestNodeIdsList: max 25)', () => {
    // Prepare
    const ids = Array.from({ length: 26 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

    // Act
    const violations = validateInput(sagemaker, 'BatchRebootClusterNodes', {
      ClusterName: 'ml-cluster',
      NodeIds: ids,
    });

    // Assess
    expect(violations).toEqual([
      { path: '$.NodeIds', message: "list length 26 is above the model's maximum 25" },
    ]);
  });

  it('reports every violation, not only the first', () => {
    // Act
    const violations = validateInput(sagemaker, 'ListClusterNodes', {
      MaxResults: 500,
      Extra: 1,
    });

    // Assess
    expect(violations.map((v) => v.path).sort()).toEqual(['$.ClusterName', '$.Extra', '$.MaxResults']);
  });

  it('fails a union with two members set and accepts it with one (EventMetadata)', () => {
    // Prepare
    const event = (metadata: unknown) => ({
      EventDetails: {
        EventId: '83ea0bb5-be77-45e8-a458-0a87f778a205',
        ClusterArn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
        ClusterName: 'sample-cluster',
        ResourceType: 'Instance',
        EventTime: 1748794825.35,
        EventDetails: { EventMetadata: metadata },
      },
    });

    // Act
    const one = validateOutput(
      sagemaker,
      'DescribeClusterEvent',
      event({ Instance: { FailureMessage: 'x' } }),
    );
    const two = validateOutput(
      sagemaker,
      'DescribeClusterEvent',
      event({ Instance: { FailureMessage: 'x' }, Cluster: { FailureMessage: 'y' } }),
    );

    // Assess
    expect(one).toEqual([]);
    expect(two).toEqual([
      {
        path: '$.EventDetails.EventDetails.EventMetadata',
        message: 'union EventMetadata must have exactly one member set, has 2',
      },
    ]);
  });

  it('checks map sizes, keys and values (EKS TagMap: 1–50 entries)', () => {
    // Act
    const violations = validateShape(eks, 'TagMap', {});

    // Assess
    expect(violations).toEqual([{ path: '$', message: "map size 0 is below the model's minimum 1" }]);
  });

  it('reads restJson1 timestamps as epoch seconds and skips URI members in a body', () => {
    // Act
    const asNumber = validateOutput(eks, 'DescribeCluster', { cluster: { name: 'x', createdAt: 1.5 } });
    const asText = validateOutput(eks, 'DescribeCluster', { cluster: { name: 'x', createdAt: 'yesterday' } });
    const body = validateInput(eks, 'DescribeCluster', {}, { bodyOnly: true });

    // Assess
    expect(asNumber).toEqual([]);
    expect(asText).toEqual([
      { path: '$.cluster.createdAt', message: expect.stringContaining('epoch-seconds') },
    ]);
    expect(body).toEqual([]);
  });

  it('knows every SageMaker operation the simulator answers', () => {
    // Act
    const missing = Object.keys(SAGEMAKER_OPERATIONS).filter((op) => !sagemaker.operations[op]);

    // Assess
    expect(missing).toEqual([]);
  });

  it('compiles every pattern of the extracts', () => {
    // Prepare
    const patterns = [sagemaker, eks, sns, sts].flatMap((model: ServiceModel) =>
      Object.values(model.shapes).flatMap((s) => (s.pattern ? [s.pattern] : [])),
    );

    // Act & Assess
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u')).not.toThrow();
  });
});

describe('Function: validateQueryInput', () => {
  it('accepts an SNS Publish with message attributes in awsQuery form', () => {
    // Prepare
    const params = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: 'arn:aws:sns:us-west-2:111122223333:alerts',
      Message: 'hello',
      Subject: 'hi',
      'MessageAttributes.entry.1.Name': 'severity',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'critical',
    });

    // Act
    const violations = validateQueryInput(sns, 'Publish', params.entries());

    // Assess
    expect(violations).toEqual([]);
  });

  it('fails an unknown parameter, a missing Message, a wrong Version and an attribute without DataType', () => {
    // Prepare
    const params = new URLSearchParams({
      Action: 'Publish',
      Version: '2012-01-01',
      TopicArn: 'arn:aws:sns:us-west-2:111122223333:alerts',
      Priority: 'high',
      'MessageAttributes.entry.1.Name': 'severity',
      'MessageAttributes.entry.1.Value.StringValue': 'critical',
    });

    // Act
    const violations = validateQueryInput(sns, 'Publish', params.entries());

    // Assess
    expect(violations.map((v) => v.path).sort()).toEqual([
      '$.Message',
      '$.MessageAttributes.severity.DataType',
      '$.Priority',
      '$.Version',
    ]);
  });

  it('accepts the GetCallerIdentity query of an EKS token (Action and Version only)', () => {
    // Act
    const ok = validateQueryInput(sts, 'GetCallerIdentity', [
      ['Action', 'GetCallerIdentity'],
      ['Version', '2011-06-15'],
    ]);
    const extra = validateQueryInput(sts, 'GetCallerIdentity', [
      ['Action', 'GetCallerIdentity'],
      ['Version', '2011-06-15'],
      ['DurationSeconds', '900'],
    ]);

    // Assess
    expect(ok).toEqual([]);
    expect(extra).toEqual([
      { path: '$.DurationSeconds', message: 'GetCallerIdentityRequest has no member DurationSeconds' },
    ]);
  });
});

describe('Function: validateError', () => {
  const common = new Set(['ThrottlingException']);

  it('accepts a declared error and a common error, and fails an undeclared one', () => {
    // Act
    const declared = validateError(sagemaker, {
      operation: 'DescribeCluster',
      code: 'ResourceNotFound',
      status: 400,
      body: { Message: 'Cluster not found' },
      commonErrors: common,
    });
    const throttled = validateError(sagemaker, {
      operation: 'DescribeCluster',
      code: 'ThrottlingException',
      status: 400,
      commonErrors: common,
    });
    const undeclared = validateError(sagemaker, {
      operation: 'DescribeCluster',
      code: 'ResourceNotFoundException',
      status: 400,
      commonErrors: common,
    });

    // Assess
    expect(declared).toEqual([]);
    expect(throttled).toEqual([]);
    expect(undeclared).toEqual([
      {
        path: '$',
        message: expect.stringContaining('neither declared by DescribeCluster (ResourceNotFound)'),
      },
    ]);
  });

  it("fails a declared error answered with another HTTP status than the model's (EKS ResourceNotFoundException: 404)", () => {
    // Act
    const violations = validateError(eks, {
      operation: 'DescribeCluster',
      code: 'ResourceNotFoundException',
      status: 400,
      body: { message: 'No cluster found for name: x.' },
      commonErrors: common,
    });

    // Assess
    expect(violations).toEqual([
      { path: '$', message: 'ResourceNotFoundException is HTTP 404 in the model, answered 400' },
    ]);
  });

  it('checks the body of a declared error against its shape', () => {
    // Act
    const violations = validateError(sagemaker, {
      operation: 'DescribeCluster',
      code: 'ResourceNotFound',
      status: 400,
      body: { Message: 'gone', ClusterName: 'x' },
      commonErrors: common,
    });

    // Assess
    expect(violations).toEqual([
      { path: '$.ClusterName', message: 'ResourceNotFound has no member ClusterName' },
    ]);
  });
});
