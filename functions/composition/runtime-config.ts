/**
 * Runtime configuration of a Lambda, parsed from the environment the deploy sets. Not at module
 * load: lambda-handler.ts calls loadRuntimeConfig on a container's first invocation and caches
 * the result, so a bad environment fails that invocation (every one of them, as nothing is cached).
 * The app configuration itself is not in the environment: it is read live from the config store
 * (`HPR_CONFIG_TABLE`, functions/adapters/config-reader.ts) before every invocation,
 * cached for `HPR_CONFIG_MAX_AGE_SECONDS`. Nothing else in functions/ reads `process.env`.
 */
import * as z from 'zod';

const envSchema = z.object({
  /** The config store table (docs/facts/config-store.md). */
  HPR_CONFIG_TABLE: z.string().min(3, 'HPR_CONFIG_TABLE must name the config table'),
  /** Seconds a read config is cached in the container (Powertools `maxAge`). */
  HPR_CONFIG_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
  HPR_LEDGER_TABLE: z.string().min(3),
  /** Days a closed incident is kept (deploy config `ledgerRetentionDays`); absent: the ledger's default. */
  HPR_LEDGER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3653).optional(),
  HPR_TOPIC_ARN: z.string().startsWith('arn:'),
  AWS_REGION: z.string().min(1),
});

export interface RuntimeConfig {
  configTable: string;
  configMaxAgeSeconds: number;
  ledgerTable: string;
  ledgerRetentionDays?: number;
  topicArn: string;
  region: string;
}

export const loadRuntimeConfig = (env: Record<string, string | undefined>): RuntimeConfig => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid Lambda environment:\n${lines.join('\n')}`);
  }
  return Object.freeze({
    configTable: parsed.data.HPR_CONFIG_TABLE,
    configMaxAgeSeconds: parsed.data.HPR_CONFIG_MAX_AGE_SECONDS,
    ledgerTable: parsed.data.HPR_LEDGER_TABLE,
    ...(parsed.data.HPR_LEDGER_RETENTION_DAYS !== undefined
      ? { ledgerRetentionDays: parsed.data.HPR_LEDGER_RETENTION_DAYS }
      : {}),
    topicArn: parsed.data.HPR_TOPIC_ARN,
    region: parsed.data.AWS_REGION,
  });
};
