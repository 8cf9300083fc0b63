/**
 * Pods that belong to no job (plain pods, Deployments, StatefulSets) on a faulty node: evicted
 * through the eviction API, which honours PodDisruptionBudgets, as `kubectl drain` decides; force-
 * deleted only once Kubernetes confirms the node dead (docs/facts/semantics.md).
 */
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import { nextOwner } from '#domain/workload-kinds.ts';

/** Static pods mirrored by the kubelet: the API cannot evict or delete them for good. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

// ------------------------------------------------------------------------------------------
// Pods that belong to no job: eviction

/** The top of a pod's controller chain when no suspendable workload owns it. */
export interface PodOwner {
  kind: string;
  name: string;
  /** The owner object's annotations (opt-out), when it could be read. */
  annotations?: Record<string, string>;
}

export type PodEvictionSkipReason = 'daemonset' | 'mirror-pod' | 'finished' | 'opted-out';

export type PodEvictionPlan = { action: 'evict' } | { action: 'skip'; reason: PodEvictionSkipReason };

/**
 * Whether a pod that belongs to no job is evicted from the faulty node, as `kubectl drain` decides:
 * DaemonSet pods stay (their controller would put them straight back, and they tolerate the
 * cordon), mirror pods cannot be evicted, finished pods hold nothing, and the opt-out annotation
 * on the pod or on its top-level owner (Deployment, StatefulSet, …) keeps it.
 *
 * @example
 * planPodEviction(pod, { kind: 'Deployment', name: 'web' }, 'hyperpod-resilience.io/opt-out'); // { action: 'evict' }
 */
export const planPodEviction = (
  pod: KubePod,
  owner: PodOwner | undefined,
  optOutAnnotation: string,
): PodEvictionPlan => {
  if (owner?.kind === 'DaemonSet' || nextOwner(pod as KubeObject)?.kind === 'DaemonSet') {
    return { action: 'skip', reason: 'daemonset' };
  }
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined)
    return { action: 'skip', reason: 'mirror-pod' };
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
    return { action: 'skip', reason: 'finished' };
  }
  const optedOut = (annotations: Record<string, string> | undefined) =>
    annotations?.[optOutAnnotation]?.trim().toLowerCase() === 'true';
  if (optedOut(pod.metadata.annotations) || optedOut(owner?.annotations)) {
    return { action: 'skip', reason: 'opted-out' };
  }
  return { action: 'evict' };
};

export interface NodeVerdict {
  dead: boolean;
  reason: string;
}

/**
 * Whether Kubernetes confirms the node dead: the Node object is gone, or its Ready condition has
 * been False or Unknown (no kubelet reports) for at least `deadAfterSeconds`. A node that is Ready
 * — a GPU fault with a healthy kubelet — is alive: its pods can still shut down cleanly.
 *
 * @example
 * nodeDeadVerdict(undefined, now, 60); // { dead: true, reason: 'node object gone' }
 */
export const nodeDeadVerdict = (
  node: KubeNode | undefined,
  now: string,
  deadAfterSeconds: number,
): NodeVerdict => {
  if (!node) return { dead: true, reason: 'node object gone' };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return { dead: false, reason: 'node has no Ready condition yet' };
  if (ready.status === 'True') return { dead: false, reason: 'node is Ready' };
  const since = Date.parse(ready.lastTransitionTime ?? '');
  const forMs = Number.isNaN(since) ? 0 : Date.parse(now) - since;
  if (forMs >= deadAfterSeconds * 1000) {
    return { dead: true, reason: `Ready=${ready.status} for ${Math.round(forMs / 1000)} s` };
  }
  return {
    dead: false,
    reason: `Ready=${ready.status} for ${Math.round(forMs / 1000)} s, not yet ${deadAfterSeconds} s`,
  };
};

export type StuckPodsPlan =
  | { action: 'wait' }
  | { action: 'force-delete'; reason: string }
  | { action: 'give-up'; reason: string };

/**
 * What to do about pods still on the node after eviction was asked for: wait until the timeout;
 * after it, force-delete (grace period 0, which bypasses PodDisruptionBudgets and the kubelet)
 * only when the node is confirmed dead and the policy allows it; otherwise leave them and say why.
 *
 * @example
 * planStuckPods({ elapsedSeconds: 130, timeoutSeconds: 120, forceDelete: true, node: { dead: true, reason: 'node object gone' } });
 * // → { action: 'force-delete', reason: 'node object gone' }
 */
export const planStuckPods = (input: {
  elapsedSeconds: number;
  timeoutSeconds: number;
  forceDelete: boolean;
  node: NodeVerdict;
}): StuckPodsPlan => {
  if (input.elapsedSeconds < input.timeoutSeconds) return { action: 'wait' };
  if (!input.node.dead)
    return { action: 'give-up', reason: `node not confirmed dead (${input.node.reason})` };
  if (!input.forceDelete) return { action: 'give-up', reason: 'force delete disabled by policy' };
  return { action: 'force-delete', reason: input.node.reason };
};
