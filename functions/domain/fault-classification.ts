/**
 * Turns any trigger into a {@link Fault}: what is wrong and what the evidence alone recommends.
 * History and guardrails come later (remediation-policy.ts, guardrails.ts), so this stays a pure
 * reading of one piece of evidence.
 *
 * Every HyperPod string here is free text or an open enum (docs/FACTS.md events.node-health-fault-type-in-text, labels.*): nothing
 * throws on an unknown value, unknown values land in the `unknown` class, and the raw strings are
 * kept as evidence so a person can see what the classification was based on.
 */

import { neuronAlarmVerdict, neuronConditionVerdict, neuronErrorInText } from '#domain/neuron-faults.ts';
import type {
  AlarmTrigger,
  ClusterEventTrigger,
  Fault,
  FaultClass,
  FaultSeverity,
  ManualTrigger,
  NodeHealthTrigger,
  NodeLabelsTrigger,
  RemediationAction,
  SweepTrigger,
  Trigger,
} from '#domain/types.ts';
import { classifyXid } from '#domain/xid-table.ts';

// ---------------------------------------------------------------- keys and names

/** HyperPod's node health label (docs/FACTS.md labels.node-health-status). */
export const NODE_HEALTH_STATUS_LABEL = 'sagemaker.amazonaws.com/node-health-status';
/** HyperPod's deep-health-check label (§4.2): `InProgress | Passed | Failed`. */
export const DEEP_HEALTH_CHECK_STATUS_LABEL = 'sagemaker.amazonaws.com/deep-health-check-status';
/** Fault category labels. The key spelling is unconfirmed (§4.2), so every variant is read. */
export const FAULT_TYPE_LABELS = [
  'sagemaker.amazonaws.com/fault-types',
  'sagemaker.amazonaws.com/fault-type',
  'fault-types',
  'fault-type',
] as const;
/** Fault detail labels, all spellings (§4.2). */
export const FAULT_REASON_LABELS = [
  'sagemaker.amazonaws.com/fault-reasons',
  'sagemaker.amazonaws.com/fault-reason',
  'fault-reasons',
  'fault-reason',
] as const;
/** JSON annotation (timestamp, type, reason, message) written by HyperPod tooling [third-party]. */
export const FAULT_DETAILS_ANNOTATION = 'sagemaker.amazonaws.com/fault-details';
/** Alarm tag an operator sets to say what an alarm means: `replace` or `reboot`. */
export const ALARM_FAULT_TAG = 'hyperpod-resilience.io/fault';

/** The `node-health-status` values that name HyperPod's own verdict (§4.1). */
const PENDING_STATUSES: ReadonlySet<string> = new Set([
  'UnschedulablePendingReboot',
  'UnschedulablePendingReplacement',
]);

/** Kubernetes' own node conditions: not fault types, so they are not read as HMA verdicts. */
const STANDARD_CONDITIONS = new Set([
  'Ready',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
]);

// ---------------------------------------------------------------- verdict helpers

interface Verdict {
  class: FaultClass;
  action: RemediationAction;
  code: string;
}

const verdict = (faultClass: FaultClass, action: RemediationAction, code: string): Verdict => ({
  class: faultClass,
  action,
  code,
});

/** How far an action goes: used to let a second piece of evidence strengthen, never weaken, a verdict. */
const ACTION_RANK: Record<RemediationAction, number> = { ignore: 0, observe: 1, reboot: 2, replace: 3 };

/** The verdict whose action goes further; ties keep the first (the more authoritative source). */
const stronger = (first: Verdict, second: Verdict): Verdict =>
  ACTION_RANK[second.action] > ACTION_RANK[first.action] ? second : first;

/** Raises `current` to `target`'s class and action when that goes further, keeping the code. */
const strengthen = (current: Verdict, faultClass: FaultClass, action: RemediationAction): Verdict =>
  ACTION_RANK[action] > ACTION_RANK[current.action] ? { ...current, class: faultClass, action } : current;

const SEVERITY: Record<FaultClass, FaultSeverity> = {
  fatal: 'critical',
  recoverable: 'high',
  unknown: 'medium',
  contextual: 'low',
  informational: 'info',
  healthy: 'info',
};

