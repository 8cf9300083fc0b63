/**
 * Resolves the node a trigger names into all three identities (instance id, Kubernetes node
 * name, NodeLogicalId) from SageMaker and Kubernetes — never from a name pattern alone. A node
 * is this cluster's only if its providerID says so (functions/domain/node-identity.ts).
 */
import type { ClusterNode, ClusterNodes, KubeApi } from '#adapters/ports.ts';
import { NodeNotFoundError } from '#contracts/errors.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  type ClusterRef,
  candidateNodeNames,
  findNodeForInstance,
  identityFrom,
  instanceOfNode,
  nodeMatchesInstance,
} from '#domain/node-identity.ts';
import type { NodeIdentity } from '#domain/types.ts';

export interface ResolvedNode {
  identity: NodeIdentity;
  clusterNode: ClusterNode;
  kubeNode?: KubeNode;
}

/** Finds the Kubernetes node of an instance: likely names first (confirmed by providerID), then a full list. */
export const findKubeNode = async (
  kube: KubeApi,
  cluster: ClusterRef,
  instanceId: string,
  clusterNode?: ClusterNode,
): Promise<KubeNode | undefined> => {
  for (const name of candidateNodeNames(instanceId, clusterNode)) {
    const node = await kube.getNode(name);
    if (node && nodeMatchesInstance(node, instanceId, cluster.arn)) return node;
  }
  return findNodeForInstance(await kube.listNodes(), instanceId, cluster.arn);
};

/** The instance id of a node named by hand: its providerID must name an instance of this cluster. */
const instanceIdOfNamedNode = (node: KubeNode, cluster: ClusterRef): string => {
  const found = instanceOfNode(node, cluster.arn);
  if (found.kind === 'instance') return found.instanceId;
  const name = node.metadata.name;
  if (found.kind === 'other-cluster') {
    throw new NodeNotFoundError(
      `Kubernetes node ${name} is instance ${found.instanceId} of HyperPod cluster ${found.clusterId}, not of ${cluster.name} (${cluster.arn})`,
      { details: { nodeName: name, providerID: node.spec?.providerID, clusterArn: cluster.arn } },
    );
  }
  throw new NodeNotFoundError(
    `Kubernetes node ${name} has no AWS providerID naming an EC2 instance (${node.spec?.providerID ?? 'none'})`,
    { details: { nodeName: name, providerID: node.spec?.providerID } },
  );
};

export const resolveNode = async (
  target: { cluster: ClusterRef; instanceId?: string; nodeName?: string },
  clusterNodes: ClusterNodes,
  kube: KubeApi,
): Promise<ResolvedNode> => {
  const { cluster } = target;
  let kubeNode: KubeNode | undefined;
  let instanceId = target.instanceId;
  if (!instanceId && target.nodeName) {
    kubeNode = await kube.getNode(target.nodeName);
    if (!kubeNode) throw new NodeNotFoundError(`Kubernetes node ${target.nodeName} does not exist`);
    instanceId = instanceIdOfNamedNode(kubeNode, cluster);
  }
  if (!instanceId) throw new NodeNotFoundError('the trigger names no node');
  const clusterNode = await clusterNodes.describeNode(cluster.name, instanceId);
  if (!clusterNode) {
    throw new NodeNotFoundError(`instance ${instanceId} is not a node of HyperPod cluster ${cluster.name}`);
  }
  kubeNode ??= await findKubeNode(kube, cluster, instanceId, clusterNode);
  return { identity: identityFrom(cluster, clusterNode, kubeNode), clusterNode, kubeNode };
};
