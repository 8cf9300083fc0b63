import { describe, expect, it } from 'vitest';
import type { ClusterInfo } from '#adapters/ports.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { upkeepSparePools } from '#functions/tasks/spare-pool-upkeep.ts';

const ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
const CLUSTER = { name: 'ml', arn: ARN, eksClusterName: 'ml-eks' };
const NOW = '2026-12-03T12:00:00.000Z';
const IDS = ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002'];

const node = (instanceId: string): KubeNode => ({
  metadata: { name: `hyperpod-${instanceId}`, labels: {}, annotations: {} },
  spec: { providerID: `aws:///usw2-az2/sagemaker/cluster/hyperpod-abcdef123456-${instanceId}` },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

/** DescribeCluster's InstanceGroups (botocore ClusterInstanceGroupDetails: InstanceGroupName, InstanceType). */
const info = (groups: { name: string; instanceType: string }[]): ClusterInfo => ({
  name: 'ml',
  arn: ARN,
  status: 'InService',
  instanceGroups: groups,
});

const run = (pool: Record<string, unknown>, groups: { name: string; instanceType: string }[]) => {
  const errors: Record<string, unknown>[] = [];
  const metrics: unknown[] = [];
  const config = parseAppConfig({ clusters: [CLUSTER], spares: { pools: [{ cluster: 'ml', ...pool }] } });
  const deps = {
    config,
    metrics: {
      count: (name: string, dimensions: unknown, value: unknown) => metrics.push({ name, dimensions, value }),
    },
    logger: {
      info: () => {},
      warn: () => {},
      error: (_: string, extra: Record<string, unknown>) => errors.push(extra),
    },
  } as unknown as TaskDeps;
  const result = upkeepSparePools(
    {
      cluster: config.clusters[0]!,
      info: info(groups),
      instances: IDS.map((instanceId) => ({ instanceId, instanceGroupName: 'spares', status: 'Running' })),
      kubeNodes: IDS.map(node),
      pods: [],
      leasedInstances: new Set(),
      inFlight: new Set(),
      now: NOW,
    },
    deps,
  );
  return { result, errors, metrics };
};

describe('Task: upkeepSparePools (the sweep’s pool upkeep)', () => {
  it('takes idle nodes of a pool whose groups have the same instance type', () => {
    const { result, errors } = run({ instanceGroup: 'spares', serves: ['workers'], count: 1 }, [
      { name: 'spares', instanceType: 'ml.p5.48xlarge' },
      { name: 'workers', instanceType: 'ml.p5.48xlarge' },
    ]);
    expect(result.repairs.map((r) => r.kind)).toEqual(['spare-take']);
    expect(result.summary[0]?.error).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it.each([
    {
      case: 'a served group of another instance type',
      groups: [
        { name: 'spares', instanceType: 'ml.p5.48xlarge' },
        { name: 'workers', instanceType: 'ml.p4d.24xlarge' },
      ],
      error: 'served instance group workers is ml.p4d.24xlarge, the spares of spares are ml.p5.48xlarge',
    },
    {
      case: 'a served group the cluster does not have',
      groups: [{ name: 'spares', instanceType: 'ml.p5.48xlarge' }],
      error: 'served instance group workers is not in the cluster',
    },
    {
      case: 'a supplying group the cluster does not have',
      groups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge' }],
      error: 'instance group spares is not in the cluster',
    },
  ])('takes nothing and logs an error, without failing the sweep, for $case', ({ groups, error }) => {
    const { result, errors } = run({ instanceGroup: 'spares', serves: ['workers'], count: 1 }, groups);
    expect(result.repairs).toEqual([]);
    expect(result.checks).toEqual([]);
    expect(result.summary[0]?.error).toBe(error);
    expect(errors).toEqual([{ clusterName: 'ml', instanceGroup: 'spares', error }]);
  });
});
