/**
 * Writing Kubernetes Events from the tasks: best effort. An Event that cannot be written (RBAC,
 * throttling, an API server hiccup) never fails the remediation step; it is logged as a warning
 * and counted (`KubernetesEventNotWritten`), so it is not silent either. The incident record in
 * the ledger stays the audit trail; Events are what `kubectl describe` shows, for an hour or so
 * (docs/facts/kubernetes-events.md `events.ttl`).
 */
import type { KubeApi } from '#adapters/ports.ts';
import {
  buildEvent,
  type EventInput,
  EventReasons,
  type KubeEvent,
  nodeRef,
  skipEventType,
  workloadRef,
} from '#domain/kube-events.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import type { WorkloadRef } from '#domain/types.ts';
import type { TaskDeps } from './deps.ts';

/**
 * Writes the Events one by one; never throws. After the first failure the rest are not tried
 * (counted as not written): an unreachable API server costs one request timeout, not one per job.
 */
export const writeKubeEvents = async (deps: TaskDeps, kube: KubeApi, events: KubeEvent[]): Promise<void> => {
  for (const [index, event] of events.entries()) {
    try {
      await kube.createEvent(event);
    } catch (error) {
      const left = events.slice(index);
      for (const { reason } of left) deps.metrics.count('KubernetesEventNotWritten', { reason });
      deps.logger.warn('Kubernetes Event not written', {
        reason: event.reason,
        regarding: `${event.regarding.kind} ${event.regarding.namespace ?? ''}/${event.regarding.name}`,
        notTried: left.length - 1,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return;
    }
  }
};

type Common = Pick<EventInput, 'incidentId' | 'at' | 'instance'>;

/** One Event about a node (builds and writes it; never throws). */
export const nodeEvent = (
  deps: TaskDeps,
  kube: KubeApi,
  node: Pick<KubeObject, 'metadata'>,
  event: Common & Pick<EventInput, 'reason' | 'type' | 'message'>,
): Promise<void> => writeKubeEvents(deps, kube, [buildEvent({ ...event, regarding: nodeRef(node) })]);

/**
 * One Event about the incident's node, read by name first (for its uid); nothing when the incident
 * has no Kubernetes node or the node is gone. Never throws.
 */
export const incidentNodeEvent = async (
  deps: TaskDeps,
  state: { eksClusterName: string; node?: { nodeName?: string } },
  event: Common & Pick<EventInput, 'reason' | 'type' | 'message'>,
): Promise<void> => {
  const nodeName = state.node?.nodeName;
  if (!nodeName) return;
  let kube: KubeApi;
  let node: KubeObject | undefined;
  try {
    kube = await deps.kubeFor(state.eksClusterName);
    node = await kube.getNode(nodeName);
  } catch (error) {
    deps.metrics.count('KubernetesEventNotWritten', { reason: event.reason });
    deps.logger.warn('Kubernetes Event not written: node not readable', {
      reason: event.reason,
      nodeName,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return;
  }
  if (node) await nodeEvent(deps, kube, node, event);
};

/**
 * The RemediationSkipped Event of an Admit that said no, on the node it is about (for the skips
 * worth one: functions/domain/kube-events.ts `skipEventType`). Never throws.
 */
export const skipEvent = async (
  deps: TaskDeps,
  on: { kube: KubeApi; node: Pick<KubeObject, 'metadata'> } | undefined,
  decision: { outcome: string; skipReason?: string; skipDetail?: string },
  common: Common,
): Promise<void> => {
  const type = decision.outcome === 'skip' ? skipEventType(decision.skipReason) : undefined;
  if (!on || !type) return;
  const message = `remediation skipped (${decision.skipReason}): ${decision.skipDetail ?? ''}`.trim();
  await nodeEvent(deps, on.kube, on.node, {
    reason: EventReasons.RemediationSkipped,
    type,
    message,
    ...common,
  });
};

/** One Event per workload: WorkloadSuspended or WorkloadResumed, with the node it is about. */
export const workloadEvents = (
  deps: TaskDeps,
  kube: KubeApi,
  change: Common & {
    suspended?: WorkloadRef[];
    joined?: WorkloadRef[];
    resumed?: WorkloadRef[];
    node?: string;
  },
): Promise<void> => {
  const { incidentId, at, instance } = change;
  const on = change.node ? ` (node ${change.node})` : '';
  const build = (ref: WorkloadRef, reason: KubeEvent['reason'], type: KubeEvent['type'], message: string) =>
    buildEvent({ reason, type, regarding: workloadRef(ref), incidentId, at, instance, message });
  return writeKubeEvents(deps, kube, [
    ...(change.suspended ?? []).map((ref) =>
      build(ref, EventReasons.WorkloadSuspended, 'Warning', `suspended as a whole after a node fault${on}`),
    ),
    ...(change.joined ?? []).map((ref) =>
      build(
        ref,
        EventReasons.WorkloadSuspended,
        'Warning',
        `already suspended by another incident; held by this one too${on}`,
      ),
    ),
    ...(change.resumed ?? []).map((ref) =>
      build(ref, EventReasons.WorkloadResumed, 'Normal', 'resumed: the incident no longer holds it'),
    ),
  ]);
};
