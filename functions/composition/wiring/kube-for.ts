/**
 * The `kubeFor` port: a Kubernetes API per EKS cluster (endpoint and CA from EKS DescribeCluster,
 * a token signed with the Lambda role's credentials); requests go through our own small client
 * (functions/adapters/kube-http.ts).
 */
import { createKubeApiFactory, eksClientFor, lambdaRoleCredentials } from '#adapters/eks.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const kubeFor: PortProvider<'kubeFor'> = (runtime) =>
  createKubeApiFactory({
    eks: eksClientFor(runtime.region),
    region: runtime.region,
    credentials: lambdaRoleCredentials(),
  });
