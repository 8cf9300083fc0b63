#!/usr/bin/env node
/**
 * hpr — the hyperpod-resilience CLI. Offline commands run the local environment; the others talk
 * to a deployed stack with the caller's AWS credentials (the SDK's default chain and region).
 * Run through npm (`npm run hpr -- …`) so Node 22 from node_modules is used.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createKubeApiFactory, eksClientFor } from '#adapters/eks.ts';
import { createDynamoLedger } from '#adapters/ledger-dynamodb.ts';
import { createClusterNodes, sageMakerClientFor } from '#adapters/sagemaker.ts';
import { rbacManifestYaml } from '#deploy/kubernetes-rbac.ts';
import { manualRecoveryInputSchema } from '#events/manual.ts';
import { configStoreClientFor, createConfigStore } from '#local/config-store-dynamodb.ts';
import { healthCheckInputSchema } from '#state-machines/health-check.contract.ts';
import { jobResumeInputSchema } from '#state-machines/job-resume.contract.ts';
import { compareSpareRuns, demoScenario, demoSpareScenarios, spareComparisonText } from './demo.ts';
import { callerArn } from './identity.ts';
import {
  checkStageRule,
  clearNeedsAttention,
  configHistoryLines,
  findIncident,
  IncidentQueryError,
  incidentSummary,
  parseLimit,
  parseSince,
  parseStatus,
  pauseCluster,
  recentIncidents,
  resetClusterBreaker,
  setConfig,
  setConfigMode,
  unpauseCluster,
} from './operations.ts';
import { PlanUsageError, planCommand, planIo } from './plan.ts';
import { loadScenario, ScenarioError } from './scenario.ts';
import { runScenario, SimulationCutShortError, type SimulationReport } from './simulate.ts';
import { poolCountsLine, readPoolViews, sparesLines } from './spares.ts';
import {
  configTableOf,
  ledgerTableOf,
  resolveAccount,
  resolveRegion,
  StackTargetError,
  stateMachineArnOf,
} from './stack.ts';
import { incidentReport, incidentTimeline, reportText } from './timeline.ts';
import { whatIfCommand } from './what-if-command.ts';

const USAGE = `usage:
  offline
    hpr demo [--spares] [--json]            run the demo (real kube-apiserver + HyperPod simulator);
                                            --spares: twice, without and with a hot spare, downtime compared
    hpr simulate <scenario.json> [--json]   run a scenario and report every incident
    hpr rbac                                print our namespace, per-Lambda roles + bindings, admission policies (kubectl apply -f -)
    hpr plan [--nodes N] [--failure-rate per-1000-node-days] [--checkpoint min] [--checkpoint-write min]
             [--restart min] [--detect min] [--spares N] [--repair min] [--share 0.99] [--svg file.svg]
             [--simulate] [--report run.json | --stage <s> [--fleet-nodes N] [--since 30d]] [--json]
                                            expected ETTR, optimal checkpoint interval, spare pool, levers
    hpr fleet (--report run.json | --stage <s> --fleet-nodes N [--cluster c] [--since 30d]) [--json]
                                            failure rates, repair times, false positives, lemon nodes
    hpr jobs  (--report run.json | --stage <s> [--since 30d]) [--json]
                                            time each suspended job lost, per incident and in total
    hpr what-if (--report run.json | --stage <s> --cluster <c> [--nodes N] [--since 30d])
                --policy '<json>'|policy.json [--baseline-policy …] [--json]
                                            replay the history with another policy; compare actions, downtime
      (run.json: the output of hpr simulate <scenario> --json or hpr demo --json)
  against a deployed stack: --stage <stage> names its resources (hpr-<stage>-…); region from
  --region, AWS_REGION, AWS_DEFAULT_REGION or the profile; account from --account or the
  credentials (default chain). --state-machine <arn> / --table <name> override the names.
    hpr incidents --stage <s> [--cluster <name>] [--status open|resolved|skipped|needs-attention|escalated]
                  [--since 24h|<ISO time>] [--limit N] [--json]
    hpr timeline <incident-id> --stage <s> [--cluster <name>] [--json]
    hpr recover --stage <s> --cluster <name> (--instance <i-…> | --node <name>)
                [--action auto|reboot|replace] --reason <text>
    hpr check   --stage <s> --cluster <name> (--instance <i-…> | --node <name>)
                [--level quick|full] [--reason <text>]
    hpr resume  --stage <s> --cluster <name> (--all | --job <Kind/namespace/name> …) --reason <text>
    hpr status  --stage <s> --cluster <name> [--limit N]   (recent incidents, then the hot-spare pools)
    hpr spares  --stage <s> [--cluster <name>] [--json]     hot-spare pools: target, ready, verifying,
                                            promoted, each spare's state and since when
    hpr pause   --stage <s> --cluster <name> --reason <text>
    hpr unpause --stage <s> --cluster <name> [--reason <text>]
    hpr reset-breaker --stage <s> --cluster <name> [--reason <text>]
    hpr config show     --stage <s> [--json]            the config version in force (config store)
    hpr config set-mode observe|act --stage <s> --reason <text> [--allow-act-outside-production]
    hpr config set      --stage <s> --file <config.json> --reason <text>   (the app section, validated)
    hpr config history  --stage <s> [--limit N] [--json]
      (--config-table <name> overrides the stage's config table)
    hpr clear   --stage <s> --cluster <name> --instance <i-…>   (after a person repaired it)
  hpr help`;

const OPTIONS = {
  json: { type: 'boolean' },
  stage: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  'state-machine': { type: 'string' },
  'state-machine-arn': { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  cluster: { type: 'string' },
  instance: { type: 'string' },
  node: { type: 'string' },
  action: { type: 'string' },
  reason: { type: 'string' },
  table: { type: 'string' },
  limit: { type: 'string' },
  level: { type: 'string' },
  all: { type: 'boolean' },
  job: { type: 'string', multiple: true },
  'config-table': { type: 'string' },
  'allow-act-outside-production': { type: 'boolean' },
  file: { type: 'string' },
  spares: { type: 'boolean' },
} as const;

class UsageError extends Error {}

const required = (values: Record<string, unknown>, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required`);
  return value;
};

type Values = Record<string, unknown>;
const flag = (values: Values, name: string): string | undefined =>
  typeof values[name] === 'string' && values[name] ? (values[name] as string) : undefined;

/** The region of the stack (resolved once, only when a command talks to AWS). */
let regionOnce: Promise<string> | undefined;
const regionOf = (values: Values): Promise<string> => {
  regionOnce ??= resolveRegion(flag(values, 'region'), process.env, () =>
    new DynamoDBClient({}).config.region(),
  );
  return regionOnce;
};

