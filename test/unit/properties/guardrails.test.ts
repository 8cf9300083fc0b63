/**
 * Property tests of the guardrails and the remediation policy under random interleavings of
 * duplicated and reordered triggers across nodes and clusters (fast-check, fixed seed: CI is
 * deterministic). Admission is modelled as the ledger serializes it (conditional writes): each
 * trigger reads the guard state, the node's lease and its first sighting, asks the domain, and
 * writes back what the task would write.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  distinctNodesInWindow,
  evaluateGuardrails,
  maxParallelLimit,
  registerRemediation,
  tripBreaker,
} from '#domain/guardrails.ts';
import {
  decideRemediation,
  rebootCountInWindow,
  recordFault,
  recordRemediation,
} from '#domain/remediation-policy.ts';
import type { ClusterGuardState, NodeHistory } from '#domain/types.ts';
import { aFault, at, emptyGuardState, emptyHistory, policyWith } from '../domain/fixtures.ts';

const RUNS = { seed: 15, numRuns: 200 };

const triggerArb = fc.record({
  cluster: fc.integer({ min: 0, max: 1 }),
  node: fc.integer({ min: 0, max: 7 }),
  copies: fc.integer({ min: 1, max: 10 }),
  /** Seconds after the previous trigger. */
  gap: fc.integer({ min: 0, max: 300 }),
  /** The incident that holds the node ends before the next trigger. */
  endsFirst: fc.boolean(),
  action: fc.constantFrom('reboot' as const, 'replace' as const),
});

const limitsArb = fc.record({
  maxNodesPerWindow: fc.integer({ min: 1, max: 5 }),
  absolute: fc.integer({ min: 1, max: 4 }),
  percent: fc.integer({ min: 1, max: 100 }),
});

describe('Properties: guardrails under duplicated and reordered triggers', () => {
  it('never lets two incidents act on one node at once, nor more nodes than the breaker window and max-parallel allow', () => {
    fc.assert(
      fc.property(
        fc.array(triggerArb, { minLength: 1, maxLength: 40 }),
        limitsArb,
        fc.infiniteStream(fc.boolean()),
        (triggers, limits, coin) => {
          const policy = policyWith({
            mode: 'act',
            circuitBreaker: { maxNodesPerWindow: limits.maxNodesPerWindow, windowMinutes: 10 },
            maxParallel: { absolute: limits.absolute, percent: limits.percent },
          });
          const fleetSize = 8;
          const limit = maxParallelLimit(fleetSize, policy);
          const clusters = [0, 1].map(() => ({
            guard: emptyGuardState() as ClusterGuardState,
            leases: new Map<string, string>(),
            sightings: new Map<string, string>(),
          }));
          let seconds = 0;
          let incident = 0;
          // Every copy is a delivery; copies of one trigger arrive interleaved with the next ones.
          const deliveries = triggers.flatMap((t, i) =>
            Array.from({ length: t.copies }, (_, c) => ({ ...t, order: i + c * 0.37 })),
          );
          deliveries.sort((a, b) => a.order - b.order);
          const iterator = coin[Symbol.iterator]();
          for (const t of deliveries) {
            seconds += t.gap;
            const now = at({ ms: seconds * 1000 });
            const cluster = clusters[t.cluster] as (typeof clusters)[number];
            const instanceId = `i-0000000000000000${t.node}`;
            const incidentId = `inc-${++incident}`;
            if (!cluster.sightings.has(instanceId)) cluster.sightings.set(instanceId, incidentId);
            const holder = cluster.leases.get(instanceId);
            const verdict = evaluateGuardrails({
              policy,
              now,
              incidentId,
              node: { clusterName: `c${t.cluster}`, instanceId },
              nodeLabels: {},
              action: t.action,
              clusterStatus: 'InService',
              remediationOwner: 'hyperpod-resilience',
              duplicateOf: cluster.sightings.get(instanceId),
              ...(holder ? { leaseHeldBy: holder } : {}),
              breaker: cluster.guard,
              activeRemediations: cluster.leases.size,
              fleetSize,
            });
            if (verdict.outcome === 'proceed') {
              expect(holder).toBeUndefined();
              expect(cluster.guard.breaker).toBeUndefined();
              cluster.leases.set(instanceId, incidentId);
              cluster.guard = registerRemediation(cluster.guard, { instanceId, incidentId, now }, policy);
            } else if (verdict.tripBreaker) {
              cluster.guard = tripBreaker(cluster.guard, now, verdict.detail);
            }
            // Invariants after every admission.
            expect(cluster.leases.size).toBeLessThanOrEqual(limit);
            expect(distinctNodesInWindow(cluster.guard, now, 10).length).toBeLessThanOrEqual(
              limits.maxNodesPerWindow,
            );
            // Some incidents end (release their lease; the sighting ages out with the dedupe window).
            if (t.endsFirst && iterator.next().value) {
              cluster.leases.delete(instanceId);
              cluster.sightings.delete(instanceId);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('proceeds at most once per (node, fault) however often and in whatever order a trigger is delivered', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }), (nodes) => {
        const policy = policyWith({
          mode: 'act',
          circuitBreaker: { maxNodesPerWindow: 10 },
          maxParallel: { absolute: 10, percent: 100 },
        });
        let guard = emptyGuardState();
        const leases = new Map<string, string>();
        const sightings = new Map<string, string>();
        const proceeded = new Map<string, number>();
        nodes.forEach((node, i) => {
          const instanceId = `i-0000000000000000${node}`;
          const incidentId = `inc-${i}`;
          if (!sightings.has(instanceId)) sightings.set(instanceId, incidentId);
          const verdict = evaluateGuardrails({
            policy,
            now: at({ minutes: 0 }),
            incidentId,
            node: { clusterName: 'c', instanceId },
            nodeLabels: {},
            action: 'reboot',
            clusterStatus: 'InService',
            remediationOwner: 'hyperpod-resilience',
            duplicateOf: sightings.get(instanceId),
            ...(leases.get(instanceId) ? { leaseHeldBy: leases.get(instanceId) } : {}),
            breaker: guard,
            activeRemediations: leases.size,
            fleetSize: 4,
          });
          if (verdict.outcome === 'proceed') {
            leases.set(instanceId, incidentId);
            guard = registerRemediation(guard, { instanceId, incidentId, now: at({ minutes: 0 }) }, policy);
            proceeded.set(instanceId, (proceeded.get(instanceId) ?? 0) + 1);
          }
        });
        for (const count of proceeded.values()) expect(count).toBe(1);
      }),
      RUNS,
    );
  });

  it('registers a retried remediation once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }), (entries) => {
        const policy = policyWith({});
        let once = emptyGuardState();
        let twice = emptyGuardState();
        for (const e of entries) {
          const entry = {
            instanceId: `i-0000000000000000${e}`,
            incidentId: `inc-${e}`,
            now: at({ minutes: 0 }),
          };
          once = registerRemediation(once, entry, policy);
          twice = registerRemediation(registerRemediation(twice, entry, policy), entry, policy);
        }
        expect(twice).toEqual(once);
      }),
      RUNS,
    );
  });
});

