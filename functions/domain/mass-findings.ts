/**
 * Distrust mass findings. A detector that suddenly finds the same trouble on most of a cluster is
 * more likely wrong than the cluster: a node-identity parser that resolves no node makes every
 * Running instance look `missing-node`, a crashing device plugin makes every node look
 * `accelerators-missing`, an AZ incident makes every node report the same fault at once. Acting on such a
 * finding reboots healthy nodes under running jobs (or nodes into a broken AZ), so the finding is
 * held, recorded as a `detector-disagreement` and handed to a person.
 *
 * The rule (policy `massFindings`, README "Safety limits"): one kind of finding on **more than**
 * `maxSharePercent` of the cluster's nodes **and** on at least `minNodes` nodes is distrusted.
 * - The share is compared exactly (`count × 100 > maxSharePercent × fleetSize`), so "more than
 *   half" of 5 nodes is 3: the largest believed count is `floor(maxSharePercent % × fleet)`.
 *   Exactly at the threshold is still believed, as NHC allows remediation while no more than
 *   `maxUnhealthy` nodes are unhealthy (docs/facts/mass-findings.md).
 * - `minNodes` keeps small clusters working: one bad node of two is 50% of the fleet and almost
 *   always a real fault; below `minNodes` affected nodes the breaker (distinct nodes per window,
 *   latched) and max-parallel already bound what a wrong detector can do.
 *
 * Each kind is judged on its own (one detector's failure says nothing about another's); the
 * callers decide what to hold: the sweep holds the distrusted kinds only, admission holds the
 * incident whose fault class is distrusted.
 */
import { isWithinWindow, MINUTE_MS } from '#domain/time.ts';

export interface MassFindingLimits {
  /** A kind found on more than this percentage of the cluster's nodes is distrusted… */
  maxSharePercent: number;
  /** …once it covers at least this many nodes. */
  minNodes: number;
}

/** How many node ids a disagreement carries as examples. */
export const DISAGREEMENT_SAMPLE_SIZE = 5;

/** The skip reason, finding name and metric wording of a distrusted mass finding. */
export const DETECTOR_DISAGREEMENT = 'detector-disagreement';

export interface DetectorDisagreement {
  /** The finding kind (sweep) or fault class (admission) that is distrusted. */
  kind: string;
  /** Distinct nodes with that finding. */
  count: number;
  /** Nodes in the cluster the share is taken of. */
  fleetSize: number;
  /** `count / fleetSize` in percent, one decimal. */
  sharePercent: number;
  /** The configured `maxSharePercent`. */
  thresholdPercent: number;
  /** The configured `minNodes`. */
  minNodes: number;
  /** The largest count that is still believed for this fleet. */
  believedUpTo: number;
  /** Up to {@link DISAGREEMENT_SAMPLE_SIZE} affected instance ids, sorted. */
  sampleInstanceIds: string[];
  detail: string;
}

/**
 * The largest number of nodes one finding may cover and still be believed: the share limit,
 * rounded down (the comparison is "more than"), but never below `minNodes − 1`.
 *
 * @example
 * believedUpTo(5, { maxSharePercent: 50, minNodes: 3 }); // 2 (3 of 5 is more than half)
 * believedUpTo(2, { maxSharePercent: 50, minNodes: 3 }); // 2 (a 2-node cluster is never held)
 */
export const believedUpTo = (fleetSize: number, limits: MassFindingLimits): number => {
  // Round away float noise first (7 × 100 / 100 must not floor to 6).
  const byShare = Math.floor(Number(((limits.maxSharePercent * Math.max(0, fleetSize)) / 100).toFixed(6)));
  return Math.max(byShare, limits.minNodes - 1);
};

/**
 * Judges one finding kind: a {@link DetectorDisagreement} when it covers more nodes than
 * {@link believedUpTo} allows, `undefined` when it is believed. Node ids are counted once; a fleet
 * size below the count (an unknown or stale size) is raised to the count.
 *
 * @example
 * judgeMassFinding('missing-node', ['i-1', 'i-2', 'i-3', 'i-4'], 4, { maxSharePercent: 50, minNodes: 3 });
 * // → { kind: 'missing-node', count: 4, fleetSize: 4, sharePercent: 100, believedUpTo: 2, … }
 */
