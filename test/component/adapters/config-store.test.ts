/**
 * The config store over the wire against dynalite: the writer (conditional, versioned, audited)
 * and the reader (Powertools Parameters' DynamoDBProvider, cached for `maxAge`, validated at every
 * read). The cache is Powertools' own: its expiry reads `Date.now()`, so the test moves the
 * clock with fake Date only (no timers).
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConfigReader, createDynamoConfigReader } from '#adapters/config-reader.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { ConcurrentUpdateError, ConfigInvalidError } from '#contracts/errors.ts';
import { createLocalConfigStore, setMode } from '#local/config-store.ts';
import { createConfigStore } from '#local/config-store-dynamodb.ts';
import { startDynamoLocal } from '#local/dynamo-local.ts';

const clusterNumbered = (i: number) => ({
  name: `ml-cluster-${i}`,
  arn: `arn:aws:sagemaker:us-west-2:111122223333:cluster/${String(i).padStart(12, 'a')}`,
  eksClusterName: `ml-cluster-${i}-eks`,
});
const CONFIG = parseAppConfig({ clusters: [clusterNumbered(1)], policy: { mode: 'act' } });
const NOW = '2026-12-03T10:00:00.000Z';

let dynamo: { endpoint: string; close: () => Promise<void> };
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
  client = new DynamoDBClient({
    region: 'us-west-2',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  await dynamo?.close();
});
afterEach(() => vi.useRealTimers());

const freshStore = async (maxAgeSeconds?: number) => {
  tables += 1;
  return createLocalConfigStore({
    client,
    config: CONFIG,
    tableName: `config-${tables}`,
    now: NOW,
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
  });
};

const putRaw = (tableName: string, value: string, version = 2) =>
  client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { id: { S: 'app-config' }, value: { S: value }, version: { N: String(version) } },
    }),
  );

describe('Config store: reader', () => {
  it('caches the stored config for maxAge seconds, then reads the new version', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
    const local = await freshStore(30);
    const first = await local.reader.read();
    await setMode(local.store, { mode: 'observe', by: 'oncall', reason: 'freeze', now: NOW });

    // Act
    const cached = await local.reader.read();
    vi.setSystemTime(new Date(Date.parse(NOW) + 31_000));
    const fresh = await local.reader.read();

    // Assess
    expect(first).toMatchObject({ version: 1 });
    expect(first.config.policy.mode).toBe('act');
    expect(cached.version).toBe(1);
    expect(fresh.version).toBe(2);
    expect(fresh.config.policy.mode).toBe('observe');
  });

  it('validates every read, the cached value included, with the schema the deploy uses', async () => {
    // Prepare: a provider that returns the same cached object each time, as Powertools' cache does.
    const cached = {
      version: 1,
      config: { clusters: [clusterNumbered(1)] },
      updatedAt: NOW,
      updatedBy: 'd',
      reason: 'r',
    };
    const reader = createConfigReader({ provider: { get: async () => cached } });
    const first = await reader.read();

    // Act: the cached object changes under the reader (a bad transform, a bug), and a new reader
    // without a valid read before sees it.
    cached.config = { clusters: [] };
    const second = await reader.read();
    const fresh = createConfigReader({ provider: { get: async () => cached } });

    // Assess
    expect(first.config.policy.mode).toBe('observe');
    expect(second.degraded).toContain('clusters');
    await expect(fresh.read()).rejects.toBeInstanceOf(ConfigInvalidError);
  });

  it('fails with ConfigInvalidError naming the problem when the stored config is invalid and nothing valid was read before', async () => {
    // Prepare
    const local = await freshStore(0);
    await putRaw(
      local.tableName,
      JSON.stringify({
        version: 2,
        config: { clusters: [{ name: 'x' }] },
        updatedAt: NOW,
        updatedBy: 'y',
        reason: 'z',
      }),
    );
    const reader = createDynamoConfigReader({ client, tableName: local.tableName, maxAgeSeconds: 0 });

    // Act & Assess
    await expect(reader.read()).rejects.toMatchObject({
      name: 'ConfigInvalidError',
      message: expect.stringContaining('config.clusters.0.arn'),
    });
  });

  it.each([
    { case: 'not JSON', value: '{"version":' },
    { case: 'no version', value: JSON.stringify({ config: CONFIG }) },
  ])('refuses a stored value that is $case', async ({ value }) => {
    const local = await freshStore(0);
    await putRaw(local.tableName, value);
    const reader = createDynamoConfigReader({ client, tableName: local.tableName, maxAgeSeconds: 0 });
    await expect(reader.read()).rejects.toBeInstanceOf(ConfigInvalidError);
  });

  it('fails with ConfigInvalidError when nothing is stored (never deployed)', async () => {
    const local = await freshStore(0);
    const reader = createDynamoConfigReader({ client, tableName: `${local.tableName}-x`, maxAgeSeconds: 0 });
    await expect(reader.read()).rejects.toThrow();
    const empty = createConfigReader({ provider: { get: async () => undefined } });
    await expect(empty.read()).rejects.toMatchObject({ name: 'ConfigInvalidError' });
  });

  it('loads a configuration of 50 clusters, the schema maximum, written and read whole', async () => {
    // Prepare
    const fifty = parseAppConfig({ clusters: Array.from({ length: 50 }, (_, i) => clusterNumbered(i + 1)) });
    const local = await freshStore(0);

    // Act
    const written = await local.store.write({
      config: fifty,
      expectedVersion: 1,
      by: 'ops',
      reason: 'fleet',
      now: NOW,
    });
    const read = await local.reader.read();

    // Assess
    expect(written.version).toBe(2);
    expect(read.config.clusters).toHaveLength(50);
    expect(read.config).toEqual(fifty);
    expect(JSON.stringify(fifty).length).toBeGreaterThan(3584);
  });
});

describe('Config store: writer', () => {
  it('writes versions conditionally: a writer from a stale version gets ConcurrentUpdateError and changes nothing', async () => {
    // Prepare
    const local = await freshStore(0);
    await setMode(local.store, { mode: 'observe', by: 'alice', reason: 'freeze', now: NOW });

    // Act
    const stale = local.store.write({
      config: CONFIG,
      expectedVersion: 1,
      by: 'bob',
      reason: 'late',
      now: NOW,
    });

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await local.store.current())?.version).toBe(2);
    expect((await local.store.current())?.updatedBy).toBe('alice');
  });

  it('keeps every version with who, when, why and the mode it switched from, newest first', async () => {
    // Prepare
    const local = await freshStore(0);

    // Act
    await setMode(local.store, {
      mode: 'observe',
      by: 'alice',
      reason: 'freeze',
      now: '2026-12-03T11:00:00.000Z',
    });
    await setMode(local.store, { mode: 'act', by: 'bob', reason: 'thaw', now: '2026-12-03T12:00:00.000Z' });
    const history = await local.store.history(10);

    // Assess
    expect(
      history.map(({ version, mode, previousMode, updatedBy, reason }) => ({
        version,
        mode,
        previousMode,
        updatedBy,
        reason,
      })),
    ).toEqual([
      { version: 3, mode: 'act', previousMode: 'observe', updatedBy: 'bob', reason: 'thaw' },
      { version: 2, mode: 'observe', previousMode: 'act', updatedBy: 'alice', reason: 'freeze' },
      { version: 1, mode: 'act', previousMode: undefined, updatedBy: 'deploy', reason: 'initial deploy' },
    ]);
  });

  it('refuses an invalid config before writing anything', async () => {
    // Prepare
    const local = await freshStore(0);
    const store = createConfigStore({
      client: DynamoDBDocumentClient.from(client),
      tableName: local.tableName,
    });

    // Act
    const write = store.write({
      config: { clusters: [] },
      expectedVersion: 1,
      by: 'x',
      reason: 'y',
      now: NOW,
    });

    // Assess
    await expect(write).rejects.toBeInstanceOf(ConfigInvalidError);
    expect((await store.current())?.version).toBe(1);
    expect(await store.history(10)).toHaveLength(1);
  });
});
