/**
 * Our input patterns accept exactly what AWS's model accepts (botocore extracts in
 * test/fixtures/aws-models, patterns matched whole as AWS services do): an id we accept but
 * SageMaker rejects would fail a reboot with ValidationException in production.
 */
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_ARN,
  CLUSTER_NAME,
  EKS_CLUSTER_NAME,
  INSTANCE_GROUP_NAME,
  INSTANCE_ID,
} from '#contracts/config/ids.ts';
import { awsModel } from '#local/simulator/aws-models.ts';
import { validateShape } from '#local/simulator/conformance.ts';

const sagemaker = awsModel('sagemaker');
const eksArn = (name: string) => `arn:aws:eks:us-west-2:111122223333:cluster/${name}`;

describe('Patterns: our validation against the SageMaker and EKS models', () => {
  it.each([
    // ClusterNodeId: i-[a-f0-9]{8}(?:[a-f0-9]{9})?
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-0123456789abcdef0' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-12345678' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-123456789' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-0123456789abcdef' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-0123456789ABCDEF0' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'i-0123456789abcdef01' },
    { ours: INSTANCE_ID, shape: 'ClusterNodeId', value: 'ip-10-0-0-1' },
    // ClusterName: [a-zA-Z0-9](-*[a-zA-Z0-9])*, 1–63
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'ml-cluster' },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'ml--cluster' },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'ml_cluster' },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: '-ml' },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'ml-' },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'a'.repeat(63) },
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: 'a'.repeat(64) },
    // 81 characters in 41 groups: the length bound counts hyphens too.
    { ours: CLUSTER_NAME, shape: 'ClusterName', value: `${'a-'.repeat(40)}a` },
    // ClusterInstanceGroupName: the same pattern and bounds.
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: 'workers' },
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: 'gpu--spares' },
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: 'gpu_spares' },
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: '-gpu' },
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: 'a'.repeat(63) },
    { ours: INSTANCE_GROUP_NAME, shape: 'ClusterInstanceGroupName', value: `${'a-'.repeat(40)}a` },
    // ClusterArn: arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:cluster/[a-z0-9]{12}
    {
      ours: CLUSTER_ARN,
      shape: 'ClusterArn',
      value: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
    },
    {
      ours: CLUSTER_ARN,
      shape: 'ClusterArn',
      value: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/ml-cluster',
    },
    {
      ours: CLUSTER_ARN,
      shape: 'ClusterArn',
      value: 'arn:aws-cn:sagemaker:cn-north-1:111122223333:cluster/abcdef123456',
    },
  ])('$shape: $value is accepted by ours exactly when the model accepts it', ({ ours, shape, value }) => {
    // Act
    const model = validateShape(sagemaker, shape, value).length === 0;

    // Assess
    expect(ours.test(value)).toBe(model);
  });

  it.each(['ml-eks', 'ml_eks', '9eks', '_eks', 'a'.repeat(100), 'a'.repeat(101)])(
    'EKS cluster name %s: accepted by ours exactly when the EksClusterArn pattern accepts its ARN',
    (name) => {
      // Act
      const model = validateShape(sagemaker, 'EksClusterArn', eksArn(name)).length === 0;

      // Assess
      expect(EKS_CLUSTER_NAME.test(name)).toBe(model);
    },
  );
});
