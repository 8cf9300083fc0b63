/**
 * Hot-spare pool upkeep (docs/design/hot-spares.md): the pure decisions the health sweep takes per
 * pool — its target, which nodes are spares in which state, which idle nodes may become spares,
 * which spares go back to general scheduling — the node patches that do it, and the choice of a
 * spare for a promotion (`chooseSpare`, called by node-recovery).
 *
 * Patches are JSON merge patches (RFC 7386) like quarantine.ts's: `spec.taints` is replaced as a
 * whole, so the caller sends them with the node's `resourceVersion` (a concurrent change fails
 * the patch instead of being overwritten). Only our spare taint, label and annotations are ever
 * touched; every plan of a node already in the wanted state is `{}` (idempotent).
 */

import type { SparePool } from '#contracts/config/spares.ts';
import { isNodeReady, type KubeNode, type KubePod } from '#domain/kube-types.ts';
import { isQuarantinedByUs } from '#domain/quarantine.ts';
import {
  SPARE_CLAIMED_BY_ANNOTATION,
  SPARE_POOL_TAINT_VALUE,
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_STATES,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
  type SparePatchPlan,
  type SpareState,
  type SpareVerification,
  withSpareTaint,
} from '#domain/spares.ts';
import type { MergePatch } from '#domain/types.ts';
import { nextOwner } from '#domain/workload-kinds.ts';

/** Finding of a pool that stays below target for want of idle nodes. */
export const SPARE_POOL_BELOW_TARGET = 'spare-pool-below-target';

/**
 * EC2 instance topology labels on EKS nodes, from the top of the network hierarchy (layer 1) to
 * the bottom (layer 3, or 4 on instance types with four layers); nodes sharing a deeper layer
 * are closer (docs/facts/spares-spare-pool.md spares.topology-layer-labels).
 */
export const NETWORK_LAYER_LABELS = [
  'topology.k8s.aws/network-node-layer-1',
  'topology.k8s.aws/network-node-layer-2',
  'topology.k8s.aws/network-node-layer-3',
  'topology.k8s.aws/network-node-layer-4',
] as const;

/** HyperPod's node health label; a node is a candidate only while it reads `Schedulable` (or is absent). */
const NODE_HEALTH_STATUS_LABEL = 'sagemaker.amazonaws.com/node-health-status';

/**
 * The number of spares a pool keeps: `count`, or `ceil(percent/100 × nodes of the group)`.
 *
 * @example
 * poolTarget({ cluster: 'c', instanceGroup: 'g', percent: 5 }, 41); // 3
 */
export const poolTarget = (pool: Pick<SparePool, 'count' | 'percent'>, groupNodes: number): number =>
  pool.count ?? Math.ceil(((pool.percent ?? 0) / 100) * Math.max(0, groupNodes));

// ------------------------------------------------------------------ reading a node

/** What the node says of itself as a spare; `undefined` when it carries no spare label. */
export interface SpareInfo {
  nodeName: string;
  /** `unknown`: a label value we do not know (a newer version's state): left alone. */
  state: SpareState | 'unknown';
  since?: string;
  verified?: string;
  claimedBy?: string;
  /** Value of our spare taint (`pool` or a claim token); absent when the taint is missing. */
  taint?: string;
}

/**
 * Reads a node's spare label, annotations and taint (tolerant of unknown values).
 *
 * @example
 * spareInfo(node); // { nodeName: 'hyperpod-i-…', state: 'ready', since: '2026-…', verified: 'quick-check-passed', taint: 'pool' }
 */
export const spareInfo = (node: KubeNode): SpareInfo | undefined => {
  const label = node.metadata.labels?.[SPARE_STATE_LABEL];
  if (label === undefined) return undefined;
  const annotations = node.metadata.annotations ?? {};
  const taint = node.spec?.taints?.find((t) => t.key === SPARE_TAINT_KEY);
  return {
    nodeName: node.metadata.name,
    state: (SPARE_STATES as readonly string[]).includes(label) ? (label as SpareState) : 'unknown',
    ...(annotations[SPARE_SINCE_ANNOTATION] ? { since: annotations[SPARE_SINCE_ANNOTATION] } : {}),
    ...(annotations[SPARE_VERIFIED_ANNOTATION] ? { verified: annotations[SPARE_VERIFIED_ANNOTATION] } : {}),
    ...(annotations[SPARE_CLAIMED_BY_ANNOTATION]
      ? { claimedBy: annotations[SPARE_CLAIMED_BY_ANNOTATION] }
      : {}),
    ...(taint ? { taint: taint.value ?? '' } : {}),
  };
};

