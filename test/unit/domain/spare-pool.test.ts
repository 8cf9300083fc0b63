import { describe, expect, it } from 'vitest';
import type { SparePool } from '#contracts/config/spares.ts';
import type { KubeNode, KubePod, Taint } from '#domain/kube-types.ts';
import { QUARANTINE_TAINT_KEY, QUARANTINED_BY_ANNOTATION } from '#domain/quarantine.ts';
import {
  chooseSpare,
  isDaemonSetPod,
  NETWORK_LAYER_LABELS,
  nodesWithWork,
  notCandidateReason,
  orphanSpares,
  type PoolNode,
  planMarkReady,
  planPoolUpkeep,
  planReleaseSpare,
  planTakeSpare,
  poolTarget,
  spareCheckExecutionName,
  spareInfo,
  type UpkeepSettings,
} from '#domain/spare-pool.ts';
import {
  SPARE_CLAIMED_BY_ANNOTATION,
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
} from '#domain/spares.ts';
import { at, NOW, named } from './fixtures.ts';

const READY = { type: 'Ready', status: 'True' };
const OPT_OUT = 'hyperpod-resilience.io/opt-out';
const gpuTaint: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
const poolTaint: Taint = { key: SPARE_TAINT_KEY, value: 'pool', effect: 'NoSchedule' };

const node = (
  name: string,
  o: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    taints?: Taint[];
    ready?: string;
    unschedulable?: boolean;
    deleting?: boolean;
  } = {},
): KubeNode => ({
  metadata: {
    name,
    resourceVersion: '7',
    labels: o.labels ?? {},
    annotations: o.annotations ?? {},
    ...(o.deleting ? { deletionTimestamp: NOW } : {}),
  },
  spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
  status: { conditions: [{ ...READY, status: o.ready ?? 'True' }] },
});

const spare = (
  name: string,
  state: string,
  o: {
    since?: string;
    claimedBy?: string;
    ready?: string;
    taint?: string;
    labels?: Record<string, string>;
  } = {},
) =>
  node(name, {
    labels: { [SPARE_STATE_LABEL]: state, ...o.labels },
    annotations: {
      [SPARE_SINCE_ANNOTATION]: o.since ?? at({ hours: -1 }),
      ...(o.claimedBy ? { [SPARE_CLAIMED_BY_ANNOTATION]: o.claimedBy } : {}),
    },
    taints: [gpuTaint, { key: SPARE_TAINT_KEY, value: o.taint ?? 'pool', effect: 'NoSchedule' }],
    ...(o.ready ? { ready: o.ready } : {}),
  });

const pod = (nodeName: string, ownerKind?: string, phase = 'Running'): KubePod => ({
  metadata: {
    name: `p-${nodeName}-${ownerKind ?? 'bare'}`,
    ...(ownerKind
      ? { ownerReferences: [{ apiVersion: 'v1', kind: ownerKind, name: 'o', uid: 'u', controller: true }] }
      : {}),
  },
  spec: { nodeName },
  status: { phase },
});

const member = (n: KubeNode, o: Partial<Omit<PoolNode, 'node'>> = {}): PoolNode => ({
  node: n,
  instanceId: `i-${n.metadata.name}`,
  instanceGroupName: 'spares',
  status: 'Running',
  leased: false,
  ...o,
});

const settings = (o: Partial<UpkeepSettings> = {}): UpkeepSettings => ({
  optOutLabel: OPT_OUT,
  promotedGraceMinutes: 15,
  inFlight: new Set(),
  ...o,
});

const pool = (o: Partial<SparePool> = {}): SparePool => ({
  cluster: 'ml',
  instanceGroup: 'spares',
  count: 2,
  ...o,
});

describe('Function: poolTarget', () => {
  it.each(
    named([
      { case: 'a count is the target whatever the group size', p: { count: 3 }, nodes: 100, expected: 3 },
      { case: 'a percent is rounded up over the group', p: { percent: 5 }, nodes: 41, expected: 3 },
      { case: 'a percent of an empty group is zero', p: { percent: 10 }, nodes: 0, expected: 0 },
      { case: 'neither count nor percent keeps no spare', p: {}, nodes: 10, expected: 0 },
    ]),
  )('%s', (_, row) => {
    expect(poolTarget(row.p, row.nodes)).toBe(row.expected);
  });
});

