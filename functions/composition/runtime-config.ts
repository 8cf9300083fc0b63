/**
 * Runtime configuration of a Lambda, parsed from the environment the deploy sets. Not at module
 * load: production-deps.ts calls loadRuntimeConfig on a container's first invocation and caches
 * the result, so a bad config fails that invocation (every one of them, as nothing is cached).
 * Nothing else in functions/ reads `process.env`.
 */
import * as z from 'zod';
import { type AppConfig, parseAppConfig } from '#contracts/config/app.ts';

const envSchema = z.object({
  HPR_CONFIG: z.string().min(2, 'HPR_CONFIG must hold the JSON app config'),
  HPR_LEDGER_TABLE: z.string().min(3),
  /** Days a closed incident is kept (deploy config `ledgerRetentionDays`); absent: the ledger's default. */
  HPR_LEDGER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3653).optional(),
  HPR_TOPIC_ARN: z.string().startsWith('arn:'),
  AWS_REGION: z.string().min(1),
});

export interface RuntimeConfig {
  app: AppConfig;
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
  let json: unknown;
  try {
    json = JSON.parse(parsed.data.HPR_CONFIG);
  } catch (error) {
    throw new Error('HPR_CONFIG is not valid JSON', { cause: error });
  }
  return Object.freeze({
    app: parseAppConfig(json),
    ledgerTable: parsed.data.HPR_LEDGER_TABLE,
    ...(parsed.data.HPR_LEDGER_RETENTION_DAYS !== undefined
      ? { ledgerRetentionDays: parsed.data.HPR_LEDGER_RETENTION_DAYS }
      : {}),
    topicArn: parsed.data.HPR_TOPIC_ARN,
    region: parsed.data.AWS_REGION,
  });
};
