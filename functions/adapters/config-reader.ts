/**
 * The live app configuration, read by every Lambda (functions/composition/lambda-handler.ts) and
 * the local runner from the config store (docs/facts/config-store.md; the table and its writer:
 * local/config-store-dynamodb.ts, operator tooling). Separate from the writer so a Lambda bundles no document client.
 *
 * The reader asks Powertools' DynamoDBProvider for the item `app-config` with a short `maxAge`
 * (cached in the container; a consistent GetItem when the cache expired) and validates every value
 * it returns with the same schema as the deploy (contracts/config/app.ts). A stored config that is
 * missing or fails the schema throws ConfigInvalidError (nothing acts) — unless this reader read a
 * valid version before: then that version is served with `policy.mode` forced to observe (acting
 * is refused, observing and the clean-up paths go on) until a valid version is stored again.
 */

import { DynamoDBProvider } from '@aws-lambda-powertools/parameters/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { awsErrorName, describeAwsError, isAwsTransient } from '#adapters/aws-errors.ts';
import { type AppConfig, appConfigSchema } from '#contracts/config/app.ts';
import { ConfigInvalidError, LedgerTransientError } from '#contracts/errors.ts';

/** Table definition: hash key `id`, the envelope in `value` (Powertools DynamoDBProvider's defaults). */
const CONFIG_TABLE_SCHEMA = { hashKey: 'id', valueAttr: 'value' } as const;

/** The id of the version in force, and of each version's history item. */
const CONFIG_ITEM_ID = 'app-config';
const historyItemId = (version: number): string => `${CONFIG_ITEM_ID}#v${String(version).padStart(6, '0')}`;

/** Default `maxAge` of the reader's cache (seconds): a mode switch reaches every Lambda within it. */
const DEFAULT_CONFIG_MAX_AGE_SECONDS = 30;

