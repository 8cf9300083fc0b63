/** The hpr CLI as a process: what a person sees for bad input. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const hpr = new URL('../../local/cli/hpr.mjs', import.meta.url).pathname;

const exec = async (args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [hpr, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
};

describe('CLI: hpr', () => {
  it('says what is wrong with an invalid scenario and exits 2 without starting anything', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'hpr-cli-'));
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        cluster: { instanceGroups: [{ name: 'w', instanceType: 'p5', count: 1 }] },
        faults: [{ node: 3, type: 'X' }],
      }),
    );

    // Act
    const result = await exec(['simulate', file]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a valid scenario');
    expect(result.stderr).toContain('cluster.instanceGroups.0.instanceType');
    expect(result.stderr).toContain('faults.0.node: node 3 does not exist');
  });

  it('rejects a manual recovery request with an invalid instance id before calling AWS', async () => {
    // Act
    const result = await exec([
      'recover',
      '--state-machine',
      'arn:x',
      '--cluster',
      'ml',
      '--instance',
      'i-nothex',
      '--reason',
      'x',
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('instanceId');
  });

  it('prints our ClusterRole manifest for kubectl apply', async () => {
    // Act
    const result = await exec(['rbac']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kind: ClusterRole');
    expect(result.stdout).toContain('kind: ClusterRoleBinding');
  });

  it('rejects a job reference that is not Kind/namespace/name before calling AWS', async () => {
    // Act
    const result = await exec([
      'resume',
      '--state-machine',
      'arn:x',
      '--cluster',
      'ml',
      '--job',
      'PyTorchJob/ml',
      '--reason',
      'x',
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected Kind/namespace/name');
  });
});