describe('Function: spareInfo', () => {
  it('reads state, since, verification, claim and taint value of a spare', () => {
    const n = spare('n1', 'promoted', { claimedBy: 'inc-1', taint: 'c-0123456789abcdef' });
    n.metadata.annotations = { ...n.metadata.annotations, [SPARE_VERIFIED_ANNOTATION]: 'not-verified' };
    expect(spareInfo(n)).toEqual({
      nodeName: 'n1',
      state: 'promoted',
      since: at({ hours: -1 }),
      verified: 'not-verified',
      claimedBy: 'inc-1',
      taint: 'c-0123456789abcdef',
    });
  });

  it('is undefined for a node without the spare label', () => {
    expect(spareInfo(node('plain'))).toBeUndefined();
  });

  it('reads an unknown state value as unknown and a missing taint as absent', () => {
    const n = node('n', { labels: { [SPARE_STATE_LABEL]: 'hibernating' } });
    n.metadata.annotations = undefined;
    expect(spareInfo(n)).toEqual({ nodeName: 'n', state: 'unknown' });
  });

  it('reads a taint without a value as an empty value', () => {
    const n = node('n', {
      labels: { [SPARE_STATE_LABEL]: 'ready' },
      taints: [{ key: SPARE_TAINT_KEY, effect: 'NoSchedule' }],
    });
    expect(spareInfo(n)?.taint).toBe('');
  });
});

describe('Function: isDaemonSetPod and nodesWithWork', () => {
  it('tells a DaemonSet pod by its controller ownerReference kind', () => {
    expect(isDaemonSetPod(pod('n', 'DaemonSet'))).toBe(true);
    expect(isDaemonSetPod(pod('n', 'ReplicaSet'))).toBe(false);
    expect(isDaemonSetPod(pod('n'))).toBe(false);
  });

  it('does not take a DaemonSet owner that is not the controller for a DaemonSet pod', () => {
    const p = pod('n');
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u' }];
    expect(isDaemonSetPod(p)).toBe(false);
  });

  it('counts unfinished non-DaemonSet pods as work, never DaemonSet, finished or unbound pods', () => {
    const work = nodesWithWork([
      pod('ds-only', 'DaemonSet'),
      pod('job', 'Job'),
      pod('bare'),
      pod('done', 'Job', 'Succeeded'),
      pod('failed', 'Job', 'Failed'),
      { metadata: { name: 'pending' }, status: { phase: 'Pending' } },
    ]);
    expect([...work].sort()).toEqual(['bare', 'job']);
  });
});

