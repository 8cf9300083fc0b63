/**
 * The quick-check script runs for real under /bin/sh (with stand-in commands instead of
 * nvidia-smi, dcgmi and nccl-tests) and its verdict goes through the very judge the Lambda uses:
 * the script and assessVerdict agree on the format.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCheckScript } from '#domain/health-check-job.ts';
import { assessVerdict } from '#domain/health-verdict.ts';

const dir = mkdtempSync(join(tmpdir(), 'hpr-check-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (commands: Record<string, string>, env: Record<string, string> = {}) => {
  const checks = Object.entries(commands).map(([name, command]) => ({ name, command, timeoutSeconds: 5 }));
  const log = join(dir, `${Object.keys(commands).join('-')}-${Math.random().toString(16).slice(2)}.log`);
  const result = spawnSync('/bin/sh', ['-c', renderCheckScript(checks, log)], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HPR_EXPECTED_GPUS: '8',
      HPR_EXPECTED_EFA: '0',
      ...Object.fromEntries(checks.map((c, i) => [`HPR_CHECK_${i}`, c.command])),
      ...env,
    },
    encoding: 'utf8',
  });
  return { exitCode: result.status ?? -1, verdict: readFileSync(log, 'utf8') };
};

describe('Script: quick-check runner', () => {
  it('writes a verdict the Lambda accepts when every check passes', () => {
    // Act
    const { exitCode, verdict } = run({
      'gpu-count': 'echo "probing"; echo "{\\"count\\":$HPR_EXPECTED_GPUS}"',
      efa: 'echo "{\\"devices\\":0}"; [ 0 -ge "$HPR_EXPECTED_EFA" ]',
    });

    // Assess
    expect(exitCode).toBe(0);
    expect(JSON.parse(verdict)).toEqual({
      v: 1,
      checks: [
        { name: 'gpu-count', pass: true, metrics: { count: 8 } },
        { name: 'efa', pass: true, metrics: { devices: 0 } },
      ],
    });
    expect(
      assessVerdict(verdict, { checks: ['gpu-count', 'efa'], gpus: 8, efaDevices: 0 }, { exitCode }),
    ).toMatchObject({
      status: 'passed',
    });
  });

  it('records a failing, a silent and a hanging check as failed, and exits non-zero', () => {
    // Act
    const { exitCode, verdict } = run({
      'gpu-count': 'echo "{\\"count\\":7}"; exit 1',
      'dcgm-diag': 'echo not json; exit 0',
      hang: 'sleep 30',
    });

    // Assess
    expect(exitCode).toBe(1);
    expect(JSON.parse(verdict).checks).toEqual([
      { name: 'gpu-count', pass: false, metrics: { count: 7 } },
      { name: 'dcgm-diag', pass: true, metrics: {} },
      { name: 'hang', pass: false, metrics: {} },
    ]);
    const judged = assessVerdict(
      verdict,
      { checks: ['gpu-count', 'dcgm-diag', 'hang'], gpus: 8 },
      { exitCode },
    );
    expect(judged.status).toBe('failed');
    expect(judged.reason).toBe('gpu-count failed (count 7 ≠ 8 expected); hang failed');
  }, 20_000);

  it('drops metrics too long for the termination message', () => {
    // Act
    const { verdict } = run({ 'gpu-count': `echo '{"blob":"${'x'.repeat(600)}"}'` });

    // Assess
    expect(JSON.parse(verdict).checks[0]).toEqual({ name: 'gpu-count', pass: true, metrics: {} });
  });
});
