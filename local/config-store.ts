/**
 * The config store in local mode: the same table layout, the same writer (config-store-dynamodb.ts)
 * and the same reader (config-reader.ts, Powertools Parameters' DynamoDBProvider) as deployed,
 * against a local DynamoDB (dynalite). The local environment, the demo and the tests read their
 * configuration through it, so a mode switch written to the store reaches running executions as
 * it does in AWS.
 */
import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type ConfigReader,
  configTableDefinition,
  createDynamoConfigReader,
} from '#adapters/config-reader.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import { setConfigMode } from '#local/cli/operations.ts';
import { type ConfigStore, createConfigStore } from '#local/config-store-dynamodb.ts';

export const CONFIG_TABLE = 'hyperpod-resilience-config';

export interface LocalConfigStore {
  store: ConfigStore;
  reader: ConfigReader;
  tableName: string;
}

/**
 * Creates the config table on `client`'s endpoint and writes `config` as version 1 (as the deploy
 * does). `maxAgeSeconds` is the reader's cache (0: every read goes to the table).
 */
export const createLocalConfigStore = async (options: {
  client: DynamoDBClient;
  config: AppConfig;
  tableName?: string;
  maxAgeSeconds?: number;
  now?: string;
}): Promise<LocalConfigStore> => {
  const tableName = options.tableName ?? CONFIG_TABLE;
  await options.client.send(new CreateTableCommand(configTableDefinition(tableName)));
  // dynalite answers CreateTable while the table is still CREATING (ACTIVE a tick later).
  await waitUntilTableExists(
    { client: options.client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { TableName: tableName },
  );
  const store = createConfigStore({
    client: DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  });
  await store.write({
    config: options.config,
    expectedVersion: 0,
    by: 'deploy',
    reason: 'initial deploy',
    now: options.now ?? new Date().toISOString(),
  });
  const reader = createDynamoConfigReader({
    client: options.client,
    tableName,
    ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
  });
  return { store, reader, tableName };
};

/** Switches `policy.mode` by writing the next version (what `hpr config set-mode` does). */
export const setMode = async (
  store: ConfigStore,
  input: { mode: 'observe' | 'act'; by: string; reason: string; now: string },
) => {
  const written = await setConfigMode(store, input);
  if (!written) throw new Error(`the mode already is ${input.mode}`);
  return written;
};