describe('Properties: remediation policy and node history', () => {
  const eventArb = fc.record({
    minutes: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    incident: fc.integer({ min: 0, max: 20 }),
    copies: fc.integer({ min: 1, max: 4 }),
  });

  it('never reboots a node more often within the window than the policy allows, whatever the order and duplication of its faults', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        (events, maxReboots) => {
          const policy = policyWith({ mode: 'act', perNode: { maxReboots, rebootWindowHours: 24 } });
          let history: NodeHistory = emptyHistory();
          const ordered = [...events].sort((a, b) => a.minutes - b.minutes);
          for (const event of ordered) {
            const now = at({ minutes: event.minutes });
            const incidentId = `inc-${event.incident}`;
            for (let copy = 0; copy < event.copies; copy++) {
              const decision = decideRemediation({ fault: aFault(), history, policy, now, incidentId });
              if (decision.action === 'reboot')
                history = recordRemediation(history, 'reboot', incidentId, now, policy);
              history = recordFault(
                history,
                { at: now, faultClass: 'recoverable', code: 'NvidiaErrorReboot', incidentId },
                now,
                policy,
              );
              expect(rebootCountInWindow(history, policy, now)).toBeLessThanOrEqual(maxReboots);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('records a fault and a remediation once per incident however often a step is retried', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('reboot' as const, 'replace' as const)),
          { maxLength: 40 },
        ),
        (steps) => {
          const policy = policyWith({});
          const now = at({ minutes: 0 });
          let history = emptyHistory();
          for (const [incident, kind] of steps) {
            const incidentId = `inc-${incident}`;
            history = recordRemediation(history, kind, incidentId, now, policy);
            history = recordFault(
              history,
              { at: now, faultClass: 'recoverable', code: 'x', incidentId },
              now,
              policy,
            );
          }
          const ids = (entries: { incidentId: string }[]) => entries.map((e) => e.incidentId);
          expect(new Set(ids(history.reboots)).size).toBe(history.reboots.length);
          expect(new Set(ids(history.replacements)).size).toBe(history.replacements.length);
          expect(new Set(ids(history.faults)).size).toBe(history.faults.length);
        },
      ),
      RUNS,
    );
  });
});
