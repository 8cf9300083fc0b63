import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MetricsSink } from '#functions/tasks/deps.ts';

describe('Powertools metrics sink: units', () => {
  let sink: MetricsSink;
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;

  beforeAll(async () => {
    // test/setup-env.ts turns metrics off; this test reads the EMF lines they print.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    vi.resetModules();
    sink = (await import('#composition/powertools.ts')).powertoolsMetricsSink;
  });
  afterAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = disabled;
    vi.resetModules();
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['FleetTimeToRepair', 'Seconds'],
    ['FleetFailureRate', 'None'],
    ['FleetLemonNodes', 'Count'],
    ['TimeToSuspend', 'Milliseconds'],
    ['NodeQuarantined', 'Count'],
  ])('emits %s in %s', (name, unit) => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });

    // Act
    sink.count(name, { clusterName: 'ml' }, 3);

    // Assess
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown> & {
            _aws?: { CloudWatchMetrics: { Metrics: unknown[] }[] };
          };
        } catch {
          return undefined;
        }
      })
      .find((o) => o?._aws);
    expect(emf?._aws?.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: name, Unit: unit }]);
    expect(emf?.[name]).toBe(3);
  });
});
