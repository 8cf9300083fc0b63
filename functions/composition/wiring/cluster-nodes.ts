/** The `clusterNodes` port: HyperPod's cluster and node API through the SageMaker client. */
import { createClusterNodes, sageMakerClientFor } from '#adapters/sagemaker.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const clusterNodes: PortProvider<'clusterNodes'> = (runtime) =>
  createClusterNodes(sageMakerClientFor(runtime.region));
