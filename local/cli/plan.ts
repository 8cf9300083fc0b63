/**
 * `hpr plan`, `hpr fleet` and `hpr jobs`: goodput planning and the fleet's measured reliability.
 * The figures come from flags, else from the ledger (a deployed stage's, or the report of a local
 * run: `hpr simulate … --json > run.json`, then `--report run.json`), else from published defaults;
 * every figure says which.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GoodputInputError, type PlanInputs } from '#domain/goodput/model.ts';
import { buildPlan, type CurvePoint, type Plan } from '#domain/goodput/plan.ts';
import {
  type DurationStats,
  fleetReliability,
  type IncidentLike,
  type JobAccount,
  jobInterruptions,
  type ScopeReliability,
} from '#domain/goodput/reliability.ts';
import { simulatePlan } from '#domain/goodput/simulate.ts';
import { planChartSvg } from './plan-chart.ts';

export class PlanUsageError extends Error {
  override name = 'PlanUsageError';
}

export const PLAN_OPTIONS = {
  json: { type: 'boolean' },
  nodes: { type: 'string' },
  'failure-rate': { type: 'string' },
  checkpoint: { type: 'string' },
  'checkpoint-write': { type: 'string' },
  restart: { type: 'string' },
  detect: { type: 'string' },
  spares: { type: 'string' },
  repair: { type: 'string' },
  share: { type: 'string' },
  svg: { type: 'string' },
  simulate: { type: 'boolean' },
  seed: { type: 'string' },
  report: { type: 'string' },
  'fleet-nodes': { type: 'string' },
  'min-node-days': { type: 'string' },
  since: { type: 'string' },
  stage: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  cluster: { type: 'string' },
} as const;

type PlanKey = keyof PlanInputs;

export interface Figure {
  value: number;
  source: 'flag' | 'measured' | 'default';
  note: string;
}

/** Flag name, unit and published default of each planner input. */
const FIGURES: Record<PlanKey, { flag: string; unit: string; scale: number; value: number; note: string }> = {
  nodes: {
    flag: 'nodes',
    unit: 'nodes',
    scale: 1,
    value: 2048,
    note: '16k GPUs, the size Meta and Llama 3 report',
  },
  failuresPerNodeDay: {
    flag: 'failure-rate',
    unit: 'per 1,000 node-days',
    scale: 1000,
    value: 6.5 / 1000,
    note: 'Meta RSC-1 (arXiv 2410.21680), fact goodput.meta-ettr-model',
  },
  checkpointIntervalMinutes: { flag: 'checkpoint', unit: 'min', scale: 1, value: 30, note: 'assumed' },
  checkpointWriteMinutes: {
    flag: 'checkpoint-write',
    unit: 'min',
    scale: 1,
    value: 0.5,
    note: 'assumed (30 s blocking write)',
  },
  restartMinutes: {
    flag: 'restart',
    unit: 'min',
    scale: 1,
    value: 5,
    note: "Meta's u₀ (restart overhead 5–20 min)",
  },
  detectMinutes: {
    flag: 'detect',
    unit: 'min',
    scale: 1,
    value: 2,
    note: 'target T0 → job suspended (fact goodput.trace-scenarios)',
  },
  spares: { flag: 'spares', unit: 'spares', scale: 1, value: 0, note: 'none' },
  repairMinutes: {
    flag: 'repair',
    unit: 'min',
    scale: 1,
    value: 60,
    note: 'assumed fault → node back (HyperPod publishes no replacement time)',
  },
};

const number = (name: string, text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new PlanUsageError(`--${name}: not a number: ${text}`);
  return value;
};

