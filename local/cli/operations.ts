/**
 * Operator actions on the ledger and the config store, shared by `hpr` against a deployed stack
 * (under the operator role, README "Operations") and by tests: pause and unpause a cluster, reset
 * a tripped circuit breaker, clear a node marked "needs attention", list incidents, show, switch
 * and list the config versions. Each is a conditional write (ConcurrentUpdateError when someone
 * wrote in between; run it again). Pause, unpause and breaker resets are logged on the cluster's
 * guard state (who, when, why: `operatorLog`); mode switches are config versions (who, when,
 * from → to, why).
 */
import type { ConfigVersion } from '#adapters/config-reader.ts';
import type { IncidentRecord, Ledger } from '#adapters/ports.ts';
import { resetBreaker, withOperatorLog } from '#domain/guardrails.ts';
import type { ConfigStore } from '#local/config-store-dynamodb.ts';
import { recordOutputSchema } from '#state-machines/node-recovery.contract.ts';

export const pauseCluster = async (
  ledger: Ledger,
  input: { clusterName: string; reason: string; by: string; now: string },
): Promise<void> => {
  const state = await ledger.getClusterState(input.clusterName);
  await ledger.putClusterState(
    input.clusterName,
    withOperatorLog(
      { ...state, paused: { reason: input.reason, by: input.by, at: input.now } },
      { at: input.now, by: input.by, action: 'pause', reason: input.reason },
    ),
    state.version,
  );
};

/** Who did it, when and why (the operator log of the cluster's guard state). */
export interface OperatorStamp {
  by: string;
  now: string;
  reason?: string;
}

export const unpauseCluster = async (
  ledger: Ledger,
  clusterName: string,
  stamp: OperatorStamp,
): Promise<boolean> => {
  const state = await ledger.getClusterState(clusterName);
  if (!state.paused) return false;
  const { paused: _paused, ...rest } = state;
  await ledger.putClusterState(
    clusterName,
    withOperatorLog(rest, {
      at: stamp.now,
      by: stamp.by,
      action: 'unpause',
      ...(stamp.reason ? { reason: stamp.reason } : {}),
    }),
    state.version,
  );
  return true;
};

/** Closes a tripped breaker and empties its window (else the next node would trip it again). */
export const resetClusterBreaker = async (
  ledger: Ledger,
  clusterName: string,
  stamp: OperatorStamp,
): Promise<boolean> => {
  const state = await ledger.getClusterState(clusterName);
  if (!state.breaker) return false;
  await ledger.putClusterState(
    clusterName,
    withOperatorLog(resetBreaker(state), {
      at: stamp.now,
      by: stamp.by,
      action: 'reset-breaker',
      ...(stamp.reason ? { reason: stamp.reason } : {}),
    }),
    state.version,
  );
  return true;
};

/**
 * Switches `policy.mode` by writing the next config version (read, change, conditional write):
 * every Lambda acts on it within the readers' max age, executions already running included.
 * Returns undefined when the mode already is `mode` (nothing written).
 */
export const setConfigMode = async (
  store: ConfigStore,
  input: { mode: 'observe' | 'act'; by: string; reason: string; now: string },
): Promise<ConfigVersion | undefined> => {
  const current = await store.current();
  if (!current) throw new IncidentQueryError('no configuration stored: deploy the stack first');
  if (current.mode === input.mode) return undefined;
  return store.write({
    config: { ...current.config, policy: { ...current.config.policy, mode: input.mode } },
    expectedVersion: current.version,
    by: input.by,
    reason: input.reason,
    now: input.now,
  });
};

/** Writes a whole new config (validated first: ConfigInvalidError, nothing written) over the current version. */
export const setConfig = async (
  store: ConfigStore,
  input: { config: unknown; by: string; reason: string; now: string },
): Promise<ConfigVersion> => {
  const current = await store.current().catch(() => undefined);
  return store.write({
    config: input.config,
    expectedVersion: current?.version ?? 0,
    by: input.by,
    reason: input.reason,
    now: input.now,
  });
};

/**
 * The deploy's stage rule, kept by `hpr config` too: outside the `production` stage a version in
 * act mode is refused unless the operator says so (`--allow-act-outside-production`, as the deploy
 * config's `allowActOutsideProduction`), so a test stage never acts on a real cluster by accident.
 */
export const checkStageRule = (input: {
  stage: string | undefined;
  mode: string;
  allowActOutsideProduction: boolean;
}): void => {
  if (input.mode !== 'act' || input.stage === 'production' || input.allowActOutsideProduction) return;
  throw new IncidentQueryError(
    `act mode outside the production stage (${input.stage ?? 'given by --config-table'}): pass --allow-act-outside-production to mean it`,
  );
};

/** One line per config version: version, when, who, mode (from → to), why. */
export const configHistoryLines = (versions: ConfigVersion[]): string[] =>
  versions.map((v) =>
    [
      `v${v.version}`,
      v.updatedAt,
      v.updatedBy,
      v.previousMode && v.previousMode !== v.mode ? `${v.previousMode}→${v.mode}` : v.mode,
      `${v.config.clusters.length} cluster(s)`,
      v.reason,
    ].join('  '),
  );

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
