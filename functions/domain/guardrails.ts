/**
 * Cluster-wide safety gates between a decision and an action (README "Safety limits"). The gates run in one documented order, the first failing gate
 * names the skip, and observe mode is the last gate so it records exactly the decision that
 * would have run.
 *
 * The breaker state lives in the ledger (`ClusterGuardState`); the helpers here compute the next
 * state and leave the optimistic-concurrency `version` alone, because the ledger bumps it on write.
 */
import type { Policy } from '#contracts/config/policy.ts';
import { type DetectorDisagreement, judgeMassFinding } from '#domain/mass-findings.ts';
import { isWithinWindow, MINUTE_MS } from '#domain/time.ts';
import type {
  ClusterGuardState,
  NodeIdentity,
  OperatorLogEntry,
  RemediationAction,
  RemediationOwner,
  SkipReason,
} from '#domain/types.ts';

/** The actions that change a node: everything else needs no guardrail. */
export type ActingAction = Extract<RemediationAction, 'reboot' | 'replace'>;

/**
 * How the action is carried out: `request` = we call BatchReboot/ReplaceClusterNodes (on a
 * NodeRecovery=Automatic cluster too: AWS documents these APIs as the preferred manual trigger
 * of the same HyperPod recovery process — docs/facts/remediation.md); `await-hyperpod` =
 * HyperPod's own recovery has already been triggered (its `Pending*` label under automatic node
 * recovery), and we quarantine, suspend, wait and resume without issuing a second one.
 */
export type RemediationMode = 'request' | 'await-hyperpod';

export type GuardrailVerdict =
  | { outcome: 'proceed'; action: ActingAction; remediation: RemediationMode }
  | {
      outcome: 'skip';
      reason: SkipReason;
      detail: string;
      /** What would have run had this gate passed (absent when there was nothing to do). */
      wouldHave?: { action: ActingAction; remediation: RemediationMode };
      /** The breaker must be latched now (the handler writes it through the ledger). */
      tripBreaker?: boolean;
      /** `detector-disagreement`: what was distrusted (count, share, threshold, sample nodes). */
      disagreement?: DetectorDisagreement;
    };

export interface GuardrailInput {
  policy: Policy;
  now: string;
  incidentId: string;
  node: NodeIdentity;
  nodeLabels: Record<string, string>;
  action: RemediationAction;
  /** HyperPod `ClusterStatus` (open enum). */
  clusterStatus: string;
  /**
   * The EKS cluster the configuration names for this HyperPod cluster, and the one HyperPod says
   * orchestrates it (DescribeCluster `Orchestrator.Eks.ClusterArn`; absent when not reported).
   */
  eksCluster?: { configured: string; orchestrator?: string };
  remediationOwner: RemediationOwner;
  /** HyperPod's own recovery of this node is already triggered (hyperpod-recovery.ts). */
  hyperpodAlreadyActing?: boolean;
  /** Operator pause switch, with its reason. */
  paused?: { reason: string };
  /** The node is waiting for a person (an earlier incident gave up on it). */
  needsAttention?: { reason: string };
  /** The incident that first saw this (node, fault class) inside the dedupe window. */
  duplicateOf?: string;
  /** The incident holding the node's lease, when the lease could not be taken. */
  leaseHeldBy?: string;
  breaker: ClusterGuardState;
  /** Remediations in flight in this cluster, not counting this incident. */
  activeRemediations: number;
  /** Nodes in the cluster (the percentage limit is taken of this). */
  fleetSize: number;
  /**
   * The fleet's agreement: distinct nodes that first reported this incident's fault class within
   * `policy.massFindings.burstWindowMinutes`, this node included. Absent: not judged.
   */
  burst?: { faultClass: string; instanceIds: readonly string[] };
}

