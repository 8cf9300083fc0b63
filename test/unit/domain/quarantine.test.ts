import { describe, expect, it } from 'vitest';
import type { KubeNode, Taint } from '#domain/kube-types.ts';
import {
  CORDONED_BY_US_ANNOTATION,
  isQuarantinedByUs,
  OWNER,
  OWNER_ANNOTATION,
  planQuarantine,
  planRestore,
  QUARANTINE_REASON_ANNOTATION,
  QUARANTINE_TAINT_KEY,
  QUARANTINED_AT_ANNOTATION,
  QUARANTINED_BY_ANNOTATION,
  toLabelValue,
} from '#domain/quarantine.ts';
import { aNode, NOW, named } from './fixtures.ts';

const hyperpodTaint: Taint = {
  key: 'sagemaker.amazonaws.com/node-health-status',
  value: 'Unschedulable',
  effect: 'NoSchedule',
};
const ourTaint: Taint = { key: QUARANTINE_TAINT_KEY, value: 'xid-79', effect: 'NoSchedule' };

const node = (spec: KubeNode['spec'], annotations: Record<string, string> = {}): KubeNode =>
  aNode({ metadata: { name: 'hyperpod-i-0123456789abcdef0', resourceVersion: '7', annotations }, spec });

const ours = (incidentId: string, cordonedByUs: 'true' | 'false') => ({
  [QUARANTINED_BY_ANNOTATION]: incidentId,
  [QUARANTINE_REASON_ANNOTATION]: 'xid-79',
  [QUARANTINED_AT_ANNOTATION]: NOW,
  [CORDONED_BY_US_ANNOTATION]: cordonedByUs,
  [OWNER_ANNOTATION]: OWNER,
});

describe('Function: toLabelValue', () => {
  it.each(
    named([
      { case: 'keeps a valid value', text: 'NvidiaErrorTerminate', expected: 'NvidiaErrorTerminate' },
      {
        case: 'turns runs of other characters into one hyphen',
        text: 'Xid 79: GPU fell off',
        expected: 'Xid-79-GPU-fell-off',
      },
      { case: 'trims non-alphanumerics at both ends', text: '--_reason._', expected: 'reason' },
      { case: 'cuts to 63 characters', text: 'a'.repeat(100), expected: 'a'.repeat(63) },
      {
        case: 'never ends on a separator after cutting',
        text: `${'a'.repeat(62)} b`,
        expected: 'a'.repeat(62),
      },
      { case: 'falls back when nothing valid is left', text: '!!!', expected: 'fault' },
    ]),
  )('%s', (_case, { text, expected }) => {
    // Act
    const value = toLabelValue(text);

    // Assess
    expect(value).toBe(expected);
    expect(value).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });
});

