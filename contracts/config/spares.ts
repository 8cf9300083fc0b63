/**
 * The `spares` section: hot-spare pools (docs/design/hot-spares.md). Each pool names the instance
 * group that supplies spares, the groups it serves (same instance type; the deploy and the sweep
 * check it against DescribeCluster) and its size. A section left out is parsed as `{}`: no pool.
 */
import * as z from 'zod';
import { CLUSTER_NAME, INSTANCE_GROUP_NAME } from '#contracts/config/ids.ts';
/** Pools per deployment: each is read by every sweep of its cluster. */
export const MAX_SPARE_POOLS = 50;

export const sparePoolSchema = z
  .strictObject({
    /** A configured cluster (name). */
    cluster: z.string().regex(CLUSTER_NAME, 'a configured cluster name'),
    /** The instance group whose idle nodes are kept as spares. */
    instanceGroup: z.string().regex(INSTANCE_GROUP_NAME, 'a HyperPod instance group name'),
    /** The groups whose faulty nodes a spare of this pool may stand in for (default: its own group). */
    serves: z
      .array(z.string().regex(INSTANCE_GROUP_NAME, 'a HyperPod instance group name'))
      .max(20)
      .optional(),
    /** Spares to keep, as a count… */
    count: z.number().int().min(0).max(500).optional(),
    /** …or as a share of the supplying group's nodes in percent (rounded up). */
    percent: z.number().min(0).max(50).optional(),
  })
  .refine((pool) => (pool.count === undefined) !== (pool.percent === undefined), {
    message: 'give exactly one of count or percent',
  });
export type SparePool = z.infer<typeof sparePoolSchema>;

export const sparesSchema = z
  .object({
    pools: z.array(sparePoolSchema).max(MAX_SPARE_POOLS).default([]),
    /**
     * Borrowing: pods that opt in (annotation `hyperpod-resilience.io/borrow-spare: "true"` and a
     * toleration of the pool taint) may run on spares as preemptible work; a promotion evicts them
     * first, within this grace.
     */
    borrowing: z
      .object({
        enabled: z.boolean().default(false),
        graceSeconds: z.number().int().min(0).max(600).default(30),
      })
      .prefault({}),
  })
  .prefault({});
export type SparesConfig = z.infer<typeof sparesSchema>;

/** The groups a pool serves (its own when `serves` is absent). */
export const servedGroups = (pool: SparePool): string[] => pool.serves ?? [pool.instanceGroup];