/**
 * Gate order. The first failing gate wins, so cheaper, more absolute reasons come first:
 * 1. `no-action-needed`: the decision is ignore/observe, nothing to guard;
 * 2. `paused`: an operator stopped all remediation;
 * 2a. `wrong-eks-cluster`: the configuration pairs this HyperPod cluster with another EKS cluster
 *    than the one HyperPod reports as its orchestrator: we would read and change the wrong
 *    cluster's nodes and jobs, so nothing acts until the configuration is fixed;
 * 3. `cluster-updating`: the cluster is Updating/SystemUpdating (HyperPod is moving nodes itself);
 * 4. `opted-out`: the node carries the opt-out label;
 * 5. `needs-attention`: a person owns the node now;
 * 6. `duplicate`: another incident already handles this (node, fault class);
 * 7. `lease-held`: another incident holds this node's lease (one remediation per node);
 * 8. `detector-disagreement`: this fault class was reported by too much of the cluster at once;
 * 9. `breaker-open`: the circuit breaker is latched, or this node would trip it;
 * 10. `max-parallel`: too many remediations in flight in this cluster;
 * 11. `observe-mode`: last, so observe mode records exactly the decision that would have run.
 *
 * `detector-disagreement` and `breaker-open` guard against different things. The breaker counts
 * our own *remediations* (distinct nodes acted on per window) and latches until a person resets
 * it: it bounds the damage of any cause, but lets the first `maxNodesPerWindow` nodes through
 * admission and counts nothing in observe mode; once open, it also stops those admitted ones that
 * have not called SageMaker yet (`recheckBeforeAction`, at the call). The disagreement gate judges the *signal*: how many distinct
 * nodes reported the same fault class within the burst window (whether or not anything was done
 * about them), against the fleet size (mass-findings.ts). It does not latch — the reports age out
 * of the window — and it comes first, so that a burst is named for what it is, does not fill the
 * breaker window, and is recorded the same way in observe mode.
 */
export const GUARDRAIL_ORDER = [
  'no-action-needed',
  'paused',
  'wrong-eks-cluster',
  'cluster-updating',
  'opted-out',
  'needs-attention',
  'duplicate',
  'lease-held',
  'detector-disagreement',
  'breaker-open',
  'max-parallel',
  'observe-mode',
] as const satisfies readonly SkipReason[];

export type GuardrailGate = (typeof GUARDRAIL_ORDER)[number];

/** Statuses during which HyperPod itself moves nodes (§1.3): our actions would race it. */
const UPDATING_STATUSES = new Set(['Updating', 'SystemUpdating']);

/**
 * How many nodes may be under remediation at once: the smaller of the absolute cap and the
 * percentage of the fleet (rounded up, so a small fleet still gets one), clamped to
 * [1, fleet size].
 *
 * @example
 * maxParallelLimit(100, policy); // 2 with the defaults (min(2, ceil(5% × 100) = 5))
 * maxParallelLimit(10, policy); // 1 (ceil(0.5) = 1)
 */
export const maxParallelLimit = (fleetSize: number, policy: Policy): number => {
  // Round away float noise first (7 × 100 / 100 must not ceil to 8).
  const byPercent = Math.ceil(Number(((policy.maxParallel.percent * fleetSize) / 100).toFixed(6)));
  const limit = Math.min(policy.maxParallel.absolute, byPercent);
  return Math.min(Math.max(limit, 1), Math.max(1, fleetSize));
};

/**
 * Distinct nodes remediated inside the breaker window ending at `now`, in first-seen order.
 * A flapping node counts once: the breaker guards against many nodes failing together.
 *
 * @example
 * distinctNodesInWindow(state, '2026-01-01T00:10:00Z', 10); // ['i-0aaa…', 'i-0bbb…']
 */
export const distinctNodesInWindow = (
  state: ClusterGuardState,
  now: string,
  windowMinutes: number,
): string[] => [
  ...new Set(
    state.remediations
      .filter((r) => isWithinWindow(r.at, now, windowMinutes * MINUTE_MS))
      .map((r) => r.instanceId),
  ),
];

/**
 * Records a started remediation in the breaker window and drops entries that left it. Retrying
 * the same (instance, incident) is a no-op. `version` is unchanged: the ledger bumps it.
 *
 * @example
 * registerRemediation(state, { instanceId: 'i-0123456789abcdef0', incidentId: 'inc-1', now }, policy);
 */
