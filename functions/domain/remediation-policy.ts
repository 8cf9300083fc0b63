/**
 * What to do about one fault on one node, given that node's history: the evidence's
 * recommendation (fault-classification.ts) refined by the per-node rules of the policy
 * (repeat offender, reboot limit, escalation after a failed attempt). Cluster-wide safety
 * (breaker, parallelism, pause, opt-out) is guardrails.ts, applied afterwards.
 */
import type { Policy } from '#contracts/config/policy.ts';
import { DAY_MS, HOUR_MS, isWithinWindow } from '#domain/time.ts';
import type { Fault, FaultClass, NodeHistory, RemediationAction } from '#domain/types.ts';

/** Stable reason codes of {@link decideRemediation}: logged, counted and stored as-is. */
export type RemediationReason =
  | 'node-healthy'
  | 'contextual-fault'
  | 'informational-fault'
  | 'observe-recommended'
  | 'ignore-recommended'
  | 'replace-did-not-fix'
  | 'reboot-did-not-fix'
  | 'fatal-fault'
  | 'replace-recommended'
  | 'repeat-offender'
  | 'reboot-limit-reached'
  | 'recoverable-fault'
  | 'unknown-fault';

export interface RemediationDecision {
  action: RemediationAction;
  reason: RemediationReason;
  /** Set when the policy turned a reboot into a replacement. */
  escalatedFrom?: RemediationAction;
}

export interface DecideRemediationInput {
  fault: Fault;
  history: NodeHistory;
  policy: Policy;
  now: string;
  /** The action this incident already tried and that did not bring the node back. */
  previousAttempt?: 'reboot' | 'replace';
  /**
   * The current incident. When the handler has already recorded this fault in `history`, the
   * entry is not counted a second time (the current fault is always counted once).
   */
  incidentId?: string;
}

/** Classes that say something about the hardware, so they count toward the repeat-offender rule. */
const HARDWARE_CLASSES: ReadonlySet<string> = new Set<FaultClass>(['fatal', 'recoverable', 'unknown']);

/** Counts distinct incidents among entries inside the window (a retried step must not count twice). */
const distinctIncidentsInWindow = (
  entries: readonly { at: string; incidentId: string }[],
  now: string,
  windowMs: number,
): Set<string> =>
  new Set(entries.filter((e) => isWithinWindow(e.at, now, windowMs)).map((e) => e.incidentId));

/**
 * Faults of this node inside the repeat-offender window, counting each incident once and the
 * current fault too (our repeat-offender rule, README "Safety limits": a second hardware fault within the window replaces).
 *
 * @example
 * faultCountInWindow(history, policy, '2026-01-08T00:00:00Z', 'inc-2'); // 2 when inc-1 was 3 days earlier
 */
export const faultCountInWindow = (
  history: NodeHistory,
  policy: Policy,
  now: string,
  incidentId?: string,
): number => {
  const earlier = distinctIncidentsInWindow(
    history.faults.filter((f) => HARDWARE_CLASSES.has(f.faultClass)),
    now,
    policy.repeatOffender.windowDays * DAY_MS,
  );
  if (incidentId !== undefined) earlier.delete(incidentId);
  return earlier.size + 1;
};

/**
 * Reboots of this node inside the per-node reboot window, each incident once.
 *
 * @example
 * rebootCountInWindow({ faults: [], reboots: [{ at: '2026-01-01T00:00:00Z', incidentId: 'inc-1' }], replacements: [] },
 *   policy, '2026-01-01T12:00:00Z'); // 1
 */
export const rebootCountInWindow = (history: NodeHistory, policy: Policy, now: string): number =>
  distinctIncidentsInWindow(history.reboots, now, policy.perNode.rebootWindowHours * HOUR_MS).size;

/**
 * Decides the node-level action for a fault. Rules, first match wins:
 * 1. healthy / contextual → ignore; informational → observe; evidence that only asks to
 *    observe or ignore is followed (nothing to escalate);
 * 2. a replacement that did not fix the node → replace again, and the reason tells the handler
 *    to escalate to people;
 * 3. a reboot that did not fix it → replace;
 * 4. fatal → replace at once (no diagnosis needed); other evidence recommending replace → replace;
 * 5. repeat offender (≥ `repeatOffender.faults` hardware faults within `windowDays`, this one
 *    included) → replace instead of reboot;
 * 6. per-node reboot limit reached within `rebootWindowHours` → replace instead of reboot;
 * 7. otherwise reboot (then verify).
 *
 * @example
 * decideRemediation({ fault, history: { faults: [], reboots: [], replacements: [] }, policy, now });
 * // → { action: 'reboot', reason: 'recoverable-fault' } for a first NvidiaErrorReboot
 */
