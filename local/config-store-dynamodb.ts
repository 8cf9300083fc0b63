/**
 * The app configuration in its own small DynamoDB table (docs/facts/config-store.md), read live by
 * every Lambda through Powertools Parameters and written only by the deploy and the operator.
 *
 * Items (hash key `id`, one string attribute `value` holding the JSON envelope):
 * - `app-config`: the version in force: `{ version, config, mode, updatedAt, updatedBy, reason,
 *   previousMode? }`, with `version` also as a number attribute for the conditional write;
 * - `app-config#v000007`: every version ever written, the same envelope (the audit: who, when,
 *   mode from → to, why). Never changed once written.
 *
 * A write claims the next history slot (`attribute_not_exists(id)`: of two writers from the same
 * version, one wins, the other gets ConcurrentUpdateError), then replaces the current item on the
 * condition that its version is still the expected one. Both are validated with the same schema
 * every read uses (`appConfigSchema`) before anything is written.
 *
 * Operator tooling (local/, not a Lambda adapter: no Lambda writes the config). The Lambdas read
 * through functions/adapters/config-reader.ts (Powertools Parameters, cached, validated at each
 * read); this module is the writer of the deploy and the operator (`hpr config`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { awsErrorName } from '#adapters/aws-errors.ts';
import {
  CONFIG_ITEM_ID,
  CONFIG_TABLE_SCHEMA,
  type ConfigVersion,
  historyItemId,
  parseEnvelope,
  storeError,
  validateConfigForStore,
} from '#adapters/config-reader.ts';
import { ConcurrentUpdateError } from '#contracts/errors.ts';

export interface ConfigWrite {
  /** The whole new config (validated, defaults filled, before anything is written). */
  config: unknown;
  /** The version it replaces (0: none yet). */
  expectedVersion: number;
  by: string;
  reason: string;
  now: string;
}

export interface ConfigStore {
  /** The version in force, validated (ConfigInvalidError when invalid); undefined when none. */
  current(): Promise<ConfigVersion | undefined>;
  /** Writes the next version; ConcurrentUpdateError when the store moved past `expectedVersion`. */
  write(input: ConfigWrite): Promise<ConfigVersion>;
  /** The last `limit` versions, newest first. */
  history(limit: number): Promise<ConfigVersion[]>;
}

/** The operator's and the deploy's access to the config table (the Lambdas only read, through the reader). */
const createConfigStore = ({
  client,
  tableName,
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): ConfigStore => {
  const send = async <T>(operation: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw storeError(operation, error);
    }
  };
  const current = async (): Promise<ConfigVersion | undefined> => {
    const out = await send('get', () =>
      client.send(
        new GetCommand({ TableName: tableName, Key: { id: CONFIG_ITEM_ID }, ConsistentRead: true }),
      ),
    );
    return out.Item ? parseEnvelope(out.Item[CONFIG_TABLE_SCHEMA.valueAttr]) : undefined;
  };
  const conflict = (expected: number, cause: unknown) =>
    new ConcurrentUpdateError(
      `the configuration changed since version ${expected}: read it again (hpr config show) and retry`,
      { cause, details: { expectedVersion: expected } },
    );
  return {
    current,
    write: async (input) => {
      const config = validateConfigForStore(input.config);
      const version = input.expectedVersion + 1;
      const previous = input.expectedVersion > 0 ? await current().catch(() => undefined) : undefined;
      const envelope = {
        version,
        config,
        mode: config.policy.mode,
        ...(previous ? { previousMode: previous.mode } : {}),
        updatedAt: input.now,
        updatedBy: input.by,
        reason: input.reason,
      };
      const value = JSON.stringify(envelope);
      // 1. Claim the next version's history slot: of two writers from one version, one wins.
      try {
        await send('write', () =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { id: historyItemId(version), value, version, mode: envelope.mode, updatedAt: input.now },
              ConditionExpression: 'attribute_not_exists(id)',
            }),
          ),
        );
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException')
          throw conflict(input.expectedVersion, error);
        throw error;
      }
      // 2. Replace the version in force, if nobody wrote it meanwhile.
      try {
        await send('write', () =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { id: CONFIG_ITEM_ID, value, version },
              ...(input.expectedVersion === 0
                ? { ConditionExpression: 'attribute_not_exists(id)' }
                : {
                    ConditionExpression: '#version = :expected',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':expected': input.expectedVersion },
                  }),
            }),
          ),
        );
      } catch (error) {
        if (awsErrorName(error) === 'ConditionalCheckFailedException')
          throw conflict(input.expectedVersion, error);
        throw error;
      }
      return parseEnvelope(value);
    },
    history: async (limit) => {
      const head = await current();
      if (!head) return [];
      const versions = Array.from({ length: Math.min(limit, head.version, 100) }, (_, i) => head.version - i);
      const out = await send('history', () =>
        client.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: versions.map((v) => ({ id: historyItemId(v) })) } },
          }),
        ),
      );
      const items = out.Responses?.[tableName] ?? [];
      return items
        .map((item) => parseEnvelope(item[CONFIG_TABLE_SCHEMA.valueAttr]))
        .sort((a, b) => b.version - a.version);
    },
  };
};

/** The document client of the config table in `region` (the operator CLI and the deploy step). */
const configStoreClientFor = (region: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });

export { configStoreClientFor, createConfigStore };