/**
 * A DaemonSet pod: its controller ownerReference is of kind `DaemonSet` (how `kubectl drain`
 * tells them apart; docs/facts/spares-spare-pool.md spares.daemonset-pod).
 *
 * @example
 * isDaemonSetPod({ metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u', controller: true }] } }); // true
 */
export const isDaemonSetPod = (pod: KubePod): boolean => nextOwner(pod)?.kind === 'DaemonSet';

/** A pod that holds its node: not finished and not a DaemonSet pod. */
const isWork = (pod: KubePod): boolean =>
  pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !isDaemonSetPod(pod);

/**
 * Node names with work on them: an unfinished pod that is not a DaemonSet pod.
 *
 * @example
 * nodesWithWork(pods).has('hyperpod-i-0abc'); // true when a Job's pod runs there
 */
export const nodesWithWork = (pods: readonly KubePod[]): Set<string> => {
  const busy = new Set<string>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && isWork(pod)) busy.add(nodeName);
  }
  return busy;
};

const isOptedOut = (node: KubeNode, label: string): boolean => {
  const value = node.metadata.labels?.[label];
  return value !== undefined && value.trim().toLowerCase() !== 'false';
};

/** Why a node cannot become a spare now; `undefined` when it can. */
export type NotCandidateReason =
  | 'already-spare'
  | 'being-deleted'
  | 'not-ready'
  | 'cordoned'
  | 'quarantined'
  | 'hyperpod-unhealthy'
  | 'opted-out'
  | 'leased'
  | 'runs-work';

/**
 * Whether an idle node may become a spare: Ready, schedulable, not quarantined by us, HyperPod
 * says Schedulable, not opted out, no spare label yet, not leased by an incident or check, and
 * nothing but DaemonSet pods on it (work is never evicted to fill the pool).
 *
 * @example
 * notCandidateReason(node, { optOutLabel: 'hyperpod-resilience.io/opt-out', leased: false, runsWork: true }); // 'runs-work'
 */
export const notCandidateReason = (
  node: KubeNode,
  input: { optOutLabel: string; leased: boolean; runsWork: boolean },
): NotCandidateReason | undefined => {
  if (node.metadata.labels?.[SPARE_STATE_LABEL] !== undefined) return 'already-spare';
  if (node.metadata.deletionTimestamp !== undefined) return 'being-deleted';
  if (!isNodeReady(node)) return 'not-ready';
  if (node.spec?.unschedulable === true) return 'cordoned';
  if (isQuarantinedByUs(node)) return 'quarantined';
  if ((node.metadata.labels?.[NODE_HEALTH_STATUS_LABEL] ?? 'Schedulable') !== 'Schedulable') {
    return 'hyperpod-unhealthy';
  }
  if (isOptedOut(node, input.optOutLabel)) return 'opted-out';
  if (input.leased) return 'leased';
  if (input.runsWork) return 'runs-work';
  return undefined;
};

/** Oldest `spare-since` first (none = oldest), then name: the pool's stable order. */
const bySinceThenName = (a: KubeNode, b: KubeNode): number => {
  const since = (n: KubeNode) => n.metadata.annotations?.[SPARE_SINCE_ANNOTATION] ?? '';
  return since(a).localeCompare(since(b)) || a.metadata.name.localeCompare(b.metadata.name);
};

// ------------------------------------------------------------------ node patches

/** Re-exported for the tasks that apply these plans. */
export type { SparePatchPlan };

const plan = (patch: MergePatch): SparePatchPlan => ({ patch, changed: Object.keys(patch).length > 0 });