/** The measured figures a reliability report supports, with how they were measured. */
export const measuredFigures = (
  fleet: ScopeReliability,
  minNodeDays: number,
): { figures: Partial<Record<PlanKey, Figure>>; notes: string[] } => {
  const figures: Partial<Record<PlanKey, Figure>> = {};
  const notes: string[] = [];
  const mean = (s: DurationStats) => s.meanMinutes;
  if (fleet.nodeDays >= minNodeDays && fleet.nodeDays > 0) {
    figures.failuresPerNodeDay = {
      value: fleet.failuresPerNodeDay,
      source: 'measured',
      note: `${fleet.failures} failures in ${fleet.nodeDays.toFixed(1)} node-days of ${fleet.scope}`,
    };
  } else {
    notes.push(
      `failure rate not measured: ${fleet.nodeDays.toFixed(4)} node-days observed (< ${minNodeDays}; --min-node-days)`,
    );
  }
  if (fleet.detectToSuspend.n > 0) {
    figures.detectMinutes = {
      value: mean(fleet.detectToSuspend),
      source: 'measured',
      note: `fault → jobs suspended, mean of ${fleet.detectToSuspend.n} (p95 ${fleet.detectToSuspend.p95Minutes.toFixed(2)} min)`,
    };
  }
  if (fleet.faultToNodeReady.n > 0) {
    figures.repairMinutes = {
      value: mean(fleet.faultToNodeReady),
      source: 'measured',
      note: `fault → node back and Ready, mean of ${fleet.faultToNodeReady.n} (p95 ${fleet.faultToNodeReady.p95Minutes.toFixed(2)} min)`,
    };
  }
  if (fleet.nodeReadyToResume.n > 0) {
    figures.restartMinutes = {
      value: FIGURES.restartMinutes.value + mean(fleet.nodeReadyToResume),
      source: 'measured',
      note: `node Ready → jobs resumed, mean of ${fleet.nodeReadyToResume.n} (${mean(fleet.nodeReadyToResume).toFixed(2)} min), plus the job's own start-up ${FIGURES.restartMinutes.value} min (default: not visible in the ledger)`,
    };
  }
  return { figures, notes };
};

/** Flags first, then measured figures, then defaults. */
export const resolveFigures = (
  values: Record<string, unknown>,
  measured: Partial<Record<PlanKey, Figure>> = {},
): Record<PlanKey, Figure> =>
  Object.fromEntries(
    (Object.keys(FIGURES) as PlanKey[]).map((key) => {
      const spec = FIGURES[key];
      const flag = values[spec.flag];
      if (typeof flag === 'string')
        return [key, { value: number(spec.flag, flag) / spec.scale, source: 'flag', note: `--${spec.flag}` }];
      return [key, measured[key] ?? { value: spec.value, source: 'default', note: spec.note }];
    }),
  ) as Record<PlanKey, Figure>;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const minutes = (v: number) =>
  v < 1 ? `${(v * 60).toFixed(1)} s` : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} min`;

/** The plan as text: figures and their sources, the estimate, the optimum, the pool, the levers. */
export const planText = (
  plan: Plan,
  figures: Record<PlanKey, Figure>,
  extras: {
    notes?: string[];
    simulated?: { meanEttr: number; p5Ettr: number; p95Ettr: number; runs: number };
    svg?: string;
  } = {},
): string => {
  const lines = [`goodput plan for a job of ${plan.inputs.nodes} nodes`, 'figures:'];
  for (const key of Object.keys(FIGURES) as PlanKey[]) {
    const spec = FIGURES[key];
    const figure = figures[key];
    const shown = `${Number((figure.value * spec.scale).toFixed(3))} ${spec.unit}`;
    lines.push(`  ${spec.flag.padEnd(17)} ${shown.padEnd(26)} ${figure.source.padEnd(8)} ${figure.note}`);
  }
  for (const note of extras.notes ?? []) lines.push(`  note: ${note}`);
  const e = plan.estimate;
  lines.push(
    '',
    `expected ETTR ${pct(e.ettr)}  (Meta's first-order estimator, which assumes a spare is always there: ${pct(plan.metaEttr)})`,
    `  job MTBF ${minutes(e.mtbfMinutes)}; per failure ${minutes(e.downtimePerFailureMinutes)} down and ${minutes(e.lostWorkPerFailureMinutes)} of work lost; no spare for ${pct(e.spareMissShare)} of failures (${e.repairsInFlight.toFixed(2)} repairs in flight)`,
  );
  if (extras.simulated) {
    const s = extras.simulated;
    lines.push(
      `  Monte Carlo (${s.runs} runs of 54 days): mean ${pct(s.meanEttr)}, p5–p95 ${pct(s.p5Ettr)}–${pct(s.p95Ettr)}`,
    );
  }
  const c = plan.checkpoint;
  lines.push(
    `checkpoint interval: now ${minutes(plan.inputs.checkpointIntervalMinutes)}; optimum ${Number.isFinite(c.optimalMinutes) ? minutes(c.optimalMinutes) : 'none (nothing fails)'} → ${pct(c.ettrAtOptimal)} (Young ${minutes(c.youngMinutes)}, Daly ${minutes(c.dalyMinutes)})`,
    `spares: ${plan.spares.meanInFlight.toFixed(2)} faults in flight within the repair turnaround on average; the P${Math.round(plan.spareShare * 100)} pool is ${plan.spares.recommended} → ${pct(plan.spares.ettrAtRecommended)}`,
    'levers (each alone, from the current settings):',
  );
  for (const lever of plan.levers) {
    lines.push(
      `  ${lever.change.padEnd(36)} ${`${lever.gainPoints >= 0 ? '+' : ''}${lever.gainPoints.toFixed(1)} points`.padStart(13)} → ${pct(lever.ettr)}`,
    );
  }
  if (extras.svg) lines.push('', `curves drawn in ${extras.svg}`);
  return lines.join('\n');
};

