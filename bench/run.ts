/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each
 * result and writes them all to bench/results/latest.json with the machine they ran on. Benches
 * named on the command line write bench/results/<names>.json instead, leaving latest.json whole.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
const results: Record<string, unknown> = {};
for (const file of files) {
  const name = basename(file, '.bench.ts');
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench ${name} …\n`);
  const started = Date.now();
  const module = (await import(join(here, file))) as { run: () => Promise<Record<string, unknown>> };
  const result = { ...(await module.run()), benchWallMs: Date.now() - started };
  results[name] = result;
  process.stdout.write(`${name}: ${JSON.stringify(result, null, 2)}\n`);
}
const out = join(here, 'results', only.length ? `${only.join('+')}.json` : 'latest.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), results }, null, 2)}\n`,
);
process.stderr.write(`results written to ${out}\n`);
process.exit(0);
