/** The one lookup of a configured cluster that must exist (tasks, event normalization). */
import { type AppConfig, type ClusterConfig, findCluster } from './config/app.ts';
import { UnknownClusterError } from './errors.ts';

/**
 * The configured cluster of this name or ARN.
 *
 * @throws UnknownClusterError no configured cluster has this name or ARN.
 */
export const requireCluster = (config: AppConfig, nameOrArn: string): ClusterConfig => {
  const cluster = findCluster(config, nameOrArn);
  if (!cluster) {
    throw new UnknownClusterError(`cluster ${nameOrArn} is not configured`, {
      details: { clusterName: nameOrArn },
    });
  }
  return cluster;
};
