/**
 * NVIDIA Xid → class/action table (docs/FACTS.md xid.table: a proposal).
 *
 * HyperPod publishes no Xid → reboot/replace table, so we keep our own, as data: operators and
 * reviewers read (and later override) rows, not branches. Meanings follow NVIDIA's Xid catalog;
 * HyperPod has no per-GPU reset, so NVIDIA's `RESET_GPU` bucket becomes a node reboot here.
 */
import type { FaultClass, RemediationAction } from '#domain/types.ts';

/** The classes an Xid can fall into (an Xid is never `unknown` or `healthy`). */
export type XidClass = Extract<FaultClass, 'fatal' | 'recoverable' | 'contextual' | 'informational'>;

export interface XidRule {
  /** Xid codes sharing this verdict. */
  codes: readonly number[];
  /** What the driver reports (NVIDIA catalog, summarised). */
  meaning: string;
  class: XidClass;
  action: RemediationAction;
  /** Why this verdict: the evidence from §6.2, shortened. */
  reason: string;
}

export interface XidVerdict {
  class: XidClass;
  action: RemediationAction;
  reason: string;
}

/** Rows of the table (docs/FACTS.md xid.table) in order. A code appears in at most one row (a unit test checks). */
export const XID_RULES: readonly XidRule[] = [
  {
    codes: [79],
    meaning: 'GPU has fallen off the bus',
    class: 'fatal',
    action: 'replace',
    reason: 'device unreachable; known-fatal in peer systems and in the EKS node monitoring agent set',
  },
  {
    codes: [48],
    meaning: 'double-bit (uncorrectable) ECC error',
    class: 'fatal',
    action: 'replace',
    reason: 'HBM faults are 17% of Llama 3 interruptions; EKS node monitoring agent set',
  },
  {
    codes: [95],
    meaning: 'uncontained ECC error',
    class: 'fatal',
    action: 'replace',
    reason: 'all work on the GPU is affected; dedupe hard, one fault can log thousands of lines',
  },
  {
    codes: [64],
    meaning: 'row-remap / page-retirement recording failed',
    class: 'fatal',
    action: 'replace',
    reason: 'memory can no longer be repaired in place',
  },
  {
    codes: [119, 120],
    meaning: 'GSP RPC timeout / GSP error',
    class: 'fatal',
    action: 'replace',
    reason: 'GPU system processor faults (4% of Llama 3 interruptions); known-fatal in peer systems',
  },
  {
    codes: [74],
    meaning: 'NVLink error',
    class: 'fatal',
    action: 'replace',
    reason: 'HyperPod marks it UnschedulablePendingReplacement; beware cascades across one NVLink domain',
  },
  {
    codes: [63],
    meaning: 'row-remap / page-retirement recorded',
    class: 'recoverable',
    action: 'reboot',
    reason: 'the remap applies on GPU reset: reboot at a safe point, then verify; a repeat replaces',
  },
  {
    codes: [94],
    meaning: 'contained ECC error',
    class: 'recoverable',
    action: 'reboot',
    reason: 'only the affected process died; a reset applies the remap; a repeat replaces',
  },
  {
    codes: [62],
    meaning: 'internal micro-controller halt',
    class: 'recoverable',
    action: 'reboot',
    reason: 'a reboot usually clears it; verify afterwards',
  },
  {
    codes: [73],
    meaning: 'NVLink error text (workshop injection)',
    class: 'recoverable',
    action: 'reboot',
    reason: 'HyperPod marks the workshop line UnschedulablePendingReboot',
  },
  {
    codes: [71],
    meaning: 'NVLink fatal error text (HMA documentation example)',
    class: 'recoverable',
    action: 'reboot',
    reason: 'HMA maps the documented line to NvidiaErrorReboot',
  },
  {
    codes: [46, 54, 109, 110, 136, 140, 142, 143, 151, 155, 156, 158],
    meaning: 'other codes in the EKS node monitoring agent well-known set',
    class: 'recoverable',
    action: 'reboot',
    reason: 'node-level until proven otherwise: reboot, verify, replace on failed verification or repeat',
  },
  {
    codes: [13, 31, 43],
    meaning: 'graphics engine exception / GPU memory page fault / GPU stopped processing',
    class: 'contextual',
    action: 'ignore',
    reason: 'usually the application (bad kernel, illegal address); HMA labels Xid 31 XidUserAppError',
  },
  {
    codes: [45],
    meaning: 'preemptive cleanup after an earlier error',
    class: 'contextual',
    action: 'ignore',
    reason: 'a consequence, not a cause: look for the root-cause Xid on the same node',
  },
  {
    codes: [92],
    meaning: 'high single-bit ECC error rate',
    class: 'informational',
    action: 'observe',
    reason: 'emitted as an event only; trend it',
  },
];

/** Verdict for any code not in the table: record and trend, never act on an unlisted code. */
export const UNKNOWN_XID_VERDICT: XidVerdict = {
  class: 'informational',
  action: 'observe',
  reason: 'Xid not in the table: observe and trend',
};

const RULE_BY_CODE: ReadonlyMap<number, XidRule> = new Map(
  XID_RULES.flatMap((rule) => rule.codes.map((code) => [code, rule] as const)),
);

/**
 * Classifies one NVIDIA Xid code by {@link XID_RULES}; unlisted codes are informational/observe.
 *
 * @example
 * classifyXid(79); // { class: 'fatal', action: 'replace', reason: 'device unreachable; …' }
 * classifyXid(999); // { class: 'informational', action: 'observe', reason: 'Xid not in the table: …' }
 */
export const classifyXid = (code: number): XidVerdict => {
  const rule = RULE_BY_CODE.get(code);
  if (!rule) return { ...UNKNOWN_XID_VERDICT };
  return { class: rule.class, action: rule.action, reason: rule.reason };
};
