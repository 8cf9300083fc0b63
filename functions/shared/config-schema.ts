/**
 * The one configuration schema, shared by the deploy (`sst.config.ts`), every Lambda at cold
 * start (`config.ts`) and local mode. Defaults are the safe ones: observe-only, tight breaker.
 * Reasoning behind each number: ../shared/docs/PEERS-AND-TARGETS.md §4.5 and README "Safety limits".
 */
import { z } from 'zod';

/** HyperPod cluster names: 1–63 chars, alphanumerics and hyphens (SageMaker ClusterName pattern). */
export const CLUSTER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** `arn:aws:sagemaker:<region>:<account>:cluster/<id>` */
export const CLUSTER_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:cluster\/[a-z0-9]{12}$/;
/** EKS cluster names: 1–100 chars, alphanumerics, hyphens, underscores, starting alphanumeric. */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
/** EC2 instance ids as HyperPod uses them. */
export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** Kubernetes node names (DNS subdomain). */
export const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

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

const percent = z.number().min(0).max(100);

export const policySchema = z
  .object({
    /** `observe` records what would have been done and changes nothing; `act` acts. */
    mode: z.enum(['observe', 'act']).default('observe'),
    /** Nodes carrying this label (any value but "false") are never touched. */
    optOutLabel: z.string().min(1).default('hyperpod-resilience.io/opt-out'),
    /** Workloads carrying this annotation ("true") are never suspended. */
    workloadOptOutAnnotation: z.string().min(1).default('hyperpod-resilience.io/opt-out'),
    circuitBreaker: z
      .object({
        /** Trip when more than this many distinct nodes were remediated within the window. */
        maxNodesPerWindow: z.number().int().min(1).default(3),
        windowMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(10),
      })
      .default({ maxNodesPerWindow: 3, windowMinutes: 10 }),
    maxParallel: z
      .object({
        /** At most this many nodes under remediation at once per cluster. */
        absolute: z.number().int().min(1).default(2),
        /** …and at most this percentage of the cluster's nodes, rounded up. */
        percent: percent.default(5),
      })
      .default({ absolute: 2, percent: 5 }),
    perNode: z
      .object({
        /** Automatic reboots allowed per node per window; beyond it the node is replaced. */
        maxReboots: z.number().int().min(0).default(1),
        rebootWindowHours: z.number().int().min(1).default(24),
      })
      .default({ maxReboots: 1, rebootWindowHours: 24 }),
    repeatOffender: z
      .object({
        /** This many hardware faults within the window make a node a repeat offender → replace. */
        faults: z.number().int().min(2).default(2),
        windowDays: z.number().int().min(1).default(7),
      })
      .default({ faults: 2, windowDays: 7 }),
    /** The same (node, fault class) seen again within this window is a duplicate delivery. */
    dedupeWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** A node lease expires after this long even if its execution died without releasing it. */
    leaseTtlMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(240),
    awaitNode: z
      .object({
        pollSeconds: z.number().int().min(1).max(3600).default(30),
        rebootTimeoutMinutes: z.number().int().min(1).default(30),
        replaceTimeoutMinutes: z.number().int().min(1).default(120),
      })
      .default({ pollSeconds: 30, rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 120 }),
    workloads: z
      .object({
        /** Suspend the jobs that have pods on the faulty node. */
        suspend: z.boolean().default(true),
        /** Leave jobs with HyperPod job auto-resume to HyperPod (never two controllers on one failure). */
        respectHyperPodAutoResume: z.boolean().default(true),
      })
      .default({ suspend: true, respectHyperPodAutoResume: true }),
    /** Pause remediations while the cluster is `Updating`/`SystemUpdating`. */
    pauseDuringClusterUpdates: z.boolean().default(true),
  })
  .default({
    mode: 'observe',
    optOutLabel: 'hyperpod-resilience.io/opt-out',
    workloadOptOutAnnotation: 'hyperpod-resilience.io/opt-out',
    circuitBreaker: { maxNodesPerWindow: 3, windowMinutes: 10 },
    maxParallel: { absolute: 2, percent: 5 },
    perNode: { maxReboots: 1, rebootWindowHours: 24 },
    repeatOffender: { faults: 2, windowDays: 7 },
    dedupeWindowMinutes: 15,
    leaseTtlMinutes: 240,
    awaitNode: { pollSeconds: 30, rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 120 },
    workloads: { suspend: true, respectHyperPodAutoResume: true },
    pauseDuringClusterUpdates: true,
  });
export type Policy = z.infer<typeof policySchema>;

export const alarmSelectionSchema = z
  .object({
    /** Alarms whose name starts with this prefix are ours. */
    namePrefix: z.string().min(1).default('hpr-'),
    /** …or that carry this tag key (alarm tag propagation). */
    tagKey: z.string().min(1).default('hyperpod-resilience.io/cluster'),
  })
  .default({ namePrefix: 'hpr-', tagKey: 'hyperpod-resilience.io/cluster' });

/** Everything a deployment is configured with; the same object drives local mode. */
export const appConfigSchema = z
  .object({
    clusters: z.array(clusterConfigSchema).min(1).max(50),
    policy: policySchema,
    alarms: alarmSelectionSchema,
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
