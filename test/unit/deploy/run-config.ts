/**
 * Runs sst.config.ts's real `run()` offline against the recording fakes of sst-fakes.ts, with a
 * deploy config written to a temporary file (`HPR_CONFIG_FILE`, as the deploy reads it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeSst, type FakeSst } from './sst-fakes.ts';

/** Not a literal import: the main tsconfig must not type-check sst.config.ts without SST's types. */
const SST_CONFIG = new URL('../../../sst.config.ts', import.meta.url).href;

interface SstConfig {
  app: (input: { stage: string }) => Record<string, unknown>;
  run: () => Promise<Record<string, unknown>>;
}

interface ConfigRun {
  fake: FakeSst;
  outputs: Record<string, unknown>;
  app: Record<string, unknown>;
}

const runSstConfig = async (config: unknown, stage: string): Promise<ConfigRun> => {
  const fake = createFakeSst(stage);
  const dir = mkdtempSync(join(tmpdir(), 'hpr-deploy-'));
  const file = join(dir, 'hyperpod-resilience.config.json');
  writeFileSync(file, JSON.stringify(config));
  const previous = process.env.HPR_CONFIG_FILE;
  process.env.HPR_CONFIG_FILE = file;
  const uninstall = fake.install();
  try {
    const module = (await import(/* @vite-ignore */ SST_CONFIG)) as { default: SstConfig };
    const outputs = await module.default.run();
    return { fake, outputs, app: module.default.app({ stage }) };
  } finally {
    uninstall();
    if (previous === undefined) delete process.env.HPR_CONFIG_FILE;
    else process.env.HPR_CONFIG_FILE = previous;
    rmSync(dir, { recursive: true, force: true });
  }
};

export type { ConfigRun };
export { runSstConfig };
