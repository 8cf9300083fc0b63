/**
 * Quarantine = cordon + our NoSchedule taint + annotations saying who, why and when, so every
 * change we make can be found and undone by its owner, and only by its owner
 * (never uncordon what we did not cordon: a cordon is often a person's; stale cordons of remediation tools are a known failure).
 *
 * Plans are JSON merge patches (RFC 7386). A merge patch replaces `spec.taints` as a whole, so the
 * handler sends it with the node's `resourceVersion`: a concurrent taint change then fails the
 * patch instead of being overwritten.
 */

import type { KubeNode, Taint } from '#domain/kube-types.ts';
import type { MergePatch } from '#domain/types.ts';

export const QUARANTINE_TAINT_KEY = 'hyperpod-resilience.io/quarantine';
/** Incident id that owns the quarantine. */
export const QUARANTINED_BY_ANNOTATION = 'hyperpod-resilience.io/quarantined-by';
export const QUARANTINE_REASON_ANNOTATION = 'hyperpod-resilience.io/quarantine-reason';
export const QUARANTINED_AT_ANNOTATION = 'hyperpod-resilience.io/quarantined-at';
/** `'true'` only when the node was schedulable before we cordoned it: the only case we uncordon. */
export const CORDONED_BY_US_ANNOTATION = 'hyperpod-resilience.io/cordoned-by-us';
export const OWNER_ANNOTATION = 'hyperpod-resilience.io/owner';
export const OWNER = 'hyperpod-resilience';

const OUR_ANNOTATIONS = [
  QUARANTINED_BY_ANNOTATION,
  QUARANTINE_REASON_ANNOTATION,
  QUARANTINED_AT_ANNOTATION,
  CORDONED_BY_US_ANNOTATION,
  OWNER_ANNOTATION,
] as const;

/** Longest reason kept in the annotation: enough for a person, small next to the 256 KiB limit. */
const MAX_REASON_ANNOTATION = 1024;
const LABEL_VALUE_MAX = 63;

/**
 * Free text → a valid label/taint value: `[A-Za-z0-9]` at both ends, `-_.` inside, ≤ 63 chars.
 * Runs of other characters become one `-`. Empty results fall back to `fault`.
 *
 * @example
 * toLabelValue('Xid 79: GPU fell off the bus'); // 'Xid-79-GPU-fell-off-the-bus'
 */
export const toLabelValue = (text: string): string => {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, LABEL_VALUE_MAX)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? 'fault' : cleaned;
};

const ourTaint = (node: KubeNode): Taint | undefined =>
  node.spec?.taints?.find((t) => t.key === QUARANTINE_TAINT_KEY);

/**
 * Whether our quarantine taint is on the node; with `incidentId`, whether that incident owns it.
 *
 * @example
 * isQuarantinedByUs(node); // true when the hyperpod-resilience.io/quarantine taint is present
 * isQuarantinedByUs(node, 'inc-1'); // …and inc-1 is recorded as its owner
 */
export const isQuarantinedByUs = (node: KubeNode, incidentId?: string): boolean => {
  if (!ourTaint(node)) return false;
  return incidentId === undefined || node.metadata.annotations?.[QUARANTINED_BY_ANNOTATION] === incidentId;
};

export interface QuarantinePlan {
  /** `{}` when there is nothing to change. */
  patch: MergePatch;
  /** The node already carries our quarantine (this incident's or another's). */
  alreadyQuarantined: boolean;
  /** Incident that owns the quarantine after the patch: this one, or the one that was there first. */
  quarantinedBy: string;
}

/**
 * Plans the quarantine of a node for one incident:
 * - this incident's quarantine is already there → nothing to do (retries are safe);
 * - another incident's quarantine is there → keep it and its owner (its restore undoes it), add
 *   nothing, and report that owner so the handler records it;
 * - otherwise cordon, add our taint to the existing ones and stamp owner, incident, reason, time,
 *   and whether the cordon is ours.
 *
 * @example
 * planQuarantine(node, { incidentId: 'inc-1', reason: 'xid-79', now: '2026-01-01T00:00:00Z' }).patch;
 * // → { spec: { unschedulable: true, taints: [...existing, { key: 'hyperpod-resilience.io/quarantine', value: 'xid-79', effect: 'NoSchedule' }] },
 * //     metadata: { annotations: { 'hyperpod-resilience.io/quarantined-by': 'inc-1', … } } }
 */