const durationLine = (label: string, s: DurationStats) =>
  `  ${label.padEnd(34)} ${s.n ? `n ${s.n}, mean ${minutes(s.meanMinutes)}, p50 ${minutes(s.p50Minutes)}, p95 ${minutes(s.p95Minutes)}, max ${minutes(s.maxMinutes)}` : 'none'}`;

export const fleetText = (scopes: ScopeReliability[], window: { from: string; to: string }): string => {
  const lines = [`fleet reliability from ${window.from} to ${window.to}`];
  for (const s of scopes) {
    lines.push(
      '',
      `${s.scope}: ${s.nodes} nodes, ${s.nodeDays.toFixed(3)} node-days, ${s.failures} failures (${(s.failuresPerNodeDay * 1000).toFixed(2)} per 1,000 node-days)`,
    );
    for (const [cls, f] of Object.entries(s.byFaultClass)) {
      lines.push(
        `  fault class ${cls.padEnd(22)} ${f.failures} (${(f.perNodeDay * 1000).toFixed(2)} per 1,000 node-days)`,
      );
    }
    for (const [action, stats] of Object.entries(s.timeToRepair))
      lines.push(durationLine(`time to repair (${action})`, stats));
    lines.push(
      durationLine('fault → node back', s.faultToNodeReady),
      durationLine('fault → jobs suspended', s.detectToSuspend),
      durationLine('suspended → resumed (waited node)', s.suspendToResume.waitedForNode),
      durationLine('suspended → resumed (no wait)', s.suspendToResume.withoutWaiting),
      durationLine('node back → jobs resumed', s.nodeReadyToResume),
      `  false positives: ${s.falsePositives.clearedWithoutAction} cleared without action, ${s.falsePositives.passedAfterQuarantine} passed checks after a quarantine`,
      `  lemon nodes: ${s.lemons.length ? s.lemons.map((l) => `${l.instanceId} (${l.failures} failures, jobs ${l.jobs.join(', ') || 'none'})`).join('; ') : 'none'}`,
    );
  }
  return lines.join('\n');
};

export const jobsText = (accounts: JobAccount[]): string => {
  if (accounts.length === 0) return 'no job was suspended in the window';
  const lines: string[] = [];
  for (const a of accounts) {
    lines.push(
      `${a.clusterName ? `${a.clusterName} ` : ''}${a.job}: lost ${minutes(a.totalLostMinutes)} in ${a.interruptions.length} interruption(s)${a.open ? ' — STILL SUSPENDED' : ''}`,
    );
    for (const i of a.interruptions) {
      lines.push(
        `  ${i.incidentId}  suspended ${i.suspendedAt}  ${i.resumedAt ? `resumed ${i.resumedAt}` : 'not resumed'}  ${minutes(i.lostMinutes)}`,
      );
    }
  }
  return lines.join('\n');
};