describe('Function: notCandidateReason', () => {
  const idle = { optOutLabel: OPT_OUT, leased: false, runsWork: false };
  it.each(
    named([
      {
        case: 'an idle Ready schedulable node is a candidate',
        n: node('a', { taints: [gpuTaint] }),
        input: idle,
        expected: undefined,
      },
      {
        case: 'a spare already is not taken again',
        n: spare('a', 'ready'),
        input: idle,
        expected: 'already-spare',
      },
      {
        case: 'a node being deleted is not taken',
        n: node('a', { deleting: true }),
        input: idle,
        expected: 'being-deleted',
      },
      {
        case: 'a node that is not Ready is not taken',
        n: node('a', { ready: 'Unknown' }),
        input: idle,
        expected: 'not-ready',
      },
      {
        case: 'a cordoned node is not taken',
        n: node('a', { unschedulable: true }),
        input: idle,
        expected: 'cordoned',
      },
      {
        case: 'a node we quarantined is not taken',
        n: node('a', {
          taints: [{ key: QUARANTINE_TAINT_KEY, value: 'x', effect: 'NoSchedule' }],
          annotations: { [QUARANTINED_BY_ANNOTATION]: 'inc-1' },
        }),
        input: idle,
        expected: 'quarantined',
      },
      {
        case: 'a node HyperPod marks pending a reboot is not taken',
        n: node('a', {
          labels: { 'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReboot' },
        }),
        input: idle,
        expected: 'hyperpod-unhealthy',
      },
      {
        case: 'an opted-out node is not taken',
        n: node('a', { labels: { [OPT_OUT]: 'true' } }),
        input: idle,
        expected: 'opted-out',
      },
      {
        case: 'an opt-out label set to false does not opt out',
        n: node('a', { labels: { [OPT_OUT]: 'False' } }),
        input: idle,
        expected: undefined,
      },
      {
        case: 'a leased node is not taken',
        n: node('a'),
        input: { ...idle, leased: true },
        expected: 'leased',
      },
      {
        case: 'a node running work is never taken',
        n: node('a'),
        input: { ...idle, runsWork: true },
        expected: 'runs-work',
      },
    ]),
  )('%s', (_, row) => {
    expect(notCandidateReason(row.n, row.input)).toBe(row.expected);
  });

  it.each([
    // The values of HyperPod's node health label, as the SageMaker developer guide lists them
    // (sagemaker-hyperpod-eks-resiliency-node-labels.html; docs/facts/node-identity.md).
    ['Schedulable', undefined],
    ['Unschedulable', 'hyperpod-unhealthy'],
    ['UnschedulablePendingReplacement', 'hyperpod-unhealthy'],
    ['UnschedulablePendingReboot', 'hyperpod-unhealthy'],
  ])(
    'takes a node whose sagemaker.amazonaws.com/node-health-status is %s only when it is Schedulable',
    (value, expected) => {
      const labelled = node('a');
      labelled.metadata.labels = {
        ...labelled.metadata.labels,
        'sagemaker.amazonaws.com/node-health-status': value,
      };
      expect(notCandidateReason(labelled, idle)).toBe(expected);
    },
  );

  it('reads a node without conditions as not Ready', () => {
    expect(notCandidateReason({ metadata: { name: 'x' } }, idle)).toBe('not-ready');
  });
});

describe('Function: planTakeSpare', () => {
  it('adds the pool taint beside the other taints, labels the node verifying and stamps since when', () => {
    const result = planTakeSpare(node('a', { taints: [gpuTaint] }), { now: NOW });
    expect(result).toEqual({
      changed: true,
      patch: {
        spec: { taints: [gpuTaint, poolTaint] },
        metadata: {
          labels: { [SPARE_STATE_LABEL]: 'verifying' },
          annotations: {
            [SPARE_SINCE_ANNOTATION]: NOW,
            [SPARE_VERIFIED_ANNOTATION]: null,
            [SPARE_CLAIMED_BY_ANNOTATION]: null,
          },
        },
      },
    });
  });

  it('marks the node ready and not-verified at once when quick checks are off', () => {
    const { patch } = planTakeSpare(node('a'), { now: NOW, verification: 'not-verified' });
    expect(patch).toMatchObject({
      spec: { taints: [poolTaint] },
      metadata: {
        labels: { [SPARE_STATE_LABEL]: 'ready' },
        annotations: { [SPARE_VERIFIED_ANNOTATION]: 'not-verified' },
      },
    });
  });

  it('leaves a node that is already a spare as it is', () => {
    expect(planTakeSpare(spare('a', 'promoted'), { now: NOW })).toEqual({ patch: {}, changed: false });
  });
});

describe('Function: planMarkReady', () => {
  it('makes a verifying spare ready with how it was verified and a new since', () => {
    const { patch } = planMarkReady(spare('a', 'verifying'), {
      now: NOW,
      verification: 'quick-check-passed',
    });
    expect(patch).toEqual({
      spec: { taints: [gpuTaint, poolTaint] },
      metadata: {
        labels: { [SPARE_STATE_LABEL]: 'ready' },
        annotations: { [SPARE_SINCE_ANNOTATION]: NOW, [SPARE_VERIFIED_ANNOTATION]: 'quick-check-passed' },
      },
    });
  });

  it.each(
    named([
      { case: 'leaves a promoted spare alone', state: 'promoted' },
      { case: 'leaves a ready spare alone', state: 'ready' },
    ]),
  )('%s', (_, row) => {
    expect(
      planMarkReady(spare('a', row.state), { now: NOW, verification: 'quick-check-passed' }).changed,
    ).toBe(false);
  });

  it('leaves a node that is no spare alone', () => {
    expect(planMarkReady(node('a'), { now: NOW, verification: 'not-verified' }).changed).toBe(false);
  });
});

