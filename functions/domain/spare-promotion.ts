/**
 * Promoting a hot spare inside node-recovery (docs/design/hot-spares.md "Promotion"; facts in
 * docs/facts/spares-spare-promotion.md): which pool serves the faulty node, which spares are
 * ready, which one to take, and the node patches that promote a spare, undo a promotion, and
 * make a repaired node the pool's new spare. Pure: the task (functions/tasks/promote-spare.ts)
 * reads the nodes and the ledger and sends these patches with the node's resourceVersion (a
 * merge patch replaces `spec.taints` as a whole).
 */
import { type SparePool, type SparesConfig, servedGroups } from '#contracts/config/spares.ts';
import { isNodeReady, type KubeNode, type Taint } from '#domain/kube-types.ts';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { chooseSpare } from '#domain/spare-pool.ts';
import {
  SPARE_CLAIMED_BY_ANNOTATION,
  SPARE_POOL_TAINT_VALUE,
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
  type SparePatchPlan,
  type SpareVerification,
  withSpareTaint,
} from '#domain/spares.ts';
import type { MergePatch } from '#domain/types.ts';

/** Why an incident promoted no spare (recorded as `spare-not-promoted`). */
export type NotPromotedReason =
  /** No pool serves the node's instance group, or the incident holds no job. */
  | 'not-applicable'
  /** The pool has no ready spare left (or every one was claimed first by another incident). */
  | 'no-spare'
  /** A spare was claimed but promoting it failed; the claim and the taint change were undone. */
  | 'promotion-failed';

/**
 * The pool whose spares may stand in for a node of `instanceGroup` in `cluster`.
 *
 * @example
 * poolServing({ pools: [{ cluster: 'c1', instanceGroup: 'spares', serves: ['gpu'], count: 1 }], … }, 'c1', 'gpu');
 * // → that pool
 */
export const poolServing = (
  spares: Pick<SparesConfig, 'pools'>,
  cluster: string,
  instanceGroup: string | undefined,
): SparePool | undefined =>
  instanceGroup === undefined
    ? undefined
    : spares.pools.find((pool) => pool.cluster === cluster && servedGroups(pool).includes(instanceGroup));

const spareTaint = (node: KubeNode): Taint | undefined =>
  node.spec?.taints?.find((t) => t.key === SPARE_TAINT_KEY);

/**
 * A spare a promotion may claim: labelled `ready`, Kubernetes Ready, not cordoned, not
 * quarantined, and claimed by no incident (no claimed-by annotation, no claim-token taint).
 */
export const isReadySpare = (node: KubeNode): boolean => {
  const taint = spareTaint(node);
  return (
    node.metadata.labels?.[SPARE_STATE_LABEL] === 'ready' &&
    isNodeReady(node) &&
    node.spec?.unschedulable !== true &&
    !node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) &&
    node.metadata.annotations?.[SPARE_CLAIMED_BY_ANNOTATION] === undefined &&
    (taint === undefined || taint.value === SPARE_POOL_TAINT_VALUE)
  );
};

/** The spare this incident already promoted (a retried PromoteSpare finds it), if any. */
export const promotedBy = (nodes: readonly KubeNode[], incidentId: string): KubeNode | undefined =>
  nodes.find(
    (node) =>
      node.metadata.labels?.[SPARE_STATE_LABEL] === 'promoted' &&
      node.metadata.annotations?.[SPARE_CLAIMED_BY_ANNOTATION] === incidentId,
  );

/** The spares in the order a promotion tries them: the chosen one first, then the rest likewise. */
export const spareOrder = (
  spares: KubeNode[],
  jobNodes: KubeNode[],
  choose: (spares: KubeNode[], jobNodes: KubeNode[]) => KubeNode | undefined = chooseSpare,
): KubeNode[] => {
  const order: KubeNode[] = [];
  let left = [...spares];
  for (let next = choose(left, jobNodes); next; next = choose(left, jobNodes)) {
    order.push(next);
    left = left.filter((node) => node !== next);
  }
  return order;
};