/** Where incidents come from: a local run's report, or a deployed ledger. */
export interface IncidentSource {
  incidents: IncidentLike[];
  window: { from: string; to: string };
  nodes: Record<string, number>;
  defaultCluster?: string;
  /** In words, for the output. */
  description: string;
}

/** Reads a `hpr simulate --json` / `hpr demo --json` report. */
export const sourceFromReport = (text: string, path: string): IncidentSource => {
  let report: {
    startedAt?: unknown;
    endedAt?: unknown;
    incidents?: unknown;
    cluster?: { name?: unknown; nodes?: unknown };
  };
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new PlanUsageError(`--report ${path}: not JSON (${(error as Error).message})`);
  }
  if (
    typeof report?.startedAt !== 'string' ||
    typeof report.endedAt !== 'string' ||
    !Array.isArray(report.incidents) ||
    typeof report.cluster?.name !== 'string' ||
    !Array.isArray(report.cluster.nodes)
  ) {
    throw new PlanUsageError(`--report ${path}: not the JSON report of hpr simulate or hpr demo (--json)`);
  }
  const cluster = report.cluster.name;
  return {
    incidents: (report.incidents as IncidentLike[]).map((i) => ({ ...i, clusterName: cluster })),
    window: { from: report.startedAt, to: report.endedAt },
    nodes: { [cluster]: report.cluster.nodes.length },
    defaultCluster: cluster,
    description: `the local run in ${path}`,
  };
};

export interface PlanIo {
  readFile: (path: string) => Promise<string>;
  writeFile: (path: string, text: string) => Promise<void>;
  stdout: (text: string) => void;
  now: () => Date;
  /** A deployed ledger for `--stage` / `--table` (hpr.ts wires it). */
  ledger?: (values: Record<string, unknown>) => Promise<{ listAllIncidents: () => Promise<IncidentLike[]> }>;
}

const DAY_MS = 86_400_000;

const sinceOf = (text: string | undefined, now: Date): string => {
  if (!text) return new Date(now.getTime() - 30 * DAY_MS).toISOString();
  const relative = /^(\d+)([hd])$/.exec(text);
  if (relative)
    return new Date(
      now.getTime() - Number(relative[1]) * (relative[2] === 'h' ? 3_600_000 : DAY_MS),
    ).toISOString();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new PlanUsageError(`--since ${text}: expected e.g. 24h, 30d or an ISO time`);
  return new Date(at).toISOString();
};

const loadSource = async (
  values: Record<string, unknown>,
  io: PlanIo,
): Promise<IncidentSource | undefined> => {
  if (typeof values.report === 'string')
    return sourceFromReport(await io.readFile(values.report), values.report);
  if ((typeof values.stage === 'string' || typeof values.table === 'string') && io.ledger) {
    const now = io.now();
    const cluster = typeof values.cluster === 'string' ? values.cluster : undefined;
    const incidents = (await (await io.ledger(values)).listAllIncidents()).filter(
      (i) => !cluster || i.clusterName === cluster,
    );
    const fleetNodes =
      typeof values['fleet-nodes'] === 'string' ? number('fleet-nodes', values['fleet-nodes']) : 0;
    const clusters = cluster ? [cluster] : [...new Set(incidents.map((i) => i.clusterName ?? 'unknown'))];
    return {
      incidents,
      window: { from: sinceOf(values.since as string | undefined, now), to: now.toISOString() },
      // One fleet size for the clusters read: per-cluster sizes need one run per --cluster.
      nodes: Object.fromEntries(clusters.map((c) => [c, clusters.length === 1 ? fleetNodes : 0])),
      description: `the ledger of ${String(values.stage ?? values.table)}`,
    };
  }
  return undefined;
};

