/**
 * Trainium is a peer of NVIDIA (issue 12): the GPU resource name lives in the accelerator table
 * and nowhere else in the product's source, so no code path can quietly assume every
 * accelerator is an NVIDIA GPU (docs/facts/accelerators.md accelerators.no-literal-outside-table).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SOURCE_DIRS = ['contracts', 'functions', 'events', 'state-machines', 'local', 'deploy'];
const SOURCE_FILES = ['sst.config.ts'];
/** The accelerator table, and the simulator's imitation of the NVIDIA device plugin. */
const ALLOWED = new Set(['contracts/accelerator-table.ts', 'local/simulator/device-plugins.ts']);
const LITERAL = 'nvidia.com/gpu';

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? walk(path) : [path];
  });

const sourceFiles = (): string[] =>
  [
    ...SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))),
    ...SOURCE_FILES.map((f) => join(ROOT, f)).filter((f) => statSync(f, { throwIfNoEntry: false })),
  ]
    .filter((f) => /\.(ts|js|mjs|json)$/.test(f))
    .map((f) => relative(ROOT, f).split('\\').join('/'));

describe('Source tree: accelerator resource names', () => {
  it('keeps the nvidia.com/gpu literal inside the accelerator table', () => {
    // Act
    const offenders = sourceFiles().filter(
      (file) => !ALLOWED.has(file) && readFileSync(join(ROOT, file), 'utf8').includes(LITERAL),
    );

    // Assess
    expect(offenders).toEqual([]);
  });

  it('scans the product source, so the rule cannot pass on an empty tree', () => {
    // Assess
    const files = sourceFiles();
    expect(files).toContain('contracts/accelerator-table.ts');
    expect(files).toContain('functions/tasks/start-quick-check.ts');
    expect(files).toContain('local/simulator/engine.ts');
  });
});
