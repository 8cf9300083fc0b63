/**
 * Operator actions on the ledger, shared by `hpr` against a deployed stack and by tests: pause
 * and unpause a cluster, reset a tripped circuit breaker, clear a node marked "needs attention",
 * list incidents. Each is a conditional write on the guardrail state (ConcurrentUpdateError when
 * an admission wrote in between; run it again).
 */
import type { IncidentRecord, Ledger } from '#adapters/ports.ts';
import { resetBreaker } from '#domain/guardrails.ts';
import { recordOutputSchema } from '#state-machines/node-recovery.contract.ts';

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

/**
 * Incident statuses in the ledger: `open` while AdmitIncident's execution runs, then the status
 * RecordOutcome writes. `escalated` is accepted for `needs-attention` (what an escalated incident
 * ends as).
 */
export const INCIDENT_STATUSES = ['open', ...recordOutputSchema.shape.status.options] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
const STATUS_ALIASES: Record<string, IncidentStatus> = { escalated: 'needs-attention' };

export class IncidentQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentQueryError';
  }
}

/** `--status` → a ledger status; IncidentQueryError for anything else. */
export const parseStatus = (text: string): IncidentStatus => {
  const status = STATUS_ALIASES[text] ?? INCIDENT_STATUSES.find((s) => s === text);
  if (!status) {
    throw new IncidentQueryError(
      `--status ${text}: expected one of ${[...INCIDENT_STATUSES, ...Object.keys(STATUS_ALIASES)].join(', ')}`,
    );
  }
  return status;
};

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 30m | 24h | 7d | <ISO time>` → the ISO time it names, relative to `now`. */
export const parseSince = (text: string, now: Date): string => {
  const relative = /^(\d{1,6})([mhd])$/.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}(T|$)/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new IncidentQueryError(`--since ${text}: expected a duration (30m, 24h, 7d) or an ISO time`);
  }
  return new Date(ms).toISOString();
};

/** `--limit` → a positive whole number (at most 1,000). */
export const parseLimit = (text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 1000) {
    throw new IncidentQueryError(`--limit ${text}: expected a whole number from 1 to 1000`);
  }
  return limit;
};

export interface IncidentQuery {
  clusterName?: string;
  status?: IncidentStatus;
  /** ISO time: incidents that started at or after it. */
  since?: string;
  limit: number;
}

/** Recent incidents, newest first: of one cluster (a query) or of all (a scan), filtered, then limited. */
export const recentIncidents = async (ledger: Ledger, query: IncidentQuery): Promise<IncidentRecord[]> => {
  const all = query.clusterName
    ? await ledger.listIncidents(query.clusterName)
    : await ledger.listAllIncidents();
  const since = query.since ? Date.parse(query.since) : undefined;
  return all
    .filter((incident) => !query.status || incident.status === query.status)
    .filter((incident) => since === undefined || Date.parse(incident.startedAt) >= since)
    .slice(0, query.limit);
};

/** One incident by id: of the given cluster, else searched in every cluster (an id names one). */
export const findIncident = async (
  ledger: Ledger,
  incidentId: string,
  clusterName?: string,
): Promise<IncidentRecord | undefined> => {
  if (clusterName) return ledger.getIncident(clusterName, incidentId);
  const found = (await ledger.listAllIncidents()).filter((i) => i.incidentId === incidentId);
  if (found.length > 1) {
    throw new IncidentQueryError(
      `incident ${incidentId} exists in clusters ${found.map((i) => i.clusterName).join(', ')}: pass --cluster`,
    );
  }
  return found[0];
};

export const incidentSummary = (incident: IncidentRecord): string => {
  const decision = incident.decision ?? {};
  const what =
    decision.outcome === 'skip' ? `skip:${String(decision.skipReason)}` : String(decision.action ?? '-');
  return [
    incident.startedAt,
    incident.clusterName,
    incident.incidentId,
    incident.instanceId ?? '-',
    String((incident.fault ?? {}).code ?? '-'),
    what,
    `${incident.status}${incident.outcome ? `(${incident.outcome})` : ''}`,
  ].join('  ');
};