export const judgeMassFinding = (
  kind: string,
  instanceIds: readonly string[],
  fleetSize: number,
  limits: MassFindingLimits,
): DetectorDisagreement | undefined => {
  const ids = [...new Set(instanceIds)].sort();
  const count = ids.length;
  const fleet = Math.max(fleetSize, count);
  const limit = believedUpTo(fleet, limits);
  if (count === 0 || count <= limit) return undefined;
  const sharePercent = Math.round((count * 1000) / fleet) / 10;
  const sample = ids.slice(0, DISAGREEMENT_SAMPLE_SIZE);
  return {
    kind,
    count,
    fleetSize: fleet,
    sharePercent,
    thresholdPercent: limits.maxSharePercent,
    minNodes: limits.minNodes,
    believedUpTo: limit,
    sampleInstanceIds: sample,
    detail:
      `${kind} on ${count} of ${fleet} nodes (${sharePercent}%) at once: more than ${limits.maxSharePercent}% ` +
      `and at least ${limits.minNodes} nodes is more likely a detector fault than a fleet fault; ` +
      `no recovery started (e.g. ${sample.join(', ')}${count > sample.length ? ', …' : ''})`,
  };
};

/**
 * Splits findings into the believed ones and one disagreement per distrusted kind. Order is kept;
 * only the distrusted kinds are held (a broken `missing-node` detector says nothing about
 * SageMaker's own `Failure` status or Kubernetes' Ready condition).
 *
 * @example
 * const { believed, disagreements } = splitMassFindings(candidates, inventory.instances.length, limits);
 */
export const splitMassFindings = <T extends { kind: string; instanceId: string }>(
  findings: readonly T[],
  fleetSize: number,
  limits: MassFindingLimits,
): { believed: T[]; disagreements: DetectorDisagreement[] } => {
  const byKind = new Map<string, string[]>();
  for (const f of findings) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f.instanceId]);
  const disagreements = [...byKind.entries()].flatMap(([kind, ids]) => {
    const judged = judgeMassFinding(kind, ids, fleetSize, limits);
    return judged ? [judged] : [];
  });
  const held = new Set(disagreements.map((d) => d.kind));
  return { believed: findings.filter((f) => !held.has(f.kind)), disagreements };
};

/**
 * The ledger record id of a sweep's disagreement: one per (kind, window), so the sweeps of one
 * window write it once (createIncident is idempotent on the id).
 *
 * @example
 * disagreementRecordId('missing-node', '2026-01-01T00:30:00Z', 60); // 'detector-disagreement-missing-node-490896'
 */
export const disagreementRecordId = (kind: string, now: string, windowMinutes: number): string =>
  `${DETECTOR_DISAGREEMENT}-${kind}-${Math.floor(Date.parse(now) / (windowMinutes * MINUTE_MS))}`;

/**
 * Distinct nodes whose first report of a fault class lies inside the burst window ending at
 * `now` (the node-recovery sightings of the ledger), plus the node being admitted. Same window
 * rule as the breaker's (time.ts `isWithinWindow`: half-open, a skewed future time counts).
 *
 * @example
 * burstReporters([{ instanceId: 'i-1', firstSeenAt: '2026-01-01T00:05:00Z' }], 'i-2', '2026-01-01T00:10:00Z', 10);
 * // ['i-1', 'i-2']
 */
export const burstReporters = (
  sightings: readonly { instanceId: string; firstSeenAt: string }[],
  instanceId: string,
  now: string,
  windowMinutes: number,
): string[] => {
  const inWindow = sightings
    .filter((s) => isWithinWindow(s.firstSeenAt, now, windowMinutes * MINUTE_MS))
    .map((s) => s.instanceId);
  return [...new Set([...inWindow, instanceId])];
};