/**
 * Promotes a spare for one incident: taint value = the incident's claim token, label `promoted`,
 * claimed-by = the incident, since = now. Already promoted by this incident → nothing to do.
 *
 * @example
 * planPromote(spare, { incidentId: 'inc-1', token: claimToken('inc-1'), now });
 * // → { patch: { spec: { taints: [...others, { key: 'hyperpod-resilience.io/spare', value: 'c-…', effect: 'NoSchedule' }] },
 * //     metadata: { labels: { 'hyperpod-resilience.io/spare': 'promoted' }, annotations: { …claimed-by: 'inc-1', …since: now } } }, changed: true }
 */
export const planPromote = (
  node: KubeNode,
  input: { incidentId: string; token: string; now: string },
): SparePatchPlan => {
  if (promotedBy([node], input.incidentId) && spareTaint(node)?.value === input.token) {
    return { patch: {}, changed: false };
  }
  return {
    patch: {
      spec: {
        taints: withSpareTaint(node.spec?.taints, input.token),
      },
      metadata: {
        labels: { [SPARE_STATE_LABEL]: 'promoted' },
        annotations: { [SPARE_CLAIMED_BY_ANNOTATION]: input.incidentId, [SPARE_SINCE_ANNOTATION]: input.now },
      },
    },
    changed: true,
  };
};

/**
 * Undoes this incident's promotion of a spare (a promotion that failed after the claim): back to
 * a `ready` spare with the pool taint. A spare another incident holds is left alone.
 */
export const planUndoPromote = (
  node: KubeNode,
  input: { incidentId: string; now: string },
): SparePatchPlan => {
  const holder = node.metadata.annotations?.[SPARE_CLAIMED_BY_ANNOTATION];
  if (holder !== input.incidentId) return { patch: {}, changed: false };
  return {
    patch: {
      spec: {
        taints: withSpareTaint(node.spec?.taints, SPARE_POOL_TAINT_VALUE),
      },
      metadata: {
        labels: { [SPARE_STATE_LABEL]: 'ready' },
        annotations: { [SPARE_CLAIMED_BY_ANNOTATION]: null, [SPARE_SINCE_ANNOTATION]: input.now },
      },
    },
    changed: true,
  };
};

/** How the verification of a repaired node went, as the spare annotation says it. */
export const spareVerification = (verificationStatus: string | undefined): SpareVerification =>
  verificationStatus === 'passed' ? 'quick-check-passed' : 'not-verified';

/**
 * Makes a repaired node a `ready` spare, merged into the patch that lifts its quarantine (so it
 * never returns to general scheduling in between): the pool taint added to the taints that patch
 * leaves (or the node's own), the label, since and verified.
 *
 * @example
 * planJoinPool(node, planRestore(node, 'inc-1').patch, { now, verified: 'quick-check-passed' });
 */
export const planJoinPool = (
  node: KubeNode,
  restorePatch: MergePatch,
  input: { now: string; verified: SpareVerification },
): MergePatch => {
  const restoreSpec = (restorePatch.spec ?? {}) as { taints?: Taint[] };
  const restoreMeta = (restorePatch.metadata ?? {}) as { annotations?: Record<string, unknown> };
  return {
    ...restorePatch,
    spec: {
      ...restoreSpec,
      taints: withSpareTaint(restoreSpec.taints ?? node.spec?.taints, SPARE_POOL_TAINT_VALUE),
    },
    metadata: {
      ...restoreMeta,
      labels: { [SPARE_STATE_LABEL]: 'ready' },
      annotations: {
        ...restoreMeta.annotations,
        [SPARE_SINCE_ANNOTATION]: input.now,
        [SPARE_VERIFIED_ANNOTATION]: input.verified,
        [SPARE_CLAIMED_BY_ANNOTATION]: null,
      },
    },
  };
};
