/**
 * `hpr what-if (--report run.json | --stage S [--cluster C] [--since 30d]) --policy '<json>'|file
 * [--baseline-policy …] [--json]`: the history replayed with the policy it had and with another.
 */
import { parseArgs } from 'node:util';
import { type PlanIo, PlanUsageError, sourceFromReport } from './plan.ts';
import { runScenario } from './simulate.ts';
import { comparisonText, type RunSummary, scenarioFromHistory, summarizeRun } from './what-if.ts';

const OPTIONS = {
  json: { type: 'boolean' },
  report: { type: 'string' },
  stage: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  cluster: { type: 'string' },
  since: { type: 'string' },
  nodes: { type: 'string' },
  policy: { type: 'string' },
  'baseline-policy': { type: 'string' },
} as const;

/** A policy given inline (JSON) or as a file. */
const policyOf = async (
  text: string | undefined,
  name: string,
  io: PlanIo,
): Promise<Record<string, unknown> | undefined> => {
  if (text === undefined) return undefined;
  const json = /^\s*[[{]/.test(text) ? text : await io.readFile(text);
  try {
    const value = JSON.parse(json) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new PlanUsageError(`--${name}: expected a JSON object of policy overrides, inline or in a file`);
};

const nodesOf = (text: string | undefined): number => {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new PlanUsageError(`--nodes ${text}: expected 1–256 (a replay's cluster size)`);
  return n;
};

export const whatIfCommand = async (argv: string[], io: PlanIo): Promise<number> => {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  const policy = await policyOf(values.policy, 'policy', io);
  if (!policy) throw new PlanUsageError('hpr what-if needs --policy (the overrides to try)');
  const baseline = await policyOf(values['baseline-policy'], 'baseline-policy', io);
  let history: {
    incidents: Parameters<typeof summarizeRun>[0];
    window: { from: string; to: string };
    nodes: number;
    cluster: string;
    description: string;
  };
  if (values.report) {
    const source = sourceFromReport(await io.readFile(values.report), values.report);
    history = {
      incidents: source.incidents,
      window: source.window,
      nodes: Object.values(source.nodes)[0] ?? 1,
      cluster: source.defaultCluster ?? 'ml-cluster',
      description: source.description,
    };
  } else if ((values.stage || values.table) && io.ledger) {
    const cluster = values.cluster;
    if (!cluster) throw new PlanUsageError('hpr what-if --stage needs --cluster');
    const now = io.now();
    const days = /^(\d+)d$/.exec(values.since ?? '30d');
    if (!days) throw new PlanUsageError('--since: expected a number of days, e.g. 30d');
    const from = new Date(now.getTime() - Number(days[1]) * 86_400_000).toISOString();
    const incidents = (await (await io.ledger(values)).listAllIncidents()).filter(
      (i) =>
        i.clusterName === cluster && Date.parse(String(i.trigger.time ?? i.startedAt)) >= Date.parse(from),
    );
    history = {
      incidents,
      window: { from, to: now.toISOString() },
      nodes: nodesOf(values.nodes),
      cluster,
      description: `the ledger of ${String(values.stage ?? values.table)}`,
    };
  } else {
    throw new PlanUsageError(
      'hpr what-if needs --report <hpr simulate --json output> or --stage <s> --cluster <c>',
    );
  }
  const base = scenarioFromHistory(history.incidents, {
    clusterName: history.cluster,
    nodes: history.nodes,
    ...(baseline ? { policy: baseline } : {}),
    name: 'what-if: history with its policy',
    source: history.description,
  });
  const other = scenarioFromHistory(history.incidents, {
    clusterName: history.cluster,
    nodes: history.nodes,
    policy: { ...baseline, ...policy },
    name: 'what-if: history with the other policy',
  });
  const run = async (plan: typeof base): Promise<RunSummary> => {
    const report = await runScenario(plan.scenario);
    return summarizeRun(report.incidents, { from: report.startedAt, to: report.endedAt });
  };
  const columns = [
    { title: 'history', summary: summarizeRun(history.incidents, history.window) },
    { title: 'replay, its policy', summary: await run(base) },
    { title: 'replay, other policy', summary: await run(other) },
  ];
  const notes = [
    `${base.replayed} incidents of ${history.description} replayed ${base.speedup > 1 ? `${base.speedup.toFixed(0)}× faster` : 'at their own pace'}; replay durations are the simulator's`,
    baseline
      ? "the history's policy as given by --baseline-policy"
      : 'the ledger does not record the policy in force: the first replay uses the configuration defaults (--baseline-policy gives the overrides in force)',
    ...base.notReplayed.map((n) => `not replayed: ${n.incidentId} (${n.reason})`),
  ];
  io.stdout(
    values.json
      ? `${JSON.stringify({ policy, baseline, columns, notes, scenario: other.scenario }, null, 2)}\n`
      : `${comparisonText(columns, notes)}\n`,
  );
  return 0;
};