/** The stage's ledger (or `--table`), in the resolved region. Names are checked before any call. */
const ledgerFor = async (values: Values) => {
  const tableName = ledgerTableOf({ stage: flag(values, 'stage'), table: flag(values, 'table') });
  return createDynamoLedger({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: await regionOf(values) }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName,
  });
};

/**
 * Who asks: the ARN of the caller's AWS identity (local/cli/identity.ts), never `$USER` or any
 * other value a person can set. Asked once per run, only by commands that record it.
 */
let callerOnce: Promise<string> | undefined;
const operator = (values: Values): Promise<string> => {
  callerOnce ??= regionOf(values).then((region) =>
    callerArn({
      region,
      credentials: fromNodeProviderChain(),
      ...(process.env.AWS_ENDPOINT_URL_STS ? { endpoint: process.env.AWS_ENDPOINT_URL_STS } : {}),
    }),
  );
  return callerOnce;
};

/** Stands in for `requestedBy` while the input is validated, before any AWS call. */
const PENDING_REQUESTER = 'pending';

/** The stage's config store (or `--config-table`), in the resolved region. */
const configStoreFor = async (values: Values) =>
  createConfigStore({
    client: configStoreClientFor(await regionOf(values)),
    tableName: configTableOf({ stage: flag(values, 'stage'), table: flag(values, 'config-table') }),
  });

/**
 * The hot-spare pools of the stage's configuration as the cluster shows them now: SageMaker
 * (instance groups) and Kubernetes (the spares' labels) read with the caller's credentials.
 */
const poolViewsFor = async (values: Values, clusterName?: string) => {
  const current = await (await configStoreFor(values)).current();
  if (!current) throw new UsageError('no configuration stored: deploy the stack first');
  const region = await regionOf(values);
  const kubeFor = createKubeApiFactory({
    eks: eksClientFor(region),
    region,
    credentials: fromNodeProviderChain(),
  });
  return readPoolViews(
    current.config,
    { clusterNodes: createClusterNodes(sageMakerClientFor(region)), kubeFor },
    new Date().toISOString(),
    clusterName,
  );
};