/**
 * Severity of a fault class, for notifications and metrics.
 *
 * @example
 * severityOf('fatal'); // 'critical'
 */
export const severityOf = (faultClass: FaultClass): FaultSeverity => SEVERITY[faultClass];

const toFault = (source: Trigger['kind'], v: Verdict, evidence: (string | undefined)[]): Fault => ({
  source,
  class: v.class,
  code: v.code,
  severity: severityOf(v.class),
  recommendedAction: v.action,
  evidence: [
    ...new Set(evidence.filter((line): line is string => typeof line === 'string' && line.trim() !== '')),
  ],
});

// ---------------------------------------------------------------- Xid and HMA fault types

/**
 * Matches `Xid 79`, `Xid: 79`, `XID=79`, `xid-79`, `Xid79` and the kernel's
 * `NVRM: Xid (PCI:0000:b7:00): 79, pid=…`. The look-arounds keep `XidUserAppError` (an HMA
 * reason, not a code) from matching.
 */
const XID_PATTERN = /(?<![a-z])xid(?![a-z])[\s:=_-]*(?:\([^)]*\)[\s:=,_-]*)?(\d{1,4})(?!\d)/i;

/**
 * First NVIDIA Xid code mentioned in free text, if any.
 *
 * @example
 * extractXid('NVRM: Xid (PCI:0000:b7:00): 74, pid=1234, NVLink: fatal error'); // 74
 * extractXid('fault type XidUserAppError'); // undefined
 */
export const extractXid = (text: string): number | undefined => {
  const match = XID_PATTERN.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
};

const xidVerdict = (code: number): Verdict => {
  const { class: faultClass, action } = classifyXid(code);
  return verdict(faultClass, action, `xid-${code}`);
};

/** HMA fault types with a documented or reported outcome (docs/FACTS.md events.node-health-fault-type-in-text, xid.table). */
const HMA_FAULT_TYPES: Record<string, Omit<Verdict, 'code'>> = {
  NvidiaErrorTerminate: { class: 'fatal', action: 'replace' },
  NvidiaErrorReboot: { class: 'recoverable', action: 'reboot' },
  XidUserAppError: { class: 'contextual', action: 'ignore' },
};

const isKnownFaultType = (faultType: string): boolean => Object.hasOwn(HMA_FAULT_TYPES, faultType);

/** A fault type HMA flagged but we have no row for: the node is suspect, a reboot is the cautious first step. */
const faultTypeVerdict = (faultType: string): Verdict => {
  const known = isKnownFaultType(faultType) ? HMA_FAULT_TYPES[faultType] : undefined;
  return known ? { ...known, code: faultType } : verdict('unknown', 'reboot', faultType);
};

/**
 * The device-level evidence in free text: an NVIDIA Xid and a Neuron hardware error
 * (neuron-faults.ts); when both appear, the stronger one.
 */
const deviceVerdict = (xid: number | undefined, neuron: Verdict | undefined): Verdict | undefined => {
  const fromXid = xid === undefined ? undefined : xidVerdict(xid);
  if (fromXid && neuron) return stronger(fromXid, neuron);
  return fromXid ?? neuron;
};

/**
 * Combines a fault type and device-level evidence (an Xid, a Neuron error). A known HMA verdict
 * is authoritative, so device evidence may only strengthen it; an unrecognised fault type name
 * (every Neuron fault type: HyperPod publishes none) says less than a concrete device error, so
 * the device error decides.
 */
const combine = (faultType: string | undefined, device: Verdict | undefined, fallback: Verdict): Verdict => {
  const fromType = faultType === undefined ? undefined : faultTypeVerdict(faultType);
  if (fromType && device) return isKnownFaultType(fromType.code) ? stronger(fromType, device) : device;
  return device ?? fromType ?? fallback;
};

// ---------------------------------------------------------------- per trigger kind

const FAULT_TYPE_IN_REASON = /fault type (\w+)/i;

