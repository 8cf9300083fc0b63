import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '#domain/goodput/plan.ts';
import {
  type PlanIo,
  PlanUsageError,
  planCommand,
  resolveFigures,
  sourceFromReport,
} from '#local/cli/plan.ts';
import { planChartSvg } from '#local/cli/plan-chart.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const FATAL = 'test/fixtures/goodput/fatal-fault-replace.report.json';
const fixture = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

const fakeIo = (over: Partial<PlanIo> = {}) => {
  const out: string[] = [];
  const files: Record<string, string> = {};
  const io: PlanIo = {
    readFile: async (path) => fixture(path),
    writeFile: async (path, text) => {
      files[path] = text;
    },
    stdout: (text) => out.push(text),
    now: () => new Date('2026-12-03T13:00:00.000Z'),
    ...over,
  };
  return { io, out, files };
};

describe('hpr plan', () => {
  it('runs from flags alone and says that no ledger was read', async () => {
    const { io, out } = fakeIo();
    const code = await planCommand('plan', ['--nodes', '512', '--spares', '1', '--failure-rate', '2.34'], io);
    const text = out.join('');
    expect(code).toBe(0);
    expect(text).toContain('goodput plan for a job of 512 nodes');
    expect(text).toMatch(/failure-rate\s+2\.34 per 1,000 node-days\s+flag/);
    expect(text).toMatch(/checkpoint\s+30 min\s+default/);
    expect(text).toContain('no ledger read (--report or --stage): figures from flags and defaults');
    expect(text).toContain('levers (each alone, from the current settings):');
  });

  it('uses the figures measured in a local run, says which, and keeps the published failure rate', async () => {
    const { io, out } = fakeIo();
    await planCommand('plan', ['--report', FATAL, '--json'], io);
    const result = JSON.parse(out.join('')) as {
      figures: Record<string, { source: string; value: number; note: string }>;
      notes: string[];
    };
    expect(result.figures.detectMinutes!.source).toBe('measured');
    expect(result.figures.repairMinutes!.source).toBe('measured');
    expect(result.figures.restartMinutes!.source).toBe('measured');
    expect(result.figures.failuresPerNodeDay!.source).toBe('default');
    expect(result.notes[0]).toBe(`measured figures from the local run in ${FATAL}`);
    expect(result.notes[1]).toMatch(
      /^failure rate not measured: 0\.\d+ node-days observed \(< 1; --min-node-days\)$/,
    );
  });

  it('measures the failure rate once enough node-days were seen, and a flag still wins', async () => {
    const { io, out } = fakeIo();
    await planCommand('plan', ['--report', FATAL, '--min-node-days', '0', '--detect', '3', '--json'], io);
    const { figures } = JSON.parse(out.join('')) as {
      figures: Record<string, { source: string; value: number }>;
    };
    expect(figures.failuresPerNodeDay!.source).toBe('measured');
    expect(figures.failuresPerNodeDay!.value).toBeGreaterThan(1000);
    expect(figures.detectMinutes).toMatchObject({ source: 'flag', value: 3 });
  });

  it('draws the curves into an SVG file and checks itself against a Monte Carlo run', async () => {
    const { io, out, files } = fakeIo();
    await planCommand('plan', ['--svg', 'plan.svg', '--simulate', '--seed', '7'], io);
    expect(files['plan.svg']).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(files['plan.svg']).toContain('dots: Monte Carlo mean');
    expect(out.join('')).toMatch(/Monte Carlo \(40 runs of 54 days\): mean \d+\.\d%/);
    expect(out.join('')).toContain('curves drawn in plan.svg');
  });

  it('prints JSON with the simulation and the picture when asked', async () => {
    const { io, out } = fakeIo();
    await planCommand('plan', ['--simulate', '--svg', 'p.svg', '--json'], io);
    const result = JSON.parse(out.join(''));
    expect(result.simulated.runs).toBe(40);
    expect(result.simulatedSpares.length).toBeGreaterThan(0);
    expect(result.svg).toBe('p.svg');
  });

  it.each([
    [['--nodes', 'many'], '--nodes: not a number: many'],
    [['--nodes', '0'], 'nodes must be a whole number ≥ 1'],
    [['--share', '1'], 'spareShare must lie strictly between 0 and 1'],
  ])('rejects %j', async (argv, message) => {
    await expect(planCommand('plan', argv, fakeIo().io)).rejects.toThrow(new PlanUsageError(message));
  });

  it('passes on errors that are not bad input', async () => {
    const { io } = fakeIo({
      writeFile: async () => {
        throw new Error('disk full');
      },
    });
    await expect(planCommand('plan', ['--svg', 'x.svg'], io)).rejects.toThrow('disk full');
  });
});

