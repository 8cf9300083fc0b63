/**
 * Cold start of every Lambda: each handler bundled as the deploy bundles it (SST's esbuild options,
 * deploy/lambda-bundle.ts), then its minified size and the time a fresh Node 22 process
 * takes to import it: HPR_BENCH_COLDSTART_RUNS processes per handler (default 11), interleaved
 * across handlers so that a busy machine slows all of them alike. Nothing else runs at import: no
 * AWS call and no config read (the deps are composed at the first invocation).
 *
 * Targets (issue 10, compared with the p50): a Lambda that makes no Kubernetes call ≤ 1 MB and
 * ≤ 120 ms; one that does ≤ 2 MB and ≤ 250 ms (1 MB = 1,000,000 bytes). The three Lambdas on the
 * way from the fault to the suspended jobs (AdmitIncident, QuarantineNode, SuspendWorkloads) are
 * also reported as a sum: their cold starts add up on the way to TimeToSuspend.
 *
 *   npm run bench -- cold-start        (writes bench/results/cold-start.json)
 *
 * HPR_BENCH_COLDSTART_ROOT bundles another checkout's handlers with the same options (e.g. an
 * older commit, to compare).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '#deploy/lambda-bundle.ts';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { allFunctions } from '#state-machines/registry.ts';
import { summarize } from './stats.ts';

const RUNS = Number(process.env.HPR_BENCH_COLDSTART_RUNS ?? 11);
const ROOT = resolve(process.env.HPR_BENCH_COLDSTART_ROOT ?? fileURLToPath(new URL('..', import.meta.url)));
const MB = 1_000_000;
const TARGETS = {
  noKubernetes: { bytes: 1 * MB, importMs: 120 },
  kubernetes: { bytes: 2 * MB, importMs: 250 },
} as const;
const SUSPEND_PATH = ['admit-incident', 'quarantine-node', 'suspend-workloads'];

/** Lambda runs Node 22: use it even when this script runs under another Node. */
const nodeBinary = (): string =>
  process.version.startsWith('v22.') ? process.execPath : join(ROOT, 'node_modules/.bin/node');

/**
 * Milliseconds a fresh Node process spends in `import(bundle)` (wall clock, and CPU time of the
 * process: on a busy machine the wall clock also counts waiting for a core), and its RSS afterwards.
 */
const importOnce = (node: string, bundle: string): { ms: number; cpuMs: number; rssMiB: number } => {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); const ms = performance.now() - t; const u = process.cpuUsage(c); process.stdout.write(JSON.stringify({ ms, cpuMs: (u.user + u.system) / 1000, rss: process.memoryUsage().rss }));`;
  const child = spawnSync(node, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (child.status !== 0) throw new Error(`importing ${bundle} failed: ${child.stderr}`);
  const { ms, cpuMs, rss } = JSON.parse(child.stdout) as { ms: number; cpuMs: number; rss: number };
  return { ms, cpuMs, rssMiB: rss / 2 ** 20 };
};

const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;

export async function run(): Promise<Record<string, unknown>> {
  const names = allFunctions();
  const outdir = mkdtempSync(join(tmpdir(), 'hpr-cold-start-'));
  try {
    await build(
      lambdaBuildOptions(
        ROOT,
        names.map((n) => `functions/handlers/${n}.ts`),
        outdir,
      ),
    );
    const node = nodeBinary();
    const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const samples = new Map<string, { ms: number[]; cpuMs: number[]; rssMiB: number[] }>(
      names.map((n) => [n, { ms: [], cpuMs: [], rssMiB: [] }]),
    );
    for (let round = 0; round < RUNS; round++) {
      for (const name of names) {
        const measured = importOnce(node, join(outdir, name, 'bundle.mjs'));
        const into = samples.get(name)!;
        into.ms.push(measured.ms);
        into.cpuMs.push(measured.cpuMs);
        into.rssMiB.push(measured.rssMiB);
      }
    }
    const handlers = Object.fromEntries(
      names.map((name) => {
        const kubernetes = TASK_IAM[name]?.kubernetes ?? true;
        const target = kubernetes ? TARGETS.kubernetes : TARGETS.noKubernetes;
        const bytes = statSync(join(outdir, name, 'bundle.mjs')).size;
        const importMs = summarize(samples.get(name)!.ms);
        const importCpuMs = summarize(samples.get(name)!.cpuMs);
        const rssMiB = summarize(samples.get(name)!.rssMiB);
        return [
          name,
          {
            kubernetes,
            bytes,
            importMs,
            importCpuMs,
            rssMiB: rssMiB.p50,
            target,
            meetsSize: bytes <= target.bytes,
            meetsImport: importMs.p50 <= target.importMs,
          },
        ];
      }),
    );
    const onPath = SUSPEND_PATH.map((n) => handlers[n]!);
    const suspendPath = {
      lambdas: SUSPEND_PATH,
      bytes: onPath.reduce((sum, h) => sum + h.bytes, 0),
      importP50Ms: onPath.reduce((sum, h) => sum + h.importMs.p50, 0),
      importP95Ms: onPath.reduce((sum, h) => sum + h.importMs.p95, 0),
      importCpuP50Ms: onPath.reduce((sum, h) => sum + h.importCpuMs.p50, 0),
    };

    const rows = names.map((name) => {
      const h = handlers[name]!;
      const limit = `≤ ${fmtMB(h.target.bytes)}, ≤ ${h.target.importMs} ms`;
      const met =
        h.meetsSize && h.meetsImport
          ? 'yes'
          : `no (${[!h.meetsSize && 'size', !h.meetsImport && 'time'].filter(Boolean).join(', ')})`;
      return `| ${name} | ${h.kubernetes ? 'yes' : 'no'} | ${fmtMB(h.bytes)} | ${h.importMs.p50} ms | ${h.importMs.p95} ms | ${h.importCpuMs.p50} ms | ${limit} | ${met} |`;
    });
    process.stderr.write(
      [
        `cold start: ${RUNS} imports per handler, ${nodeVersion}`,
        '| Lambda | Kubernetes | Bundle | Import p50 | Import p95 | Import CPU p50 | Target | Met |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        `| **${SUSPEND_PATH.join(' + ')}** | | ${fmtMB(suspendPath.bytes)} | ${suspendPath.importP50Ms} ms | ${suspendPath.importP95Ms} ms | ${suspendPath.importCpuP50Ms} ms | | |`,
        '',
      ].join('\n'),
    );
    return {
      setup: `every handler bundled with SST's esbuild options (ESM, es2023, minified, names kept); ${RUNS} fresh \`node\` processes per handler each timing import(bundle), interleaved`,
      // The commit measured, not a machine path (HPR_BENCH_COLDSTART_ROOT may name another checkout).
      checkout: spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
      }).stdout.trim(),
      node: nodeVersion,
      runs: RUNS,
      targets: TARGETS,
      handlers,
      suspendPath,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
