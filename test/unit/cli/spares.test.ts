import { describe, expect, it } from 'vitest';
import type { ClusterNodes, KubeApi } from '#adapters/ports.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import type { PoolView } from '#domain/spare-pool.ts';
import {
  SPARE_CLAIMED_BY_ANNOTATION,
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_VERIFIED_ANNOTATION,
} from '#domain/spares.ts';
import { poolCountsLine, readPoolViews, sparesLines } from '#local/cli/spares.ts';

const NOW = '2026-12-03T12:00:00.000Z';
const ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';

const view = (o: Partial<PoolView> = {}): PoolView => ({
  cluster: 'ml',
  instanceGroup: 'spares',
  serves: ['workers'],
  target: 2,
  groupNodes: 10,
  ready: 1,
  verifying: 0,
  promoted: 1,
  unavailable: 0,
  spares: [
    {
      nodeName: 'hyperpod-i-0a1b2c3d4e5f60001',
      state: 'ready',
      since: '2026-12-03T11:48:00.000Z',
      verified: 'quick-check-passed',
      taint: 'pool',
    },
    {
      nodeName: 'hyperpod-i-0a1b2c3d4e5f60002',
      state: 'promoted',
      since: '2026-12-03T08:00:00.000Z',
      claimedBy: 'inc-1',
      taint: 'c-0123456789abcdef',
    },
  ],
  ...o,
});

describe('hpr spares: the report', () => {
  it('prints each pool with its counts and each spare with its state and since when', () => {
    expect(sparesLines([view()], NOW)).toEqual([
      'ml/spares: 1/2 ready, 0 verifying, 1 promoted — BELOW TARGET (serves workers)',
      '  hyperpod-i-0a1b2c3d4e5f60001  ready  since 2026-12-03T11:48:00.000Z (12 min ago)  quick-check-passed',
      '  hyperpod-i-0a1b2c3d4e5f60002  promoted  since 2026-12-03T08:00:00.000Z (4 h ago)  claimed by inc-1',
    ]);
  });

  it('says when no pool is configured', () => {
    expect(sparesLines([], NOW)).toEqual(['no hot-spare pool configured (config section spares.pools)']);
  });

  it('counts unavailable spares and does not call a full pool below target', () => {
    expect(poolCountsLine(view({ ready: 2, unavailable: 1, spares: [] }))).toBe(
      'ml/spares: 2/2 ready, 0 verifying, 1 promoted, 1 unavailable (NotReady or quarantined) (serves workers)',
    );
  });

  it('prints a spare without a since annotation as since an unknown time', () => {
    const lines = sparesLines([view({ spares: [{ nodeName: 'n', state: 'verifying' }] })], NOW);
    expect(lines[1]).toBe('  n  verifying  since ? (since an unknown time)');
  });
});

describe('hpr spares: reading the pools', () => {
  const node = (
    instanceId: string,
    labels: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ): KubeNode => ({
    metadata: { name: `hyperpod-${instanceId}`, labels, annotations },
    spec: { providerID: `aws:///usw2-az2/sagemaker/cluster/hyperpod-abcdef123456-${instanceId}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });

  it('views each pool of the named cluster from SageMaker groups and the spares labels', async () => {
    const config = parseAppConfig({
      clusters: [{ name: 'ml', arn: ARN, eksClusterName: 'ml-eks' }],
      spares: { pools: [{ cluster: 'ml', instanceGroup: 'spares', serves: ['workers'], count: 2 }] },
    });
    const kubeNodes = [
      node(
        'i-0a1b2c3d4e5f60001',
        { [SPARE_STATE_LABEL]: 'ready' },
        { [SPARE_SINCE_ANNOTATION]: NOW, [SPARE_VERIFIED_ANNOTATION]: 'not-verified' },
      ),
      node(
        'i-0a1b2c3d4e5f60002',
        { [SPARE_STATE_LABEL]: 'promoted' },
        { [SPARE_CLAIMED_BY_ANNOTATION]: 'inc-1' },
      ),
      node('i-0a1b2c3d4e5f60003'),
      node('i-0a1b2c3d4e5f60004'),
    ];
    const clusterNodes = {
      listNodes: async () => [
        { instanceId: 'i-0a1b2c3d4e5f60001', instanceGroupName: 'spares', status: 'Running' },
        { instanceId: 'i-0a1b2c3d4e5f60002', instanceGroupName: 'spares', status: 'Running' },
        { instanceId: 'i-0a1b2c3d4e5f60003', instanceGroupName: 'workers', status: 'Running' },
        { instanceId: 'i-0a1b2c3d4e5f60005', instanceGroupName: 'spares', status: 'Pending' },
      ],
    } as unknown as ClusterNodes;
    const kubeFor = async () => ({ listNodes: async () => kubeNodes }) as unknown as KubeApi;

    const views = await readPoolViews(config, { clusterNodes, kubeFor }, NOW, 'ml');
    const none = await readPoolViews(config, { clusterNodes, kubeFor }, NOW, 'other');

    expect(views).toMatchObject([
      {
        cluster: 'ml',
        instanceGroup: 'spares',
        target: 2,
        groupNodes: 2,
        ready: 1,
        verifying: 0,
        promoted: 1,
      },
    ]);
    expect(views[0]?.spares.map((s) => [s.nodeName, s.state])).toEqual([
      ['hyperpod-i-0a1b2c3d4e5f60002', 'promoted'],
      ['hyperpod-i-0a1b2c3d4e5f60001', 'ready'],
    ]);
    expect(none).toEqual([]);
  });
});