/** Sums the scopes into one fleet (for the planner's single set of figures). */
const wholeFleet = (source: IncidentSource): ScopeReliability => {
  const nodes = Object.values(source.nodes).reduce((s, n) => s + n, 0);
  const [fleet] = fleetReliability(
    source.incidents.map((i) => ({ ...i, clusterName: 'fleet' })),
    { window: source.window, nodes: { fleet: nodes } },
  );
  return fleet!;
};

/** Runs `hpr plan|fleet|jobs <flags>`; returns the exit code. */
export const planCommand = async (
  command: 'plan' | 'fleet' | 'jobs',
  argv: string[],
  io: PlanIo,
): Promise<number> => {
  const { values } = parseArgs({ args: argv, options: PLAN_OPTIONS, allowPositionals: false });
  const json = values.json === true;
  const source = await loadSource(values, io);
  if (command !== 'plan') {
    if (!source)
      throw new PlanUsageError(`hpr ${command} needs --report <hpr simulate --json output> or --stage <s>`);
    if (command === 'jobs') {
      const accounts = jobInterruptions(source.incidents, source.window);
      io.stdout(json ? `${JSON.stringify(accounts, null, 2)}\n` : `${jobsText(accounts)}\n`);
      return 0;
    }
    const scopes = fleetReliability(source.incidents, {
      window: source.window,
      nodes: source.nodes,
      defaultCluster: source.defaultCluster,
    });
    io.stdout(
      json
        ? `${JSON.stringify({ window: source.window, scopes }, null, 2)}\n`
        : `${fleetText(scopes, source.window)}\n`,
    );
    return 0;
  }
  const minNodeDays =
    typeof values['min-node-days'] === 'string' ? number('min-node-days', values['min-node-days']) : 1;
  const measured = source ? measuredFigures(wholeFleet(source), minNodeDays) : { figures: {}, notes: [] };
  const notes = source
    ? [`measured figures from ${source.description}`, ...measured.notes]
    : ['no ledger read (--report or --stage): figures from flags and defaults'];
  const figures = resolveFigures(values, measured.figures);
  const inputs = Object.fromEntries(
    Object.entries(figures).map(([k, f]) => [k, f.value]),
  ) as unknown as PlanInputs;
  const share = typeof values.share === 'string' ? number('share', values.share) : 0.99;
  let plan: Plan;
  try {
    plan = buildPlan(inputs, share);
  } catch (error) {
    if (error instanceof GoodputInputError) throw new PlanUsageError(error.message);
    throw error;
  }
  const seed = typeof values.seed === 'string' ? number('seed', values.seed) : 2024;
  const simulation = { runs: 40, horizonMinutes: 54 * 1440, seed };
  const simulated = values.simulate ? simulatePlan(inputs, simulation) : undefined;
  const dots: CurvePoint[] = values.simulate
    ? plan.curves.spares
        .filter((p) => p.x % Math.max(1, Math.ceil(plan.curves.spares.length / 12)) === 0)
        .map((p) => ({ x: p.x, ettr: simulatePlan({ ...inputs, spares: p.x }, simulation).meanEttr }))
    : [];
  const svg = typeof values.svg === 'string' ? values.svg : undefined;
  if (svg) await io.writeFile(svg, planChartSvg(plan, dots));
  if (json) {
    io.stdout(
      `${JSON.stringify({ figures, notes, plan, ...(simulated ? { simulated, simulatedSpares: dots } : {}), ...(svg ? { svg } : {}) }, null, 2)}\n`,
    );
  } else {
    io.stdout(
      `${planText(plan, figures, { notes, ...(simulated ? { simulated: { ...simulated, runs: simulation.runs } } : {}), ...(svg ? { svg } : {}) })}\n`,
    );
  }
  return 0;
};

/** The real file system and clock. */
export const planIo = (ledger?: PlanIo['ledger']): PlanIo => ({
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: (path, text) => writeFile(path, text),
  stdout: (text) => process.stdout.write(text),
  now: () => new Date(),
  ...(ledger ? { ledger } : {}),
});
