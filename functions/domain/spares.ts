/**
 * Hot spares: the vocabulary shared by the pool (the sweep keeps it at size), the promotion (in
 * node-recovery) and the operator's view. Design and reasons: docs/design/hot-spares.md.
 *
 * A spare is a node of ours: label `hyperpod-resilience.io/spare` = its state, annotations saying
 * since when, how it was verified and (when promoted) for which incident, and the taint
 * `hyperpod-resilience.io/spare` (NoSchedule) so ordinary pods never land on it. The taint's
 * value says who may use it: `pool` (nobody but borrowers, who tolerate exactly that value) or,
 * once promoted, the claim token of one incident, which only that incident's suspended jobs
 * tolerate.
 */
import type { Taint } from '#domain/kube-types.ts';
import type { MergePatch } from '#domain/types.ts';

/** Label whose value is the spare's state; absent on nodes that are not spares. */
export const SPARE_STATE_LABEL = 'hyperpod-resilience.io/spare';
/** Taint key; its value is `pool` or a claim token. */
export const SPARE_TAINT_KEY = 'hyperpod-resilience.io/spare';
export const SPARE_TAINT_EFFECT = 'NoSchedule';
/** Taint value of a spare in the pool (borrowers tolerate exactly this value). */
export const SPARE_POOL_TAINT_VALUE = 'pool';
/** ISO time the node entered its current spare state. */
export const SPARE_SINCE_ANNOTATION = 'hyperpod-resilience.io/spare-since';
/** `quick-check-passed` or `not-verified` (quick checks off): how the spare was verified. */
export const SPARE_VERIFIED_ANNOTATION = 'hyperpod-resilience.io/spare-verified';
/** Incident id that claimed the spare (state `promoted`). */
export const SPARE_CLAIMED_BY_ANNOTATION = 'hyperpod-resilience.io/spare-claimed-by';
/** Pod annotation of work that may borrow a spare (preemptible: evicted on promotion). */
export const BORROW_ANNOTATION = 'hyperpod-resilience.io/borrow-spare';

/**
 * - `verifying`: taken from the idle nodes, tainted, its quick check running;
 * - `ready`: verified and waiting (the only state a promotion claims);
 * - `promoted`: claimed by an incident; its jobs run there;
 */
export const SPARE_STATES = ['verifying', 'ready', 'promoted'] as const;
export type SpareState = (typeof SPARE_STATES)[number];

export const SPARE_VERIFICATIONS = ['quick-check-passed', 'not-verified'] as const;
export type SpareVerification = (typeof SPARE_VERIFICATIONS)[number];

/**
 * Claim token of an incident: the taint value of the spare it promoted and the toleration value
 * added to its suspended jobs. Incident ids (execution names) run to 80 characters, longer than a
 * taint value may be (63), so the token is a hash: `c-` and 16 hex digits (two FNV-1a 32-bit
 * hashes), stable across retries of the same incident.
 *
 * @example
 * claimToken('hma-ml-cluster-i-0abc-1764700000'); // 'c-' + 16 hex digits, always the same
 */
export const claimToken = (incidentId: string): string => {
  const fnv = (seed: number): string => {
    let hash = seed >>> 0;
    for (let i = 0; i < incidentId.length; i++) {
      hash ^= incidentId.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, '0');
  };
  return `c-${fnv(0x811c9dc5)}${fnv(0x050c5d1f)}`;
};

/** What every claim token looks like (`claimToken`); the admission policy checks it too. */
export const CLAIM_TOKEN_PATTERN = '^c-[0-9a-f]{16}$';

/** The toleration that lets a job's pods onto the spare its incident promoted. */
export const spareToleration = (token: string) => ({
  key: SPARE_TAINT_KEY,
  operator: 'Equal' as const,
  value: token,
  effect: SPARE_TAINT_EFFECT,
});

/** A node patch that makes or changes a spare; `changed: false` (and `{}`) when there is nothing to do. */
export interface SparePatchPlan {
  patch: MergePatch;
  changed: boolean;
}

/**
 * A node's taints with our spare taint set to `value` (`pool` or a claim token), every other taint
 * kept: a merge patch replaces `spec.taints` as a whole, so it carries them all.
 *
 * @example
 * withSpareTaint([foreign], 'pool'); // [foreign, { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }]
 */
export const withSpareTaint = (taints: readonly Taint[] | undefined, value: string): Taint[] => [
  ...(taints ?? []).filter((t) => t.key !== SPARE_TAINT_KEY),
  { key: SPARE_TAINT_KEY, value, effect: SPARE_TAINT_EFFECT },
];
