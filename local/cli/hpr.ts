#!/usr/bin/env node
/**
 * hpr — the hyperpod-resilience CLI. Offline commands run the local environment; the others talk
 * to a deployed stack with the caller's AWS credentials (the SDK's default chain and region).
 * Run through npm (`npm run hpr -- …`) so Node 22 from node_modules is used.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rbacManifestYaml } from '#adapters/kubernetes-rbac.ts';
import { createDynamoLedger } from '#adapters/ledger-dynamodb.ts';
import { manualRecoveryInputSchema } from '#events/manual.ts';
import { healthCheckInputSchema } from '#state-machines/health-check.contract.ts';
import { jobResumeInputSchema } from '#state-machines/job-resume.contract.ts';
import { demoScenario } from './demo.ts';
import {
  clearNeedsAttention,
  incidentSummary,
  pauseCluster,
  resetClusterBreaker,
  unpauseCluster,
} from './operations.ts';
import { loadScenario, ScenarioError } from './scenario.ts';
import { runScenario, SimulationCutShortError, type SimulationReport } from './simulate.ts';
import { reportText } from './timeline.ts';

const USAGE = `usage:
  offline
    hpr demo [--json]                       run the demo (real kube-apiserver + HyperPod simulator)
    hpr simulate <scenario.json> [--json]   run a scenario and report every incident
    hpr rbac                                print our ClusterRole + binding (kubectl apply -f -)
  against a deployed stack (AWS credentials from the default chain)
    hpr recover --state-machine <arn> --cluster <name> (--instance <i-…> | --node <name>)
                [--action auto|reboot|replace] --reason <text>
    hpr check   --state-machine <arn> --cluster <name> (--instance <i-…> | --node <name>)
                [--level quick|full] [--reason <text>]
    hpr resume  --state-machine <arn> --cluster <name> (--all | --job <Kind/namespace/name> …)
                --reason <text>
    hpr status  --table <ledger> --cluster <name> [--limit N]
    hpr pause   --table <ledger> --cluster <name> --reason <text>
    hpr unpause --table <ledger> --cluster <name>
    hpr reset-breaker --table <ledger> --cluster <name>
    hpr clear   --table <ledger> --cluster <name> --instance <i-…>   (after a person repaired it)
  hpr help`;

const OPTIONS = {
  json: { type: 'boolean' },
  'state-machine': { type: 'string' },
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
} as const;

class UsageError extends Error {}

const required = (values: Record<string, unknown>, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required`);
  return value;
};

const ledgerFor = (table: string) =>
  createDynamoLedger({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: table,
  });

const operator = () => process.env.USER ?? 'hpr';

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
  stateMachineArn: string,
): Promise<number> => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(
      (parsed.error?.issues ?? [])
        .map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`)
        .join('; '),
    );
  }
  const out = await new SFNClient({}).send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(parsed.data) }),
  );
  process.stdout.write(`started ${out.executionArn}\n`);
  return 0;
};

const nodeTarget = (values: Record<string, unknown>) => ({
  clusterName: values.cluster,
  ...(values.instance ? { instanceId: values.instance } : {}),
  ...(values.node ? { nodeName: values.node } : {}),
});

const print = (report: SimulationReport, json: boolean) =>
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(report)}\n`);

/** Exit codes of a run ended by a signal (128 + the signal's number, as shells report it). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs a scenario so that it always ends: at the scenario's timeout, or on SIGINT / SIGTERM, the
 * running executions are aborted and listed, the local environment is torn down, and the exit
 * code is non-zero (1 for the timeout, 130 / 143 for the signals). A second signal exits at once.
 */
const simulateToEnd = async (
  run: (signal: AbortSignal) => Promise<SimulationReport>,
  json: boolean,
  exitCode: (report: SimulationReport) => number,
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
    const report = await run(aborter.signal);
    print(report, json);
    return exitCode(report);
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
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const json = values.json === true;
  const [command, ...rest] = positionals;
  const log = json ? () => {} : (line: string) => process.stderr.write(`· ${line}\n`);
  switch (command) {
    case 'demo':
      return simulateToEnd(
        (signal) => runScenario(demoScenario(), { log, signal }),
        json,
        (report) => (report.incidents.every((i) => i.status === 'resolved') ? 0 : 1),
      );
    case 'simulate': {
      const [file] = rest;
      if (!file) {
        process.stderr.write(`hpr simulate: missing scenario file\n${USAGE}\n`);
        return 2;
      }
      const scenario = await loadScenario(file);
      return simulateToEnd(
        (signal) => runScenario(scenario, { log, signal }),
        json,
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
          requestedBy: operator(),
        },
        required(values, 'state-machine'),
      );
    case 'check':
      return startExecution(
        healthCheckInputSchema,
        {
          ...nodeTarget(values),
          ...(values.level ? { level: values.level } : {}),
          ...(values.reason ? { reason: values.reason } : {}),
          requestedBy: operator(),
        },
        required(values, 'state-machine'),
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
          requestedBy: operator(),
        },
        required(values, 'state-machine'),
      );
    }
    case 'status': {
      const limit = Number(values.limit ?? 20);
      const incidents = await ledgerFor(required(values, 'table')).listIncidents(
        required(values, 'cluster'),
        { limit },
      );
      process.stdout.write(
        json ? `${JSON.stringify(incidents, null, 2)}\n` : `${incidents.map(incidentSummary).join('\n')}\n`,
      );
      return 0;
    }
    case 'pause':
      await pauseCluster(ledgerFor(required(values, 'table')), {
        clusterName: required(values, 'cluster'),
        reason: required(values, 'reason'),
        by: operator(),
        now: new Date().toISOString(),
      });
      process.stdout.write('paused: admissions skip with reason "paused" until `hpr unpause`\n');
      return 0;
    case 'unpause':
      process.stdout.write(
        (await unpauseCluster(ledgerFor(required(values, 'table')), required(values, 'cluster')))
          ? 'unpaused\n'
          : 'was not paused\n',
      );
      return 0;
    case 'reset-breaker':
      process.stdout.write(
        (await resetClusterBreaker(ledgerFor(required(values, 'table')), required(values, 'cluster')))
          ? 'circuit breaker reset\n'
          : 'circuit breaker was closed\n',
      );
      return 0;
    case 'clear':
      process.stdout.write(
        (await clearNeedsAttention(ledgerFor(required(values, 'table')), {
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
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const text =
      usage || !(error instanceof Error)
        ? String((error as Error)?.message ?? error)
        : (error.stack ?? error.message);
    process.stderr.write(`hpr: ${text}${error instanceof UsageError ? `\n${USAGE}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  },
);
