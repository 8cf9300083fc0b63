/**
 * The health sweep's hot-spare upkeep for one cluster (docs/design/hot-spares.md): per configured
 * pool, from the inventory the sweep already read (no extra call), the spares to take, to verify
 * and to release. It decides only; the node patches run as repairs (RepairStaleState re-reads the
 * node and patches with its resourceVersion) and the checks as the sweep's health-check starts.
 *
 * A node's instance group is the one SageMaker's ListClusterNodes names for its instance
 * (`InstanceGroupName`), joined to the Kubernetes node by the providerID (node-identity.ts), as
 * the rest of the sweep does; the node label `sagemaker.amazonaws.com/instance-group-name` is not
 * read (docs/facts/spares-spare-pool.md spares.group-of-node).
 */

import type { ClusterInfo } from '#adapters/ports.ts';
import type { ClusterConfig } from '#contracts/config/app.ts';
import { type SparePool, servedGroups } from '#contracts/config/spares.ts';
import type { KubeNode, KubePod } from '#domain/kube-types.ts';
import { instanceIdOfNode } from '#domain/node-identity.ts';
import {
  nodesWithWork,
  orphanSpares,
  type PoolNode,
  planPoolUpkeep,
  SPARE_POOL_BELOW_TARGET,
  spareCheckExecutionName,
} from '#domain/spare-pool.ts';
import type { ClusterNode } from '#domain/types.ts';
import type { Repair, SweepResult } from '#state-machines/health-sweep.contract.ts';
import type { TaskDeps } from './deps.ts';

type PoolSummary = NonNullable<SweepResult['summary'][number]['spares']>[number];

export interface SpareUpkeepResult {
  repairs: Repair[];
  /** Quick checks of `verifying` spares (health-check starts, purpose `spare`). */
  checks: { instanceId: string; nodeName: string; executionName: string }[];
  summary: PoolSummary[];
}

/** `requestedBy` of a spare's quick check (PrepareHealthCheck gives it purpose `spare`). */
export const SPARE_POOL_REQUESTER = 'health-sweep/spare-pool';

/**
 * Why a pool's groups cannot be served by its spares: a group DescribeCluster does not know, or
 * a served group of another instance type than the supplying one. `undefined` when they fit.
 */
const poolGroupError = (info: ClusterInfo, pool: SparePool): string | undefined => {
  const typeOf = new Map(info.instanceGroups.map((g) => [g.name, g.instanceType]));
  if (!typeOf.has(pool.instanceGroup)) return `instance group ${pool.instanceGroup} is not in the cluster`;
  const supplied = typeOf.get(pool.instanceGroup);
  for (const served of servedGroups(pool)) {
    if (!typeOf.has(served)) return `served instance group ${served} is not in the cluster`;
    const type = typeOf.get(served);
    if (type !== undefined && supplied !== undefined && type !== supplied) {
      return `served instance group ${served} is ${type}, the spares of ${pool.instanceGroup} are ${supplied}`;
    }
  }
  return undefined;
};

