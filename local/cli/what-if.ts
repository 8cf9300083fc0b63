/**
 * `hpr what-if`: replays a period of the fleet's own history (the incidents of a ledger, or of a
 * local run's report) through the local environment twice — with the policy it had and with
 * another one (reboot limits, breaker, dedupe, observe mode …) — and compares the actions taken
 * and the downtime. History is compressed in time to fit a scenario (at most 10 minutes), so the
 * replays' durations are the simulator's, comparable with each other, not with the history.
 */
import { fleetReliability, type IncidentLike, jobInterruptions } from '#domain/goodput/reliability.ts';
import { parseScenario, type Scenario, ScenarioError } from './scenario.ts';

/** The longest scenario time a replay uses (the scenario schema allows 600,000 ms). */
export const REPLAY_SPAN_MS = 540_000;

export interface ReplayPlan {
  scenario: Scenario;
  /** Real milliseconds per scenario millisecond. */
  speedup: number;
  replayed: number;
  /** Incidents that could not be replayed, and why. */
  notReplayed: { incidentId: string; reason: string }[];
}

const kubeName = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52)
    .replace(/-+$/, '') || 'job';

const timeOf = (incident: IncidentLike): number | undefined => {
  const t = Date.parse(String(incident.trigger.time ?? incident.startedAt ?? ''));
  return Number.isNaN(t) ? undefined : t;
};

/**
 * Turns incidents into a scenario: each faulted instance becomes a node of one instance group
 * (padded to `nodes`), each job an incident suspended becomes a PyTorchJob on the nodes whose
 * faults hit it, and each incident with an HMA fault type (`fault.code` such as
 * `NvidiaErrorTerminate`) a fault injected at its time, compressed to fit REPLAY_SPAN_MS.
 */
export const scenarioFromHistory = (
  incidents: IncidentLike[],
  options: {
    clusterName: string;
    nodes: number;
    policy?: Record<string, unknown>;
    name?: string;
    /** Where the incidents came from, in words (for the error when none can be replayed). */
    source?: string;
  },
): ReplayPlan => {
  const notReplayed: ReplayPlan['notReplayed'] = [];
  const usable: { incident: IncidentLike; at: number; type: string; instanceId: string }[] = [];
  for (const incident of incidents) {
    const at = timeOf(incident);
    const type = typeof incident.fault?.code === 'string' ? incident.fault.code : '';
    if (!incident.instanceId) notReplayed.push({ incidentId: incident.incidentId, reason: 'no instance' });
    else if (at === undefined) notReplayed.push({ incidentId: incident.incidentId, reason: 'no time' });
    else if (!/^[A-Z]\w{0,63}$/.test(type))
      notReplayed.push({
        incidentId: incident.incidentId,
        reason: `not an HMA fault type: ${type || 'none'}`,
      });
    else usable.push({ incident, at, type, instanceId: incident.instanceId });
  }
  if (usable.length === 0) {
    throw new ScenarioError(
      `nothing to replay in ${options.source ?? 'the history'}: ${incidents.length} incidents, none with an instance, a time and an HMA fault type`,
    );
  }
  usable.sort((a, b) => a.at - b.at);
  const instances = [...new Set(usable.map((u) => u.instanceId))];
  const nodeCount = Math.min(256, Math.max(options.nodes, instances.length, 1));
  const indexOf = new Map(instances.map((id, i) => [id, i]));
  const start = usable[0]!.at;
  const span = usable.at(-1)!.at - start;
  const speedup = Math.max(1, span / REPLAY_SPAN_MS);
  const jobs = new Map<string, Set<number>>();
  for (const u of usable) {
    const suspended = u.incident.actions.find((a) => a.type === 'workloads-suspended')?.detail?.suspended;
    for (const ref of Array.isArray(suspended) ? suspended : []) {
      const name = kubeName(String(ref).split('/').at(-1) ?? String(ref));
      jobs.set(name, (jobs.get(name) ?? new Set()).add(indexOf.get(u.instanceId)!));
    }
  }
  const scenario = parseScenario(
    {
      name: options.name ?? `what-if replay of ${usable.length} incidents`,
      cluster: {
        name: options.clusterName,
        instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: nodeCount }],
      },
      ...(options.policy ? { policy: options.policy } : {}),
      workloads: [...jobs.entries()].map(([name, nodes]) => ({
        kind: 'PyTorchJob',
        name,
        nodes: [...nodes].sort((a, b) => a - b),
      })),
      faults: usable.map((u) => ({
        atMs: Math.round((u.at - start) / speedup),
        node: indexOf.get(u.instanceId)!,
        type: u.type,
      })),
      timeoutMs: 600_000,
    },
    'the replayed history',
  );
  return { scenario, speedup, replayed: usable.length, notReplayed };
};

/** What a run did: decisions, escalations, node and job downtime (minutes, as recorded). */
export interface RunSummary {
  incidents: number;
  /** `replace`, `reboot`, `skip: breaker-open`, … */
  decisions: Record<string, number>;
  escalated: number;
  nodeDowntimeMinutes: number;
  jobDowntimeMinutes: number;
}

export const summarizeRun = (incidents: IncidentLike[], window: { from: string; to: string }): RunSummary => {
  const decisions: Record<string, number> = {};
  for (const incident of incidents) {
    const d = incident.decision ?? {};
    const key = d.outcome === 'skip' ? `skip: ${String(d.skipReason)}` : String(d.action ?? 'none');
    decisions[key] = (decisions[key] ?? 0) + 1;
  }
  const tagged = incidents.map((i) => ({ ...i, clusterName: 'all' }));
  const [fleet] = fleetReliability(tagged, { window, nodes: { all: 0 } });
  return {
    incidents: incidents.length,
    decisions,
    escalated: incidents.filter((i) => i.actions.some((a) => a.type === 'escalated')).length,
    nodeDowntimeMinutes: fleet!.faultToNodeReady.n * fleet!.faultToNodeReady.meanMinutes,
    jobDowntimeMinutes: jobInterruptions(tagged, window).reduce((s, j) => s + j.totalLostMinutes, 0),
  };
};

/** Side by side: history, replay with the policy it had, replay with the other policy. */
export const comparisonText = (
  columns: { title: string; summary: RunSummary }[],
  notes: string[] = [],
): string => {
  const keys = [...new Set(columns.flatMap((c) => Object.keys(c.summary.decisions)))].sort();
  const width = 26;
  const row = (label: string, values: string[]) =>
    `${label.padEnd(30)}${values.map((v) => v.padStart(width)).join('')}`;
  const lines = [
    row(
      '',
      columns.map((c) => c.title),
    ),
  ];
  lines.push(
    row(
      'incidents',
      columns.map((c) => String(c.summary.incidents)),
    ),
  );
  for (const key of keys)
    lines.push(
      row(
        `  ${key}`,
        columns.map((c) => String(c.summary.decisions[key] ?? 0)),
      ),
    );
  lines.push(
    row(
      'escalated to people',
      columns.map((c) => String(c.summary.escalated)),
    ),
  );
  const seconds = (m: number) => `${(m * 60).toFixed(1)} s`;
  lines.push(
    row(
      'node downtime (fault → back)',
      columns.map((c) => seconds(c.summary.nodeDowntimeMinutes)),
    ),
  );
  lines.push(
    row(
      'job downtime (suspended)',
      columns.map((c) => seconds(c.summary.jobDowntimeMinutes)),
    ),
  );
  for (const note of notes) lines.push(`note: ${note}`);
  return lines.join('\n');
};