describe('Function: planReleaseSpare', () => {
  it('removes only our spare taint, label and annotations', () => {
    const n = spare('a', 'promoted', { claimedBy: 'inc-1' });
    n.metadata.labels = { ...n.metadata.labels, team: 'ml' };
    n.metadata.annotations = {
      ...n.metadata.annotations,
      [SPARE_VERIFIED_ANNOTATION]: 'quick-check-passed',
      other: 'x',
    };
    expect(planReleaseSpare(n)).toEqual({
      changed: true,
      patch: {
        spec: { taints: [gpuTaint] },
        metadata: {
          labels: { [SPARE_STATE_LABEL]: null },
          annotations: {
            [SPARE_SINCE_ANNOTATION]: null,
            [SPARE_VERIFIED_ANNOTATION]: null,
            [SPARE_CLAIMED_BY_ANNOTATION]: null,
          },
        },
      },
    });
  });

  it('has nothing to do on a node with nothing of ours', () => {
    expect(planReleaseSpare({ metadata: { name: 'x' } })).toEqual({ patch: {}, changed: false });
  });

  it('removes a leftover label even without taint or annotations', () => {
    expect(planReleaseSpare(node('x', { labels: { [SPARE_STATE_LABEL]: 'ready' } })).patch).toEqual({
      metadata: { labels: { [SPARE_STATE_LABEL]: null } },
    });
  });
});