export const registerRemediation = (
  state: ClusterGuardState,
  entry: { instanceId: string; incidentId: string; now: string },
  policy: Policy,
): ClusterGuardState => {
  const windowMs = policy.circuitBreaker.windowMinutes * MINUTE_MS;
  const known = state.remediations.some(
    (r) => r.instanceId === entry.instanceId && r.incidentId === entry.incidentId,
  );
  const remediations = known
    ? state.remediations
    : [...state.remediations, { instanceId: entry.instanceId, incidentId: entry.incidentId, at: entry.now }];
  return { ...state, remediations: remediations.filter((r) => isWithinWindow(r.at, entry.now, windowMs)) };
};

/**
 * Latches the breaker. It stays open until {@link resetBreaker}: a correlated failure (bad AMI,
 * rack, switch) belongs to a person, and it must not silently close when the window moves on.
 * Tripping an open breaker keeps the first trip's time and reason.
 *
 * @example
 * tripBreaker(state, '2026-01-01T00:00:00Z', '4 distinct nodes in 10 min');
 */
export const tripBreaker = (state: ClusterGuardState, now: string, reason: string): ClusterGuardState =>
  state.breaker ? state : { ...state, breaker: { trippedAt: now, reason } };

/**
 * Closes the breaker (an explicit operator action) and clears the window: the nodes counted
 * before were reviewed by the person resetting it, and keeping them would re-trip on the next node.
 *
 * @example
 * resetBreaker(state); // { ...state, breaker: undefined, remediations: [] }
 */
export const resetBreaker = (state: ClusterGuardState): ClusterGuardState => {
  const { breaker: _breaker, ...rest } = state;
  return { ...rest, remediations: [] };
};

/**
 * Who owns node recovery. `auto` follows the cluster's `NodeRecovery`: `Automatic` means HyperPod
 * recovers nodes on its own detections (never two recoveries of one node); anything else, or
 * nothing, means we do. Owning is not acting: HyperPod repairs only what it detected or was asked
 * to repair, so a fault only we saw still needs our request (see {@link RemediationMode}).
 *
 * @example
 * resolveRemediationOwner('auto', 'Automatic'); // 'hyperpod'
 * resolveRemediationOwner('auto', 'None'); // 'hyperpod-resilience'
 */
export const resolveRemediationOwner = (
  configured: 'auto' | 'hyperpod-resilience' | 'hyperpod',
  nodeRecovery?: string,
): RemediationOwner => {
  if (configured !== 'auto') return configured;
  return nodeRecovery?.trim().toLowerCase() === 'automatic' ? 'hyperpod' : 'hyperpod-resilience';
};

type GateResult = { detail: string; tripBreaker?: boolean; disagreement?: DetectorDisagreement } | undefined;

const isActing = (action: RemediationAction): action is ActingAction =>
  action === 'reboot' || action === 'replace';

