/**
 * One node under its three names: EC2 instance id (the key everywhere), Kubernetes node name and
 * HyperPod logical id. The match between a Kubernetes node and an instance is proven by the node's
 * `spec.providerID` only (docs/facts/node-identity.md):
 *
 * - a HyperPod node: `aws:///<az-id>/sagemaker/cluster/hyperpod-<cluster-id>-<instance-id>`, where
 *   `<cluster-id>` is the last segment of the HyperPod cluster ARN — so the providerID also says
 *   which HyperPod cluster the node belongs to, and a node of another cluster never matches;
 * - a plain EKS node (managed or self-managed node group beside the HyperPod instances):
 *   `aws:///<zone>/<instance-id>` (or `aws:///<instance-id>`).
 *
 * Node names look like `hyperpod-i-…` but no rule says so, so a name is only ever a candidate. No
 * published source shows an instance-id node label, so none is read.
 */
import type { KubeNode } from '#domain/kube-types.ts';
import type { ClusterNode, NodeIdentity } from '#domain/types.ts';

/** EC2 instance ids as SageMaker validates `NodeId`: `i-` + 8 or 17 lowercase hex digits. */
const INSTANCE_ID = 'i-[0-9a-f]{8}(?:[0-9a-f]{9})?';
/** The HyperPod cluster id: the 12 lowercase alphanumerics that end the cluster ARN. */
const CLUSTER_ID = '[a-z0-9]{12}';
/** An AZ id (`use1-az4`, `usw2-az3`, `apne2-az2`; Local Zone ids carry one more part). */
const AZ_ID = '[a-z]+[0-9]+(?:-[a-z]+[0-9]+)?-az[0-9]+';

const HYPERPOD_PROVIDER_ID = new RegExp(
  `^aws:///(${AZ_ID})/sagemaker/cluster/hyperpod-(${CLUSTER_ID})-(${INSTANCE_ID})$`,
);
const EC2_PROVIDER_ID = new RegExp(`^aws:///(?:([a-z0-9-]+)/)?(${INSTANCE_ID})$`);
const CLUSTER_ARN = new RegExp(`^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:cluster/(${CLUSTER_ID})$`);

/** What a Kubernetes `spec.providerID` says about the machine behind a node. */
export type ProviderIdentity =
  | { kind: 'hyperpod'; availabilityZoneId: string; clusterId: string; instanceId: string }
  | { kind: 'ec2'; zone?: string; instanceId: string };

/**
 * Parses a Kubernetes `spec.providerID` (surrounding whitespace tolerated). Anything that is not
 * exactly one of the two AWS forms — another provider, a Fargate pod id, a malformed instance or
 * cluster id — gives `undefined`.
 *
 * @example
 * parseProviderId('aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49');
 * // → { kind: 'hyperpod', availabilityZoneId: 'use1-az4', clusterId: 'tqci9uwuwqiz', instanceId: 'i-0f190b8fa232cef49' }
 * parseProviderId('aws:///us-west-2a/i-0123456789abcdef0'); // → { kind: 'ec2', zone: 'us-west-2a', instanceId: 'i-0123456789abcdef0' }
 * parseProviderId('kind://docker/kind/node'); // → undefined
 */
export const parseProviderId = (providerID?: string): ProviderIdentity | undefined => {
  const value = providerID?.trim();
  if (!value) return undefined;
  const hyperpod = HYPERPOD_PROVIDER_ID.exec(value);
  if (hyperpod) {
    const [, availabilityZoneId = '', clusterId = '', instanceId = ''] = hyperpod;
    return { kind: 'hyperpod', availabilityZoneId, clusterId, instanceId };
  }
  const ec2 = EC2_PROVIDER_ID.exec(value);
  if (!ec2) return undefined;
  const [, zone, instanceId = ''] = ec2;
  return zone ? { kind: 'ec2', zone, instanceId } : { kind: 'ec2', instanceId };
};

/**
 * The cluster id of a HyperPod cluster ARN (`arn:aws:sagemaker:<region>:<account>:cluster/<id>`).
 *
 * @example
 * clusterIdFromArn('arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456'); // 'abcdef123456'
 */
export const clusterIdFromArn = (clusterArn: string): string | undefined =>
  CLUSTER_ARN.exec(clusterArn.trim())?.[1];

