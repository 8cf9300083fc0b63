/**
 * The layer table of docs/ARCHITECTURE.md is enforced by Biome's `noRestrictedImports` overrides
 * in biome.json: a wrong-layer import fails `npx biome check`. Each case writes a throwaway module
 * into the layer's folder, lints it with the project's Biome and removes it again.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');

/**
 * Lints a probe module importing `specifier` from inside `folder`, by name (`import { probe }`) or
 * as a namespace (`import * as probe`); the file is always removed.
 */
const lintImport = (
  folder: string,
  specifier: string,
  form: 'named' | 'namespace' = 'named',
): { failed: boolean; output: string } => {
  const file = join(ROOT, folder, `zz-layer-probe-${form}-${process.pid}.ts`);
  const binding = form === 'named' ? '{ probe }' : '* as probe';
  writeFileSync(file, `import ${binding} from '${specifier}';\n\nexport const used = probe;\n`);
  try {
    const run = spawnSync(BIOME, ['lint', '--max-diagnostics=5', file], { cwd: ROOT, encoding: 'utf8' });
    return { failed: run.status !== 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(file, { force: true });
  }
};

describe('Biome config: layer rules (docs/ARCHITECTURE.md "Layers")', () => {
  it.each([
    ['functions/domain', '#adapters/ports.ts', 'functions/domain is pure'],
    ['functions/domain', '@aws-sdk/client-sagemaker', 'functions/domain is pure'],
    ['state-machines', '#domain/types.ts', 'nothing from functions/'],
    ['functions/tasks', '@aws-sdk/client-sagemaker', 'through the port interfaces'],
    ['functions/tasks', '#adapters/sagemaker.ts', 'through the port interfaces'],
    ['contracts', '#domain/types.ts', 'contracts/ imports nothing of ours'],
    ['functions/composition', '#deploy/task-iam.ts', 'never imports deploy/'],
    ['events', '#adapters/ports.ts', 'events/ is data'],
  ])('fails lint when %s imports %s', (folder, specifier, message) => {
    // Act
    const result = lintImport(folder, specifier);

    // Assess
    expect(result.failed).toBe(true);
    expect(result.output).toContain('lint/style/noRestrictedImports');
    expect(result.output).toContain(message);
  });

  it.each([
    ['functions', '@aws-sdk/client-sagemaker', 'AWS SDK clients are built in functions/adapters only'],
    ['functions', '@smithy/smithy-client', 'AWS SDK clients are built in functions/adapters only'],
    ['functions/composition', '@aws-sdk/lib-dynamodb', 'SDK clients come from the adapters'],
    ['functions/handlers', '@aws-sdk/client-sns', 'functions/handlers only wrap a task'],
  ])(
    'fails lint when %s (a folder of the Lambdas outside the adapters) imports the AWS SDK %s',
    (folder, specifier, message) => {
      // Act
      const result = lintImport(folder, specifier);

      // Assess
      expect(result.failed).toBe(true);
      expect(result.output).toContain(message);
    },
  );

  it.each([
    ['functions/adapters', '#adapters/sagemaker.ts'],
    ['functions/adapters', '@aws-sdk/client-sagemaker'],
    ['functions/adapters', '@aws-sdk/lib-dynamodb'],
    ['functions/tasks', '#adapters/ports.ts'],
    ['functions/composition', '#adapters/eks.ts'],
    ['functions/handlers', '#adapters/ports.ts'],
    ['functions', '#adapters/ports.ts'],
  ])(
    'fails lint when %s imports %s as a namespace (the IAM derivation reads named imports)',
    (folder, specifier) => {
      // Act
      const result = lintImport(folder, specifier, 'namespace');

      // Assess
      expect(result.failed).toBe(true);
      expect(result.output).toContain('No namespace import of a port or adapter module or of an AWS SDK');
    },
  );

  it.each([
    ['functions/adapters', '@aws-sdk/client-sagemaker'],
    ['functions/adapters', '#adapters/ports.ts'],
    ['functions/composition', '#adapters/eks.ts'],
  ])('passes lint when %s imports names from %s', (folder, specifier) => {
    // Act
    const result = lintImport(folder, specifier);

    // Assess
    expect(result.output).not.toContain('noRestrictedImports');
    expect(result.failed).toBe(false);
  });

  it.each([
    ['functions/domain', '#contracts/errors.ts'],
    ['state-machines', '#events/rules.ts'],
    ['functions/tasks', '#adapters/ports.ts'],
    ['functions/tasks', '#state-machines/node-recovery.contract.ts'],
    ['functions/adapters', '#domain/types.ts'],
  ])('passes lint when %s imports %s', (folder, specifier) => {
    // Act
    const result = lintImport(folder, specifier);

    // Assess
    expect(result.output).not.toContain('noRestrictedImports');
    expect(result.failed).toBe(false);
  });

  it('keeps the zod namespace-import rule in a layer that has its own import rules', () => {
    // Act
    const file = join(ROOT, 'functions/domain', `zz-layer-probe-zod-${process.pid}.ts`);
    writeFileSync(file, "import { z } from 'zod';\n\nexport const schema = z.string();\n");
    let output: string;
    try {
      const run = spawnSync(BIOME, ['lint', file], { cwd: ROOT, encoding: 'utf8' });
      output = `${run.stdout}${run.stderr}`;
    } finally {
      rmSync(file, { force: true });
    }

    // Assess
    expect(output).toContain("Write `import * as z from 'zod'`");
  });
});
