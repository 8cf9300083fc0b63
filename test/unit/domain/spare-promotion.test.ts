import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import { NETWORK_LAYER_LABELS } from '#domain/spare-pool.ts';
import {
  isReadySpare,
  planJoinPool,
  planPromote,
  planUndoPromote,
  poolServing,
  promotedBy,
  spareOrder,
  spareVerification,
} from '#domain/spare-promotion.ts';
import { claimToken } from '#domain/spares.ts';

const NOW = '2026-12-03T18:00:00.000Z';
const ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
const FOREIGN = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };

const spare = (
  name: string,
  extra: Partial<KubeNode['metadata']> = {},
  spec: KubeNode['spec'] = {},
): KubeNode => ({
  metadata: {
    name,
    labels: { 'hyperpod-resilience.io/spare': 'ready', ...extra.labels },
    annotations: { 'hyperpod-resilience.io/spare-since': '2026-12-03T10:00:00.000Z', ...extra.annotations },
  },
  spec: {
    taints: [FOREIGN, { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
    ...spec,
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const layered = (name: string, layers: string[], since?: string): KubeNode => {
  const node = spare(name, {
    labels: Object.fromEntries(layers.map((v, i) => [NETWORK_LAYER_LABELS[i] as string, v])),
    ...(since ? { annotations: { 'hyperpod-resilience.io/spare-since': since } } : {}),
  });
  return node;
};

describe('Function: poolServing', () => {
  const config = parseAppConfig({
    clusters: [{ name: 'c1', arn: ARN, eksClusterName: 'e1' }],
    spares: {
      pools: [
        { cluster: 'c1', instanceGroup: 'spares', serves: ['gpu-a', 'gpu-b'], count: 1 },
        { cluster: 'c1', instanceGroup: 'trn', count: 1 },
      ],
    },
  }).spares;

  it('finds the pool that serves the group, its own group when serves is absent, and none otherwise', () => {
    expect(poolServing(config, 'c1', 'gpu-b')?.instanceGroup).toBe('spares');
    expect(poolServing(config, 'c1', 'trn')?.instanceGroup).toBe('trn');
    expect(poolServing(config, 'c1', 'cpu')).toBeUndefined();
    expect(poolServing(config, 'other', 'trn')).toBeUndefined();
    expect(poolServing(config, 'c1', undefined)).toBeUndefined();
  });
});

describe('Function: isReadySpare', () => {
  it('accepts a ready, Ready, schedulable spare with the pool taint (or none) and refuses every other', () => {
    expect(isReadySpare(spare('s'))).toBe(true);
    expect(isReadySpare(spare('s', {}, { taints: [] }))).toBe(true);
    expect(isReadySpare(spare('s', { labels: { 'hyperpod-resilience.io/spare': 'verifying' } }))).toBe(false);
    expect(
      isReadySpare({ ...spare('s'), status: { conditions: [{ type: 'Ready', status: 'False' }] } }),
    ).toBe(false);
    expect(isReadySpare({ ...spare('s'), status: {} })).toBe(false);
    expect(isReadySpare(spare('s', {}, { unschedulable: true }))).toBe(false);
    expect(
      isReadySpare(
        spare(
          's',
          {},
          { taints: [{ key: 'hyperpod-resilience.io/quarantine', value: 'x', effect: 'NoSchedule' }] },
        ),
      ),
    ).toBe(false);
    expect(
      isReadySpare(spare('s', { annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-9' } })),
    ).toBe(false);
    expect(
      isReadySpare(
        spare(
          's',
          {},
          { taints: [{ key: 'hyperpod-resilience.io/spare', value: 'c-1', effect: 'NoSchedule' }] },
        ),
      ),
    ).toBe(false);
    expect(isReadySpare({ metadata: { name: 'plain' } })).toBe(false);
  });
});

describe('Function: spareOrder', () => {
  it('lists every spare in the order the chooser takes them', () => {
    const a = layered('a', ['x']);
    const b = layered('b', ['y']);
    const c = layered('c', ['x', 'z']);
    const job = layered('job', ['x', 'z']);

    expect(spareOrder([a, b, c], [job]).map((n) => n.metadata.name)).toEqual(['c', 'a', 'b']);
    expect(spareOrder([a, b], [], (left) => left.at(-1)).map((n) => n.metadata.name)).toEqual(['b', 'a']);
  });
});

describe('Function: planPromote', () => {
  const token = claimToken('inc-1');

  it('retaints the spare with the claim token, keeps other taints, labels it promoted and stamps the incident', () => {
    const plan = planPromote(spare('s'), { incidentId: 'inc-1', token, now: NOW });

    expect(plan).toEqual({
      changed: true,
      patch: {
        spec: {
          taints: [FOREIGN, { key: 'hyperpod-resilience.io/spare', value: token, effect: 'NoSchedule' }],
        },
        metadata: {
          labels: { 'hyperpod-resilience.io/spare': 'promoted' },
          annotations: {
            'hyperpod-resilience.io/spare-claimed-by': 'inc-1',
            'hyperpod-resilience.io/spare-since': NOW,
          },
        },
      },
    });
  });

  it('changes nothing on a spare this incident already promoted (a retry), and adds the taint to a node with none', () => {
    const done = spare(
      's',
      {
        labels: { 'hyperpod-resilience.io/spare': 'promoted' },
        annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-1' },
      },
      { taints: [{ key: 'hyperpod-resilience.io/spare', value: token, effect: 'NoSchedule' }] },
    );
    const bare: KubeNode = { metadata: { name: 'bare' } };

    expect(planPromote(done, { incidentId: 'inc-1', token, now: NOW })).toEqual({
      patch: {},
      changed: false,
    });
    expect(planPromote(bare, { incidentId: 'inc-1', token, now: NOW }).patch.spec).toEqual({
      taints: [{ key: 'hyperpod-resilience.io/spare', value: token, effect: 'NoSchedule' }],
    });
  });
});

describe('Function: promotedBy', () => {
  it('finds the spare an incident promoted and no other', () => {
    const mine = spare('m', {
      labels: { 'hyperpod-resilience.io/spare': 'promoted' },
      annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-1' },
    });
    const theirs = spare('t', {
      labels: { 'hyperpod-resilience.io/spare': 'promoted' },
      annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-2' },
    });

    expect(promotedBy([spare('r'), theirs, mine], 'inc-1')).toBe(mine);
    expect(promotedBy([spare('r'), theirs], 'inc-1')).toBeUndefined();
  });
});

describe('Function: planUndoPromote', () => {
  it('puts this incident’s spare back in the pool and leaves another incident’s alone', () => {
    const mine = spare(
      'm',
      {
        labels: { 'hyperpod-resilience.io/spare': 'promoted' },
        annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-1' },
      },
      { taints: [FOREIGN, { key: 'hyperpod-resilience.io/spare', value: 'c-x', effect: 'NoSchedule' }] },
    );
    const bare: KubeNode = {
      metadata: { name: 'b', annotations: { 'hyperpod-resilience.io/spare-claimed-by': 'inc-1' } },
    };

    expect(planUndoPromote(mine, { incidentId: 'inc-1', now: NOW })).toEqual({
      changed: true,
      patch: {
        spec: {
          taints: [FOREIGN, { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
        },
        metadata: {
          labels: { 'hyperpod-resilience.io/spare': 'ready' },
          annotations: {
            'hyperpod-resilience.io/spare-claimed-by': null,
            'hyperpod-resilience.io/spare-since': NOW,
          },
        },
      },
    });
    expect(planUndoPromote(mine, { incidentId: 'inc-2', now: NOW })).toEqual({ patch: {}, changed: false });
    expect(planUndoPromote(bare, { incidentId: 'inc-1', now: NOW }).changed).toBe(true);
  });
});

describe('Function: spareVerification', () => {
  it('says quick-check-passed only for a passed check', () => {
    expect(spareVerification('passed')).toBe('quick-check-passed');
    expect(spareVerification('not-verified')).toBe('not-verified');
    expect(spareVerification(undefined)).toBe('not-verified');
  });
});

describe('Function: planJoinPool', () => {
  it('adds the pool taint, label and annotations to the taints the restore leaves, keeping the restore’s changes', () => {
    const node: KubeNode = {
      metadata: { name: 'n' },
      spec: {
        taints: [FOREIGN, { key: 'hyperpod-resilience.io/quarantine', value: 'x', effect: 'NoSchedule' }],
      },
    };
    const restore = {
      spec: { taints: [FOREIGN], unschedulable: false },
      metadata: { annotations: { 'hyperpod-resilience.io/quarantined-by': null } },
    };

    expect(planJoinPool(node, restore, { now: NOW, verified: 'quick-check-passed' })).toEqual({
      spec: {
        unschedulable: false,
        taints: [FOREIGN, { key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
      },
      metadata: {
        labels: { 'hyperpod-resilience.io/spare': 'ready' },
        annotations: {
          'hyperpod-resilience.io/quarantined-by': null,
          'hyperpod-resilience.io/spare-since': NOW,
          'hyperpod-resilience.io/spare-verified': 'quick-check-passed',
          'hyperpod-resilience.io/spare-claimed-by': null,
        },
      },
    });
  });

  it('marks a node with no restore patch (a replacement) from its own taints, replacing an old spare taint', () => {
    const node: KubeNode = {
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'hyperpod-resilience.io/spare', value: 'c-old', effect: 'NoSchedule' }] },
    };
    const bare: KubeNode = { metadata: { name: 'm' } };

    expect(planJoinPool(node, {}, { now: NOW, verified: 'not-verified' }).spec).toEqual({
      taints: [{ key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
    });
    expect(planJoinPool(bare, {}, { now: NOW, verified: 'not-verified' }).spec).toEqual({
      taints: [{ key: 'hyperpod-resilience.io/spare', value: 'pool', effect: 'NoSchedule' }],
    });
  });
});
