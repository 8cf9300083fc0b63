/**
 * The default Neuron (Trainium) quick checks run for real under /bin/sh, with stand-ins for
 * `neuron-ls` and `nccom-test` that print what the AWS Neuron docs show those tools print, and
 * their verdict goes through the very judge the Lambda uses (docs/facts/accelerators.md
 * accelerators.neuron-quick-checks).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_NEURON_QUICK_CHECKS } from '#contracts/config/health-checks.ts';
import { renderCheckScript } from '#domain/health-check-job.ts';
import { assessVerdict } from '#domain/health-verdict.ts';

const dir = mkdtempSync(join(tmpdir(), 'hpr-neuron-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * neuron-ls's table as the Neuron LS User Guide shows it (trn2 example: one row per device, the
 * device index in the first column; a second process of a device continues on a row whose first
 * cell is blank, as in the guide's Inf1 example).
 */
const neuronLsOutput = (devices: number): string =>
  [
    '+--------+--------+---------+--------+---------------+---------+',
    '| NEURON | NEURON | LOGICAL | NEURON |   CONNECTED   |   PCI   |',
    '| DEVICE | CORES  |   NC    | MEMORY |    DEVICES    |   BDF   |',
    '+--------+--------+---------+--------+---------------+---------+',
    ...Array.from({ length: devices }, (_, i) =>
      [
        `| ${String(i).padEnd(6)} | 8      | 4       | 96 GB  | 12, 3, 4, 1   | cc:00.0 |`,
        ...(i === 0 ? ['|        |        |         |        |               | 23531   |'] : []),
      ].join('\n'),
    ),
    '+--------+--------+---------+--------+---------------+---------+',
  ].join('\n');

/** nccom-test's output as the NCCOM-TEST User Guide shows it, with the bus bandwidth given. */
const nccomOutput = (busbw: string): string =>
  [
    '     size(B)    count(elems)     type    time(us)    algbw(GB/s)    busbw(GB/s)',
    `    33554432        33554432    uint8         768          ${busbw}          ${busbw}`,
    `Avg bus bandwidth:      ${busbw}GB/s`,
  ].join('\n');

const stub = (bin: string, name: string, output: string, exitCode = 0) => {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\ncat <<'EOF'\n${output}\nEOF\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
};

const run = (world: { devices: number; busbw: string; nccomExit?: number }, env: Record<string, string>) => {
  const bin = mkdtempSync(join(dir, 'bin-'));
  stub(bin, 'neuron-ls', neuronLsOutput(world.devices));
  stub(bin, 'nccom-test', nccomOutput(world.busbw), world.nccomExit ?? 0);
  const checks = DEFAULT_NEURON_QUICK_CHECKS.map((c) => ({ timeoutSeconds: 30, ...c, name: c.name }));
  const log = join(bin, 'verdict.json');
  const result = spawnSync('/bin/sh', ['-c', renderCheckScript(checks, log)], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HPR_EXPECTED_GPUS: '0',
      HPR_EXPECTED_EFA: '0',
      ...env,
      ...Object.fromEntries(checks.map((c, i) => [`HPR_CHECK_${i}`, c.command])),
    },
    encoding: 'utf8',
  });
  return { exitCode: result.status ?? -1, verdict: readFileSync(log, 'utf8'), checks };
};

const NEURON_ENV = { HPR_EXPECTED_NEURON_DEVICES: '16', HPR_NEURON_CORES: '32', HPR_NCCOM_MIN_GBPS: '50' };
const EXPECTATIONS = {
  checks: DEFAULT_NEURON_QUICK_CHECKS.map((c) => c.name),
  gpus: 0,
  efaDevices: 0,
  neuronDevices: 16,
  neuronCores: 32,
  nccomBusBandwidthGBps: 50,
};

describe('Script: default Neuron quick checks', () => {
  it('passes a node whose neuron-ls lists every device and whose nccom-test all-reduce beats the floor', () => {
    // Act
    const { exitCode, verdict } = run({ devices: 16, busbw: '88.25' }, NEURON_ENV);

    // Assess
    expect(exitCode).toBe(0);
    expect(JSON.parse(verdict).checks).toEqual([
      { name: 'neuron-device-count', pass: true, metrics: { count: 16 } },
      { name: 'neuron-runtime', pass: true, metrics: { exitCode: 0 } },
      { name: 'nccom-all-reduce', pass: true, metrics: { busBandwidthGBps: 88.25 } },
      { name: 'efa', pass: true, metrics: expect.objectContaining({ devices: expect.any(Number) }) },
    ]);
    expect(assessVerdict(verdict, EXPECTATIONS, { exitCode })).toMatchObject({ status: 'passed' });
  });

  it('fails a node missing a device, with a slow all-reduce and a broken runtime, naming each check', () => {
    // Act
    const { exitCode, verdict } = run({ devices: 15, busbw: '40.6901', nccomExit: 1 }, NEURON_ENV);

    // Assess
    expect(exitCode).not.toBe(0);
    const assessment = assessVerdict(verdict, EXPECTATIONS, { exitCode });
    expect(assessment.status).toBe('failed');
    expect(assessment.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual([
      'neuron-device-count',
      'neuron-runtime',
      'nccom-all-reduce',
    ]);
  });

  it('lets the strict judge fail a count the check itself passed', () => {
    // Act: the check compares against an empty expectation (misconfigured), the judge does not.
    const { verdict } = run(
      { devices: 15, busbw: '88' },
      { ...NEURON_ENV, HPR_EXPECTED_NEURON_DEVICES: '15' },
    );

    // Assess
    expect(assessVerdict(verdict, EXPECTATIONS, { exitCode: 0 })).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('neuron-device-count'),
    });
  });
});
