/**
 * One node under its three names: EC2 instance id (the key everywhere), Kubernetes node name and
 * HyperPod logical id. Node names look like `hyperpod-i-…` but no rule says so (HYPERPOD-FACTS.md
 * §4.3), so a name is only ever a candidate: a match is proven by `spec.providerID` or the
 * instance-id label.
 */
import type { ClusterNode } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import type { NodeIdentity } from '#domain/types.ts';

/** Label some HyperPod tooling sets to the EC2 instance id [third-party]; read when present. */
export const INSTANCE_ID_LABEL = 'sagemaker.amazonaws.com/instance-id';

/** `aws:///<zone>/i-…` (the EKS form) or `aws:///i-…`. Other providers are not HyperPod nodes. */
const AWS_PROVIDER_ID = /^aws:\/\/\/(?:[a-z0-9-]+\/)?(i-[0-9a-f]{8,17})$/;

/**
 * The EC2 instance id in a Kubernetes `spec.providerID`, if it is an AWS one.
 *
 * @example
 * instanceIdFromProviderId('aws:///us-west-2a/i-0123456789abcdef0'); // 'i-0123456789abcdef0'
 * instanceIdFromProviderId('kind://docker/kind/node'); // undefined
 */
export const instanceIdFromProviderId = (providerID?: string): string | undefined =>
  providerID === undefined ? undefined : AWS_PROVIDER_ID.exec(providerID.trim())?.[1];

/**
 * Node names worth a direct GET before listing all nodes: the usual `hyperpod-<instance id>` and
 * the instance's private DNS hostname. Candidates only; confirm with {@link nodeMatchesInstance}.
 *
 * @example
 * candidateNodeNames('i-0123456789abcdef0'); // ['hyperpod-i-0123456789abcdef0']
 */
export const candidateNodeNames = (instanceId: string, clusterNode?: ClusterNode): string[] => {
  const names = [`hyperpod-${instanceId}`];
  const hostname = clusterNode?.privateDnsHostname?.trim().toLowerCase();
  if (hostname) names.push(hostname);
  return [...new Set(names)];
};

/**
 * Whether a Kubernetes node is this instance. `spec.providerID` decides when it names an AWS
 * instance; otherwise the instance-id label; the node name never does.
 *
 * @example
 * nodeMatchesInstance({ metadata: { name: 'n' }, spec: { providerID: 'aws:///us-west-2a/i-0123456789abcdef0' } },
 *   'i-0123456789abcdef0'); // true
 */
export const nodeMatchesInstance = (node: KubeNode, instanceId: string): boolean => {
  const fromProvider = instanceIdFromProviderId(node.spec?.providerID);
  if (fromProvider !== undefined) return fromProvider === instanceId;
  return node.metadata.labels?.[INSTANCE_ID_LABEL] === instanceId;
};

/**
 * The Kubernetes node of an instance among `nodes`. A node already being deleted is taken only if
 * nothing else matches (an old object can linger next to its successor).
 *
 * @example
 * findNodeForInstance(await kube.listNodes(), 'i-0123456789abcdef0')?.metadata.name;
 */
export const findNodeForInstance = (nodes: readonly KubeNode[], instanceId: string): KubeNode | undefined => {
  const matches = nodes.filter((n) => nodeMatchesInstance(n, instanceId));
  return matches.find((n) => n.metadata.deletionTimestamp === undefined) ?? matches[0];
};

/**
 * Builds the {@link NodeIdentity} of a HyperPod node. Kubernetes fields (name, boot id) are taken
 * only from a node proven to be this instance, so a wrong guess cannot attach another node's boot id.
 *
 * @example
 * identityFrom('c1', { instanceId: 'i-0123456789abcdef0', instanceGroupName: 'gpu', status: 'Running' }, kubeNode);
 * // → { clusterName: 'c1', instanceId: 'i-0123456789abcdef0', instanceGroupName: 'gpu', nodeName: 'hyperpod-i-…', bootId: '…' }
 */
export const identityFrom = (
  clusterName: string,
  clusterNode: ClusterNode,
  kubeNode?: KubeNode,
): NodeIdentity => {
  const kube = kubeNode && nodeMatchesInstance(kubeNode, clusterNode.instanceId) ? kubeNode : undefined;
  const identity: NodeIdentity = {
    clusterName,
    instanceId: clusterNode.instanceId,
    instanceGroupName: clusterNode.instanceGroupName,
  };
  // Only defined fields: the identity crosses the state machine as JSON.
  if (kube) identity.nodeName = kube.metadata.name;
  if (clusterNode.nodeLogicalId !== undefined) identity.nodeLogicalId = clusterNode.nodeLogicalId;
  if (clusterNode.instanceType !== undefined) identity.instanceType = clusterNode.instanceType;
  const bootId = kube?.status?.nodeInfo?.bootID;
  if (bootId) identity.bootId = bootId;
  return identity;
};