/**
 * Makes an idle node a spare: the pool taint, the state label (`verifying`, or `ready` with
 * `not-verified` when quick checks are off) and since when. A node already a spare is left as it
 * is (its state is the pool's, not this plan's).
 *
 * @example
 * planTakeSpare(node, { now: '2026-01-01T00:00:00Z' }).patch;
 * // → { spec: { taints: [...others, { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }] },
 * //     metadata: { labels: { 'hyperpod-resilience.io/spare': 'verifying' }, annotations: { 'hyperpod-resilience.io/spare-since': '2026-…', … } } }
 */
export const planTakeSpare = (
  node: KubeNode,
  input: { now: string; verification?: Extract<SpareVerification, 'not-verified'> },
): SparePatchPlan => {
  if (node.metadata.labels?.[SPARE_STATE_LABEL] !== undefined) return plan({});
  return plan({
    spec: { taints: withSpareTaint(node.spec?.taints, SPARE_POOL_TAINT_VALUE) },
    metadata: {
      labels: { [SPARE_STATE_LABEL]: input.verification ? 'ready' : 'verifying' },
      annotations: {
        [SPARE_SINCE_ANNOTATION]: input.now,
        [SPARE_VERIFIED_ANNOTATION]: input.verification ?? null,
        [SPARE_CLAIMED_BY_ANNOTATION]: null,
      },
    },
  });
};

/**
 * A `verifying` spare whose check passed (or was not run) becomes `ready`; the pool taint is
 * (re)set. Any other state is left alone: a spare promoted or released meanwhile is not ours to
 * mark.
 *
 * @example
 * planMarkReady(verifyingNode, { now, verification: 'quick-check-passed' }).patch;
 * // → { spec: { taints: [...] }, metadata: { labels: { 'hyperpod-resilience.io/spare': 'ready' }, annotations: { …since: now, …verified: 'quick-check-passed' } } }
 */
export const planMarkReady = (
  node: KubeNode,
  input: { now: string; verification: SpareVerification },
): SparePatchPlan => {
  if (node.metadata.labels?.[SPARE_STATE_LABEL] !== 'verifying') return plan({});
  return plan({
    spec: { taints: withSpareTaint(node.spec?.taints, SPARE_POOL_TAINT_VALUE) },
    metadata: {
      labels: { [SPARE_STATE_LABEL]: 'ready' },
      annotations: { [SPARE_SINCE_ANNOTATION]: input.now, [SPARE_VERIFIED_ANNOTATION]: input.verification },
    },
  });
};

/**
 * Back to general scheduling: removes our spare taint, label and annotations, and nothing else
 * (other taints, a cordon, a quarantine stay).
 *
 * @example
 * planReleaseSpare(spareNode).patch;
 * // → { spec: { taints: [...others] }, metadata: { labels: { 'hyperpod-resilience.io/spare': null }, annotations: { 'hyperpod-resilience.io/spare-since': null, … } } }
 */
export const planReleaseSpare = (node: KubeNode): SparePatchPlan => {
  const patch: MergePatch = {};
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === SPARE_TAINT_KEY)) {
    patch.spec = { taints: taints.filter((t) => t.key !== SPARE_TAINT_KEY) };
  }
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const metadata: Record<string, unknown> = {};
  if (SPARE_STATE_LABEL in labels) metadata.labels = { [SPARE_STATE_LABEL]: null };
  const removed = [SPARE_SINCE_ANNOTATION, SPARE_VERIFIED_ANNOTATION, SPARE_CLAIMED_BY_ANNOTATION].filter(
    (k) => k in annotations,
  );
  if (removed.length > 0) metadata.annotations = Object.fromEntries(removed.map((k) => [k, null]));
  if (Object.keys(metadata).length > 0) patch.metadata = metadata;
  return plan(patch);
};

// ------------------------------------------------------------------ pool upkeep

/** One node of the cluster as the sweep sees it: its SageMaker instance group and state. */
export interface PoolNode {
  node: KubeNode;
  instanceId: string;
  instanceGroupName: string;
  /** SageMaker `InstanceStatus` (`Running`, …). */
  status: string;
  /** An incident or a check holds the node's lease. */
  leased: boolean;
}

export type SpareReleaseReason = 'surplus' | 'promoted-idle' | 'no-pool';

export interface SpareRelease {
  nodeName: string;
  instanceId: string;
  state: SpareState;
  reason: SpareReleaseReason;
  detail: string;
}

