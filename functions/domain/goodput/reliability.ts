/**
 * Fleet reliability and job interruptions, measured from the ledger's incident records (the
 * actions each incident recorded, with their times): failures per node-day by fault class, time
 * to repair per action, detection → suspension, suspension → resumption, false positives, lemon
 * nodes, and per job the time it lost to each incident. Pure: the caller reads the records (a
 * deployed ledger, or the report of a local run) and says how many nodes each scope had.
 */

/** What is read of an incident record (the ledger's, or a local run's report of it). */
export interface IncidentLike {
  incidentId: string;
  clusterName?: string;
  instanceId?: string;
  trigger: { kind?: unknown; time?: unknown; instanceGroupName?: unknown };
  fault?: { class?: unknown; code?: unknown };
  decision?: { outcome?: unknown; action?: unknown; skipReason?: unknown; remediation?: unknown };
  status: string;
  outcome?: string;
  startedAt?: string;
  actions: { type: string; at: string; detail?: Record<string, unknown> }[];
}

export interface DurationStats {
  n: number;
  meanMinutes: number;
  p50Minutes: number;
  p95Minutes: number;
  maxMinutes: number;
}

export interface ScopeReliability {
  /** `cluster` or `cluster/instance-group`. */
  scope: string;
  nodes: number;
  nodeDays: number;
  /** Incidents that acted on (or, in observe mode, would have acted on) a faulty node. */
  failures: number;
  failuresPerNodeDay: number;
  byFaultClass: Record<string, { failures: number; perNodeDay: number }>;
  /** Remediation requested (or HyperPod's own recovery awaited) → node back and Ready, per action. */
  timeToRepair: Record<string, DurationStats>;
  /** Fault (event time) → node back and Ready: the repair turnaround. */
  faultToNodeReady: DurationStats;
  /** Fault (event time) → jobs suspended. */
  detectToSuspend: DurationStats;
  /** Jobs suspended → resumed, on a node already back (waited for the node) or not (a spare). */
  suspendToResume: { waitedForNode: DurationStats; withoutWaiting: DurationStats };
  /** Node back and Ready → jobs resumed: our share of the restart overhead. */
  nodeReadyToResume: DurationStats;
  falsePositives: { clearedWithoutAction: number; passedAfterQuarantine: number };
  /** Nodes with at least `lemonThreshold` failures in the window, most first. */
  lemons: { instanceId: string; failures: number; jobs: string[]; incidents: string[] }[];
}

export interface JobInterruption {
  incidentId: string;
  suspendedAt: string;
  resumedAt?: string;
  /** Until resumed, or until the end of the window while it is still suspended. */
  lostMinutes: number;
}

export interface JobAccount {
  /** `Kind/namespace/name`. */
  job: string;
  clusterName?: string;
  interruptions: JobInterruption[];
  totalLostMinutes: number;
  /** Still suspended at the end of the window. */
  open: boolean;
}

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

/** Skip reasons that mean "a real fault we did not act on yet": counted as failures. */
const FAULT_SKIPS = new Set([
  'observe-mode',
  'breaker-open',
  'max-parallel',
  'reboot-limit',
  'paused',
  'cluster-updating',
]);
/** Skip reasons that mean "no fault after all". */
const CLEARED_SKIPS = new Set(['not-a-fault', 'no-action-needed']);

const timeOf = (value: unknown): number | undefined => {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
};

const firstAt = (incident: IncidentLike, test: (type: string) => boolean): number | undefined => {
  for (const action of incident.actions) if (test(action.type)) return timeOf(action.at);
  return undefined;
};

const faultTime = (incident: IncidentLike): number | undefined =>
  timeOf(incident.trigger.time) ?? timeOf(incident.startedAt) ?? timeOf(incident.actions[0]?.at);

/** Nearest-rank percentiles of minutes. */
export const durationStats = (minutes: number[]): DurationStats => {
  if (minutes.length === 0) return { n: 0, meanMinutes: 0, p50Minutes: 0, p95Minutes: 0, maxMinutes: 0 };
  const sorted = [...minutes].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
  return {
    n: sorted.length,
    meanMinutes: sorted.reduce((s, m) => s + m, 0) / sorted.length,
    p50Minutes: rank(0.5),
    p95Minutes: rank(0.95),
    maxMinutes: sorted.at(-1)!,
  };
};

const span = (from: number | undefined, to: number | undefined): number[] =>
  from !== undefined && to !== undefined && to >= from ? [(to - from) / MINUTE] : [];