const classifyNodeHealth = (t: NodeHealthTrigger): Fault => {
  const evidence = [
    `HealthStatus=${t.healthStatus}`,
    t.healthStatusReason,
    t.recommendation,
    t.repairAction === undefined ? undefined : `RepairAction=${t.repairAction}`,
  ];
  // HMA also reports a node that turned healthy again: that is not a fault (the spelling of the
  // healthy status is unconfirmed, so anything but Unhealthy counts as healthy).
  if (t.healthStatus.trim().toLowerCase() !== 'unhealthy') {
    return toFault(t.kind, verdict('healthy', 'ignore', t.healthStatus.trim() || 'healthy'), evidence);
  }
  const reason = t.healthStatusReason ?? '';
  const faultType = FAULT_TYPE_IN_REASON.exec(reason)?.[1];
  const text = `${reason} ${t.recommendation ?? ''}`;
  const device = deviceVerdict(extractXid(text), neuronErrorInText(text));
  let v = combine(faultType, device, verdict('unknown', 'reboot', 'unhealthy'));
  // AWS asking for a replacement is a hardware verdict even when the fault type says less.
  if (/replace/i.test(t.recommendation ?? '')) v = strengthen(v, 'fatal', 'replace');
  // RepairAction is free text (only `None` is documented); `Replace`/`Reboot` may only strengthen.
  const repair = t.repairAction?.trim().toLowerCase();
  if (repair === 'replace') v = strengthen(v, 'fatal', 'replace');
  if (repair === 'reboot') v = strengthen(v, 'recoverable', 'reboot');
  return toFault(t.kind, v, evidence);
};

const classifyClusterEvent = (t: ClusterEventTrigger): Fault => {
  const evidence = [
    t.description,
    t.failureMessage,
    `EventLevel=${t.level ?? '(none)'}`,
    `ResourceType=${t.resourceType}`,
  ];
  const level = t.level?.trim().toLowerCase();
  if (level !== 'error') {
    return toFault(
      t.kind,
      verdict('informational', 'observe', `cluster-event-${level || 'unleveled'}`),
      evidence,
    );
  }
  const text = `${t.failureMessage ?? ''} ${t.description ?? ''}`;
  // A replacement that found no capacity says nothing about the node itself: nothing to fix there.
  if (t.resourceType.toLowerCase() === 'instance' && /capacity/i.test(text)) {
    return toFault(t.kind, verdict('informational', 'observe', 'insufficient-capacity'), evidence);
  }
  // Description templates are hints only (§1.4): an Error is worth recording, not acting on alone.
  return toFault(t.kind, verdict('unknown', 'observe', 'cluster-event-error'), evidence);
};

const classifyAlarm = (t: AlarmTrigger): Fault => {
  const tag = t.tags[ALARM_FAULT_TAG];
  const evidence = [
    `alarm ${t.alarmName} is ${t.state}`,
    t.metricName === undefined ? undefined : `metric ${t.namespace ?? '(none)'}/${t.metricName}`,
    t.reason,
    tag === undefined ? undefined : `${ALARM_FAULT_TAG}=${tag}`,
  ];
  const state = t.state.trim().toUpperCase();
  if (state === 'OK') return toFault(t.kind, verdict('healthy', 'ignore', 'alarm-ok'), evidence);
  // INSUFFICIENT_DATA is missing data, not proof of a fault (an agent restart looks the same).
  if (state !== 'ALARM') {
    return toFault(t.kind, verdict('informational', 'observe', `alarm-${state.toLowerCase()}`), evidence);
  }
  // The operator's tag is explicit configuration, so it wins over what the metric name suggests.
  const tagged = tag?.trim().toLowerCase();
  if (tagged === 'replace')
    return toFault(t.kind, verdict('fatal', 'replace', 'alarm-tag-replace'), evidence);
  if (tagged === 'reboot')
    return toFault(t.kind, verdict('recoverable', 'reboot', 'alarm-tag-reboot'), evidence);
  // Neuron health signals: the NPD recovery agent's namespace, neuron-monitor's ECC counters.
  const neuron = neuronAlarmVerdict(t.namespace, t.metricName);
  if (neuron) return toFault(t.kind, neuron, evidence);
  const metric = t.metricName?.toLowerCase() ?? '';
  if (metric.includes('unschedulable_pending_replacement')) {
    return toFault(t.kind, verdict('fatal', 'replace', 'UnschedulablePendingReplacement'), evidence);
  }
  if (metric.includes('pending_reboot')) {
    return toFault(t.kind, verdict('recoverable', 'reboot', 'UnschedulablePendingReboot'), evidence);
  }
  // An alarm someone routed to us fired: the node is suspect, a reboot is the cautious first step.
  return toFault(t.kind, verdict('unknown', 'reboot', 'alarm'), evidence);
};