/** One check per gate; `undefined` means the gate passes. Keyed by name so the order is data. */
const GATES: Record<Exclude<GuardrailGate, 'no-action-needed'>, (input: GuardrailInput) => GateResult> = {
  paused: ({ paused }) => (paused ? { detail: `remediation paused: ${paused.reason}` } : undefined),
  'wrong-eks-cluster': ({ eksCluster }) =>
    eksCluster?.orchestrator !== undefined && eksCluster.orchestrator !== eksCluster.configured
      ? {
          detail: `HyperPod reports EKS cluster ${eksCluster.orchestrator} as this cluster's orchestrator, the configuration names ${eksCluster.configured}: fix eksClusterName`,
        }
      : undefined,
  'cluster-updating': ({ clusterStatus, policy }) =>
    policy.pauseDuringClusterUpdates && UPDATING_STATUSES.has(clusterStatus)
      ? { detail: `cluster is ${clusterStatus}` }
      : undefined,
  'opted-out': ({ nodeLabels, policy }) => {
    const value = nodeLabels[policy.optOutLabel];
    return value !== undefined && value.trim().toLowerCase() !== 'false'
      ? { detail: `node carries ${policy.optOutLabel}=${value}` }
      : undefined;
  },
  'needs-attention': ({ needsAttention }) =>
    needsAttention ? { detail: `node needs attention: ${needsAttention.reason}` } : undefined,
  duplicate: ({ duplicateOf, incidentId }) =>
    duplicateOf !== undefined && duplicateOf !== incidentId
      ? { detail: `already handled by incident ${duplicateOf}` }
      : undefined,
  'lease-held': ({ leaseHeldBy, incidentId }) =>
    leaseHeldBy !== undefined && leaseHeldBy !== incidentId
      ? { detail: `node lease held by incident ${leaseHeldBy}` }
      : undefined,
  'detector-disagreement': ({ burst, fleetSize, policy }) => {
    const disagreement =
      burst && judgeMassFinding(burst.faultClass, burst.instanceIds, fleetSize, policy.massFindings);
    return disagreement ? { detail: disagreement.detail, disagreement } : undefined;
  },
  'breaker-open': ({ breaker, policy, now, node }) => {
    if (breaker.breaker) {
      return { detail: `circuit breaker open since ${breaker.breaker.trippedAt}: ${breaker.breaker.reason}` };
    }
    const { maxNodesPerWindow, windowMinutes } = policy.circuitBreaker;
    const nodes = distinctNodesInWindow(breaker, now, windowMinutes);
    if (nodes.includes(node.instanceId)) return undefined;
    return nodes.length + 1 > maxNodesPerWindow
      ? {
          detail: `${nodes.length + 1} distinct nodes within ${windowMinutes} min exceeds ${maxNodesPerWindow}`,
          tripBreaker: true,
        }
      : undefined;
  },
  'max-parallel': ({ activeRemediations, fleetSize, policy }) => {
    const limit = maxParallelLimit(fleetSize, policy);
    return activeRemediations >= limit
      ? { detail: `${activeRemediations} remediations in flight, limit ${limit} for ${fleetSize} nodes` }
      : undefined;
  },
  'observe-mode': ({ policy }) =>
    policy.mode === 'observe' ? { detail: 'policy mode is observe' } : undefined,
};

/**
 * Runs the gates of {@link GUARDRAIL_ORDER} and returns the first skip, or `proceed`.
 *
 * @example
 * evaluateGuardrails({ ...input, action: 'replace', remediationOwner: 'hyperpod-resilience' });
 * // → { outcome: 'proceed', action: 'replace', remediation: 'request' } in act mode with room under every limit
 */
export const evaluateGuardrails = (input: GuardrailInput): GuardrailVerdict => {
  const { action } = input;
  if (!isActing(action)) {
    return { outcome: 'skip', reason: 'no-action-needed', detail: `decision is ${action}` };
  }
  const remediation: RemediationMode =
    input.remediationOwner === 'hyperpod' && input.hyperpodAlreadyActing === true
      ? 'await-hyperpod'
      : 'request';
  for (const gate of GUARDRAIL_ORDER) {
    if (gate === 'no-action-needed') continue;
    const failed = GATES[gate](input);
    if (failed) {
      return {
        outcome: 'skip',
        reason: gate,
        detail: failed.detail,
        wouldHave: { action, remediation },
        ...(failed.tripBreaker ? { tripBreaker: true } : {}),
        ...(failed.disagreement ? { disagreement: failed.disagreement } : {}),
      };
    }
  }
  return { outcome: 'proceed', action, remediation };
};

/** What the destructive step re-reads just before it acts (the admission may be an hour old). */
export interface ActionRecheckInput {
  /** The policy mode in force now (not the one recorded at admission). */
  mode: 'observe' | 'act';
  paused?: { reason: string };
  breaker: ClusterGuardState;
  incidentId: string;
  /** The incident holding the node's live lease now; undefined: nobody (it expired). */
  leaseHolder?: string;
}

/**
 * Whether a reboot or replacement admitted earlier may still be requested now: observe mode, an
 * operator's pause, an open breaker or another incident holding the node's lease each say no.
 * An expired lease nobody else took does not (the step takes it again before acting).
 *
 * @example
 * recheckBeforeAction({ mode: 'act', breaker, incidentId: 'inc-1', leaseHolder: 'inc-1' }); // undefined: act
 * recheckBeforeAction({ mode: 'act', paused: { reason: 'maintenance' }, breaker, incidentId: 'inc-1' });
 * // { reason: 'paused', detail: 'remediation paused: maintenance' }
 */
