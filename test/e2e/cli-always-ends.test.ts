/**
 * `hpr simulate` as a process always ends: a scenario whose execution waits for a replacement that
 * does not come in time is cut short at the scenario's timeout, or on SIGTERM. The process aborts
 * the running executions, lists them, exits non-zero and leaves none of its children (etcd,
 * kube-apiserver, …) running. The CLI starts its own control plane (not the shared test bed).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poll, pollUntil } from '#local/poll.ts';

const hpr = new URL('../../local/cli/hpr.mjs', import.meta.url).pathname;

/** No capacity for the replacement for 2 minutes, an hour allowed for it: node-recovery keeps polling. */
const neverEnding = (timeoutMs: number) => ({
  name: 'a replacement that does not come in time',
  cluster: {
    name: 'ml-cluster',
    nodeRecovery: 'None',
    instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 2 }],
  },
  policy: { mode: 'act', awaitNode: { pollSeconds: 10, replaceTimeoutMinutes: 60 } },
  timings: { shutdownMs: 100, capacityFailMs: 120_000 },
  capacityShortage: ['workers'],
  faults: [{ atMs: 0, node: 0, type: 'NvidiaErrorTerminate' }],
  timeoutMs,
});

const scenarioFile = async (timeoutMs: number) => {
  const dir = await mkdtemp(join(tmpdir(), 'hpr-cli-ends-'));
  const file = join(dir, 'never-ending.json');
  await writeFile(file, JSON.stringify(neverEnding(timeoutMs)));
  return file;
};

interface Run {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const start = (args: string[]): Run => {
  const child = spawn(process.execPath, [hpr, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stderr: () => stderr, stdout: () => stdout, exit };
};

const waitForOutput = async (run: Run, text: string, timeoutMs: number) => {
  await pollUntil(() => run.stderr().includes(text), {
    what: `"${text}" on stderr`,
    timeoutMs,
    intervalMs: 100,
  }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}:\n${run.stderr()}`);
  });
};

/** Every descendant of `pid` (children, their children, …) from `ps`. */
const descendants = (pid: number): number[] => {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
};

/** Running (or stopped): present in /proc and not a zombie. */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const settleChildren = async (pids: number[]) => {
  // Orphans are reaped by init a moment after the CLI exits.
  await poll(() => !pids.some(alive), { timeoutMs: 5_000, intervalMs: 100 });
  return pids.filter(alive);
};

describe('CLI: hpr simulate always ends', () => {
  it('aborts the running executions at the scenario timeout, lists them, exits 1 and leaves no child running', async () => {
    // Prepare
    const file = await scenarioFile(3_000);

    // Act
    const run = start(['simulate', file]);
    await waitForOutput(run, 'injecting NvidiaErrorTerminate', 120_000);
    const injectedAt = Date.now();
    const children = descendants(run.child.pid!);
    const exit = await run.exit;

    // Assess
    expect(children.length).toBeGreaterThanOrEqual(4);
    expect(exit.code).toBe(1);
    // 3 s of timeout, then abort and teardown: bounded, not the 2 minutes of the capacity shortage.
    expect(exit.at - injectedAt).toBeLessThan(60_000);
    expect(run.stderr()).toContain("executions still running after the scenario's timeout (3000 ms)");
    expect(run.stderr()).toMatch(/1 execution\(s\) cut short\n {2}- node-recovery \S+ \(in \w+\)/);
    expect(await settleChildren(children)).toEqual([]);
  }, 240_000);

  it('on SIGTERM aborts the running executions, lists them, exits 143 and leaves no child running', async () => {
    // Prepare: a timeout far beyond the test.
    const file = await scenarioFile(600_000);

    // Act
    const run = start(['simulate', file]);
    await waitForOutput(run, 'injecting NvidiaErrorTerminate', 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const children = descendants(run.child.pid!);
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exit;

    // Assess
    expect(children.length).toBeGreaterThanOrEqual(4);
    expect(exit.code).toBe(143);
    expect(exit.at - signalledAt).toBeLessThan(30_000);
    expect(run.stderr()).toContain('SIGTERM received: aborting the running executions');
    expect(run.stderr()).toMatch(
      /interrupted by SIGTERM; 1 execution\(s\) cut short\n {2}- node-recovery \S+/,
    );
    expect(await settleChildren(children)).toEqual([]);
  }, 240_000);
});