/** Strings inside the fault-details annotation; garbage is kept as text (it may still name an Xid). */
const faultDetailTexts = (raw: string): { types: string[]; texts: string[] } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { types: [], texts: [raw] };
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const types: string[] = [];
  const texts: string[] = [raw];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as Record<string, unknown>;
    if (typeof record.type === 'string') types.push(record.type);
    for (const key of ['reason', 'message'] as const) {
      const value = record[key];
      if (typeof value === 'string') texts.push(value);
    }
  }
  return { types, texts };
};

/** Picks the strongest known HMA fault type among candidates, else the first one seen. */
const pickFaultType = (candidates: string[]): string | undefined => {
  const known = candidates.filter(isKnownFaultType);
  if (known.length === 0) return candidates[0];
  return known.map(faultTypeVerdict).reduce(stronger).code;
};

const classifyNodeLabels = (t: NodeLabelsTrigger): Fault => {
  const status = t.labels[NODE_HEALTH_STATUS_LABEL];
  const dhc = t.labels[DEEP_HEALTH_CHECK_STATUS_LABEL];
  const evidence: (string | undefined)[] = [];
  const typeCandidates: string[] = [];
  const xidTexts: string[] = [];
  const neuronVerdicts: Verdict[] = [];

  if (status !== undefined) evidence.push(`${NODE_HEALTH_STATUS_LABEL}=${status}`);
  if (dhc !== undefined) evidence.push(`${DEEP_HEALTH_CHECK_STATUS_LABEL}=${dhc}`);
  for (const key of FAULT_TYPE_LABELS) {
    const value = t.labels[key];
    if (value === undefined) continue;
    evidence.push(`${key}=${value}`);
    xidTexts.push(value);
    // Label values cannot hold commas or spaces; a plural label may still join several types.
    typeCandidates.push(...value.split(/[^A-Za-z0-9]+/).filter((part) => part !== ''));
  }
  for (const key of FAULT_REASON_LABELS) {
    const value = t.labels[key];
    if (value === undefined) continue;
    evidence.push(`${key}=${value}`);
    xidTexts.push(value);
  }
  const details = t.annotations[FAULT_DETAILS_ANNOTATION];
  if (details !== undefined) {
    evidence.push(`${FAULT_DETAILS_ANNOTATION}=${details}`);
    const { types, texts } = faultDetailTexts(details);
    typeCandidates.push(...types);
    xidTexts.push(...texts);
  }
  for (const condition of t.conditions) {
    if (STANDARD_CONDITIONS.has(condition.type) || condition.status.toLowerCase() !== 'true') continue;
    evidence.push(
      `condition ${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}${condition.message ? `: ${condition.message}` : ''}`,
    );
    xidTexts.push(condition.reason ?? '', condition.message ?? '');
    // Conditions come from many agents (node-problem-detector, …): only HMA's own names are verdicts,
    // and the Neuron node problem detector's NeuronHealth condition (neuron-faults.ts).
    if (isKnownFaultType(condition.type)) typeCandidates.push(condition.type);
    const neuron = neuronConditionVerdict(condition);
    if (neuron) neuronVerdicts.push(neuron);
  }

  const faultType = pickFaultType(typeCandidates);
  const allText = xidTexts.join(' ');
  const inText = neuronErrorInText(allText);
  if (inText) neuronVerdicts.push(inText);
  const neuron = neuronVerdicts.length > 0 ? neuronVerdicts.reduce(stronger) : undefined;
  const device = deviceVerdict(extractXid(allText), neuron);

  // A failed deep health check "requires a reboot or replacement" (HyperPod node-labels page):
  // the node-health-status label beside it says which (the switch below). Without a pending
  // label nobody said which, so the ladder applies: reboot, verify, replace if the node is still
  // bad (remediation-policy.ts); a fault type or Xid on the node may only strengthen that.
  const dhcFailed = dhc?.trim().toLowerCase() === 'failed';
  if (dhcFailed && !PENDING_STATUSES.has(status ?? '')) {
    const base = verdict('unknown', 'reboot', 'DeepHealthCheckFailed');
    return toFault(t.kind, stronger(base, combine(faultType, device, base)), evidence);
  }
  switch (status) {
    case 'UnschedulablePendingReplacement':
      return toFault(t.kind, verdict('fatal', 'replace', status), evidence);
    case 'UnschedulablePendingReboot': {
      const base = verdict('recoverable', 'reboot', status);
      return toFault(t.kind, stronger(base, combine(faultType, device, base)), evidence);
    }
    case 'Schedulable':
      // HyperPod says the node is fine; leftover fault labels are history, not a new fault.
      return toFault(t.kind, verdict('healthy', 'ignore', status), evidence);
    case 'Unschedulable':
      // A deep health check is running; HyperPod acts on its result, we only note it.
      return toFault(t.kind, verdict('informational', 'ignore', status), evidence);
    default: {
      const fallback =
        status === undefined
          ? verdict('healthy', 'ignore', 'no-fault-signal')
          : verdict('unknown', 'observe', status);
      return toFault(t.kind, combine(faultType, device, fallback), evidence);
    }
  }
};