describe('Function: planPoolUpkeep', () => {
  it('fills the pool from idle nodes only, in name order, and never takes a node running work', () => {
    const nodes = ['n4', 'n3', 'n2', 'n1'].map((n) => member(node(n)));
    const upkeep = planPoolUpkeep(pool({ count: 2 }), nodes, new Set(['n1']), settings(), NOW);
    expect(upkeep.take).toEqual([
      { nodeName: 'n2', instanceId: 'i-n2' },
      { nodeName: 'n3', instanceId: 'i-n3' },
    ]);
    expect(upkeep.missing).toBe(0);
    expect(upkeep.view).toMatchObject({ target: 2, groupNodes: 4, ready: 0, verifying: 0, promoted: 0 });
  });

  it('only draws from the supplying group and from Running instances', () => {
    const nodes = [
      member(node('other'), { instanceGroupName: 'workers' }),
      member(node('pending'), { status: 'Pending' }),
      member(node('ok')),
    ];
    const upkeep = planPoolUpkeep(pool({ count: 3 }), nodes, new Set(), settings(), NOW);
    expect(upkeep.take.map((t) => t.nodeName)).toEqual(['ok']);
    expect(upkeep.missing).toBe(2);
  });

  it('reports the spares still missing when no candidate is left', () => {
    const upkeep = planPoolUpkeep(
      pool({ count: 2 }),
      [member(node('busy'))],
      new Set(['busy']),
      settings(),
      NOW,
    );
    expect(upkeep.take).toEqual([]);
    expect(upkeep.missing).toBe(2);
  });

  it('counts ready and verifying spares toward the target and queues verifying ones for their check', () => {
    const nodes = [member(spare('r', 'ready')), member(spare('v', 'verifying')), member(node('idle'))];
    const upkeep = planPoolUpkeep(pool({ count: 2 }), nodes, new Set(), settings(), NOW);
    expect(upkeep.take).toEqual([]);
    expect(upkeep.verify).toEqual([{ nodeName: 'v', instanceId: 'i-v' }]);
    expect(upkeep.view).toMatchObject({ ready: 1, verifying: 1, unavailable: 0 });
  });

  it('does not start a second check on a verifying spare whose lease a check holds', () => {
    const upkeep = planPoolUpkeep(
      pool({ count: 1 }),
      [member(spare('v', 'verifying'), { leased: true })],
      new Set(),
      settings(),
      NOW,
    );
    expect(upkeep.verify).toEqual([]);
  });

  it('does not count a NotReady or quarantined spare and fills its place', () => {
    const quarantined = spare('q', 'ready');
    quarantined.spec?.taints?.push({ key: QUARANTINE_TAINT_KEY, value: 'x', effect: 'NoSchedule' });
    const nodes = [
      member(spare('down', 'ready', { ready: 'False' })),
      member(quarantined),
      member(node('idle')),
    ];
    const upkeep = planPoolUpkeep(pool({ count: 1 }), nodes, new Set(), settings(), NOW);
    expect(upkeep.view).toMatchObject({ ready: 0, unavailable: 2 });
    expect(upkeep.take.map((t) => t.nodeName)).toEqual(['idle']);
    expect(upkeep.release).toEqual([]);
  });

  it('releases the newest ready spares above target and keeps the oldest', () => {
    const nodes = [
      member(spare('old', 'ready', { since: at({ hours: -3 }) })),
      member(spare('mid', 'ready', { since: at({ hours: -2 }) })),
      member(spare('new', 'ready', { since: at({ hours: -1 }) })),
    ];
    const upkeep = planPoolUpkeep(pool({ count: 1 }), nodes, new Set(), settings(), NOW);
    expect(upkeep.release.map((r) => [r.nodeName, r.reason])).toEqual([
      ['new', 'surplus'],
      ['mid', 'surplus'],
    ]);
    expect(upkeep.take).toEqual([]);
  });

  it('releases a promoted spare whose job no longer runs there once the grace has passed', () => {
    const nodes = [
      member(spare('gone', 'promoted', { claimedBy: 'inc-closed', since: at({ hours: -2 }) })),
      member(spare('running', 'promoted', { claimedBy: 'inc-2', since: at({ hours: -2 }) })),
      member(spare('fresh', 'promoted', { claimedBy: 'inc-3', since: at({ minutes: -1 }) })),
      member(spare('held', 'promoted', { claimedBy: 'inc-open', since: at({ hours: -2 }) })),
      member(spare('leased', 'promoted', { since: at({ hours: -2 }) }), { leased: true }),
      member(spare('unclaimed', 'promoted', { since: at({ hours: -2 }) })),
    ];
    const upkeep = planPoolUpkeep(
      pool({ count: 0 }),
      nodes,
      new Set(['running']),
      settings({ inFlight: new Set(['inc-open']) }),
      NOW,
    );
    expect(upkeep.release.map((r) => [r.nodeName, r.reason, r.detail])).toEqual([
      ['gone', 'promoted-idle', 'promoted spare gone runs no job any more (claimed by inc-closed)'],
      ['unclaimed', 'promoted-idle', 'promoted spare unclaimed runs no job any more'],
    ]);
    expect(upkeep.view.promoted).toBe(6);
  });

  it('treats a promoted spare without a readable since as past its grace', () => {
    const n = spare('x', 'promoted');
    delete n.metadata.annotations?.[SPARE_SINCE_ANNOTATION];
    expect(planPoolUpkeep(pool({ count: 0 }), [member(n)], new Set(), settings(), NOW).release).toHaveLength(
      1,
    );
  });

  it('sizes a percent pool on the group and lists every spare in the view', () => {
    const nodes = [
      member(spare('s', 'verifying')),
      ...Array.from({ length: 19 }, (_, i) => member(node(`n${i}`))),
    ];
    const upkeep = planPoolUpkeep(
      pool({ count: undefined, percent: 10, serves: ['workers'] }),
      nodes,
      new Set(),
      settings(),
      NOW,
    );
    expect(upkeep.view).toMatchObject({ target: 2, serves: ['workers'], groupNodes: 20 });
    expect(upkeep.view.spares.map((s) => s.nodeName)).toEqual(['s']);
    expect(upkeep.take).toHaveLength(1);
  });
});