/**
 * Which instance a Kubernetes node is, seen from one HyperPod cluster:
 * - `instance`: the providerID names this instance (HyperPod form of this cluster, or plain EKS form);
 * - `other-cluster`: a HyperPod providerID of another HyperPod cluster (never ours to touch);
 * - `unknown`: no AWS providerID we can read.
 */
export type NodeInstance =
  | { kind: 'instance'; instanceId: string; form: ProviderIdentity['kind'] }
  | { kind: 'other-cluster'; instanceId: string; clusterId: string }
  | { kind: 'unknown' };

/**
 * Reads which instance a node is, for the HyperPod cluster `clusterArn`. A HyperPod providerID
 * counts only when its cluster id is the ARN's (an unreadable ARN matches no HyperPod node).
 *
 * @example
 * instanceOfNode(node, 'arn:aws:sagemaker:us-east-1:111122223333:cluster/tqci9uwuwqiz');
 * // → { kind: 'instance', instanceId: 'i-0f190b8fa232cef49', form: 'hyperpod' }
 */
export const instanceOfNode = (node: KubeNode, clusterArn: string): NodeInstance => {
  const provider = parseProviderId(node.spec?.providerID);
  if (!provider) return { kind: 'unknown' };
  if (provider.kind === 'ec2') return { kind: 'instance', instanceId: provider.instanceId, form: 'ec2' };
  if (provider.clusterId !== clusterIdFromArn(clusterArn)) {
    return { kind: 'other-cluster', instanceId: provider.instanceId, clusterId: provider.clusterId };
  }
  return { kind: 'instance', instanceId: provider.instanceId, form: 'hyperpod' };
};

/** The instance id of a node of the cluster `clusterArn`, or undefined (another cluster, no AWS providerID). */
export const instanceIdOfNode = (node: KubeNode, clusterArn: string): string | undefined => {
  const found = instanceOfNode(node, clusterArn);
  return found.kind === 'instance' ? found.instanceId : undefined;
};

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
 * Whether a Kubernetes node is this instance of the HyperPod cluster `clusterArn`. Only
 * `spec.providerID` decides; the node name never does.
 *
 * @example
 * nodeMatchesInstance(
 *   { metadata: { name: 'n' }, spec: { providerID: 'aws:///usw2-az1/sagemaker/cluster/hyperpod-abcdef123456-i-0123456789abcdef0' } },
 *   'i-0123456789abcdef0',
 *   'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
 * ); // true
 */
export const nodeMatchesInstance = (node: KubeNode, instanceId: string, clusterArn: string): boolean =>
  instanceIdOfNode(node, clusterArn) === instanceId;

/**
 * The Kubernetes node of an instance among `nodes`. A node already being deleted is taken only if
 * nothing else matches (an old object can linger next to its successor).
 *
 * @example
 * findNodeForInstance(await kube.listNodes(), 'i-0123456789abcdef0', cluster.arn)?.metadata.name;
 */
export const findNodeForInstance = (
  nodes: readonly KubeNode[],
  instanceId: string,
  clusterArn: string,
): KubeNode | undefined => {
  const matches = nodes.filter((n) => nodeMatchesInstance(n, instanceId, clusterArn));
  return matches.find((n) => n.metadata.deletionTimestamp === undefined) ?? matches[0];
};

/** The HyperPod cluster a node is resolved for: its configured name and ARN. */
export interface ClusterRef {
  name: string;
  arn: string;
}

/**
 * Builds the {@link NodeIdentity} of a HyperPod node. Kubernetes fields (name, boot id) are taken
 * only from a node proven to be this instance of this cluster, so a wrong guess cannot attach
 * another node's boot id.
 *
 * @example
 * identityFrom({ name: 'c1', arn }, { instanceId: 'i-0123456789abcdef0', instanceGroupName: 'gpu', status: 'Running' }, kubeNode);
 * // → { clusterName: 'c1', instanceId: 'i-0123456789abcdef0', instanceGroupName: 'gpu', nodeName: 'hyperpod-i-…', bootId: '…' }
 */
export const identityFrom = (
  cluster: ClusterRef,
  clusterNode: ClusterNode,
  kubeNode?: KubeNode,
): NodeIdentity => {
  const kube =
    kubeNode && nodeMatchesInstance(kubeNode, clusterNode.instanceId, cluster.arn) ? kubeNode : undefined;
  const identity: NodeIdentity = {
    clusterName: cluster.name,
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