describe('hpr fleet and hpr jobs', () => {
  it('reports the fleet of a local run', async () => {
    const { io, out } = fakeIo();
    await planCommand('fleet', ['--report', FATAL], io);
    const text = out.join('');
    expect(text).toMatch(/^fleet reliability from 2026-12-03T12:35:02\.259Z to 2026-12-03T12:35:20\.019Z/);
    expect(text).toContain('ml-cluster: 4 nodes');
    expect(text).toMatch(/time to repair \(replace\)\s+n 1, mean \d+\.\d s/);
    expect(text).toContain('lemon nodes: none');
  });

  it('reports per job what it lost, as text and JSON', async () => {
    const { io, out } = fakeIo();
    await planCommand('jobs', ['--report', FATAL], io);
    expect(out.join('')).toMatch(
      /^ml-cluster PyTorchJob\/training\/llama: lost \d+\.\d s in 1 interruption\(s\)\n/,
    );
    const json = fakeIo();
    await planCommand('jobs', ['--report', FATAL, '--json'], json.io);
    expect(JSON.parse(json.out.join(''))[0].job).toBe('PyTorchJob/training/llama');
  });

  it('reads a deployed ledger over --since, for one cluster and its size', async () => {
    const ledger = createMemoryLedger();
    const report = JSON.parse(fixture(FATAL)) as { incidents: { actions: unknown[] }[] };
    const incident = report.incidents[0] as unknown as Parameters<typeof ledger.createIncident>[0];
    await ledger.createIncident({
      ...incident,
      clusterName: 'ml-cluster',
      startedAt: '2026-12-03T11:00:00.000Z',
    });
    await ledger.createIncident({
      ...incident,
      incidentId: 'other',
      clusterName: 'other',
      startedAt: '2026-12-03T11:00:00.000Z',
    });
    const { io, out } = fakeIo({ ledger: async () => ledger });
    await planCommand(
      'fleet',
      ['--stage', 'prod', '--cluster', 'ml-cluster', '--fleet-nodes', '64', '--since', '2h', '--json'],
      io,
    );
    const { scopes } = JSON.parse(out.join(''));
    expect(scopes).toHaveLength(1);
    expect(scopes[0]).toMatchObject({ scope: 'ml-cluster', nodes: 64, failures: 1 });
    const all = fakeIo({ ledger: async () => ledger });
    await planCommand('jobs', ['--table', 't', '--since', '2026-12-01T00:00:00Z'], all.io);
    expect(
      all.out
        .join('')
        .split('\n')
        .filter((l) => l.includes('PyTorchJob')),
    ).toHaveLength(2);
    const plan = fakeIo({ ledger: async () => ledger });
    await planCommand('plan', ['--stage', 'prod', '--since', '1d'], plan.io);
    expect(plan.out.join('')).toContain('measured figures from the ledger of prod');
  });

  it('needs incidents to read, and a valid --since', async () => {
    await expect(planCommand('fleet', [], fakeIo().io)).rejects.toThrow(PlanUsageError);
    const { io } = fakeIo({ ledger: async () => createMemoryLedger() });
    await expect(planCommand('jobs', ['--stage', 's', '--since', 'yesterday'], io)).rejects.toThrow(
      '--since yesterday: expected e.g. 24h, 30d or an ISO time',
    );
    const empty = fakeIo({ ledger: async () => createMemoryLedger() });
    await planCommand('jobs', ['--stage', 's'], empty.io);
    expect(empty.out.join('')).toBe('no job was suspended in the window\n');
  });

  it('rejects a file that is not a run report', () => {
    expect(() => sourceFromReport('{', 'x.json')).toThrow(/^--report x\.json: not JSON/);
    expect(() => sourceFromReport('{"incidents": []}', 'x.json')).toThrow(
      '--report x.json: not the JSON report of hpr simulate or hpr demo (--json)',
    );
  });
});

describe('Figures', () => {
  it('takes flags before measured figures before defaults, in the flag’s unit', () => {
    const figures = resolveFigures(
      { 'failure-rate': '6.5' },
      { detectMinutes: { value: 0.5, source: 'measured', note: 'n' } },
    );
    expect(figures.failuresPerNodeDay).toEqual({ value: 0.0065, source: 'flag', note: '--failure-rate' });
    expect(figures.detectMinutes.source).toBe('measured');
    expect(figures.spares).toMatchObject({ value: 0, source: 'default' });
  });
});

describe('The picture', () => {
  const plan = buildPlan({
    nodes: 2048,
    failuresPerNodeDay: 0.0065,
    checkpointIntervalMinutes: 30,
    checkpointWriteMinutes: 0.5,
    restartMinutes: 5,
    detectMinutes: 2,
    spares: 0,
    repairMinutes: 60,
  });

  it('draws both panels with the current and recommended settings marked', () => {
    const svg = planChartSvg(plan);
    expect(svg).toContain('ETTR against the spare pool');
    expect(svg).toContain('<title>Expected ETTR of a 2048-node job');
    expect(svg).toContain('ETTR against the checkpoint interval');
    expect(svg).toContain(`P99 pool: ${plan.spares.recommended} →`);
    expect(svg).toMatch(/optimum: \d+\.\d min →/);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).not.toContain('NaN');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('marks no optimum when nothing fails, and escapes text', () => {
    const calm = buildPlan({ ...plan.inputs, failuresPerNodeDay: 0 });
    const svg = planChartSvg(calm, [{ x: 0, ettr: 0.9 }]);
    expect(svg).not.toContain('optimum:');
    expect(svg).toContain('<circle cx="0.0"');
    expect(svg).not.toContain('NaN');
  });
});