describe('Function: planQuarantine', () => {
  const input = { incidentId: 'inc-1', reason: 'Xid 79: GPU has fallen off the bus', now: NOW };

  it('cordons, adds our taint after the existing ones and stamps who, why and when', () => {
    // Act
    const plan = planQuarantine(node({ taints: [hyperpodTaint] }), input);

    // Assess
    expect(plan).toEqual({
      alreadyQuarantined: false,
      quarantinedBy: 'inc-1',
      patch: {
        spec: {
          unschedulable: true,
          taints: [
            hyperpodTaint,
            { key: QUARANTINE_TAINT_KEY, value: 'Xid-79-GPU-has-fallen-off-the-bus', effect: 'NoSchedule' },
          ],
        },
        metadata: {
          annotations: {
            [QUARANTINED_BY_ANNOTATION]: 'inc-1',
            [QUARANTINE_REASON_ANNOTATION]: input.reason,
            [QUARANTINED_AT_ANNOTATION]: NOW,
            [CORDONED_BY_US_ANNOTATION]: 'true',
            [OWNER_ANNOTATION]: OWNER,
          },
        },
      },
    });
  });

  it.each(
    named([
      { case: 'a schedulable node is cordoned by us', spec: {}, annotations: {}, cordonedByUs: 'true' },
      {
        case: 'a node someone else cordoned is not marked as cordoned by us',
        spec: { unschedulable: true },
        annotations: {},
        cordonedByUs: 'false',
      },
      {
        case: 'a retry after our taint was removed remembers that the cordon is ours',
        spec: { unschedulable: true },
        annotations: ours('inc-1', 'true'),
        cordonedByUs: 'true',
      },
      {
        case: 'taking over a stale quarantine of ours keeps its cordon ours',
        spec: { unschedulable: true },
        annotations: ours('inc-0', 'true'),
        cordonedByUs: 'true',
      },
    ] as {
      case: string;
      spec: KubeNode['spec'];
      annotations: Record<string, string>;
      cordonedByUs: string;
    }[]),
  )('%s', (_case, { spec, annotations, cordonedByUs }) => {
    // Act
    const plan = planQuarantine(node(spec, annotations), input);

    // Assess
    expect(plan.alreadyQuarantined).toBe(false);
    expect(plan.patch).toMatchObject({
      spec: { unschedulable: true },
      metadata: {
        annotations: { [CORDONED_BY_US_ANNOTATION]: cordonedByUs, [QUARANTINED_BY_ANNOTATION]: 'inc-1' },
      },
    });
  });

  it('is a no-op when this incident already quarantined the node (a retried step)', () => {
    // Act
    const plan = planQuarantine(
      node({ unschedulable: true, taints: [ourTaint] }, ours('inc-1', 'true')),
      input,
    );

    // Assess
    expect(plan).toEqual({ patch: {}, alreadyQuarantined: true, quarantinedBy: 'inc-1' });
  });

  it("keeps another incident's quarantine and reports its owner", () => {
    // Act
    const plan = planQuarantine(
      node({ unschedulable: true, taints: [ourTaint] }, ours('inc-0', 'true')),
      input,
    );

    // Assess
    expect(plan).toEqual({ patch: {}, alreadyQuarantined: true, quarantinedBy: 'inc-0' });
  });

  it('takes over an ownerless taint of ours without duplicating it', () => {
    // Act
    const plan = planQuarantine(node({ taints: [ourTaint, hyperpodTaint] }), input);

    // Assess
    expect(plan.alreadyQuarantined).toBe(false);
    expect((plan.patch.spec as { taints: Taint[] }).taints).toEqual([
      hyperpodTaint,
      { key: QUARANTINE_TAINT_KEY, value: 'Xid-79-GPU-has-fallen-off-the-bus', effect: 'NoSchedule' },
    ]);
  });

  it('caps the reason annotation at 1024 characters', () => {
    // Act
    const plan = planQuarantine(node({}), { ...input, reason: 'x'.repeat(5000) });

    // Assess
    const annotations = (plan.patch.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations[QUARANTINE_REASON_ANNOTATION]).toHaveLength(1024);
  });

  it('works on a node without spec or annotations', () => {
    // Act
    const plan = planQuarantine({ metadata: { name: 'n' } }, input);

    // Assess
    expect(plan.patch).toMatchObject({
      spec: { unschedulable: true, taints: [{ key: QUARANTINE_TAINT_KEY }] },
    });
  });
});

