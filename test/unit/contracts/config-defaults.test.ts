/**
 * Every config default, in one table: the minimal config (one cluster, nothing else) must parse to
 * exactly these values, and so must any section or sub-section given as `{}` — each default is
 * written once, at its field in contracts/config/*.ts (`prefault` applies them at every level).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import {
  DEFAULT_INSTANCE_TYPES,
  DEFAULT_NEURON_QUICK_CHECKS,
  DEFAULT_QUICK_CHECKS,
} from '#contracts/config/health-checks.ts';
import { DEFAULT_MASS_FINDING_LIMITS } from '#contracts/config/policy.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

/** The defaults (README "Safety limits" explains the numbers); the quick checks and instance types below. */
const DEFAULTS = {
  policy: {
    mode: 'observe',
    optOutLabel: 'hyperpod-resilience.io/opt-out',
    workloadOptOutAnnotation: 'hyperpod-resilience.io/opt-out',
    circuitBreaker: {
      maxNodesPerWindow: 3,
      windowMinutes: 10,
    },
    maxParallel: {
      absolute: 2,
      percent: 5,
    },
    perNode: {
      maxReboots: 1,
      rebootWindowHours: 24,
    },
    repeatOffender: {
      faults: 2,
      windowDays: 7,
    },
    dedupeWindowMinutes: 15,
    leaseTtlMinutes: 240,
    awaitNode: {
      pollSeconds: 30,
      rebootTimeoutMinutes: 30,
      replaceTimeoutMinutes: 120,
      hyperpodStartGraceMinutes: 10,
    },
    workloads: {
      suspend: true,
      respectHyperPodAutoResume: true,
      kueue: 'deactivate-workload',
      eviction: {
        enabled: true,
        timeoutSeconds: 120,
        pollSeconds: 5,
        forceDeleteOnDeadNode: true,
        nodeDeadAfterSeconds: 60,
      },
      staleSuspensionMinutes: 420,
    },
    pauseDuringClusterUpdates: true,
    massFindings: {
      maxSharePercent: 50,
      minNodes: 3,
      burstWindowMinutes: 10,
    },
  },
  alarms: {
    allow: [],
    namePrefix: 'hpr-',
    tagKey: 'hyperpod-resilience.io/cluster',
  },
  healthChecks: {
    quick: {
      enabled: false,
      imagePullPolicy: 'IfNotPresent',
      timeoutSeconds: 1200,
      pollSeconds: 15,
      ttlSecondsAfterFinished: 3600,
      unschedulableGraceSeconds: 180,
      privileged: false,
      runAsUser: 65532,
      compute: { cpu: '4', memory: '16Gi' },
    },
    full: {
      deepHealthChecks: ['InstanceStress'],
      pollSeconds: 300,
      timeoutMinutes: 360,
      startGraceMinutes: 20,
    },
  },
  sweep: {
    rateMinutes: 5,
    notReadyMinutes: 10,
    gpuGraceMinutes: 5,
    nodeJoinGraceMinutes: 20,
    staleGraceMinutes: 15,
    incidentDeadlineMinutes: 420,
    findingRetryMinutes: 60,
    maxRecoveries: 20,
    maxRepairs: 20,
    startConcurrency: 5,
    idleChecks: {
      enabled: false,
      periodHours: 24,
      maxPerSweep: 2,
    },
  },
};

/** Every object-valued path of DEFAULTS (`policy`, `policy.workloads`, `policy.workloads.eviction`, …). */
const sectionPaths = (value: object, prefix: string[] = []): string[][] =>
  Object.entries(value).flatMap(([key, inner]) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? [[...prefix, key], ...sectionPaths(inner, [...prefix, key])]
      : [],
  );

/** `{ a: { b: {} } }` for ['a', 'b']. */
const nested = (path: string[]): Record<string, unknown> =>
  path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), {});

describe('Config: defaults', () => {
  it('applies every default of the table to the minimal config', () => {
    // Act
    const config = parseAppConfig({ clusters: [CLUSTER] });

    // Assess
    const { checks, neuronChecks, ...quick } = config.healthChecks.quick;
    const { instanceTypes, ...healthChecks } = config.healthChecks;
    expect({
      policy: config.policy,
      alarms: config.alarms,
      healthChecks: { ...healthChecks, quick },
      sweep: config.sweep,
    }).toEqual(DEFAULTS);
    expect(config.clusters[0]?.remediationOwner).toBe('auto');
    expect(checks).toEqual(DEFAULT_QUICK_CHECKS);
    expect(neuronChecks).toEqual(DEFAULT_NEURON_QUICK_CHECKS);
    expect(Object.keys(instanceTypes)).toEqual(Object.keys(DEFAULT_INSTANCE_TYPES));
    expect(instanceTypes['ml.g5.12xlarge']).toEqual({ gpus: 4, efaDevices: 0 });
    expect(DEFAULT_MASS_FINDING_LIMITS).toEqual(DEFAULTS.policy.massFindings);
  });

  it.each(sectionPaths(DEFAULTS).map((path) => [path.join('.'), path] as const))(
    'applies the same defaults when %s is given as {}',
    (_name, path) => {
      // Act
      const fromMinimal = parseAppConfig({ clusters: [CLUSTER] });
      const fromEmptySection = parseAppConfig({ clusters: [CLUSTER], ...nested(path) });

      // Assess
      expect(fromEmptySection).toEqual(fromMinimal);
    },
  );

  it('gives each parse its own default objects (no shared mutable default)', () => {
    // Act
    const first = parseAppConfig({ clusters: [CLUSTER] });
    const second = parseAppConfig({ clusters: [CLUSTER] });

    // Assess
    expect(second.policy).not.toBe(first.policy);
    expect(second.healthChecks.quick.checks).not.toBe(first.healthChecks.quick.checks);
  });
});

describe('README: the "Safety limits and configuration" table', () => {
  /** Rows whose Default cell lists one value per named setting (`a` / `b` | 3 / 10); prose rows are skipped. */
  const readmeDefaults = (): [string, string][] => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Safety limits and configuration'));
    const rows = section.slice(0, section.indexOf('\n\n', section.indexOf('| Setting |'))).split('\n');
    return rows.flatMap((row) => {
      const [setting, value] = row
        .split('|')
        .slice(1, 3)
        .map((cell) => cell?.trim() ?? '');
      const names = (setting ?? '').split(' / ').map((name) => name.replaceAll('`', ''));
      const values = (value ?? '').split(' / ').map((v) => v.replaceAll('`', '').replace(/ ?%$/, ''));
      if (!names[0]?.includes('.') || names.length !== values.length) return [];
      if (names.some((n) => !/^[a-zA-Z[\].]+$/.test(n))) return [];
      // `policy.perNode.maxReboots` / `rebootWindowHours`: later names share the first one's section.
      const section = names[0]!.slice(0, names[0]!.lastIndexOf('.') + 1);
      return names.map((name, i): [string, string] => [
        name.includes('.') ? name : `${section}${name}`,
        values[i]!,
      ]);
    });
  };

  it('states the defaults the schema applies', () => {
    // Arrange
    const config = parseAppConfig({ clusters: [CLUSTER] }) as unknown as Record<string, unknown>;
    const at = (path: string): unknown =>
      path
        .replace('clusters[]', 'clusters.0')
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config);

    // Act
    const rows = readmeDefaults();

    // Assess
    expect(rows.length).toBeGreaterThan(20);
    for (const [path, value] of rows) expect(String(at(path)), path).toBe(value);
  });
});
