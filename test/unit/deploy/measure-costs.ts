/**
 * Measures the inputs of the README's cost figures (README "Deploy" → "Cost"); not a test.
 *
 *   npx tsx test/unit/deploy/measure-costs.ts > costs.json
 *
 * 1. Per Lambda, bundled like the deploy bundles it (esbuild, ESM, node22): bundle size, and the
 *    init time and RSS of a fresh `node` importing it (what a cold start holds before the first event).
 * 2. On the local environment (real ASL on aws-local-stepfunctions; real adapters over HTTP to the
 *    HyperPod simulator, a real kube-apiserver with RBAC, dynalite): incidents on the reboot path,
 *    the replace path and in observe mode, and an idle health sweep. Per execution: state
 *    transitions as Step Functions bills them (states entered + retries), polls of the node, and
 *    each Task state's duration by Lambda.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { type LocalEnvironment, startLocalEnvironment } from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import type { ExecutionReport } from '#local/runner.ts';
import { MACHINES } from '#state-machines/registry.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const INCIDENTS = Number(process.env.HPR_MEASURE_INCIDENTS ?? 5);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const summary = (values: number[]) => ({
  n: values.length,
  p50: Math.round(percentile(values, 50)),
  p90: Math.round(percentile(values, 90)),
  max: Math.round(Math.max(0, ...values)),
});

// ------------------------------------------------------------------ 1. cold bundles
const measureBundles = () => {
  const out = mkdtempSync(join(tmpdir(), 'hpr-bundles-'));
  const esbuild = join(root, 'node_modules/.bin/esbuild');
  const result: Record<string, { bundleKiB: number; initMs: number; rssMiB: number }> = {};
  for (const file of readdirSync(join(root, 'functions/handlers')).filter((f) => f.endsWith('.ts'))) {
    const name = file.slice(0, -3);
    const bundle = join(out, `${name}.mjs`);
    const build = spawnSync(
      esbuild,
      [
        join(root, 'functions/handlers', file),
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node22',
        '--minify',
        `--outfile=${bundle}`,
        "--banner:js=import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`esbuild ${name}: ${build.stderr}`);
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(bundle)}); const initMs = performance.now() - t; globalThis.gc?.(); console.log(JSON.stringify({ initMs, rss: process.memoryUsage().rss }));`,
      ],
      { encoding: 'utf8', env: { ...process.env, POWERTOOLS_METRICS_DISABLED: 'true' } },
    );
    const measured = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      initMs: number;
      rss: number;
    };
    result[name] = {
      bundleKiB: Math.round(statSync(bundle).size / 1024),
      initMs: Math.round(measured.initMs),
      rssMiB: Math.round(measured.rss / 2 ** 20),
    };
  }
  return result;
};

// ------------------------------------------------------------------ 2. executions
const functionOf = (machine: string, state: string): string | undefined =>
  MACHINES.find((m) => m.name === machine)?.tasks[state];

const describe = (report: ExecutionReport) => {
  const machine = report.machine ?? 'node-recovery';
  const durations: Record<string, number> = {};
  for (const visit of report.states) {
    const fn = functionOf(machine, visit.name);
    if (!fn || visit.exitedAt === undefined) continue;
    durations[fn] = (durations[fn] ?? 0) + (visit.exitedAt - visit.enteredAt);
  }
  return {
    machine,
    status: report.status,
    transitions: report.states.length + report.states.reduce((n, s) => n + s.retries, 0),
    polls: report.states.filter((s) => s.name === 'CheckNodeRecovery').length,
    states: report.states.map((s) => s.name),
    taskMs: durations,
  };
};

const withJob = async (env: LocalEnvironment, namespace: string, index: number, nodeName: string) => {
  const meta = WORKLOAD_KINDS.PyTorchJob;
  await env.apply([
    {
      apiVersion: meta.apiVersion,
      kind: 'PyTorchJob',
      metadata: { name: `job-${index}`, namespace },
      spec: { runPolicy: { suspend: false } },
    },
  ]);
  const job = await env.admin.getWorkload({
    kind: 'PyTorchJob',
    apiVersion: meta.apiVersion,
    namespace,
    name: `job-${index}`,
  });
  await env.apply([
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `job-${index}-worker-0`,
        namespace,
        ownerReferences: [
          {
            apiVersion: meta.apiVersion,
            kind: 'PyTorchJob',
            name: `job-${index}`,
            uid: job?.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: { nodeName, containers: [{ name: 'trainer', image: 'trainer' }] },
    },
  ]);
};

const runIncidents = async (mode: 'act' | 'observe', faultType: string) => {
  const env = await startLocalEnvironment({
    cluster: {
      name: 'measure',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: INCIDENTS + 2 }],
    },
    policy: {
      mode,
      circuitBreaker: { maxNodesPerWindow: 1000, windowMinutes: 1 },
      maxParallel: { absolute: 1000, percent: 100 },
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 },
    },
    pollMs: 100,
  });
  const reports: ReturnType<typeof describe>[] = [];
  try {
    const instances = [...env.simulator.clusters[0]!.nodes];
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'measure' } }]);
    for (const [i, instance] of instances.entries()) await withJob(env, 'measure', i, instance.nodeName);
    // Warm-up (cold clients, TLS, token): not counted, as a warm Lambda would not pay it.
    await env.simulator.injectFault({ instanceId: instances[INCIDENTS]!.instanceId, faultType });
    await env.settled();
    for (const instance of instances.slice(0, INCIDENTS)) {
      const before = env.executions.length;
      await env.simulator.injectFault({ instanceId: instance.instanceId, faultType, labels: false });
      await pollUntil(() => env.executions.length > before, {
        what: 'the execution the fault started',
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      reports.push(describe(await env.executions[before]!));
    }
    await env.settled();
    const sweeps = [];
    for (let i = 0; i < 3; i++) sweeps.push(describe(await env.runSweep({})));
    return { reports, sweeps };
  } finally {
    await env.stop();
  }
};

const aggregate = (reports: ReturnType<typeof describe>[]) => {
  const functions = [...new Set(reports.flatMap((r) => Object.keys(r.taskMs)))].sort();
  return {
    executions: reports.length,
    statuses: [...new Set(reports.map((r) => r.status))],
    path: reports[0]?.states,
    transitions: summary(reports.map((r) => r.transitions)),
    polls: summary(reports.map((r) => r.polls)),
    taskMs: Object.fromEntries(functions.map((fn) => [fn, summary(reports.map((r) => r.taskMs[fn] ?? 0))])),
  };
};

const bundles = measureBundles();
const reboot = await runIncidents('act', 'NvidiaErrorReboot');
const replace = await runIncidents('act', 'NvidiaErrorTerminate');
const observe = await runIncidents('observe', 'NvidiaErrorReboot');
process.stdout.write(
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      bundles,
      reboot: aggregate(reboot.reports),
      replace: aggregate(replace.reports),
      observe: aggregate(observe.reports),
      idleSweep: aggregate([...reboot.sweeps, ...replace.sweeps, ...observe.sweeps]),
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