export const planQuarantine = (
  node: KubeNode,
  input: { incidentId: string; reason: string; now: string },
): QuarantinePlan => {
  const annotations = node.metadata.annotations ?? {};
  const holder = annotations[QUARANTINED_BY_ANNOTATION];
  const taint = ourTaint(node);
  if (taint && holder === input.incidentId) {
    return { patch: {}, alreadyQuarantined: true, quarantinedBy: input.incidentId };
  }
  if (taint && holder !== undefined) {
    return { patch: {}, alreadyQuarantined: true, quarantinedBy: holder };
  }
  // Our cordon if the node was schedulable, or if we cordoned it in an earlier try whose taint was
  // since removed: forgetting that would leave a stale cordon behind after restore.
  const cordonedByUs = node.spec?.unschedulable !== true || annotations[CORDONED_BY_US_ANNOTATION] === 'true';
  const others = (node.spec?.taints ?? []).filter((t) => t.key !== QUARANTINE_TAINT_KEY);
  return {
    patch: {
      spec: {
        unschedulable: true,
        taints: [
          ...others,
          { key: QUARANTINE_TAINT_KEY, value: toLabelValue(input.reason), effect: 'NoSchedule' },
        ],
      },
      metadata: {
        annotations: {
          [QUARANTINED_BY_ANNOTATION]: input.incidentId,
          [QUARANTINE_REASON_ANNOTATION]: input.reason.slice(0, MAX_REASON_ANNOTATION),
          [QUARANTINED_AT_ANNOTATION]: input.now,
          [CORDONED_BY_US_ANNOTATION]: String(cordonedByUs),
          [OWNER_ANNOTATION]: OWNER,
        },
      },
    },
    alreadyQuarantined: false,
    quarantinedBy: input.incidentId,
  };
};

export interface RestorePlan {
  /** `{}` when there is nothing to change. */
  patch: MergePatch;
  changed: boolean;
  /** The node stays cordoned after the patch (someone else's cordon, or not ours to undo). */
  keptCordon: boolean;
}

/**
 * Plans lifting an incident's quarantine: removes our taint and our annotations, and uncordons
 * only if `cordoned-by-us` is `'true'` (never undo someone else's cordon). A node quarantined by
 * another incident is left alone. A leftover taint without an owner is removed, but its cordon is
 * kept, since nothing proves it was ours.
 *
 * @example
 * planRestore(node, 'inc-1');
 * // → { patch: { spec: { taints: [...others], unschedulable: false }, metadata: { annotations: { 'hyperpod-resilience.io/quarantined-by': null, … } } },
 * //     changed: true, keptCordon: false }
 */
export const planRestore = (node: KubeNode, incidentId: string): RestorePlan => {
  const annotations = node.metadata.annotations ?? {};
  const holder = annotations[QUARANTINED_BY_ANNOTATION];
  const cordoned = node.spec?.unschedulable === true;
  if (holder !== undefined && holder !== incidentId) {
    return { patch: {}, changed: false, keptCordon: cordoned };
  }
  const spec: Record<string, unknown> = {};
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === QUARANTINE_TAINT_KEY)) {
    spec.taints = taints.filter((t) => t.key !== QUARANTINE_TAINT_KEY);
  }
  const uncordon = cordoned && holder === incidentId && annotations[CORDONED_BY_US_ANNOTATION] === 'true';
  if (uncordon) spec.unschedulable = false;
  const removed = Object.fromEntries(OUR_ANNOTATIONS.filter((k) => k in annotations).map((k) => [k, null]));

  const patch: MergePatch = {};
  if (Object.keys(spec).length > 0) patch.spec = spec;
  if (Object.keys(removed).length > 0) patch.metadata = { annotations: removed };
  return { patch, changed: Object.keys(patch).length > 0, keptCordon: cordoned && !uncordon };
};
