/**
 * Kubernetes Events that tell operators, in `kubectl describe node|pytorchjob|…`, what we did to
 * an object and why: pure builders of `events.k8s.io/v1` Event bodies (docs/facts/kubernetes-events.md).
 *
 * - Reasons are UpperCamelCase constants; the note is short and always names the incident.
 * - The Event name is deterministic per (incident, reason, object): a retried task creates the
 *   same name, the API server answers AlreadyExists, and no second Event appears. We never write
 *   `series` (one Event per incident and action; nothing repeats).
 * - An Event about a cluster-scoped object (a Node) lives in `default`; one about a namespaced
 *   object in that object's namespace (`events.namespace-of-cluster-scoped`).
 * - `regarding.uid` is the object's uid, which `kubectl describe` selects on (`events.describe-selects-uid`).
 */
import { stableHash } from './health-check-job.ts';
import type { KubeObject } from './kube-types.ts';
import type { SkipReason, WorkloadRef } from './types.ts';

/** `reportingController`: a qualified name (`events.required-fields`). */
export const REPORTING_CONTROLLER = 'hyperpod-resilience.io/node-recovery';

/** The annotation that carries the incident id on each Event we write (for `kubectl get events -o json`). */
export const EVENT_INCIDENT_ANNOTATION = 'hyperpod-resilience.io/incident';

export const EventReasons = {
  NodeQuarantined: 'NodeQuarantined',
  WorkloadSuspended: 'WorkloadSuspended',
  WorkloadResumed: 'WorkloadResumed',
  NodeRestored: 'NodeRestored',
  RemediationSkipped: 'RemediationSkipped',
  IncidentEscalated: 'IncidentEscalated',
  SparePromoted: 'SparePromoted',
} as const;
export type EventReason = (typeof EventReasons)[keyof typeof EventReasons];

/** `action` (machine-readable, ≤ 128) per reason. */
const ACTIONS: Readonly<Record<EventReason, string>> = {
  NodeQuarantined: 'Quarantine',
  WorkloadSuspended: 'Suspend',
  WorkloadResumed: 'Resume',
  NodeRestored: 'LiftQuarantine',
  RemediationSkipped: 'SkipRemediation',
  IncidentEscalated: 'Escalate',
  SparePromoted: 'PromoteSpare',
};

/** Limits of events.k8s.io/v1 validation (pkg/apis/core/validation/events.go), in bytes. */
export const NOTE_LIMIT_BYTES = 1024;
const FIELD_LIMIT = 128;
/** An object name is a DNS subdomain of at most 253 characters; ours is `<object>.<16 hex>`. */
const MAX_NAME_PREFIX = 253 - 17;

export interface EventObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects (Node). */
  namespace?: string;
  uid?: string;
}

/** An events.k8s.io/v1 Event, as plain JSON. */
export interface KubeEvent {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; annotations: Record<string, string> };
  /** RFC 3339 with exactly six fractional digits (`events.eventtime-microseconds`). */
  eventTime: string;
  type: 'Normal' | 'Warning';
  reason: EventReason;
  action: string;
  note: string;
  regarding: EventObjectRef;
  reportingController: string;
  reportingInstance: string;
}

export interface EventInput {
  reason: EventReason;
  type: KubeEvent['type'];
  regarding: EventObjectRef;
  incidentId: string;
  /** What happened, short; the builder prefixes the incident and cuts the note to 1 KiB. */
  message: string;
  /** ISO time. */
  at: string;
  /** The task that writes it (`QuarantineNode`): `reportingInstance`. */
  instance: string;
}

/** Cuts text to at most `limit` UTF-8 bytes without splitting a character. */
export const truncateUtf8 = (text: string, limit: number): string => {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= limit) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > limit - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}...`;
};

/** `2026-01-02T03:04:05.678Z` → `2026-01-02T03:04:05.678000Z` (MicroTime takes six digits only). */
export const toMicroTime = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a time: ${iso}`);
  return `${date.toISOString().slice(0, -1)}000Z`;
};

/** The deterministic Event name: `<object name>.<16 hex of incident, reason and object>`. */
export const eventName = (reason: EventReason, regarding: EventObjectRef, incidentId: string): string => {
  const prefix = regarding.name.slice(0, MAX_NAME_PREFIX).replace(/[^a-z0-9]+$/, '') || 'object';
  const key = [incidentId, reason, regarding.kind, regarding.namespace ?? '', regarding.name].join('\n');
  return `${prefix}.${stableHash(key)}`;
};

/**
 * One Event about one object.
 *
 * @example
 * buildEvent({ reason: 'NodeQuarantined', type: 'Warning', regarding: nodeRef(node), incidentId: 'inc-1',
 *   message: 'cordoned and tainted (NvidiaErrorTerminate)', at: now, instance: 'QuarantineNode' });
 * // → { metadata: { name: 'ip-10-1-2-3.<hex>', namespace: 'default', … }, note: 'Incident inc-1: cordoned …', … }
 */
export const buildEvent = (input: EventInput): KubeEvent => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: {
    name: eventName(input.reason, input.regarding, input.incidentId),
    namespace: input.regarding.namespace ?? 'default',
    annotations: { [EVENT_INCIDENT_ANNOTATION]: input.incidentId },
  },
  eventTime: toMicroTime(input.at),
  type: input.type,
  reason: input.reason,
  action: ACTIONS[input.reason],
  note: truncateUtf8(`Incident ${input.incidentId}: ${input.message}`, NOTE_LIMIT_BYTES),
  regarding: input.regarding,
  reportingController: REPORTING_CONTROLLER,
  reportingInstance: truncateUtf8(input.instance, FIELD_LIMIT),
});

/** The reference to a Node (cluster-scoped: no namespace). */
export const nodeRef = (node: Pick<KubeObject, 'metadata'>): EventObjectRef => ({
  apiVersion: 'v1',
  kind: 'Node',
  name: node.metadata.name,
  ...(node.metadata.uid ? { uid: node.metadata.uid } : {}),
});

/** The reference to a workload (its uid when known: `kubectl describe` needs it). */
export const workloadRef = (ref: WorkloadRef): EventObjectRef => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  name: ref.name,
  namespace: ref.namespace,
  ...(ref.uid ? { uid: ref.uid } : {}),
});

/**
 * Skips that are worth an Event on the node, and their type: Warning when a safety limit leaves
 * a fault unremediated, Normal when we hold back on purpose. A duplicate delivery or a node
 * another incident holds gets none: that incident's own Events explain the node.
 */
const SKIP_TYPES: Readonly<Partial<Record<SkipReason, KubeEvent['type']>>> = {
  'observe-mode': 'Normal',
  'no-action-needed': 'Normal',
  paused: 'Normal',
  'opted-out': 'Normal',
  'cluster-updating': 'Normal',
  'needs-attention': 'Warning',
  'breaker-open': 'Warning',
  'max-parallel': 'Warning',
  'reboot-limit': 'Warning',
  'detector-disagreement': 'Warning',
};

/** The type of the Event a skip writes on its node; undefined: no Event (also for a reason we do not know). */
export const skipEventType = (reason: string | undefined): KubeEvent['type'] | undefined =>
  reason && Object.hasOwn(SKIP_TYPES, reason) ? SKIP_TYPES[reason as SkipReason] : undefined;
