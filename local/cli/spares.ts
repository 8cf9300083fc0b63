/**
 * `hpr spares` and the spare line of `hpr status`: the hot-spare pools of a deployment as the
 * health sweep sees them (functions/domain/spare-pool.ts `planPoolUpkeep`'s view), read from
 * SageMaker (which node is in which instance group) and Kubernetes (the spares' label, taint and
 * annotations) with the operator's own credentials.
 */
import type { ClusterNodes, KubeApi } from '#adapters/ports.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import { instanceIdOfNode } from '#domain/node-identity.ts';
import { type PoolNode, type PoolView, planPoolUpkeep } from '#domain/spare-pool.ts';

/**
 * Every pool of the configuration (of one cluster when named), viewed from the cluster's current
 * inventory. Counts only: which node is idle needs every pod of the cluster, which the view does
 * not read (the sweep does).
 */
export const readPoolViews = async (
  config: AppConfig,
  ports: { clusterNodes: ClusterNodes; kubeFor: (eksClusterName: string) => Promise<KubeApi> },
  now: string,
  clusterName?: string,
): Promise<PoolView[]> => {
  const views: PoolView[] = [];
  for (const cluster of config.clusters) {
    if (clusterName && cluster.name !== clusterName) continue;
    const pools = config.spares.pools.filter((p) => p.cluster === cluster.name);
    if (pools.length === 0) continue;
    const kube = await ports.kubeFor(cluster.eksClusterName);
    const [instances, kubeNodes] = await Promise.all([
      ports.clusterNodes.listNodes(cluster.name),
      kube.listNodes(),
    ]);
    const byInstance = new Map(kubeNodes.map((n) => [instanceIdOfNode(n, cluster.arn), n]));
    const nodes: PoolNode[] = instances.flatMap((i) => {
      const node = byInstance.get(i.instanceId);
      return node
        ? [
            {
              node,
              instanceId: i.instanceId,
              instanceGroupName: i.instanceGroupName,
              status: i.status,
              leased: false,
            },
          ]
        : [];
    });
    const settings = {
      optOutLabel: config.policy.optOutLabel,
      promotedGraceMinutes: 0,
      inFlight: new Set<string>(),
    };
    for (const pool of pools) views.push(planPoolUpkeep(pool, nodes, new Set(), settings, now).view);
  }
  return views;
};

const ago = (since: string | undefined, now: string): string => {
  const ms = Date.parse(now) - Date.parse(since ?? '');
  if (!Number.isFinite(ms)) return 'since an unknown time';
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
};

/** One line per pool: `<cluster>/<group>: 2/3 ready, 1 verifying, 0 promoted (serves …)`. */
export const poolCountsLine = (view: PoolView): string =>
  [
    `${view.cluster}/${view.instanceGroup}: ${view.ready}/${view.target} ready, ${view.verifying} verifying, ${view.promoted} promoted`,
    view.unavailable > 0 ? `, ${view.unavailable} unavailable (NotReady or quarantined)` : '',
    view.ready + view.verifying < view.target ? ' — BELOW TARGET' : '',
    ` (serves ${view.serves.join(', ')})`,
  ].join('');

/**
 * The `hpr spares` report: per pool its counts, then each spare with its state and since when.
 *
 * @example
 * sparesLines([view], now);
 * // ['ml/spares: 1/2 ready, 0 verifying, 0 promoted — BELOW TARGET (serves workers)',
 * //  '  hyperpod-i-0abc  ready  since 2026-… (12 min ago)  quick-check-passed']
 */
export const sparesLines = (views: readonly PoolView[], now: string): string[] => {
  if (views.length === 0) return ['no hot-spare pool configured (config section spares.pools)'];
  return views.flatMap((view) => [
    poolCountsLine(view),
    ...view.spares.map((s) =>
      [
        `  ${s.nodeName}`,
        s.state,
        `since ${s.since ?? '?'} (${ago(s.since, now)})`,
        s.verified ?? '',
        s.claimedBy ? `claimed by ${s.claimedBy}` : '',
      ]
        .filter((part) => part !== '')
        .join('  '),
    ),
  ]);
};
