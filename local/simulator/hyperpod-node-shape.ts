/**
 * How a real HyperPod (EKS) node looks to Kubernetes, in one place: its name, `spec.providerID`,
 * labels and taints. Each string is copied from a published source named beside it (the register
 * with the full citations is docs/facts/node-identity.md). The simulator imitates these sources,
 * never our own code: nothing here imports functions/domain.
 */

/**
 * AZ name → AZ id in the simulated account. AZ ids (`usw2-az1`) are the same physical zone in every
 * account, while names (`us-west-2a`) may map differently per account, so the pairing is ours; the
 * form is documented (https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html),
 * and `us-west-2a` ↔ `usw2-az1` is a pairing seen on a live EKS node (labels
 * `topology.kubernetes.io/zone: us-west-2a`, `topology.k8s.aws/zone-id: usw2-az1`, EKS workshop).
 */
export const AVAILABILITY_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-west-2a': 'usw2-az1',
  'us-west-2b': 'usw2-az2',
  'us-west-2c': 'usw2-az3',
  'us-west-2d': 'usw2-az4',
};

/** The AZ id of a simulated AZ name (throws for a zone the simulated account does not have). */
export const availabilityZoneIdOf = (availabilityZone: string): string => {
  const id = AVAILABILITY_ZONE_IDS[availabilityZone];
  if (!id) throw new Error(`the simulated account has no availability zone ${availabilityZone}`);
  return id;
};

/**
 * Node name: `hyperpod-<instance id>`, as every HyperPod EKS node in the AWS workshop
 * (awslabs/ai-on-sagemaker-hyperpod website/docs/06-validation-and-testing/resiliency/eks-resiliency.md:
 * `hyperpod-i-0220224e40218ce3a`) and in the `kubectl get nodes` outputs of its training blueprints.
 */
export const hyperpodNodeName = (instanceId: string): string => `hyperpod-${instanceId}`;

/**
 * `spec.providerID`: `aws:///<az-id>/sagemaker/cluster/hyperpod-<cluster-id>-<instance-id>`.
 * Shape from aws/amazon-vpc-cni-k8s test/integration/ipamd/hyperpod_common.go
 * ("HyperPod node providerID: aws:///<az>/sagemaker/cluster/hyperpod-<clusterID>-<instanceID>",
 * `hyperPodProviderIDMarker = "/sagemaker/cluster/"`); the AZ part is an AZ id and the cluster id the
 * last segment of the cluster ARN, as in the value observed on a live cluster:
 * `aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49`.
 */
export const hyperpodProviderId = (input: {
  availabilityZoneId: string;
  clusterId: string;
  instanceId: string;
}): string =>
  `aws:///${input.availabilityZoneId}/sagemaker/cluster/hyperpod-${input.clusterId}-${input.instanceId}`;

export const NODE_HEALTH_STATUS_LABEL = 'sagemaker.amazonaws.com/node-health-status';
export const DEEP_HEALTH_CHECK_STATUS_LABEL = 'sagemaker.amazonaws.com/deep-health-check-status';

/**
 * The taint HyperPod puts on a node during a deep health check
 * (`sagemaker.amazonaws.com/node-health-status=Unschedulable:NoSchedule`, SageMaker developer guide
 * `sagemaker-hyperpod-eks-prerequisites.html`). A Schedulable node carries no HyperPod taint.
 */
export const DEEP_HEALTH_CHECK_TAINT = {
  key: NODE_HEALTH_STATUS_LABEL,
  value: 'Unschedulable',
  effect: 'NoSchedule',
} as const;

export interface HyperPodNodeFacts {
  name: string;
  instanceType: string;
  instanceGroupName: string;
  /** The HyperPod cluster name (not the EKS one). */
  clusterName: string;
  region: string;
  availabilityZone: string;
  availabilityZoneId: string;
}

/**
 * The labels a healthy HyperPod node carries, each with its source:
 * - `sagemaker.amazonaws.com/node-health-status: Schedulable` — SageMaker developer guide
 *   `sagemaker-hyperpod-eks-resiliency-node-labels.html` [documented];
 * - `sagemaker.amazonaws.com/cluster-name` (HyperPod cluster name) — the HyperPod CLI's node selector
 *   (aws/sagemaker-hyperpod-cli `src/sagemaker/hyperpod/cli/commands/cluster.py`) [sample];
 * - `sagemaker.amazonaws.com/instance-group-name`, `sagemaker.amazonaws.com/compute-type: hyperpod` —
 *   selected on by third-party tools working against live clusters ("The actual Kubernetes labels on
 *   HyperPod nodes are: sagemaker.amazonaws.com/compute-type: hyperpod, …/instance-group-name:
 *   <group-name>") [third-party]; absent from AWS's label reference;
 * - `node.kubernetes.io/instance-type` = the `ml.*` type — aws/amazon-vpc-cni-k8s hyperpod_common.go
 *   ("HyperPod instance types carry an \"ml.\" prefix") and the workshop's `kubectl get nodes` output;
 * - `topology.k8s.aws/zone-id` (= the providerID's AZ id), `topology.kubernetes.io/region` — checked
 *   against a live HyperPod node by third-party code; `topology.kubernetes.io/zone` (AZ name) as on
 *   every EKS node [third-party];
 * - `kubernetes.io/hostname`, `kubernetes.io/os`, `kubernetes.io/arch` — the kubelet's well-known
 *   labels (https://kubernetes.io/docs/reference/labels-annotations-taints/); that the hostname label
 *   equals the node name on HyperPod is unverified.
 * The deep-health-check label appears only once a deep health check ran, so a new node has none.
 * Not simulated: `topology.k8s.aws/network-node-layer-1..3` (only on instance types with EC2
 * instance topology; read from HyperPod nodes by aws-samples/awsome-distributed-training
 * `1.architectures/7.sagemaker-hyperpod-eks/task-governance/visualize_topology.sh`).
 */
export const hyperpodNodeLabels = (node: HyperPodNodeFacts): Record<string, string> => ({
  'kubernetes.io/hostname': node.name,
  'kubernetes.io/os': 'linux',
  'kubernetes.io/arch': 'amd64',
  'node.kubernetes.io/instance-type': node.instanceType,
  'topology.kubernetes.io/region': node.region,
  'topology.kubernetes.io/zone': node.availabilityZone,
  'topology.k8s.aws/zone-id': node.availabilityZoneId,
  [NODE_HEALTH_STATUS_LABEL]: 'Schedulable',
  'sagemaker.amazonaws.com/cluster-name': node.clusterName,
  'sagemaker.amazonaws.com/instance-group-name': node.instanceGroupName,
  'sagemaker.amazonaws.com/compute-type': 'hyperpod',
});