export const recheckBeforeAction = (
  input: ActionRecheckInput,
): { reason: 'observe-mode' | 'paused' | 'breaker-open' | 'lease-held'; detail: string } | undefined => {
  if (input.mode !== 'act') return { reason: 'observe-mode', detail: 'observe mode is on now' };
  if (input.paused) return { reason: 'paused', detail: `remediation paused: ${input.paused.reason}` };
  if (input.breaker.breaker) {
    return {
      reason: 'breaker-open',
      detail: `circuit breaker open since ${input.breaker.breaker.trippedAt}: ${input.breaker.breaker.reason}`,
    };
  }
  if (input.leaseHolder !== undefined && input.leaseHolder !== input.incidentId) {
    return { reason: 'lease-held', detail: `node lease held by incident ${input.leaseHolder}` };
  }
  return undefined;
};

/**
 * A health check takes the node as a remediation does — a quick check's Job holds all its
 * accelerators, a full check makes HyperPod reboot or replace an instance that fails it — so it
 * counts toward the same limits: one operation per node (the node lease) and the cluster's
 * in-flight limit ({@link maxParallelLimit}; every live lease of another incident or check counts).
 *
 * @example
 * healthCheckLimits({ policy, fleetSize: 100, checkId: 'chk-1', instanceId: 'i-0a', leases: [] }); // undefined: may start
 */
export const healthCheckLimits = (input: {
  policy: Policy;
  fleetSize: number;
  checkId: string;
  instanceId: string;
  /** The cluster's live leases (incidents' and checks'). */
  leases: readonly { instanceId: string; incidentId: string }[];
}): { reason: 'lease-held' | 'max-parallel'; detail: string } | undefined => {
  const others = input.leases.filter((lease) => lease.incidentId !== input.checkId);
  const holder = others.find((lease) => lease.instanceId === input.instanceId);
  if (holder) return { reason: 'lease-held', detail: `node lease held by ${holder.incidentId}` };
  const limit = maxParallelLimit(input.fleetSize, input.policy);
  return others.length >= limit
    ? {
        reason: 'max-parallel',
        detail: `${others.length} remediations or checks in flight, limit ${limit} for ${input.fleetSize} nodes`,
      }
    : undefined;
};

/**
 * How long a health check holds the node lease: its own deadline and ten minutes of margin for
 * the polls and the record, so a check whose execution died frees the node soon after it would
 * have ended (quick: the Job's deadline; full: the start grace and the check's timeout).
 *
 * @example
 * healthCheckLeaseMinutes('quick', { quick: { timeoutSeconds: 600 }, full: { timeoutMinutes: 240, startGraceMinutes: 20 } }); // 20
 */
export const healthCheckLeaseMinutes = (
  level: 'quick' | 'full',
  healthChecks: {
    quick: { timeoutSeconds: number };
    full: { timeoutMinutes: number; startGraceMinutes: number };
  },
): number =>
  level === 'quick'
    ? Math.ceil(healthChecks.quick.timeoutSeconds / 60) + 10
    : healthChecks.full.startGraceMinutes + healthChecks.full.timeoutMinutes + 10;

/** How many operator actions a cluster's guard state keeps (the item stays far below 400 KB). */
export const OPERATOR_LOG_LIMIT = 100;

/**
 * Appends an operator action to the cluster's log, keeping the newest {@link OPERATOR_LOG_LIMIT}.
 *
 * @example
 * withOperatorLog(state, { at, by: 'alice', action: 'pause', reason: 'drain week' }).operatorLog?.at(-1)?.by; // 'alice'
 */
export const withOperatorLog = (state: ClusterGuardState, entry: OperatorLogEntry): ClusterGuardState => ({
  ...state,
  operatorLog: [...(state.operatorLog ?? []), entry].slice(-OPERATOR_LOG_LIMIT),
});
