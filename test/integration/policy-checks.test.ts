/**
 * The offline policy checks (npm run policy:check, run by .ci/run) really judge: the deploy as
 * synthesized passes with only the findings listed in deploy/policy-findings-accepted.json, and an
 * added over-broad IAM policy or privileged pod fails. Runs parliament and checkov for real (the
 * first run installs them into the cache folder, ~2 minutes).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../scripts/policy-checks/synthesize.ts';

const run = promisify(execFile);
const RUNNER = join(import.meta.dirname, '../../scripts/policy-checks/run.py');

const check = async (dir: string): Promise<{ code: number; out: string }> => {
  try {
    const { stdout } = await run('python3', [RUNNER, dir], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
};

describe('offline policy checks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpr-policy-test-'));
    synthesize(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass on the deploy as synthesized, every finding accepted with a reason', async () => {
    const result = await check(dir);
    expect(result.out).toMatch(/\[policy-checks\] \d+ findings: \d+ accepted .*, 0 not/);
    expect(result.code).toBe(0);
  }, 600_000);

  it('fail on an added admin policy and a privileged pod, naming both', async () => {
    writeFileSync(
      join(dir, 'iam', 'lambda-extra.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      }),
    );
    writeFileSync(
      join(dir, 'k8s', 'extra-pod.yaml'),
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: extra, namespace: hyperpod-resilience}',
        'spec:',
        '  containers:',
        '  - name: c',
        '    image: busybox',
        '    securityContext: {privileged: true}',
        '',
      ].join('\n'),
    );
    const result = await check(dir);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT ACCEPTED parliament \S+ lambda-extra\.json/);
    expect(result.out).toMatch(/NOT ACCEPTED checkov CKV_K8S_16 extra-pod\.yaml/);
  }, 600_000);
});
