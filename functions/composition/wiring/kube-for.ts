/**
 * The `kubeFor` port: a Kubernetes API per EKS cluster (endpoint and CA from EKS DescribeCluster,
 * a token signed with the Lambda role's credentials). The only provider that bundles
 * @kubernetes/client-node.
 */
import { createKubeApiFactory, eksClientFor, lambdaRoleCredentials } from '#adapters/eks.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const kubeFor: PortProvider<'kubeFor'> = (runtime) =>
  createKubeApiFactory({
    eks: eksClientFor(runtime.region),
    region: runtime.region,
    credentials: lambdaRoleCredentials(),
  });