describe('Function: orphanSpares', () => {
  it('releases ready and verifying spares of groups no pool draws from, nothing else', () => {
    const nodes = [
      member(spare('orphan', 'ready'), { instanceGroupName: 'old-pool' }),
      member(spare('checking', 'verifying'), { instanceGroupName: 'old-pool' }),
      member(spare('promoted', 'promoted'), { instanceGroupName: 'old-pool' }),
      member(spare('leased', 'ready'), { instanceGroupName: 'old-pool', leased: true }),
      member(spare('kept', 'ready')),
      member(node('plain'), { instanceGroupName: 'old-pool' }),
    ];
    expect(orphanSpares(nodes, new Set(['spares'])).map((r) => [r.nodeName, r.state, r.reason])).toEqual([
      ['orphan', 'ready', 'no-pool'],
      ['checking', 'verifying', 'no-pool'],
    ]);
  });
});

describe('Function: chooseSpare', () => {
  // Label names and the top-down layer order: EKS user guide "Place distributed AI/ML workloads
  // with network topology labels" (docs/facts/spares-spare-pool.md spares.topology-layer-labels).
  const layers = (...values: string[]) =>
    Object.fromEntries(values.map((v, i) => [`topology.k8s.aws/network-node-layer-${i + 1}`, v]));

  it('uses the four EKS network-node-layer labels from the top down', () => {
    expect(NETWORK_LAYER_LABELS).toEqual([
      'topology.k8s.aws/network-node-layer-1',
      'topology.k8s.aws/network-node-layer-2',
      'topology.k8s.aws/network-node-layer-3',
      'topology.k8s.aws/network-node-layer-4',
    ]);
  });

  it('prefers the spare sharing the deepest network layers with the job', () => {
    const job = [
      node('j1', { labels: layers('nn-a', 'nn-b', 'nn-c') }),
      node('j2', { labels: layers('nn-a', 'nn-b', 'nn-c') }),
    ];
    const far = spare('far', 'ready', { since: at({ hours: -9 }), labels: layers('nn-a', 'nn-x', 'nn-c') });
    const near = spare('near', 'ready', { labels: layers('nn-a', 'nn-b', 'nn-c') });
    expect(chooseSpare([far, near], job)?.metadata.name).toBe('near');
  });

  it('falls back to the oldest spare, then the name, when topology does not tell them apart', () => {
    const a = spare('a', 'ready', { since: at({ hours: -1 }) });
    const b = spare('b', 'ready', { since: at({ hours: -2 }) });
    const c = spare('c', 'ready', { since: at({ hours: -2 }) });
    expect(chooseSpare([a, c, b], [node('j')])?.metadata.name).toBe('b');
  });

  it('never chooses a spare that is not ready, not Ready, quarantined or already claimed', () => {
    const quarantined = spare('q', 'ready');
    quarantined.spec?.taints?.push({ key: QUARANTINE_TAINT_KEY, value: 'x', effect: 'NoSchedule' });
    const candidates = [
      spare('v', 'verifying'),
      spare('p', 'promoted', { taint: 'c-0123456789abcdef' }),
      spare('down', 'ready', { ready: 'Unknown' }),
      spare('claimed', 'ready', { taint: 'c-0123456789abcdef' }),
      quarantined,
      node('plain'),
    ];
    expect(chooseSpare(candidates, [])).toBeUndefined();
  });
});

describe('Function: spareCheckExecutionName', () => {
  it('names one check per spare per retry window', () => {
    const first = spareCheckExecutionName('i-0123456789abcdef0', '2026-01-01T00:05:00Z', 60);
    expect(first).toBe('spare-check-i-0123456789abcdef0-490896');
    expect(spareCheckExecutionName('i-0123456789abcdef0', '2026-01-01T00:55:00Z', 60)).toBe(first);
    expect(spareCheckExecutionName('i-0123456789abcdef0', '2026-01-01T01:05:00Z', 60)).not.toBe(first);
  });
});
