import { describe, expect, it } from 'vitest';
import type { PlanIo } from '#local/cli/plan.ts';
import { whatIfCommand } from '#local/cli/what-if-command.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const io = (over: Partial<PlanIo> = {}): PlanIo => ({
  readFile: async () => '{"mode":"observe"}',
  writeFile: async () => {},
  stdout: () => {},
  now: () => new Date('2026-12-01T00:00:00Z'),
  ...over,
});
const POLICY = ['--policy', '{"mode":"observe"}'];

describe('hpr what-if: bad input is refused before anything runs', () => {
  it.each([
    [[], 'hpr what-if needs --policy (the overrides to try)'],
    [['--policy', '[1]'], '--policy: expected a JSON object of policy overrides, inline or in a file'],
    [['--policy', '{oops'], '--policy: expected a JSON object of policy overrides, inline or in a file'],
    [POLICY, 'hpr what-if needs --report <hpr simulate --json output> or --stage <s> --cluster <c>'],
    [[...POLICY, '--stage', 's'], 'hpr what-if --stage needs --cluster'],
    [
      [...POLICY, '--stage', 's', '--cluster', 'ml', '--since', '2h'],
      '--since: expected a number of days, e.g. 30d',
    ],
    [
      [...POLICY, '--stage', 's', '--cluster', 'ml', '--nodes', '0'],
      "--nodes 0: expected 1–256 (a replay's cluster size)",
    ],
    [[...POLICY, '--stage', 's', '--cluster', 'ml'], 'nothing to replay in the ledger of s'],
  ])('%j → %s', async (argv, message) => {
    await expect(whatIfCommand(argv, io({ ledger: async () => createMemoryLedger() }))).rejects.toThrow(
      message,
    );
  });

  it('reads a policy from a file', async () => {
    const read: string[] = [];
    const attempt = whatIfCommand(
      ['--policy', 'policy.json', '--stage', 's', '--cluster', 'ml', '--nodes', '4'],
      io({
        readFile: async (path) => {
          read.push(path);
          return '{"mode":"observe"}';
        },
        ledger: async () => createMemoryLedger(),
      }),
    );
    await expect(attempt).rejects.toThrow('nothing to replay');
    expect(read).toEqual(['policy.json']);
  });
});
