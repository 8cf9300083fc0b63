/**
 * Escalate: something failed or the node did not come back. People are notified, the node stays
 * quarantined (a human decides), the node is marked "needs attention" so no automatic action
 * touches it again until cleared, and the suspended jobs are resumed so they wait for capacity
 * instead of staying silently suspended.
 */
import { isQuarantinedByUs } from '#domain/quarantine.ts';
import type { TaskDeps } from './deps.ts';
import { parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { incidentNodeEvent } from './kube-events.ts';
import { type ResumeResult, resumeIncidentWorkloads } from './resume-workloads.ts';

export interface EscalationResult {
  status: 'escalated';
  reason: string;
  resumption?: ResumeResult;
  resumeError?: string;
}

const escalationReason = (state: ReturnType<typeof parseIncident>): string => {
  if (state.error) return `${state.error.Error}: ${state.error.Cause ?? ''}`.trim();
  if (state.verification?.status === 'failed') return `verification failed: ${state.verification.reason}`;
  return 'escalated';
};

/**
 * The node this incident holds quarantined, read from Kubernetes: QuarantineNode may have written
 * the quarantine and died before recording it (README "Chaos campaigns"). A failed read leaves it
 * out; the escalation itself must go on.
 */
const quarantineHeld = async (
  state: ReturnType<typeof parseIncident>,
  deps: TaskDeps,
): Promise<string | undefined> => {
  const nodeName = state.node?.nodeName;
  if (!nodeName) return undefined;
  try {
    const kube = await deps.kubeFor(state.eksClusterName);
    const node = await kube.getNode(nodeName);
    return node && isQuarantinedByUs(node, state.incidentId) ? nodeName : undefined;
  } catch {
    return undefined;
  }
};

export const escalateIncident = async (raw: unknown, deps: TaskDeps): Promise<EscalationResult> => {
  const state = parseIncident(raw, 'Escalate');
  withIncidentKeys(deps, state);
  const reason = escalationReason(state).slice(0, 2000);
  const now = deps.now();
  let unconfirmedRequest: 'reboot' | 'replace' | undefined;
  if (state.node) {
    const history = await deps.ledger.getNodeHistory(state.clusterName, state.node.instanceId);
    // RequestRemediation writes its request ahead of the call; a task that gave up after writing
    // it may or may not have reached SageMaker, and the record says so (README "Chaos campaigns").
    const writtenAhead = (entries: readonly { incidentId: string }[]) =>
      entries.some((e) => e.incidentId === state.incidentId);
    const confirmed = (action: 'reboot' | 'replace') =>
      state.remediation?.action === action && state.remediation.status === 'requested';
    const last = writtenAhead(history.replacements)
      ? 'replace'
      : writtenAhead(history.reboots)
        ? 'reboot'
        : undefined;
    if (last && !confirmed(last)) unconfirmedRequest = last;
    await deps.ledger.putNodeHistory(state.clusterName, state.node.instanceId, {
      ...history,
      needsAttention: { at: now, incidentId: state.incidentId, reason },
    });
  }
  let resumption: ResumeResult | undefined;
  let resumeError: string | undefined;
  try {
    resumption = state.resumption ? undefined : await resumeIncidentWorkloads(state, deps);
  } catch (error) {
    // Still notify and record: the message tells people which jobs may remain suspended.
    resumeError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const quarantined = await quarantineHeld(state, deps);
  const suspended = (state.suspension?.suspended ?? []).map((r) => `${r.kind} ${r.namespace}/${r.name}`);
  await deps.notifier.notify({
    severity: 'critical',
    clusterName: state.clusterName,
    incidentId: state.incidentId,
    instanceId: state.node?.instanceId,
    subject: `hyperpod-resilience: ${state.node?.instanceId ?? 'node'} on ${state.clusterName} needs attention`,
    message: [
      `Incident ${state.incidentId} (${state.fault.code}) needs a person: ${reason}.`,
      `Node ${state.node?.nodeName ?? state.node?.instanceId ?? 'unknown'} stays quarantined.`,
      suspended.length
        ? resumeError
          ? `Resuming ${suspended.join(', ')} FAILED (${resumeError}): they may still be suspended.`
          : `Resumed ${suspended.join(', ')}: they wait for capacity.`
        : 'No workloads were suspended.',
      'Clear the node with `hpr clear <instanceId>` once it is repaired.',
    ].join('\n'),
  });
  const event = {
    incidentId: state.incidentId,
    at: now,
    instance: 'Escalate',
    message: `needs a person: ${reason}`,
  };
  await incidentNodeEvent(deps, state, { reason: 'IncidentEscalated', type: 'Warning', ...event });
  await recordAction(deps, state, 'escalated', {
    reason,
    resumeError,
    ...(unconfirmedRequest ? { unconfirmedRequest } : {}),
    ...(quarantined ? { quarantined } : {}),
  });
  deps.metrics.count('IncidentEscalated');
  return { status: 'escalated', reason, resumption, resumeError };
};
