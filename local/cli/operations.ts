/**
 * Operator actions on the ledger, shared by `hpr` against a deployed stack and by tests: pause
 * and unpause a cluster, reset a tripped circuit breaker, clear a node marked "needs attention",
 * list incidents. Each is a conditional write on the guardrail state (ConcurrentUpdateError when
 * an admission wrote in between; run it again).
 */
import type { IncidentRecord, Ledger } from '#adapters/ports.ts';
import { resetBreaker } from '#domain/guardrails.ts';

export const pauseCluster = async (
  ledger: Ledger,
  input: { clusterName: string; reason: string; by: string; now: string },
): Promise<void> => {
  const state = await ledger.getClusterState(input.clusterName);
  await ledger.putClusterState(
    input.clusterName,
    { ...state, paused: { reason: input.reason, by: input.by, at: input.now } },
    state.version,
  );
};

export const unpauseCluster = async (ledger: Ledger, clusterName: string): Promise<boolean> => {
  const state = await ledger.getClusterState(clusterName);
  if (!state.paused) return false;
  const { paused: _paused, ...rest } = state;
  await ledger.putClusterState(clusterName, rest, state.version);
  return true;
};

/** Closes a tripped breaker and empties its window (else the next node would trip it again). */
export const resetClusterBreaker = async (ledger: Ledger, clusterName: string): Promise<boolean> => {
  const state = await ledger.getClusterState(clusterName);
  if (!state.breaker) return false;
  await ledger.putClusterState(clusterName, resetBreaker(state), state.version);
  return true;
};

/** Lets automation act on a node again after a person repaired it. */
export const clearNeedsAttention = async (
  ledger: Ledger,
  input: { clusterName: string; instanceId: string },
): Promise<boolean> => {
  const history = await ledger.getNodeHistory(input.clusterName, input.instanceId);
  if (!history.needsAttention) return false;
  const { needsAttention: _cleared, ...rest } = history;
  await ledger.putNodeHistory(input.clusterName, input.instanceId, rest);
  return true;
};

export const incidentSummary = (incident: IncidentRecord): string => {
  const decision = incident.decision ?? {};
  const what =
    decision.outcome === 'skip' ? `skip:${String(decision.skipReason)}` : String(decision.action ?? '-');
  return [
    incident.startedAt,
    incident.incidentId,
    incident.instanceId ?? '-',
    String((incident.fault ?? {}).code ?? '-'),
    what,
    `${incident.status}${incident.outcome ? `(${incident.outcome})` : ''}`,
  ].join('  ');
};
