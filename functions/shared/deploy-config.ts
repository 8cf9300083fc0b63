/**
 * The deploy-time configuration file (`HPR_CONFIG_FILE`, JSON): the app config every Lambda gets,
 * plus what only the deploy needs. Validated by sst.config.ts before anything is created.
 */
import { z } from 'zod';
import { type AppConfig, appConfigSchema } from './config-schema.ts';

export const deployConfigSchema = z.object({
  app: appConfigSchema,
  notifications: z.object({ emails: z.array(z.email()).max(20).default([]) }).default({ emails: [] }),
  /**
   * Outside the `production` stage the policy mode is forced to observe, unless this is true:
   * a test stage must never act on a real cluster by accident.
   */
  allowActOutsideProduction: z.boolean().default(false),
  /** Log retention of the state machines and Lambdas. */
  logRetentionDays: z.number().int().min(1).max(3653).default(90),
});
export type DeployConfig = z.infer<typeof deployConfigSchema>;

/** Parses the deploy file and applies the stage rule; throws one readable error listing every issue. */
export const resolveDeployConfig = (input: unknown, stage: string): DeployConfig & { app: AppConfig } => {
  const parsed = deployConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid deploy configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (stage !== 'production' && !config.allowActOutsideProduction && config.app.policy.mode === 'act') {
    return { ...config, app: { ...config.app, policy: { ...config.app.policy, mode: 'observe' } } };
  }
  return config;
};
