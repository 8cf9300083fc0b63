/**
 * The deploy-time configuration file (`HPR_CONFIG_FILE`, JSON): the app config the deploy writes
 * as the first version of the config store (every Lambda reads it from there, live), plus what
 * only the deploy needs. Validated by sst.config.ts before anything is created, with the same
 * schema every read of the store validates with (contracts/config/app.ts). No size limit but the
 * schema's (≤ 50 clusters): the config no longer travels in a Lambda environment variable.
 */
import * as z from 'zod';
import { type AppConfig, appConfigSchema } from '#contracts/config/app.ts';

/** The retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
/** An IAM principal ARN that may be named in a trust policy (a role, a user, an account root). */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512})$/;

export const deployConfigSchema = z.strictObject({
  app: appConfigSchema,
  notifications: z
    .strictObject({
      /** E-mail subscriptions of the topic (each must confirm the subscription mail). */
      emails: z.array(z.email()).max(20).default([]),
    })
    .default({ emails: [] }),
  /**
   * Outside the `production` stage the policy mode is forced to observe, unless this is true:
   * a test stage must never act on a real cluster by accident.
   */
  allowActOutsideProduction: z.boolean().default(false),
  /**
   * Days a closed incident stays in the ledger after it ended (DynamoDB TTL): the audit record's
   * retention. Open incidents never expire.
   */
  ledgerRetentionDays: z.int().min(1).max(3653).default(365),
  /** Seconds each Lambda caches the config it read from the config store (a mode switch takes at most this long). */
  configMaxAgeSeconds: z.int().min(1).max(300).default(30),
  /**
   * Who may assume the operator role (pause, unpause, reset the breaker, clear a node, set the
   * mode through the config store): IAM role, user or account-root ARNs. None: no operator role.
   */
  operators: z
    .strictObject({
      principals: z.array(z.string().regex(PRINCIPAL_ARN, 'an IAM role, user or account-root ARN')).max(20),
    })
    .default({ principals: [] }),
  /** Log retention of the state machines and Lambdas. */
  logRetentionDays: z
    .literal(RETENTION_DAYS, {
      error: `one of CloudWatch Logs' retention values: ${RETENTION_DAYS.join(', ')}`,
    })
    .default(90),
  /**
   * Private-endpoint EKS clusters: the Lambdas that call the Kubernetes API run in these subnets
   * with these security groups. The subnets must reach the cluster's private endpoint (the cluster
   * security group must allow 443 from these groups) and, through a NAT gateway or VPC endpoints,
   * SageMaker, EKS, DynamoDB, SNS, KMS, CloudWatch Logs and X-Ray. Absent: no VPC (public endpoint).
   */
  vpc: z
    .strictObject({
      subnetIds: z.array(z.string().regex(SUBNET_ID, 'a subnet id (subnet-…)')).min(1).max(16),
      securityGroupIds: z
        .array(z.string().regex(SECURITY_GROUP_ID, 'a security group id (sg-…)'))
        .min(1)
        .max(5),
    })
    .optional(),
});
export type DeployConfig = z.infer<typeof deployConfigSchema>;

export interface ResolvedDeployConfig extends DeployConfig {
  app: AppConfig;
  /** True when the stage rule turned `act` into `observe`. */
  observeForced: boolean;
}

const issuesText = (title: string, error: z.ZodError): string =>
  `${title}:\n${error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`;

/**
 * Parses the deploy file and applies the stage rule; throws one readable error listing every issue.
 *
 * @example
 * resolveDeployConfig({ app: { clusters: [...], policy: { mode: 'act' } } }, 'dev').app.policy.mode // → 'observe'
 */
export const resolveDeployConfig = (input: unknown, stage: string): ResolvedDeployConfig => {
  const parsed = deployConfigSchema.safeParse(input);
  if (!parsed.success) throw new Error(issuesText('invalid deploy configuration', parsed.error));
  const config = parsed.data;
  const observeForced =
    stage !== 'production' && !config.allowActOutsideProduction && config.app.policy.mode === 'act';
  const app = observeForced
    ? { ...config.app, policy: { ...config.app.policy, mode: 'observe' as const } }
    : config.app;
  return { ...config, app, observeForced };
};