/** Whether an incident counts as a failure of its node. */
export const isFailure = (incident: IncidentLike): boolean => {
  if (incident.fault?.class === 'healthy') return false;
  if (incident.actions.some((a) => a.type === 'admitted')) return true;
  return incident.status === 'skipped' && FAULT_SKIPS.has(String(incident.decision?.skipReason));
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Actions that resume jobs: ResumeWorkloads at the end, or PromoteSpare at once (a hot spare,
 * docs/design/hot-spares.md); a job is resumed by the first that lists it.
 */
const RESUMING_ACTIONS: readonly string[] = ['spare-promoted', 'workloads-resumed'];
const resumesJobs = (type: string): boolean => RESUMING_ACTIONS.includes(type);

/** Jobs an incident suspended itself (not those it joined: their loss belongs to the first). */
const suspendedJobs = (incident: IncidentLike): string[] =>
  strings(incident.actions.find((a) => a.type === 'workloads-suspended')?.detail?.suspended);

const inWindow = (incident: IncidentLike, window: { from: string; to: string }) => {
  const at = faultTime(incident);
  return at !== undefined && at >= Date.parse(window.from) && at < Date.parse(window.to);
};

/**
 * Reliability per scope over the window. `nodes` maps each scope (`cluster` or
 * `cluster/group`) to its node count; an incident belongs to `cluster/group` when its group is
 * known (the trigger's `instanceGroupName`, else `groupOf`) and that scope is listed, else to
 * `cluster`. Scopes without incidents are reported too.
 */
export const fleetReliability = (
  incidents: IncidentLike[],
  options: {
    window: { from: string; to: string };
    nodes: Record<string, number>;
    defaultCluster?: string;
    groupOf?: Record<string, string>;
    lemonThreshold?: number;
  },
): ScopeReliability[] => {
  const days = (Date.parse(options.window.to) - Date.parse(options.window.from)) / DAY;
  const scopeOf = (incident: IncidentLike): string => {
    const cluster = incident.clusterName ?? options.defaultCluster ?? 'unknown';
    const group =
      (typeof incident.trigger.instanceGroupName === 'string'
        ? incident.trigger.instanceGroupName
        : undefined) ?? (incident.instanceId ? options.groupOf?.[incident.instanceId] : undefined);
    return group && `${cluster}/${group}` in options.nodes ? `${cluster}/${group}` : cluster;
  };
  const byScope = new Map<string, IncidentLike[]>(Object.keys(options.nodes).map((s) => [s, []]));
  for (const incident of incidents) {
    if (!inWindow(incident, options.window)) continue;
    const scope = scopeOf(incident);
    byScope.set(scope, [...(byScope.get(scope) ?? []), incident]);
  }
  return [...byScope.entries()].map(([scope, list]) => {
    const nodes = options.nodes[scope] ?? 0;
    const nodeDays = nodes * days;
    const failures = list.filter(isFailure);
    const perNodeDay = (count: number) => (nodeDays > 0 ? count / nodeDays : 0);
    const byFaultClass: ScopeReliability['byFaultClass'] = {};
    for (const incident of failures) {
      const key = String(incident.fault?.class ?? 'unknown');
      byFaultClass[key] = { failures: (byFaultClass[key]?.failures ?? 0) + 1, perNodeDay: 0 };
    }
    for (const entry of Object.values(byFaultClass)) entry.perNodeDay = perNodeDay(entry.failures);
    const repairs: Record<string, number[]> = {};
    const faultToReady: number[] = [];
    const detect: number[] = [];
    const waited: number[] = [];
    const notWaited: number[] = [];
    const readyToResume: number[] = [];
    for (const incident of list) {
      const fault = faultTime(incident);
      const ready = firstAt(incident, (t) => t === 'node-ready');
      const requested = incident.actions.find(
        (a) => a.type === 'remediation-requested' || a.type === 'awaiting-hyperpod',
      );
      if (requested) {
        const action =
          requested.type === 'awaiting-hyperpod' ? 'hyperpod' : String(requested.detail?.action ?? 'unknown');
        repairs[action] = [...(repairs[action] ?? []), ...span(timeOf(requested.at), ready)];
      }
      faultToReady.push(...span(fault, ready));
      const suspended = firstAt(incident, (t) => t === 'workloads-suspended');
      const resumed = firstAt(incident, resumesJobs);
      detect.push(...span(fault, suspended));
      const stretch = span(suspended, resumed);
      (ready !== undefined && resumed !== undefined && ready <= resumed ? waited : notWaited).push(
        ...stretch,
      );
      readyToResume.push(...span(ready, resumed));
    }
    const timeToRepair = Object.fromEntries(
      Object.entries(repairs).map(([action, minutes]) => [action, durationStats(minutes)]),
    );
    const lemonThreshold = options.lemonThreshold ?? 2;
    const perNode = new Map<string, IncidentLike[]>();
    for (const incident of failures) {
      if (incident.instanceId)
        perNode.set(incident.instanceId, [...(perNode.get(incident.instanceId) ?? []), incident]);
    }
    const lemons = [...perNode.entries()]
      .filter(([, list]) => list.length >= lemonThreshold)
      .map(([instanceId, list]) => ({
        instanceId,
        failures: list.length,
        jobs: [...new Set(list.flatMap(suspendedJobs))].sort(),
        incidents: list.map((i) => i.incidentId),
      }))
      .sort((a, b) => b.failures - a.failures || a.instanceId.localeCompare(b.instanceId));
    return {
      scope,
      nodes,
      nodeDays,
      failures: failures.length,
      failuresPerNodeDay: perNodeDay(failures.length),
      byFaultClass,
      timeToRepair,
      faultToNodeReady: durationStats(faultToReady),
      detectToSuspend: durationStats(detect),
      suspendToResume: { waitedForNode: durationStats(waited), withoutWaiting: durationStats(notWaited) },
      nodeReadyToResume: durationStats(readyToResume),
      falsePositives: {
        clearedWithoutAction: list.filter(
          (i) => i.fault?.class === 'healthy' || CLEARED_SKIPS.has(String(i.decision?.skipReason)),
        ).length,
        passedAfterQuarantine: list.filter(
          (i) =>
            i.actions.some((a) => a.type === 'quarantined') &&
            i.actions.some((a) => a.type === 'verification-passed') &&
            !i.actions.some((a) => a.type === 'remediation-requested' || a.type === 'awaiting-hyperpod'),
        ).length,
      },
      lemons,
    };
  });
};

/**
 * Per job, every incident that suspended it and the time it lost (suspended → resumed, or → the
 * end of the window while still suspended), oldest first; jobs that lost the most first.
 */
export const jobInterruptions = (
  incidents: IncidentLike[],
  window: { from: string; to: string },
): JobAccount[] => {
  const accounts = new Map<string, JobAccount>();
  const end = Date.parse(window.to);
  const sorted = incidents.filter((i) => inWindow(i, window)).sort((a, b) => faultTime(a)! - faultTime(b)!);
  for (const incident of sorted) {
    const suspendAction = incident.actions.find((a) => a.type === 'workloads-suspended');
    if (!suspendAction) continue;
    const perJob = (detail: Record<string, unknown> | undefined, key: 'suspendedAt' | 'resumedAt') =>
      new Map(
        (Array.isArray(detail?.jobs) ? (detail.jobs as Record<string, unknown>[]) : [])
          .filter((j) => typeof j?.ref === 'string' && typeof j[key] === 'string')
          .map((j) => [j.ref as string, j[key] as string]),
      );
    // When each job resumed: the first resuming action (a spare's promotion, or the end) listing it.
    const resumedAtOf = new Map<string, string>();
    for (const action of incident.actions.filter((a) => resumesJobs(a.type))) {
      const at = perJob(action.detail, 'resumedAt');
      for (const job of [...strings(action.detail?.resumed), ...strings(action.detail?.released)]) {
        if (!resumedAtOf.has(job)) resumedAtOf.set(job, at.get(job) ?? action.at);
      }
    }
    const suspendedAtOf = perJob(suspendAction.detail, 'suspendedAt');
    for (const job of suspendedJobs(incident)) {
      const suspendedAt = suspendedAtOf.get(job) ?? suspendAction.at;
      const resumedAt = resumedAtOf.get(job);
      const until = resumedAt ? Date.parse(resumedAt) : end;
      const interruption: JobInterruption = {
        incidentId: incident.incidentId,
        suspendedAt,
        ...(resumedAt ? { resumedAt } : {}),
        lostMinutes: Math.max(0, until - Date.parse(suspendedAt)) / MINUTE,
      };
      const key = `${incident.clusterName ?? ''}|${job}`;
      const account = accounts.get(key) ?? {
        job,
        ...(incident.clusterName ? { clusterName: incident.clusterName } : {}),
        interruptions: [],
        totalLostMinutes: 0,
        open: false,
      };
      account.interruptions.push(interruption);
      account.totalLostMinutes += interruption.lostMinutes;
      account.open = !resumedAt;
      accounts.set(key, account);
    }
  }
  return [...accounts.values()].sort(
    (a, b) => b.totalLostMinutes - a.totalLostMinutes || a.job.localeCompare(b.job),
  );
};
