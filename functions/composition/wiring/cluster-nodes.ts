/** The `clusterNodes` port: HyperPod's cluster and node API through the SageMaker client. */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const clusterNodes: PortProvider<'clusterNodes'> = (runtime) =>
  createClusterNodes(new SageMakerClient({ region: runtime.region }));