export interface PoolView {
  cluster: string;
  instanceGroup: string;
  serves: string[];
  target: number;
  /** Nodes of the supplying group (SageMaker). */
  groupNodes: number;
  ready: number;
  verifying: number;
  promoted: number;
  /** Spares that are not Ready or are quarantined: they count toward nothing until repaired. */
  unavailable: number;
  spares: SpareInfo[];
}

export interface PoolUpkeep {
  view: PoolView;
  /** Idle nodes to make spares, in the pool's order. */
  take: { nodeName: string; instanceId: string }[];
  /** `verifying` spares due for a quick check (Ready, not quarantined, not leased). */
  verify: { nodeName: string; instanceId: string }[];
  release: SpareRelease[];
  /** Spares still missing after every candidate was taken (0 when the pool is full). */
  missing: number;
}

/** How long a promoted spare may stay without its job's pods before it is released (pods start after the promotion). */
export interface UpkeepSettings {
  optOutLabel: string;
  promotedGraceMinutes: number;
  /** Incident ids in flight: a spare they claimed is never released. */
  inFlight: ReadonlySet<string>;
}

const MINUTE_MS = 60_000;

const olderThan = (at: string | undefined, minutes: number, now: string): boolean => {
  const ms = Date.parse(at ?? '');
  return !Number.isFinite(ms) || Date.parse(now) - ms > minutes * MINUTE_MS;
};

/**
 * What the sweep does for one pool: count its spares, take idle candidates up to the target,
 * queue `verifying` spares for their check, release surplus `ready` spares (newest first) and
 * `promoted` spares whose jobs no longer run there.
 *
 * @example
 * const upkeep = planPoolUpkeep(pool, nodes, busyNodes, settings, now);
 * upkeep.take; // [{ nodeName: 'hyperpod-i-0aaa', instanceId: 'i-0aaa' }]; upkeep.missing; // 0
 */
export const planPoolUpkeep = (
  pool: SparePool,
  nodes: readonly PoolNode[],
  work: ReadonlySet<string>,
  s: UpkeepSettings,
  now: string,
): PoolUpkeep => {
  const group = nodes.filter((n) => n.instanceGroupName === pool.instanceGroup);
  const target = poolTarget(pool, group.length);
  const spares = group
    .filter((n) => spareInfo(n.node) !== undefined)
    .sort((a, b) => bySinceThenName(a.node, b.node));
  const available = (n: PoolNode) =>
    isNodeReady(n.node) && !isQuarantinedByUs(n.node) && n.status === 'Running';
  const inState = (state: SpareState) => spares.filter((n) => spareInfo(n.node)?.state === state);
  const ready = inState('ready');
  const verifying = inState('verifying');
  const promoted = inState('promoted');
  const inPool = [...ready, ...verifying].filter(available);

  const release: SpareRelease[] = [];
  const ref = (n: PoolNode) => ({ nodeName: n.node.metadata.name, instanceId: n.instanceId });
  for (const n of promoted) {
    const info = spareInfo(n.node) as SpareInfo;
    if (work.has(n.node.metadata.name) || n.leased) continue;
    if (info.claimedBy !== undefined && s.inFlight.has(info.claimedBy)) continue;
    if (!olderThan(info.since, s.promotedGraceMinutes, now)) continue;
    release.push({
      ...ref(n),
      state: 'promoted',
      reason: 'promoted-idle',
      detail: `promoted spare ${n.node.metadata.name} runs no job any more${info.claimedBy ? ` (claimed by ${info.claimedBy})` : ''}`,
    });
  }
  // Surplus: the newest ready spares go first; verifying ones finish their check.
  const surplus = Math.max(0, inPool.length - target);
  const releasable = ready.filter((n) => available(n) && !n.leased).reverse();
  for (const n of releasable.slice(0, surplus)) {
    release.push({
      ...ref(n),
      state: 'ready',
      reason: 'surplus',
      detail: `${inPool.length} spare(s) for a target of ${target}: ${n.node.metadata.name} released`,
    });
  }
  const wanted = Math.max(0, target - inPool.length);
  const candidates = group
    .filter(
      (n) =>
        n.status === 'Running' &&
        notCandidateReason(n.node, {
          optOutLabel: s.optOutLabel,
          leased: n.leased,
          runsWork: work.has(n.node.metadata.name),
        }) === undefined,
    )
    .sort((a, b) => bySinceThenName(a.node, b.node));
  const take = candidates.slice(0, wanted).map(ref);

  return {
    view: {
      cluster: pool.cluster,
      instanceGroup: pool.instanceGroup,
      serves: pool.serves ?? [pool.instanceGroup],
      target,
      groupNodes: group.length,
      ready: ready.filter(available).length,
      verifying: verifying.filter(available).length,
      promoted: promoted.length,
      unavailable: [...ready, ...verifying].filter((n) => !available(n)).length,
      spares: spares.map((n) => spareInfo(n.node) as SpareInfo),
    },
    take,
    verify: verifying.filter((n) => available(n) && !n.leased).map(ref),
    release,
    missing: wanted - take.length,
  };
};