export const decideRemediation = (input: DecideRemediationInput): RemediationDecision => {
  const { fault, history, policy, now, previousAttempt, incidentId } = input;

  if (fault.class === 'healthy') return { action: 'ignore', reason: 'node-healthy' };
  if (fault.class === 'contextual') return { action: 'ignore', reason: 'contextual-fault' };
  if (fault.class === 'informational') return { action: 'observe', reason: 'informational-fault' };
  if (fault.recommendedAction === 'observe') return { action: 'observe', reason: 'observe-recommended' };
  if (fault.recommendedAction === 'ignore') return { action: 'ignore', reason: 'ignore-recommended' };

  if (previousAttempt === 'replace') return { action: 'replace', reason: 'replace-did-not-fix' };
  if (previousAttempt === 'reboot') {
    return { action: 'replace', reason: 'reboot-did-not-fix', escalatedFrom: 'reboot' };
  }

  if (fault.class === 'fatal') return { action: 'replace', reason: 'fatal-fault' };
  if (fault.recommendedAction === 'replace') return { action: 'replace', reason: 'replace-recommended' };

  if (faultCountInWindow(history, policy, now, incidentId) >= policy.repeatOffender.faults) {
    return { action: 'replace', reason: 'repeat-offender', escalatedFrom: 'reboot' };
  }
  if (rebootCountInWindow(history, policy, now) >= policy.perNode.maxReboots) {
    return { action: 'replace', reason: 'reboot-limit-reached', escalatedFrom: 'reboot' };
  }
  return { action: 'reboot', reason: fault.class === 'recoverable' ? 'recoverable-fault' : 'unknown-fault' };
};

/** The longest window any per-node rule looks back over: older entries can never matter again. */
const retentionMs = (policy: Policy): number =>
  Math.max(policy.repeatOffender.windowDays * DAY_MS, policy.perNode.rebootWindowHours * HOUR_MS);

/** Drops entries no rule can see any more, so the ledger item stays small on a flapping node. */
const trim = (history: NodeHistory, now: string, policy: Policy): NodeHistory => {
  const keep = <T extends { at: string }>(entries: readonly T[]): T[] =>
    entries.filter((e) => isWithinWindow(e.at, now, retentionMs(policy)));
  return {
    ...history,
    faults: keep(history.faults),
    reboots: keep(history.reboots),
    replacements: keep(history.replacements),
  };
};

/**
 * Appends a fault to a node's history and trims entries older than the longest policy window.
 * Recording the same (incident, class, code) twice is a no-op, so a retried step is safe.
 *
 * @example
 * recordFault(history, { at: now, faultClass: 'recoverable', code: 'xid-94', incidentId: 'inc-1' }, now, policy);
 */
export const recordFault = (
  history: NodeHistory,
  entry: NodeHistory['faults'][number],
  now: string,
  policy: Policy,
): NodeHistory => {
  const seen = history.faults.some(
    (f) => f.incidentId === entry.incidentId && f.faultClass === entry.faultClass && f.code === entry.code,
  );
  return trim({ ...history, faults: seen ? history.faults : [...history.faults, entry] }, now, policy);
};

/**
 * Appends a reboot or replacement to a node's history (once per incident) and trims old entries.
 *
 * @example
 * recordRemediation(history, 'reboot', 'inc-1', '2026-01-01T00:00:00Z', policy);
 */
export const recordRemediation = (
  history: NodeHistory,
  kind: 'reboot' | 'replace',
  incidentId: string,
  now: string,
  policy: Policy,
): NodeHistory => {
  const key = kind === 'reboot' ? 'reboots' : 'replacements';
  const entries = history[key];
  const next = entries.some((e) => e.incidentId === incidentId)
    ? entries
    : [...entries, { at: now, incidentId }];
  return trim({ ...history, [key]: next }, now, policy);
};
