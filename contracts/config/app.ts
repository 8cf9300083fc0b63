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
import { servedGroups, sparesSchema } from '#contracts/config/spares.ts';
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

/**
 * CloudWatch alarm names: 1-255 characters (botocore `AlarmName`); no control characters, and no
 * `*`/`?`, which an IAM resource pattern would read as wildcards (docs/FACTS.md
 * alarms.alarm-name-length).
 */
export const ALARM_NAME = /^[^\p{Cc}*?]{1,255}$/u;
/**
 * `arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${AlarmName}` (docs/FACTS.md
 * alarms.alarm-arn-format).
 */
export const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:([^\p{Cc}*?]{1,255})$/u;
/** Alarms that may act: each becomes one alarm name or ARN in the EventBridge pattern. */
export const MAX_ALLOWED_ALARMS = 50;

/** The most an allowlisted alarm may make us do; `observe` records without acting. */
export const ALARM_MAX_ACTIONS = ['observe', 'reboot', 'replace'] as const;
export type AlarmMaxAction = (typeof ALARM_MAX_ACTIONS)[number];

/**
 * What an allowlisted alarm stands for, decided by the configuration, never by the alarm's own tags:
 * `fatal` a hardware fault (replace-worthy), `recoverable` a fault a reboot clears, `suspect` the
 * node is suspect without a known cause (a reboot is the cautious first step), `informational`
 * worth recording only, `metric` classified from the metric it watches (Neuron health metrics,
 * HyperPod's pending-reboot/replacement status metrics; otherwise `suspect`).
 */
export const ALARM_MEANINGS = ['fatal', 'recoverable', 'suspect', 'informational', 'metric'] as const;
export type AlarmMeaning = (typeof ALARM_MEANINGS)[number];

export const allowedAlarmSchema = z
  .strictObject({
    /** The alarm's exact name (in this deployment's account and Region)… */
    name: z
      .string()
      .regex(ALARM_NAME, 'a CloudWatch alarm name (1-255 characters, no control characters, * or ?)')
      .optional(),
    /** …or its exact ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). */
    arn: z
      .string()
      .regex(ALARM_ARN, 'arn:aws:cloudwatch:<region>:<account-id>:alarm:<alarm-name>')
      .optional(),
    /** The configured cluster (name) whose node it names: the alarm's tags and dimensions cannot choose another. */
    cluster: z.string().regex(CLUSTER_NAME, 'a configured cluster name'),
    meaning: z.enum(ALARM_MEANINGS),
    /** The most it may make us do, whatever the policy or the node's history would decide. */
    maxAction: z.enum(ALARM_MAX_ACTIONS),
  })
  .refine((entry) => (entry.name === undefined) !== (entry.arn === undefined), {
    message: 'give exactly one of name or arn',
  });
export type AllowedAlarm = z.infer<typeof allowedAlarmSchema>;

/** The alarm name an allowlist entry names (from its ARN when it gives one). */
export const allowedAlarmName = (entry: AllowedAlarm): string =>
  entry.name ?? (ALARM_ARN.exec(entry.arn ?? '')?.[1] as string);

export const alarmSelectionSchema = z
  .object({
    /**
     * The alarms that may act (README "Alarms that may act"): each by exact name or ARN, with the
     * cluster, what it means and the most it may do. Only these are matched by the EventBridge rule.
     */
    allow: z
      .array(allowedAlarmSchema)
      .max(
        MAX_ALLOWED_ALARMS,
        `at most ${MAX_ALLOWED_ALARMS} alarms may act (each is matched by name or ARN in the EventBridge rule)`,
      )
      .default([]),
    /**
     * Observe-only catch: an alarm that reaches us and is not in `allow` is recorded and observed,
     * never acted on. These two say which cluster such an alarm belongs to (tag value) and name
     * our own alarms' prefix (the deploy refuses alarms of its own that start with it).
     */
    namePrefix: z.string().min(1).default('hpr-'),
    /** The tag whose value names the cluster of an alarm not in `allow` (alarm tag propagation). */
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
    spares: sparesSchema,
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
    const alarms = new Map<string, number>();
    for (const [i, entry] of value.alarms.allow.entries()) {
      if (!names.has(entry.cluster)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', 'allow', i, 'cluster'],
          message: `unknown cluster ${entry.cluster}: not in clusters[].name`,
        });
      }
      // A name and an ARN of the same name are one alarm: two entries would give it two meanings.
      const key = allowedAlarmName(entry);
      const first = alarms.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', 'allow', i],
          message: `duplicate alarm ${key} (also alarms.allow.${first})`,
        });
      } else alarms.set(key, i);
    }
    // One pool per (cluster, served group): two pools for one group would make its promotion ambiguous.
    const served = new Map<string, number>();
    for (const [i, pool] of value.spares.pools.entries()) {
      if (!names.has(pool.cluster)) {
        ctx.addIssue({
          code: 'custom',
          path: ['spares', 'pools', i, 'cluster'],
          message: `unknown cluster ${pool.cluster}: not in clusters[].name`,
        });
      }
      for (const group of servedGroups(pool)) {
        const key = `${pool.cluster}/${group}`;
        const first = served.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['spares', 'pools', i],
            message: `instance group ${key} is served by two pools (also spares.pools.${first})`,
          });
        } else served.set(key, i);
      }
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
