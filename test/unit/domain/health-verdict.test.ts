import { describe, expect, it } from 'vitest';
import { assessVerdict, MAX_VERDICT_BYTES } from '#domain/health-verdict.ts';

const EXPECT = {
  checks: ['gpu-count', 'dcgm-diag', 'nccl-all-reduce', 'efa'],
  gpus: 8,
  efaDevices: 32,
  ncclBusBandwidthGBps: 350,
};

const check = (
  name: string,
  pass = true,
  metrics?: Record<string, number | string | boolean>,
  detail?: string,
) => ({
  name,
  pass,
  ...(metrics ? { metrics } : {}),
  ...(detail ? { detail } : {}),
});

const healthy = [
  check('gpu-count', true, { count: 8 }),
  check('dcgm-diag', true, { level: 2, failures: 0 }),
  check('nccl-all-reduce', true, { busBandwidthGBps: 410.2 }),
  check('efa', true, { devices: 32 }),
];

const verdict = (checks: unknown[], v?: number) =>
  JSON.stringify({ ...(v === undefined ? {} : { v }), checks });

describe('Function: assessVerdict', () => {
  it('passes a complete verdict whose checks all passed and meet the instance type', () => {
    // Act
    const result = assessVerdict(verdict(healthy, 1), EXPECT, { exitCode: 0 });

    // Assess
    expect(result).toEqual({
      status: 'passed',
      reason: 'all 4 checks passed: gpu-count, dcgm-diag, nccl-all-reduce, efa',
      checks: healthy,
    });
  });

  it.each([
    {
      case: 'no message at all',
      message: undefined,
      reason: 'the check wrote no verdict (empty termination message, exit code 1)',
    },
    { case: 'a blank message', message: '  \n', reason: 'the check wrote no verdict' },
    {
      case: 'text that is not JSON',
      message: 'Traceback (most recent call last)',
      reason: 'the verdict is not JSON: "Traceback (most recent call last)"',
    },
    {
      case: 'a message over 4096 bytes',
      message: `{"checks":"${'é'.repeat(2100)}"}`,
      reason: 'the verdict is 4213 bytes, more than the 4096 Kubernetes keeps',
    },
    {
      case: 'JSON of another shape',
      message: '{"healthy":true}',
      reason: 'the verdict does not match the schema: checks:',
    },
    {
      case: 'an empty list of checks',
      message: '{"checks":[]}',
      reason: 'the verdict does not match the schema: checks:',
    },
    {
      case: 'a wrong version',
      message: verdict(healthy, 2),
      reason: 'the verdict does not match the schema: v:',
    },
    { case: 'a check without a pass flag', message: '{"checks":[{"name":"efa"}]}', reason: 'checks.0.pass' },
    {
      case: 'a JSON array instead of an object',
      message: '[]',
      reason: 'the verdict does not match the schema: (root):',
    },
  ])('fails $case, never passes', ({ message, reason }) => {
    // Act
    const result = assessVerdict(message, EXPECT, { exitCode: 1 });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.reason).toContain(reason);
    expect(result.checks).toEqual([]);
  });

  it('says so when it does not know the exit code of a silent check', () => {
    // Act
    const result = assessVerdict(undefined, EXPECT);

    // Assess
    expect(result.reason).toBe('the check wrote no verdict (empty termination message, exit code unknown)');
  });

  it('keeps a long unparseable message short in the reason', () => {
    // Act
    const result = assessVerdict('x'.repeat(3000), EXPECT);

    // Assess
    expect(result.reason.length).toBeLessThan(160);
    expect(result.reason).toContain('…');
  });

  it('counts the exact byte limit as within it', () => {
    // Prepare
    const padded = verdict([check('gpu-count', true, { count: 8, pad: 'x'.repeat(4000) })]);
    const exact = padded.replace('"pad":"', `"pad":"${'y'.repeat(MAX_VERDICT_BYTES - padded.length)}`);

    // Act
    const result = assessVerdict(exact, { checks: ['gpu-count'], gpus: 8 });

    // Assess
    expect(new TextEncoder().encode(exact).length).toBe(MAX_VERDICT_BYTES);
    expect(result.reason).not.toContain('more than');
  });

  it.each([
    {
      case: 'a check that failed, with its detail and our own reading',
      checks: [
        ...healthy.slice(0, 2),
        check('nccl-all-reduce', false, { busBandwidthGBps: 99 }, 'slow ring'),
        healthy[3],
      ],
      reason: 'nccl-all-reduce failed: slow ring (busBandwidthGBps 99 < 350 expected)',
    },
    {
      case: 'a check that failed without metrics',
      checks: [healthy[0], check('dcgm-diag', false), ...healthy.slice(2)],
      reason: 'dcgm-diag failed',
    },
    {
      case: 'a passing GPU count that is short of the instance type',
      checks: [check('gpu-count', true, { count: 7 }), ...healthy.slice(1)],
      reason: 'gpu-count reported a pass but count 7 ≠ 8 expected',
    },
    {
      case: 'a passing EFA check with fewer devices than expected',
      checks: [...healthy.slice(0, 3), check('efa', true, { devices: 4 })],
      reason: 'efa reported a pass but devices 4 < 32 expected',
    },
    {
      case: 'a configured check that did not report',
      checks: healthy.slice(0, 3),
      reason: 'efa did not report',
    },
  ])('fails on $case', ({ checks, reason }) => {
    // Act
    const result = assessVerdict(verdict(checks), EXPECT, { exitCode: 1 });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.reason).toBe(reason);
  });

  it('judges only the metrics it knows: a string metric or an unconfigured expectation is left to the check', () => {
    // Prepare
    const checks = [
      check('gpu-count', true, { count: 'eight' }),
      check('nccl-all-reduce', true, { busBandwidthGBps: 1 }),
      check('custom-probe', true, { latencyMs: 3 }),
    ];

    // Act
    const result = assessVerdict(verdict(checks), {
      checks: ['gpu-count', 'nccl-all-reduce', 'custom-probe'],
      gpus: 8,
    });

    // Assess
    expect(result.status).toBe('passed');
  });

  it('fails a passing verdict next to a non-zero exit code as inconsistent', () => {
    // Act
    const result = assessVerdict(verdict(healthy), EXPECT, { exitCode: 2 });

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      reason: 'exit code 2 next to a verdict where every check passed',
    });
  });

  it('passes without an exit code to compare', () => {
    // Act
    const result = assessVerdict(verdict(healthy), EXPECT);

    // Assess
    expect(result.status).toBe('passed');
  });
});