/**
 * Spares outside every pool (a pool removed from the configuration, or a node moved to another
 * group): `ready` and `verifying` ones go back to general scheduling; promoted ones follow the
 * promoted rule of their pool's upkeep and are left alone here.
 *
 * @example
 * orphanSpares(nodes, new Set(['gpu-spares'])); // [{ nodeName, instanceId, state: 'ready', reason: 'no-pool', … }]
 */
export const orphanSpares = (
  nodes: readonly PoolNode[],
  supplyingGroups: ReadonlySet<string>,
): SpareRelease[] =>
  nodes.flatMap((n) => {
    const info = spareInfo(n.node);
    if (!info || supplyingGroups.has(n.instanceGroupName) || n.leased) return [];
    if (info.state !== 'ready' && info.state !== 'verifying') return [];
    return [
      {
        nodeName: n.node.metadata.name,
        instanceId: n.instanceId,
        state: info.state,
        reason: 'no-pool' as const,
        detail: `spare ${n.node.metadata.name} of group ${n.instanceGroupName}, which no pool draws from`,
      },
    ];
  });

// ------------------------------------------------------------------ promotion choice

/** Layers shared from the top down: hierarchical, so the first difference ends the walk. */
const sharedLayers = (a: KubeNode, b: KubeNode): number => {
  let shared = 0;
  for (const label of NETWORK_LAYER_LABELS) {
    const va = a.metadata.labels?.[label];
    if (va === undefined || va !== b.metadata.labels?.[label]) break;
    shared += 1;
  }
  return shared;
};

/**
 * The spare a promotion takes: the one sharing the most network-topology layers with the job's
 * other nodes (summed over them, each counted from the top layer down to the deepest shared
 * one), then the oldest `spare-since`, then the name. Only `ready` spares that are Ready, not
 * quarantined and carry the pool taint are eligible; `undefined` when none is.
 *
 * @example
 * chooseSpare([spareA, spareB], [jobNode1, jobNode2])?.metadata.name; // the spare under the job's bottom-layer switch
 */
export const chooseSpare = (spares: KubeNode[], jobNodes: KubeNode[]): KubeNode | undefined => {
  const eligible = spares.filter((n) => {
    const info = spareInfo(n);
    return (
      info?.state === 'ready' &&
      info.taint === SPARE_POOL_TAINT_VALUE &&
      isNodeReady(n) &&
      !isQuarantinedByUs(n)
    );
  });
  const score = (spare: KubeNode) => jobNodes.reduce((sum, j) => sum + sharedLayers(spare, j), 0);
  return eligible
    .map((node) => ({ node, score: score(node) }))
    .sort((a, b) => b.score - a.score || bySinceThenName(a.node, b.node))[0]?.node;
};

/**
 * The execution name of a spare's quick check: one per spare per retry window, so overlapping
 * sweeps start it once and a check that could not start is tried again in the next window.
 *
 * @example
 * spareCheckExecutionName('i-0123456789abcdef0', '2026-01-01T00:05:00Z', 60); // 'spare-check-i-0123456789abcdef0-490896'
 */
export const spareCheckExecutionName = (instanceId: string, now: string, retryMinutes: number): string =>
  `spare-check-${instanceId}-${Math.floor(Date.parse(now) / (retryMinutes * MINUTE_MS))}`
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 80);
