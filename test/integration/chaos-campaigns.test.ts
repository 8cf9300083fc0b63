/**
 * The short fixed-seed chaos set (README "Chaos campaigns"): seeded campaigns of duplicated,
 * reordered triggers with dependency faults on the real ASL and tasks keep every invariant; the
 * same seed replays the same campaign; a deliberately broken build is caught.
 */
import { describe, expect, it } from 'vitest';
import type { Ledger } from '#adapters/ports.ts';
import {
  type BrokenBuild,
  type CampaignSpec,
  drawCampaign,
  runCampaign,
  runSeed,
} from '#local/chaos/campaign.ts';
import { buildReport, replayScenario } from '#local/chaos/report.ts';
import { parseScenario } from '#local/cli/scenario.ts';

/** Seeds 1–40: the CI set (about 5 s here). The long run is `npm run chaos -- --seed 1 --campaigns 300`. */
const CI_SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

/**
 * Found by the campaigns. Chaos bug 2: RequestRemediation gave up after writing its request ahead
 * (a reboot with seed 20, a replace with seed 166) and the ledger held no record of the action.
 * Chaos bug 3: QuarantineNode timed out (Lambda.Unknown, not retried) after its patch and the
 * escalation did not record the quarantine it left in place (seeds 41, 294).
 */
const REGRESSION_SEEDS = [20, 166, 41, 294];

/**
 * TEST-ONLY broken build: the request written ahead is hidden from RequestRemediation, so a retry
 * after a Lambda that died past its call asks SageMaker again, as a retry that re-requests would.
 */
const forgetsWrittenAheadRequests: BrokenBuild = (deps) => {
  const ledger: Ledger = new Proxy(deps.ledger, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'getNodeHistory') return value;
      return async (cluster: string, instanceId: string) => {
        const history = await (value as Ledger['getNodeHistory']).call(target, cluster, instanceId);
        return { ...history, reboots: [], replacements: [] };
      };
    },
  });
  return { ...deps, ledger };
};

/** Seeds of the CI set whose campaign promotes a hot spare (checked below). */
const PROMOTING_SEEDS = [2, 15, 31];

/** Removes every toleration of the spare taint key from a merge patch. */
const withoutSpareTolerations = (value: unknown): unknown => {
  if (Array.isArray(value))
    return value
      .filter((v) => (v as { key?: unknown } | null)?.key !== 'hyperpod-resilience.io/spare')
      .map(withoutSpareTolerations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSpareTolerations(v)]));
};

/**
 * TEST-ONLY broken build: the Kubernetes API drops the claim toleration from every workload patch,
 * so a promotion resumes its jobs without the toleration that lets them onto the spare.
 */
const dropsSpareTolerations: BrokenBuild = (deps) => ({
  ...deps,
  kubeFor: async (cluster) => {
    const kube = await deps.kubeFor(cluster);
    return new Proxy(kube, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'patchWorkload') return value;
        return (ref: unknown, patch: unknown, options: unknown) =>
          (value as (...args: unknown[]) => unknown).call(
            target,
            ref,
            withoutSpareTolerations(patch),
            options,
          );
      },
    });
  },
});

