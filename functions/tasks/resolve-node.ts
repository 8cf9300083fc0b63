/**
 * Resolves the node a trigger names into all three identities (instance id, Kubernetes node
 * name, NodeLogicalId) from SageMaker and Kubernetes — never from a name pattern alone.
 */
import type { ClusterNode, ClusterNodes, KubeApi } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  candidateNodeNames,
  findNodeForInstance,
  identityFrom,
  instanceIdFromProviderId,
  nodeMatchesInstance,
} from '#domain/node-identity.ts';
import type { NodeIdentity } from '#domain/types.ts';
import { NodeNotFoundError } from '#shared/errors.ts';

export interface ResolvedNode {
  identity: NodeIdentity;
  clusterNode: ClusterNode;
  kubeNode?: KubeNode;
}

/** Finds the Kubernetes node of an instance: likely names first (confirmed by providerID), then a full list. */
export const findKubeNode = async (
  kube: KubeApi,
  instanceId: string,
  clusterNode?: ClusterNode,
): Promise<KubeNode | undefined> => {
  for (const name of candidateNodeNames(instanceId, clusterNode)) {
    const node = await kube.getNode(name);
    if (node && nodeMatchesInstance(node, instanceId)) return node;
  }
  return findNodeForInstance(await kube.listNodes(), instanceId);
};

export const resolveNode = async (
  target: { clusterName: string; instanceId?: string; nodeName?: string },
  clusterNodes: ClusterNodes,
  kube: KubeApi,
): Promise<ResolvedNode> => {
  let kubeNode: KubeNode | undefined;
  let instanceId = target.instanceId;
  if (!instanceId && target.nodeName) {
    kubeNode = await kube.getNode(target.nodeName);
    if (!kubeNode) throw new NodeNotFoundError(`Kubernetes node ${target.nodeName} does not exist`);
    instanceId =
      instanceIdFromProviderId(kubeNode.spec?.providerID) ??
      kubeNode.metadata.labels?.['sagemaker.amazonaws.com/instance-id'];
    if (!instanceId) {
      throw new NodeNotFoundError(
        `Kubernetes node ${target.nodeName} has no EC2 instance id in its providerID`,
      );
    }
  }
  if (!instanceId) throw new NodeNotFoundError('the trigger names no node');
  const clusterNode = await clusterNodes.describeNode(target.clusterName, instanceId);
  if (!clusterNode) {
    throw new NodeNotFoundError(
      `instance ${instanceId} is not a node of HyperPod cluster ${target.clusterName}`,
    );
  }
  kubeNode ??= await findKubeNode(kube, instanceId, clusterNode);
  return { identity: identityFrom(target.clusterName, clusterNode, kubeNode), clusterNode, kubeNode };
};