describe('Function: planRestore', () => {
  it('removes our taint and annotations and uncordons a node we cordoned', () => {
    // Prepare
    const quarantined = node(
      { unschedulable: true, taints: [hyperpodTaint, ourTaint] },
      ours('inc-1', 'true'),
    );

    // Act
    const plan = planRestore(quarantined, 'inc-1');

    // Assess
    expect(plan).toEqual({
      changed: true,
      keptCordon: false,
      patch: {
        spec: { taints: [hyperpodTaint], unschedulable: false },
        metadata: {
          annotations: {
            [QUARANTINED_BY_ANNOTATION]: null,
            [QUARANTINE_REASON_ANNOTATION]: null,
            [QUARANTINED_AT_ANNOTATION]: null,
            [CORDONED_BY_US_ANNOTATION]: null,
            [OWNER_ANNOTATION]: null,
          },
        },
      },
    });
  });

  it('never uncordons a node someone else cordoned', () => {
    // Prepare
    const quarantined = node({ unschedulable: true, taints: [ourTaint] }, ours('inc-1', 'false'));

    // Act
    const plan = planRestore(quarantined, 'inc-1');

    // Assess
    expect(plan.keptCordon).toBe(true);
    expect(plan.patch).toEqual({
      spec: { taints: [] },
      metadata: { annotations: expect.objectContaining({ [QUARANTINED_BY_ANNOTATION]: null }) },
    });
  });

  it('does nothing to a node quarantined by a different incident', () => {
    // Prepare
    const quarantined = node({ unschedulable: true, taints: [ourTaint] }, ours('inc-0', 'true'));

    // Act & Assess
    expect(planRestore(quarantined, 'inc-1')).toEqual({ patch: {}, changed: false, keptCordon: true });
  });

  it('reports an uncordoned node of another incident as not cordoned', () => {
    // Prepare
    const quarantined = node({ taints: [ourTaint] }, ours('inc-0', 'true'));

    // Act & Assess
    expect(planRestore(quarantined, 'inc-1').keptCordon).toBe(false);
  });

  it('is a no-op on a node that carries nothing of ours (a retried restore)', () => {
    // Act & Assess
    expect(planRestore(node({ taints: [hyperpodTaint] }), 'inc-1')).toEqual({
      patch: {},
      changed: false,
      keptCordon: false,
    });
  });

  it('removes an ownerless taint of ours but keeps the cordon, since nothing proves it is ours', () => {
    // Prepare
    const orphan = node({ unschedulable: true, taints: [ourTaint] }, { [CORDONED_BY_US_ANNOTATION]: 'true' });

    // Act
    const plan = planRestore(orphan, 'inc-1');

    // Assess
    expect(plan).toEqual({
      patch: { spec: { taints: [] }, metadata: { annotations: { [CORDONED_BY_US_ANNOTATION]: null } } },
      changed: true,
      keptCordon: true,
    });
  });

  it('only removes annotations when our taint is already gone', () => {
    // Prepare
    const partial = node({ unschedulable: true }, ours('inc-1', 'true'));

    // Act
    const plan = planRestore(partial, 'inc-1');

    // Assess
    expect(plan.patch).toEqual({
      spec: { unschedulable: false },
      metadata: { annotations: expect.objectContaining({ [OWNER_ANNOTATION]: null }) },
    });
    expect(plan.keptCordon).toBe(false);
  });

  it('does not uncordon a node that is no longer cordoned', () => {
    // Prepare
    const uncordoned = node({ taints: [ourTaint] }, ours('inc-1', 'true'));

    // Act
    const plan = planRestore(uncordoned, 'inc-1');

    // Assess
    expect(plan.patch).not.toHaveProperty('spec.unschedulable');
    expect(plan.keptCordon).toBe(false);
  });

  it('works on a node without spec or annotations', () => {
    // Act & Assess
    expect(planRestore({ metadata: { name: 'n' } }, 'inc-1')).toEqual({
      patch: {},
      changed: false,
      keptCordon: false,
    });
  });
});

describe('Function: isQuarantinedByUs', () => {
  it.each(
    named([
      {
        case: 'our taint means quarantined by us',
        n: node({ taints: [ourTaint] }),
        incident: undefined,
        expected: true,
      },
      {
        case: 'no taint means not quarantined',
        n: node({}, ours('inc-1', 'true')),
        incident: undefined,
        expected: false,
      },
      {
        case: 'the owning incident is recognised',
        n: node({ taints: [ourTaint] }, ours('inc-1', 'true')),
        incident: 'inc-1',
        expected: true,
      },
      {
        case: 'another incident is not the owner',
        n: node({ taints: [ourTaint] }, ours('inc-0', 'true')),
        incident: 'inc-1',
        expected: false,
      },
      {
        case: 'a node without annotations has no owner',
        n: { metadata: { name: 'n' }, spec: { taints: [ourTaint] } },
        incident: 'inc-1',
        expected: false,
      },
    ] as { case: string; n: KubeNode; incident?: string; expected: boolean }[]),
  )('%s', (_case, { n, incident, expected }) => {
    // Act & Assess
    expect(isQuarantinedByUs(n, incident)).toBe(expected);
  });
});