describe('Chaos campaigns', () => {
  it('keeps every invariant in the fixed-seed set', async () => {
    // Act
    const results = [];
    for (const seed of CI_SEEDS) results.push(await runSeed(seed));

    // Assess
    const report = buildReport(1, results, 0);
    expect(report.failures).toEqual([]);
    expect(report.invariantChecks.passed).toBe(report.invariantChecks.run);
    expect(report.faults['crash-after-side-effect']).toBeGreaterThan(0);
    expect(report.faults['apiserver-restart']).toBeGreaterThan(0);
    expect(report.faults['duplicate-delivery']).toBeGreaterThan(0);
    // Hot spares: about half the campaigns run a pool, and some promote a spare.
    expect(report.spares.campaignsWithPool).toBeGreaterThan(10);
    expect(results.filter((r) => r.sparePromotions > 0).map((r) => r.seed)).toEqual(PROMOTING_SEEDS);
  }, 120_000);

  it.each(REGRESSION_SEEDS)(
    'keeps every invariant with seed %i, which once lost an action from the ledger',
    async (seed) => {
      const result = await runSeed(seed);
      expect(result.violations).toEqual([]);
    },
  );

  it('replays the same campaign from the same seed', async () => {
    const first = await runSeed(7);
    const second = await runSeed(7);
    expect(second.incidents).toEqual(first.incidents);
    expect(second.faults).toEqual(first.faults);
    expect(second.executions).toEqual(first.executions);
    expect(second.violations).toEqual(first.violations);
  });

  it('writes a replay that is a valid hpr simulate scenario', () => {
    const scenario = parseScenario(replayScenario(drawCampaign(4)));
    expect(scenario.faults.length).toBeGreaterThan(0);
  });

  it('catches a broken build whose retry asks SageMaker again after a crash past the call', async () => {
    // Act
    const results = [];
    for (const seed of CI_SEEDS)
      results.push(await runCampaign(drawCampaign(seed), { broken: forgetsWrittenAheadRequests }));

    // Assess
    const caught = results.flatMap((r) => r.violations.map((v) => v.invariant));
    expect(caught).toContain('ledger-matches-actions');
  }, 120_000);

  it('catches a broken build whose promotion resumes jobs on the spare without the claim toleration', async () => {
    // Act
    const results = [];
    for (const seed of PROMOTING_SEEDS)
      results.push(await runCampaign(drawCampaign(seed), { broken: dropsSpareTolerations }));

    // Assess
    const caught = results.flatMap((r) => r.violations.map((v) => v.invariant));
    expect(caught).toContain('spare-job-tolerates-claim');
  }, 60_000);

  it('draws a campaign with a pool only after every other draw: without its pool, the spec is unchanged', () => {
    // Seed 2 runs a pool; its cluster, jobs, triggers and breaker are what seed 2 drew before pools
    // (checked against the draw of the code before pools for seeds 1–300: all identical).
    const spec = drawCampaign(2);
    expect(spec.spares).toEqual({ count: 2, ready: 1 });
    expect({
      nodes: spec.nodes,
      jobs: spec.jobs.map((j) => [j.kind, j.nodes]),
      triggers: spec.triggers.map((t) => [t.kind, t.node, t.copies]),
      breaker: spec.policy.circuitBreaker?.maxNodesPerWindow,
    }).toEqual({
      nodes: 10,
      jobs: [
        ['PyTorchJob', [1, 6, 9]],
        ['JobSet', [9, 7, 3]],
        ['PyTorchJob', [8, 3]],
        ['Job', [2, 4]],
      ],
      triggers: [
        ['hma', 7, 9],
        ['hma', 9, 8],
        ['manual', 8, 6],
        ['hma', 8, 6],
        ['hma', 9, 5],
      ],
      breaker: 3,
    });
    expect(drawCampaign(1).spares).toBeUndefined();
  });
});

describe('Chaos storm', () => {
  it('trips the breaker at its threshold on 100 faults over 50 nodes, remediates no more than the limits, records every trigger and notifies people once', async () => {
    // Prepare: 100 HMA faults, two per node, in one burst (the local clock compresses it to minutes).
    const spec: CampaignSpec = {
      seed: 100,
      nodes: 50,
      jobs: [],
      triggers: Array.from({ length: 100 }, (_, i) => ({
        kind: 'hma' as const,
        node: i % 50,
        faultType: 'NvidiaErrorTerminate' as const,
        copies: 1,
      })),
      sweepsDuring: 0,
      plan: { rates: {} },
      policy: {
        mode: 'act',
        circuitBreaker: { maxNodesPerWindow: 3, windowMinutes: 10 },
        maxParallel: { absolute: 10, percent: 100 },
        massFindings: { maxSharePercent: 100 },
      },
    };

    // Act
    const result = await runCampaign(spec);

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.remediatedNodes).toBe(3);
    // Every trigger has an incident, except the second fault of each replaced node: that instance
    // is gone, and its execution fails at admission with NodeNotFoundError (no incident to open).
    const recorded = Object.values(result.incidents).reduce((a, b) => a + b, 0);
    expect(recorded).toBe(100 - result.remediatedNodes);
    expect(result.executions.byStatus.FAILED).toBe(result.remediatedNodes);
    expect(result.breakerNotifications).toBe(1);
  }, 120_000);
});
