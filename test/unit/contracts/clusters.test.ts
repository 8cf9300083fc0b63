import { describe, expect, it } from 'vitest';
import { requireCluster } from '#contracts/clusters.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { UnknownClusterError } from '#contracts/errors.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};
const config = parseAppConfig({ clusters: [CLUSTER] });

describe('Function: requireCluster', () => {
  it.each([CLUSTER.name, CLUSTER.arn])('finds the configured cluster by %s', (nameOrArn) => {
    // Act
    const cluster = requireCluster(config, nameOrArn);

    // Assess
    expect(cluster.eksClusterName).toBe(CLUSTER.eksClusterName);
  });

  it('throws UnknownClusterError naming the cluster when none is configured under that name', () => {
    // Act
    const lookup = () => requireCluster(config, 'other-cluster');

    // Assess
    expect(lookup).toThrow(UnknownClusterError);
    expect(lookup).toThrow('cluster other-cluster is not configured');
  });

  it('does not find a cluster by its EKS cluster name', () => {
    // Act
    const lookup = () => requireCluster(config, CLUSTER.eksClusterName);

    // Assess
    expect(lookup).toThrow(UnknownClusterError);
  });
});
