/**
 * What HyperPod's own node recovery is doing to a node, read from what SageMaker and Kubernetes
 * show (docs/facts/remediation.md). Pure: the tasks pass in what they observed.
 *
 * - `Pending*` labels: with automatic node recovery enabled, HyperPod reboots/replaces a node
 *   labelled `UnschedulablePendingReboot`/`UnschedulablePendingReplacement` itself
 *   (SM-DG `sagemaker-hyperpod-eks-resiliency-node-labels.html`): that recovery is already
 *   HyperPod's, and we wait for it instead of issuing a second one.
 * - Per-node `InstanceIdInUse` / `InvalidInstanceStatus` of BatchReboot/BatchReplaceClusterNodes
 *   only say "another operation is in progress" / "a state that does not allow it; wait"
 *   (API reference, `BatchRebootClusterNodesError`): which operation it is comes from the
 *   node's `InstanceStatus.Status` and its Kubernetes node, never from the code alone.
 */
import { isNodeReady, type KubeNode } from '#domain/kube-types.ts';
import type { RemediationOwner } from '#domain/types.ts';

/** HyperPod's node health label (SM-DG `sagemaker-hyperpod-eks-resiliency-node-labels.html`). */
const NODE_HEALTH_LABEL = 'sagemaker.amazonaws.com/node-health-status';

/** The label values that make HyperPod reboot/replace a node when automatic node recovery is on. */
export const PENDING_LABEL_ACTIONS: Readonly<Record<string, 'reboot' | 'replace'>> = {
  UnschedulablePendingReboot: 'reboot',
  UnschedulablePendingReplacement: 'replace',
};

/**
 * The recovery HyperPod has pending for a node according to its `node-health-status` label.
 *
 * @example
 * hyperpodPendingAction({ 'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReboot' }); // 'reboot'
 * hyperpodPendingAction({ 'sagemaker.amazonaws.com/node-health-status': 'Schedulable' }); // undefined
 */
export const hyperpodPendingAction = (
  labels: Record<string, string> | undefined,
): 'reboot' | 'replace' | undefined => {
  const value = labels?.[NODE_HEALTH_LABEL]?.trim();
  return value === undefined ? undefined : PENDING_LABEL_ACTIONS[value];
};

/**
 * Whether HyperPod is already on its way to recover this node, so that we must not start a
 * second recovery: only when HyperPod owns recovery (`NodeRecovery=Automatic`) AND the node
 * carries a `Pending*` label (set by HMA or a deep health check, or by hand — all documented
 * triggers of HyperPod's recovery). Anything else (our alarm, a sweep finding, a person asking)
 * is a recovery nobody started: we start it through the Batch*ClusterNodes API.
 *
 * @example
 * hyperpodAlreadyActing('hyperpod', { 'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReplacement' }); // true
 * hyperpodAlreadyActing('hyperpod', { 'sagemaker.amazonaws.com/node-health-status': 'Schedulable' }); // false
 * hyperpodAlreadyActing('hyperpod-resilience', { 'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReboot' }); // false
 */
export const hyperpodAlreadyActing = (
  owner: RemediationOwner,
  labels: Record<string, string> | undefined,
): boolean => owner === 'hyperpod' && hyperpodPendingAction(labels) !== undefined;

/** `InstanceStatus.Status` values (API reference `ClusterInstanceStatusDetails`; open enum). */
const STATUS_BEING_REPLACED = new Set(['ShuttingDown', 'Pending']);
const STATUS_GONE = new Set(['NotFound']);

export type InUseVerdict =
  /** The instance is visibly being recovered (terminated, relaunched or rebooting): wait for it. */
  | { kind: 'recovery-in-progress'; observed: 'reboot' | 'replace'; evidence: string }
  /** Some other operation holds the node (deep health check, software update, …): retry later. */
  | { kind: 'busy'; operation: string; evidence: string }
  /** SageMaker no longer knows the instance. */
  | { kind: 'gone'; evidence: string };

/**
 * Interprets a per-node `InstanceIdInUse` / `InvalidInstanceStatus` from what the node shows now.
 * A recovery is assumed only on evidence: the instance `ShuttingDown`/`Pending` (being
 * terminated or launched), or Running with its Kubernetes node NotReady although it was Ready
 * when the incident was admitted (a reboot under way). `DeepHealthCheckInProgress`,
 * `SystemUpdating`, `Failure`, a Ready node or any unknown status is an operation we cannot
 * name as a recovery: busy, retried by the state machine within its retry budget.
 *
 * @example
 * interpretNodeInUse({ status: 'DeepHealthCheckInProgress' }); // { kind: 'busy', operation: 'DeepHealthCheckInProgress', … }
 * interpretNodeInUse({ status: 'ShuttingDown' }); // { kind: 'recovery-in-progress', observed: 'replace', … }
 */
export const interpretNodeInUse = (observed: {
  /** `InstanceStatus.Status`; undefined when DescribeClusterNode found no such node. */
  status: string | undefined;
  kubeNode?: KubeNode;
  /** The Kubernetes node was Ready when the incident began (so NotReady now means a change). */
  wasReady?: boolean;
}): InUseVerdict => {
  const { status, kubeNode, wasReady } = observed;
  if (status === undefined || STATUS_GONE.has(status)) {
    return { kind: 'gone', evidence: `InstanceStatus ${status ?? '(no such node)'}` };
  }
  if (STATUS_BEING_REPLACED.has(status)) {
    return { kind: 'recovery-in-progress', observed: 'replace', evidence: `InstanceStatus ${status}` };
  }
  if (status === 'Running' && wasReady === true && kubeNode && !isNodeReady(kubeNode)) {
    return {
      kind: 'recovery-in-progress',
      observed: 'reboot',
      evidence: 'InstanceStatus Running, Kubernetes node NotReady since admission',
    };
  }
  return {
    kind: 'busy',
    operation: status,
    evidence: `InstanceStatus ${status}${kubeNode ? `, Kubernetes node ${isNodeReady(kubeNode) ? 'Ready' : 'NotReady'}` : ''}`,
  };
};

/**
 * Whether a recovery we did not request (HyperPod's own) has visibly started on the node since
 * the incident began: the instance left `Running` (terminated, relaunched, gone), its boot id
 * changed (a reboot happened), its Kubernetes node vanished, or it turned NotReady after being
 * Ready. Undefined when nothing shows yet.
 *
 * @example
 * recoveryStartedEvidence({ status: 'Running', kubeNode: readyNodeWithNewBootId, bootIdAtStart: 'b-1', wasReady: true });
 * // 'boot id changed'
 */
export const recoveryStartedEvidence = (observed: {
  /** `InstanceStatus.Status`; undefined when SageMaker no longer knows the instance. */
  status: string | undefined;
  kubeNode: KubeNode | undefined;
  bootIdAtStart?: string;
  wasReady?: boolean;
}): string | undefined => {
  const { status, kubeNode, bootIdAtStart, wasReady } = observed;
  if (status === undefined) return 'instance no longer listed by SageMaker';
  if (STATUS_BEING_REPLACED.has(status) || STATUS_GONE.has(status)) {
    return `InstanceStatus ${status}`;
  }
  if (!kubeNode) return 'Kubernetes node deleted';
  const bootId = kubeNode.status?.nodeInfo?.bootID;
  if (bootIdAtStart && bootId && bootId !== bootIdAtStart) return 'boot id changed';
  if (wasReady === true && !isNodeReady(kubeNode)) return 'Kubernetes node NotReady';
  return undefined;
};
