/** Helpers shared by the tasks that work on an admitted incident. */
import type { AuditAction } from '#adapters/ports.ts';
import { InvalidInputError } from '#contracts/errors.ts';
import type { LatencyMetric } from '#contracts/metrics-catalog.ts';
import type { NodeIdentity } from '#domain/types.ts';
import { type IncidentState, incidentStateSchema } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseInput } from './parse.ts';

export const parseIncident = (raw: unknown, task: string): IncidentState =>
  parseInput(incidentStateSchema, raw, `${task} input`);

/** The admitted node; tasks after Admit cannot run without one. */
export const incidentNode = (state: IncidentState): NodeIdentity => {
  if (!state.node) throw new InvalidInputError(`incident ${state.incidentId} has no resolved node`);
  return state.node as NodeIdentity;
};

/** Appends one audit action (with its time) to the incident record. */
export const recordAction = async (
  deps: TaskDeps,
  state: IncidentState,
  type: string,
  detail?: Record<string, unknown>,
): Promise<AuditAction> => {
  const action: AuditAction = { type, at: deps.now(), ...(detail ? { detail } : {}) };
  await deps.ledger.updateIncident(state.clusterName, state.incidentId, { actions: [action] });
  // Every recorded action (quarantine, suspend, reboot/replace request, skips) is also a log line
  // that names its incident, so the logs alone tell what was done and why.
  deps.logger.info(`incident action: ${type}`, {
    incidentId: state.incidentId,
    clusterName: state.clusterName,
    action: type,
    ...(detail ? { detail } : {}),
  });
  return action;
};

export const withIncidentKeys = (deps: TaskDeps, state: IncidentState): void => {
  deps.logger.appendKeys?.({
    incidentId: state.incidentId,
    clusterName: state.clusterName,
    instanceId: state.node?.instanceId,
    nodeName: state.node?.nodeName,
  });
};

/** Milliseconds from the trigger's own time to now, as a latency metric (dashboard: time to quarantine, …). */
export const countLatency = (deps: TaskDeps, state: IncidentState, metric: LatencyMetric): void => {
  const ms = Date.parse(deps.now()) - Date.parse(String(state.trigger.time));
  if (Number.isFinite(ms) && ms >= 0) deps.metrics.count(metric, {}, ms);
};
