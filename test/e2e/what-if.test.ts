/**
 * `hpr what-if` end to end: a local run's history replayed twice on the real kube-apiserver and
 * the HyperPod simulator, with the policy it had and with a looser circuit breaker.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { whatIfCommand } from '#local/cli/what-if-command.ts';

describe('End to end: hpr what-if', () => {
  it('reproduces the history with its own policy and shows what a looser breaker would have done', async () => {
    // Prepare: five nodes failed within a second; the breaker let three through (the JSON report
    // of `hpr simulate local/scenarios/correlated-storm.json --json`).
    const out: string[] = [];
    const io = {
      readFile: async (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'),
      writeFile: async () => {},
      stdout: (text: string) => out.push(text),
      now: () => new Date(),
    };

    // Act
    await whatIfCommand(
      [
        '--report',
        'test/fixtures/goodput/correlated-storm.report.json',
        '--baseline-policy',
        '{"mode":"act","maxParallel":{"absolute":8,"percent":100},"massFindings":{"maxSharePercent":100}}',
        '--policy',
        '{"circuitBreaker":{"maxNodesPerWindow":10,"windowMinutes":10}}',
        '--json',
      ],
      io,
    );

    // Assess
    const { columns } = JSON.parse(out.join('')) as {
      columns: { title: string; summary: { decisions: Record<string, number> } }[];
    };
    expect(columns.map((c) => [c.title, c.summary.decisions])).toEqual([
      ['history', { replace: 3, 'skip: breaker-open': 2 }],
      ['replay, its policy', { replace: 3, 'skip: breaker-open': 2 }],
      ['replay, other policy', { replace: 5 }],
    ]);
  });
});