/** CreateTable input of the config table (the local environment and tests; sst.config.ts builds the same). */
const configTableDefinition = (tableName: string) => ({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: CONFIG_TABLE_SCHEMA.hashKey, AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: CONFIG_TABLE_SCHEMA.hashKey, KeyType: 'HASH' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

/** The stored envelope; `config` is validated separately with the app schema. */
const envelopeSchema = z.object({
  version: z.int().min(1),
  config: z.unknown(),
  mode: z.string().optional(),
  previousMode: z.string().optional(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  reason: z.string(),
});

export interface ConfigVersion {
  version: number;
  config: AppConfig;
  /** `policy.mode` of this version, and of the one it replaced (the audit of the mode switch). */
  mode: AppConfig['policy']['mode'];
  previousMode?: AppConfig['policy']['mode'];
  updatedAt: string;
  updatedBy: string;
  reason: string;
}

/** What a reader returns: the config in force and its version; `degraded` when the store holds an invalid one. */
export interface LiveConfig {
  config: AppConfig;
  version: number;
  /** Set when the stored config is invalid and an earlier valid version is served in observe mode. */
  degraded?: string;
}

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/** The envelope and its config, validated; ConfigInvalidError with every issue otherwise. */
const parseEnvelope = (raw: unknown): ConfigVersion => {
  const text = typeof raw === 'string' ? raw : undefined;
  let value: unknown = raw;
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ConfigInvalidError('the stored configuration is not JSON', [], { cause: error });
    }
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    throw new ConfigInvalidError('the stored configuration envelope is invalid', issuesOf(envelope.error));
  }
  const config = appConfigSchema.safeParse(envelope.data.config);
  if (!config.success) {
    throw new ConfigInvalidError(
      `stored configuration version ${envelope.data.version} is invalid`,
      issuesOf(config.error).map((i) => ({ ...i, path: i.path ? `config.${i.path}` : 'config' })),
    );
  }
  const previous = z.enum(['observe', 'act']).safeParse(envelope.data.previousMode);
  return {
    version: envelope.data.version,
    config: Object.freeze(config.data),
    mode: config.data.policy.mode,
    ...(previous.success ? { previousMode: previous.data } : {}),
    updatedAt: envelope.data.updatedAt,
    updatedBy: envelope.data.updatedBy,
    reason: envelope.data.reason,
  };
};

/** Validates a config before it is written (the deploy and `hpr config`): ConfigInvalidError, nothing written. */
const validateConfigForStore = (input: unknown): AppConfig => {
  const parsed = appConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigInvalidError('invalid configuration', issuesOf(parsed.error));
  return parsed.data;
};

/** DynamoDB failures: transient → LedgerTransientError (retried by the machines), the rest as they are. */
const storeError = (operation: string, error: unknown): unknown =>
  isAwsTransient(error)
    ? new LedgerTransientError(`config store ${operation} failed: ${describeAwsError(error)}`, {
        cause: error,
        details: { operation, awsError: awsErrorName(error) },
      })
    : error;

/** Powertools' minimal surface the reader uses (a DynamoDBProvider, or a test double). */
export interface ParameterProvider {
  get(name: string, options?: Record<string, unknown>): Promise<unknown>;
}

export interface ConfigReader {
  read(): Promise<LiveConfig>;
}

export interface ConfigReaderOptions {
  provider: ParameterProvider;
  /** Seconds a read value is cached (Powertools `maxAge`). */
  maxAgeSeconds?: number;
  /** Told when an invalid stored config is replaced by the last valid one in observe mode. */
  onDegraded?: (detail: string) => void;
}

/**
 * The live configuration: Powertools caches the stored item for `maxAgeSeconds`; every read is
 * validated again (a cached value is the same object, so this costs one schema parse).
 */
const createConfigReader = ({
  provider,
  maxAgeSeconds = DEFAULT_CONFIG_MAX_AGE_SECONDS,
  onDegraded,
}: ConfigReaderOptions): ConfigReader => {
  let lastValid: ConfigVersion | undefined;
  return {
    read: async () => {
      let raw: unknown;
      try {
        raw = await provider.get(CONFIG_ITEM_ID, {
          maxAge: maxAgeSeconds,
          sdkOptions: { ConsistentRead: true },
        });
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause ?? error;
        throw storeError('read', cause);
      }
      try {
        if (raw === undefined)
          throw new ConfigInvalidError(`no configuration stored under ${CONFIG_ITEM_ID}`);
        const current = parseEnvelope(raw);
        lastValid = current;
        return { config: current.config, version: current.version };
      } catch (error) {
        if (!(error instanceof ConfigInvalidError) || !lastValid) throw error;
        const detail = `${error.message}; serving version ${lastValid.version} in observe mode`;
        onDegraded?.(detail);
        return {
          config: Object.freeze({
            ...lastValid.config,
            policy: { ...lastValid.config.policy, mode: 'observe' },
          }),
          version: lastValid.version,
          degraded: detail,
        };
      }
    },
  };
};

/** A reader over the config table through Powertools' DynamoDBProvider. */
const createDynamoConfigReader = (options: {
  /** A client of the config table's region, or the region to make one for. */
  client: DynamoDBClient | { region: string };
  tableName: string;
  maxAgeSeconds?: number;
  onDegraded?: (detail: string) => void;
}): ConfigReader =>
  createConfigReader({
    provider: new DynamoDBProvider({
      tableName: options.tableName,
      keyAttr: CONFIG_TABLE_SCHEMA.hashKey,
      valueAttr: CONFIG_TABLE_SCHEMA.valueAttr,
      awsSdkV3Client:
        options.client instanceof DynamoDBClient
          ? options.client
          : new DynamoDBClient({ region: options.client.region }),
    }) as ParameterProvider,
    ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
    ...(options.onDegraded ? { onDegraded: options.onDegraded } : {}),
  });

export {
  CONFIG_ITEM_ID,
  CONFIG_TABLE_SCHEMA,
  configTableDefinition,
  createConfigReader,
  createDynamoConfigReader,
  DEFAULT_CONFIG_MAX_AGE_SECONDS,
  historyItemId,
  parseEnvelope,
  storeError,
  validateConfigForStore,
};