/** Who and when, for the cluster's operator log; the reason when one is given. */
const stampOf = async (values: Values) => ({
  by: await operator(values),
  now: new Date().toISOString(),
  ...(flag(values, 'reason') ? { reason: flag(values, 'reason')! } : {}),
});

/** `hpr config show|set-mode|set|history`: the config store (README "Operations"). */
const configCommand = async (values: Values, positionals: string[]): Promise<number> => {
  const [sub, argument] = positionals;
  const json = values.json === true;
  const store = await configStoreFor(values);
  const now = new Date().toISOString();
  const allowAct = values['allow-act-outside-production'] === true;
  switch (sub) {
    case 'show': {
      const current = await store.current();
      if (!current) throw new UsageError('no configuration stored: deploy the stack first');
      process.stdout.write(
        json
          ? `${JSON.stringify(current, null, 2)}\n`
          : `${configHistoryLines([current])[0]}\n${JSON.stringify(current.config, null, 2)}\n`,
      );
      return 0;
    }
    case 'set-mode': {
      if (argument !== 'observe' && argument !== 'act') throw new UsageError('set-mode observe|act');
      checkStageRule({ stage: flag(values, 'stage'), mode: argument, allowActOutsideProduction: allowAct });
      const written = await setConfigMode(store, {
        mode: argument,
        by: await operator(values),
        reason: required(values, 'reason'),
        now,
      });
      process.stdout.write(
        written
          ? `mode ${written.previousMode ?? '?'} → ${written.mode} (version ${written.version}); Lambdas read it within their max age\n`
          : `the mode already is ${argument}\n`,
      );
      return 0;
    }
    case 'set': {
      const file = required(values, 'file');
      let config: unknown;
      try {
        config = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`--file ${file}: ${(error as Error).message}`);
      }
      const written = await setConfig(store, {
        config,
        by: await operator(values),
        reason: required(values, 'reason'),
        now,
      });
      process.stdout.write(`${configHistoryLines([written])[0]}\n`);
      return 0;
    }
    case 'history': {
      const versions = await store.history(parseLimit(flag(values, 'limit'), 20));
      process.stdout.write(
        json ? `${JSON.stringify(versions, null, 2)}\n` : `${configHistoryLines(versions).join('\n')}\n`,
      );
      return 0;
    }
    default:
      throw new UsageError('hpr config show | set-mode observe|act | set --file <f> | history');
  }
};

