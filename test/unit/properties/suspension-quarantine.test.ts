/**
 * Property tests of the suspend/resume holder bookkeeping and of quarantine planning under random
 * interleavings of incidents (duplicated and reordered steps), applied as the API server applies
 * merge patches (fast-check, fixed seed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeNode, KubeObject } from '#domain/kube-types.ts';
import { isQuarantinedByUs, planQuarantine, planRestore } from '#domain/quarantine.ts';
import {
  isSuspendedByUs,
  planResume,
  planSuspend,
  suspendedIncidentIds,
} from '#domain/workload-suspension.ts';
import { applyMergePatch } from '../../fakes/merge-patch.ts';

const RUNS = { seed: 15, numRuns: 300 };
const NOW = '2026-11-29T10:00:00.000Z';

const job = (suspendedByUser: boolean): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'train', namespace: 'training', annotations: {} },
  spec: { suspend: suspendedByUser },
});

/** One step of one incident; duplicates are retries. */
const stepArb = fc.record({
  incident: fc.integer({ min: 0, max: 4 }),
  op: fc.constantFrom('suspend' as const, 'resume' as const),
});

describe('Properties: suspend/resume holder bookkeeping', () => {
  it('suspends a job once, resumes it once when its last holder lets go, and never touches a job its owner suspended', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), fc.boolean(), (steps, suspendedByUser) => {
        let obj = job(suspendedByUser);
        let suspends = 0;
        let resumes = 0;
        let writes = 0;
        const holding = new Set<string>();
        const resumed = new Set<string>();
        for (const { incident, op } of steps) {
          const incidentId = `inc-${incident}`;
          // An incident resumes only after it suspended, and suspends only before it resumed (one execution).
          if (op === 'suspend' && resumed.has(incidentId)) continue;
          const plan =
            op === 'suspend'
              ? planSuspend(obj, 'Job', {
                  incidentId,
                  now: NOW,
                  optOutAnnotation: 'opt-out',
                  respectAutoResume: true,
                })
              : planResume(obj, 'Job', incidentId, { now: NOW });
          if (plan.action === 'skip') continue;
          const before = obj.spec?.suspend;
          obj = applyMergePatch(obj, plan.patch) as KubeObject;
          writes += 1;
          if (before !== true && obj.spec?.suspend === true) suspends += 1;
          if (before === true && obj.spec?.suspend === false) resumes += 1;
          if (op === 'suspend') holding.add(incidentId);
          else {
            holding.delete(incidentId);
            resumed.add(incidentId);
          }
          expect(new Set(suspendedIncidentIds(obj))).toEqual(holding);
        }
        if (suspendedByUser) {
          expect(writes).toBe(0);
          expect(obj.spec?.suspend).toBe(true);
          return;
        }
        // Suspended exactly while someone holds it; every suspension undone by exactly one resume.
        expect(obj.spec?.suspend === true).toBe(holding.size > 0);
        expect(isSuspendedByUs(obj)).toBe(holding.size > 0);
        expect(suspends - resumes).toBe(holding.size > 0 ? 1 : 0);
      }),
      RUNS,
    );
  });
});

const node = (cordoned: boolean, otherTaint: boolean): KubeNode => ({
  metadata: { name: 'hyperpod-i-0123456789abcdef0', resourceVersion: '1', labels: {}, annotations: {} },
  spec: {
    ...(cordoned ? { unschedulable: true } : {}),
    ...(otherTaint ? { taints: [{ key: 'example.com/maintenance', value: 'x', effect: 'NoSchedule' }] } : {}),
  },
});

describe('Properties: quarantine planning', () => {
  it('leaves the node as it found it after any interleaving of quarantines and restores of several incidents', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        (steps, cordoned, otherTaint) => {
          const original = node(cordoned, otherTaint);
          let current = structuredClone(original);
          let owner: string | undefined;
          for (const { incident, op } of steps) {
            const incidentId = `inc-${incident}`;
            const plan =
              op === 'suspend'
                ? planQuarantine(current, { incidentId, reason: 'xid-79', now: NOW })
                : planRestore(current, incidentId);
            current = applyMergePatch(current, plan.patch) as KubeNode;
            if (op === 'suspend' && owner === undefined) owner = incidentId;
            if (op === 'resume' && owner === incidentId) owner = undefined;
            // Only the first incident's quarantine is there; another incident's restore never lifts it.
            expect(isQuarantinedByUs(current)).toBe(owner !== undefined);
            if (owner) expect(isQuarantinedByUs(current, owner)).toBe(true);
            expect(current.spec?.taints?.some((t) => t.key === 'example.com/maintenance') ?? false).toBe(
              otherTaint,
            );
          }
          if (owner === undefined) {
            expect(current.spec?.unschedulable === true).toBe(cordoned);
            expect(current.spec?.taints ?? []).toEqual(original.spec?.taints ?? []);
            expect(current.metadata.annotations ?? {}).toEqual({});
          }
        },
      ),
      RUNS,
    );
  });
});
