/**
 * The whole configuration: the clusters and the sections (policy.ts, health-checks.ts, sweep.ts),
 * shared by the deploy (`sst.config.ts`, deploy/deploy-config.ts), every Lambda at cold start
 * (functions/composition/runtime-config.ts) and local mode. Every field, with its default and
 * bounds, is in contracts/config/; test/unit/contracts/config-defaults.test.ts lists the defaults.
 */
import * as z from 'zod';
import { healthChecksSchema } from '#contracts/config/health-checks.ts';
import { CLUSTER_ARN, CLUSTER_NAME, EKS_CLUSTER_NAME } from '#contracts/config/ids.ts';
import { policySchema } from '#contracts/config/policy.ts';
import { sweepSchema } from '#contracts/config/sweep.ts';

export const clusterConfigSchema = z.object({
  /** HyperPod cluster name. */
  name: z.string().regex(CLUSTER_NAME, 'a HyperPod cluster name (1-63 alphanumerics or hyphens)'),
  /** HyperPod cluster ARN: IAM is scoped to it and events are filtered on it. */
  arn: z.string().regex(CLUSTER_ARN, 'arn:aws:sagemaker:<region>:<account>:cluster/<12-char id>'),
  /** Name of the EKS cluster that orchestrates it. */
  eksClusterName: z.string().regex(EKS_CLUSTER_NAME, 'an EKS cluster name'),
  /**
   * Who reboots/replaces faulty nodes. `auto` follows the cluster's `NodeRecovery`:
   * Automatic → HyperPod acts and we only quarantine, suspend, verify and resume; None → we act.
   */
  remediationOwner: z.enum(['auto', 'hyperpod-resilience', 'hyperpod']).default('auto'),
});
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

export const alarmSelectionSchema = z
  .object({
    /** Alarms whose name starts with this prefix are ours. */
    namePrefix: z.string().min(1).default('hpr-'),
    /** …or that carry this tag key (alarm tag propagation). */
    tagKey: z.string().min(1).default('hyperpod-resilience.io/cluster'),
  })
  .prefault({});

/** Everything a deployment is configured with; the same object drives local mode. */
export const appConfigSchema = z
  .object({
    clusters: z.array(clusterConfigSchema).min(1).max(50),
    policy: policySchema,
    alarms: alarmSelectionSchema,
    healthChecks: healthChecksSchema,
    sweep: sweepSchema,
  })
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    for (const [i, cluster] of value.clusters.entries()) {
      if (names.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicate cluster ${cluster.name}`,
        });
      }
      names.add(cluster.name);
    }
  });
export type AppConfig = z.infer<typeof appConfigSchema>;
export type AppConfigInput = z.input<typeof appConfigSchema>;

/** Parses config with every problem listed by path; throws a readable Error. */
export const parseAppConfig = (input: unknown): AppConfig => {
  const result = appConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid hyperpod-resilience configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
};

/** Finds a configured cluster by name or ARN. */
export const findCluster = (config: AppConfig, nameOrArn: string): ClusterConfig | undefined =>
  config.clusters.find((c) => c.name === nameOrArn || c.arn === nameOrArn);