export const upkeepSparePools = (
  input: {
    cluster: ClusterConfig;
    info: ClusterInfo;
    instances: readonly ClusterNode[];
    kubeNodes: readonly KubeNode[];
    /** All pods of the cluster (read when the cluster has a pool). */
    pods: readonly KubePod[] | undefined;
    leasedInstances: ReadonlySet<string>;
    inFlight: ReadonlySet<string>;
    now: string;
  },
  deps: TaskDeps,
): SpareUpkeepResult => {
  const { cluster, now } = input;
  const pools = deps.config.spares.pools.filter((p) => p.cluster === cluster.name);
  const result: SpareUpkeepResult = { repairs: [], checks: [], summary: [] };
  const kubeByInstance = new Map<string, KubeNode>();
  for (const node of input.kubeNodes) {
    const id = instanceIdOfNode(node, cluster.arn);
    if (id && (!kubeByInstance.has(id) || node.metadata.deletionTimestamp === undefined)) {
      kubeByInstance.set(id, node);
    }
  }
  const nodes: PoolNode[] = input.instances.flatMap((instance) => {
    const node = kubeByInstance.get(instance.instanceId);
    return node
      ? [
          {
            node,
            instanceId: instance.instanceId,
            instanceGroupName: instance.instanceGroupName,
            status: instance.status,
            leased: input.leasedInstances.has(instance.instanceId),
          },
        ]
      : [];
  });
  const release = (r: ReturnType<typeof orphanSpares>[number]): Repair => ({
    kind: 'spare-release',
    nodeName: r.nodeName,
    instanceId: r.instanceId,
    state: r.state,
    reason: r.reason,
    detail: r.detail,
  });
  for (const r of orphanSpares(nodes, new Set(pools.map((p) => p.instanceGroup)))) {
    result.repairs.push(release(r));
  }
  if (pools.length === 0) return result;

  const work = nodesWithWork(input.pods ?? []);
  const checksOn = deps.config.healthChecks.quick.enabled;
  for (const pool of pools) {
    const upkeep = planPoolUpkeep(
      pool,
      nodes,
      work,
      {
        optOutLabel: deps.config.policy.optOutLabel,
        promotedGraceMinutes: deps.config.sweep.staleGraceMinutes,
        inFlight: input.inFlight,
      },
      now,
    );
    const error = poolGroupError(input.info, pool);
    const summary: PoolSummary = {
      instanceGroup: pool.instanceGroup,
      target: upkeep.view.target,
      ready: upkeep.view.ready,
      verifying: upkeep.view.verifying,
      promoted: upkeep.view.promoted,
      unavailable: upkeep.view.unavailable,
      taking: 0,
      releasing: upkeep.release.length,
      checks: 0,
      missing: 0,
    };
    for (const r of upkeep.release) result.repairs.push(release(r));
    if (error) {
      // A configuration DescribeCluster contradicts: nothing is taken or checked, people are told.
      summary.error = error;
      deps.logger.error('spare pool not kept', {
        clusterName: cluster.name,
        instanceGroup: pool.instanceGroup,
        error,
      });
      result.summary.push(summary);
      continue;
    }
    for (const t of upkeep.take) {
      result.repairs.push({
        kind: 'spare-take',
        ...t,
        instanceGroup: pool.instanceGroup,
        ...(checksOn ? {} : { verification: 'not-verified' as const }),
        detail: `pool ${pool.instanceGroup} of ${cluster.name}: ${upkeep.view.ready + upkeep.view.verifying} of ${upkeep.view.target} spare(s)`,
      });
    }
    summary.taking = upkeep.take.length;
    const toCheck = [...upkeep.verify, ...(checksOn ? upkeep.take : [])];
    for (const v of toCheck) {
      if (checksOn) {
        result.checks.push({
          ...v,
          executionName: spareCheckExecutionName(v.instanceId, now, deps.config.sweep.findingRetryMinutes),
        });
      } else {
        result.repairs.push({
          kind: 'spare-ready',
          ...v,
          detail: 'quick checks are off: ready, not verified',
        });
      }
    }
    summary.checks = checksOn ? toCheck.length : 0;
    summary.missing = upkeep.missing;
    if (upkeep.missing > 0) {
      summary.finding = SPARE_POOL_BELOW_TARGET;
      deps.logger.warn('spare pool below target', {
        clusterName: cluster.name,
        instanceGroup: pool.instanceGroup,
        target: upkeep.view.target,
        missing: upkeep.missing,
      });
    }
    result.summary.push(summary);
  }
  for (const s of result.summary) {
    const dims = { clusterName: cluster.name, instanceGroup: s.instanceGroup };
    deps.metrics.count('SparePoolBelowTarget', dims, s.missing);
    for (const state of ['ready', 'verifying', 'promoted', 'unavailable'] as const) {
      deps.metrics.count('SparePoolSpares', { ...dims, state }, s[state]);
    }
  }
  return result;
};