/** Validates a console input with its machine's contract, then starts the execution. */
const startExecution = async (
  schema: {
    safeParse: (input: unknown) => {
      success: boolean;
      data?: unknown;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  input: unknown,
  values: Values,
  machine: 'node-recovery' | 'health-check' | 'job-resume',
): Promise<number> => {
  // Validated before anything is called; the requester (an STS call) is filled in after.
  const parsed = schema.safeParse({ ...(input as object), requestedBy: PENDING_REQUESTER });
  if (!parsed.success) {
    throw new UsageError(
      (parsed.error?.issues ?? [])
        .map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`)
        .join('; '),
    );
  }
  const stateMachineArn = await stateMachineArnOf(
    {
      stage: flag(values, 'stage'),
      stateMachine: flag(values, 'state-machine') ?? flag(values, 'state-machine-arn'),
    },
    machine,
    async () => ({
      region: await regionOf(values),
      account: await resolveAccount(flag(values, 'account'), fromNodeProviderChain()),
    }),
  );
  const requested = schema.safeParse({ ...(input as object), requestedBy: await operator(values) });
  if (!requested.success) {
    throw new UsageError(
      (requested.error?.issues ?? []).map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '),
    );
  }
  const out = await new SFNClient({ region: await regionOf(values) }).send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(requested.data) }),
  );
  process.stdout.write(`started ${out.executionArn}\n`);
  return 0;
};

const nodeTarget = (values: Record<string, unknown>) => ({
  clusterName: values.cluster,
  ...(values.instance ? { instanceId: values.instance } : {}),
  ...(values.node ? { nodeName: values.node } : {}),
});

const rendered = (report: SimulationReport, json: boolean): string =>
  json ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(report)}\n`;

/** Exit codes of a run ended by a signal (128 + the signal's number, as shells report it). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs a scenario so that it always ends: at the scenario's timeout, or on SIGINT / SIGTERM, the
 * running executions are aborted and listed, the local environment is torn down, and the exit
 * code is non-zero (1 for the timeout, 130 / 143 for the signals). A second signal exits at once.
 */
const simulateToEnd = async <R = SimulationReport>(
  run: (signal: AbortSignal) => Promise<R>,
  render: (result: R) => string,
  exitCode: (result: R) => number,
): Promise<number> => {
  const aborter = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    if (received) process.exit(SIGNAL_EXIT[signal]);
    received = signal;
    process.stderr.write(`hpr: ${signal} received: aborting the running executions\n`);
    aborter.abort(`interrupted by ${signal}`);
  };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => onSignal(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const result = await run(aborter.signal);
    process.stdout.write(render(result));
    return exitCode(result);
  } catch (error) {
    if (error instanceof SimulationCutShortError) {
      process.stderr.write(`hpr: ${error.message}\n`);
      return received ? SIGNAL_EXIT[received] : 1;
    }
    if (received) {
      process.stderr.write(`hpr: ${(error as Error).message ?? error}\n`);
      return SIGNAL_EXIT[received];
    }
    throw error;
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
};

const main = async (argv: string[]): Promise<number> => {
  if (argv[0] === 'plan' || argv[0] === 'fleet' || argv[0] === 'jobs') {
    return planCommand(argv[0], argv.slice(1), planIo(ledgerFor));
  }
  if (argv[0] === 'what-if') return whatIfCommand(argv.slice(1), planIo(ledgerFor));
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const json = values.json === true;
  const [command, ...rest] = positionals;
  const log = json ? () => {} : (line: string) => process.stderr.write(`· ${line}\n`);
  switch (command) {
    case 'demo': {
      const allResolved = (report: SimulationReport) =>
        report.incidents.every((i) => i.status === 'resolved');
      if (values.spares !== true) {
        return simulateToEnd(
          (signal) => runScenario(demoScenario(), { log, signal }),
          (report) => rendered(report, json),
          (report) => (allResolved(report) ? 0 : 1),
        );
      }
      // The same fault twice, without and with a hot spare, then each job's downtime side by side.
      const scenarios = demoSpareScenarios();
      return simulateToEnd(
        async (signal) => {
          const without = await runScenario(scenarios.without, { log, signal });
          const withSpare = await runScenario(scenarios.with, { log, signal });
          return { without, withSpare, comparison: compareSpareRuns(without, withSpare) };
        },
        (runs) =>
          json
            ? `${JSON.stringify(runs, null, 2)}\n`
            : `${reportText(runs.without)}\n\n${reportText(runs.withSpare)}\n\n${spareComparisonText(runs.comparison)}`,
        (runs) => (allResolved(runs.without) && allResolved(runs.withSpare) ? 0 : 1),
      );
    }
    case 'simulate': {
      const [file] = rest;
      if (!file) {
        process.stderr.write(`hpr simulate: missing scenario file\n${USAGE}\n`);
        return 2;
      }
      const scenario = await loadScenario(file);
      return simulateToEnd(
        (signal) => runScenario(scenario, { log, signal }),
        (report) => rendered(report, json),
        () => 0,
      );
    }
    case 'rbac':
      process.stdout.write(rbacManifestYaml());
      return 0;
    case 'recover':
      return startExecution(
        manualRecoveryInputSchema,
        {
          ...nodeTarget(values),
          ...(values.action ? { action: values.action } : {}),
          reason: values.reason,
        },
        values,
        'node-recovery',
      );
    case 'check':
      return startExecution(
        healthCheckInputSchema,
        {
          ...nodeTarget(values),
          ...(values.level ? { level: values.level } : {}),
          ...(values.reason ? { reason: values.reason } : {}),
        },
        values,
        'health-check',
      );
    case 'resume': {
      const jobs = (values.job ?? []).map((ref) => {
        const [kind, namespace, name, ...extra] = ref.split('/');
        if (!kind || !namespace || !name || extra.length)
          throw new UsageError(`--job ${ref}: expected Kind/namespace/name`);
        return { kind, namespace, name };
      });
      return startExecution(
        jobResumeInputSchema,
        {
          clusterName: values.cluster,
          ...(values.all ? { all: true } : { jobs }),
          reason: values.reason,
        },
        values,
        'job-resume',
      );
    }
    case 'status':
    case 'incidents': {
      const query = {
        clusterName: command === 'status' ? required(values, 'cluster') : flag(values, 'cluster'),
        ...(values.status ? { status: parseStatus(String(values.status)) } : {}),
        ...(values.since ? { since: parseSince(String(values.since), new Date()) } : {}),
        limit: parseLimit(flag(values, 'limit'), 20),
      };
      const incidents = await recentIncidents(await ledgerFor(values), query);
      process.stdout.write(
        json
          ? `${JSON.stringify(incidents, null, 2)}\n`
          : incidents.length
            ? `${incidents.map(incidentSummary).join('\n')}\n`
            : 'no incidents\n',
      );
      if (command === 'status' && !json) {
        // The pools of the cluster, when it has any; a cluster we cannot read says so, and the
        // incidents above stand.
        const lines = await poolViewsFor(values, query.clusterName)
          .then((views) => views.map((v) => `spares ${poolCountsLine(v)}`))
          .catch((error: unknown) => [`spares: not read (${(error as Error).message})`]);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      }
      return 0;
    }
    case 'spares': {
      const views = await poolViewsFor(values, flag(values, 'cluster'));
      process.stdout.write(
        json
          ? `${JSON.stringify(views, null, 2)}\n`
          : `${sparesLines(views, new Date().toISOString()).join('\n')}\n`,
      );
      return 0;
    }
    case 'timeline': {
      const [incidentId] = rest;
      if (!incidentId) throw new UsageError('hpr timeline: missing incident id');
      const ledger = await ledgerFor(values);
      const record = await findIncident(ledger, incidentId, flag(values, 'cluster'));
      if (!record) {
        process.stderr.write(
          `hpr: incident ${incidentId} not found in ${String(values.table ?? `stage ${String(values.stage)}`)}\n`,
        );
        return 1;
      }
      const report = incidentReport(record);
      process.stdout.write(
        json ? `${JSON.stringify(report, null, 2)}\n` : `${incidentTimeline(report).join('\n')}\n`,
      );
      return 0;
    }
    case 'pause':
      await pauseCluster(await ledgerFor(values), {
        clusterName: required(values, 'cluster'),
        reason: required(values, 'reason'),
        by: await operator(values),
        now: new Date().toISOString(),
      });
      process.stdout.write('paused: admissions skip with reason "paused" until `hpr unpause`\n');
      return 0;
    case 'unpause':
      process.stdout.write(
        (await unpauseCluster(await ledgerFor(values), required(values, 'cluster'), await stampOf(values)))
          ? 'unpaused\n'
          : 'was not paused\n',
      );
      return 0;
    case 'reset-breaker':
      process.stdout.write(
        (await resetClusterBreaker(
          await ledgerFor(values),
          required(values, 'cluster'),
          await stampOf(values),
        ))
          ? 'circuit breaker reset\n'
          : 'circuit breaker was closed\n',
      );
      return 0;
    case 'config':
      return configCommand(values, positionals.slice(1));
    case 'clear':
      process.stdout.write(
        (await clearNeedsAttention(await ledgerFor(values), {
          clusterName: required(values, 'cluster'),
          instanceId: required(values, 'instance'),
        }))
          ? 'cleared: automation may act on the node again\n'
          : 'the node was not marked "needs attention"\n',
      );
      return 0;
    case 'help':
    case '--help':
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;
    default:
      process.stderr.write(`hpr: unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
};

// Exit explicitly once done: HTTP keep-alive agents of the SDK and Kubernetes clients must not
// hold a finished CLI open.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad scenarios, bad arguments: say what is wrong (no stack) and exit 2.
    const usage =
      error instanceof ScenarioError ||
      error instanceof UsageError ||
      error instanceof PlanUsageError ||
      error instanceof StackTargetError ||
      error instanceof IncidentQueryError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const text =
      usage || !(error instanceof Error)
        ? String((error as Error)?.message ?? error)
        : (error.stack ?? error.message);
    process.stderr.write(`hpr: ${text}${error instanceof UsageError ? `\n${USAGE}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  },
);
