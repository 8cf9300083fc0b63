/**
 * The deploy-time configuration file (`HPR_CONFIG_FILE`, JSON): the app config every Lambda gets,
 * plus what only the deploy needs. Validated by sst.config.ts before anything is created, with the
 * same schema every Lambda validates the app config with at cold start (contracts/config/app.ts).
 */
import * as z from 'zod';
import { type AppConfig, appConfigSchema } from '#contracts/config/app.ts';

/** Lambda's limit on the total size of a function's environment variables. */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** The retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

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
  /**
   * The app config as every Lambda receives it (`HPR_CONFIG`): the file's own `app` section with
   * the stage rule applied; the Lambda fills the defaults when it parses it at cold start. The
   * file's section rather than the parsed object: the defaults alone would use most of Lambda's
   * 4 KB environment.
   */
  appJson: string;
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
  const rawApp = (input as { app: Record<string, unknown> }).app;
  const observeForced =
    stage !== 'production' && !config.allowActOutsideProduction && config.app.policy.mode === 'act';
  const appInput = observeForced
    ? { ...rawApp, policy: { ...(rawApp.policy as Record<string, unknown>), mode: 'observe' } }
    : rawApp;
  const appJson = JSON.stringify(appInput);
  // Lambda refuses a function whose variables exceed 4 KB; say so now, not halfway through a deploy.
  if (Buffer.byteLength(appJson) > LAMBDA_ENVIRONMENT_LIMIT_BYTES - 512) {
    throw new Error(
      `invalid deploy configuration:\n  - app: ${Buffer.byteLength(appJson)} bytes of JSON; the Lambdas receive it ` +
        `in an environment variable and Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes in all (leave out values ` +
        'that equal the defaults, or split the clusters over two stages)',
    );
  }
  const app = observeForced
    ? { ...config.app, policy: { ...config.app.policy, mode: 'observe' as const } }
    : config.app;
  return { ...config, app, appJson, observeForced };
};

export { LAMBDA_ENVIRONMENT_LIMIT_BYTES };