const classifyManual = (t: ManualTrigger): Fault => {
  const evidence = [t.reason, `requested by ${t.requestedBy}`, `action=${t.action}`];
  // A person chose the action; the class stays unknown because nobody diagnosed the hardware.
  const action: RemediationAction = t.action === 'auto' ? 'reboot' : t.action;
  return toFault(t.kind, verdict('unknown', action, 'manual'), evidence);
};

const SWEEP_FINDINGS: Record<string, Omit<Verdict, 'code'>> = {
  'instance-failure': { class: 'fatal', action: 'replace' },
  'accelerators-missing': { class: 'recoverable', action: 'reboot' },
  /** The name before Trainium support: an execution started by an older sweep still reads the same. */
  'gpu-missing': { class: 'recoverable', action: 'reboot' },
  'not-ready': { class: 'recoverable', action: 'reboot' },
};

const classifySweep = (t: SweepTrigger): Fault => {
  const evidence = [`finding=${t.finding}`, t.detail];
  const known = Object.hasOwn(SWEEP_FINDINGS, t.finding) ? SWEEP_FINDINGS[t.finding] : undefined;
  return toFault(
    t.kind,
    known ? { ...known, code: t.finding } : verdict('unknown', 'reboot', t.finding),
    evidence,
  );
};

/**
 * Classifies a trigger into a fault: class, stable code, severity, the action the evidence
 * recommends (before history and guardrails) and the raw evidence lines.
 *
 * @example
 * classifyFault({
 *   kind: 'node-health', eventId: 'e1', time: '2026-01-01T00:00:00Z', clusterName: 'c1',
 *   clusterArn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456', instanceId: 'i-0123456789abcdef0',
 *   healthStatus: 'Unhealthy',
 *   healthStatusReason: 'HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node and is unhealthy.',
 * });
 * // → { source: 'node-health', class: 'fatal', code: 'NvidiaErrorTerminate', severity: 'critical', recommendedAction: 'replace', evidence: [...] }
 */
export const classifyFault = (trigger: Trigger): Fault => {
  switch (trigger.kind) {
    case 'node-health':
      return classifyNodeHealth(trigger);
    case 'cluster-event':
      return classifyClusterEvent(trigger);
    case 'alarm':
      return classifyAlarm(trigger);
    case 'node-labels':
      return classifyNodeLabels(trigger);
    case 'manual':
      return classifyManual(trigger);
    case 'sweep':
      return classifySweep(trigger);
  }
};
