/**
 * The DynamoDB ledger over the wire against dynalite (an in-memory DynamoDB on 127.0.0.1).
 * dynalite does not run TTL deletion, exactly like DynamoDB within its deletion lag, so expiry
 * is proven by the conditions alone.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger, ledgerTableDefinition } from '#adapters/ledger-dynamodb.ts';
import { LedgerTransientError } from '#contracts/errors.ts';
import { ledgerContract } from '../../unit/adapters/ledger-contract.ts';

let server: ReturnType<typeof dynalite>;
let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let tableCount = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  documents = DynamoDBDocumentClient.from(raw);
});

afterAll(async () => {
  raw.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A fresh table per test, defined from LEDGER_KEY_SCHEMA as sst.config.ts defines it. */
const freshTable = async (): Promise<string> => {
  tableCount += 1;
  const tableName = `ledger-${tableCount}`;
  await raw.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  // dynalite answers CreateTable while the table is still CREATING (ACTIVE a tick later): on a
  // busy machine the first request could otherwise get ResourceNotFoundException.
  await waitUntilTableExists(
    { client: raw, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { TableName: tableName },
  );
  return tableName;
};

ledgerContract('DynamoDB (dynalite)', async () =>
  createDynamoLedger({ client: documents, tableName: await freshTable() }),
);

describe('Function: createDynamoLedger', () => {
  it('stores a lease under the cluster partition with its TTL in epoch seconds', async () => {
    // Prepare
    const tableName = await freshTable();
    const ledger = createDynamoLedger({ client: documents, tableName });

    // Act
    await ledger.acquireLease({
      clusterName: 'ml-cluster',
      instanceId: 'i-0123456789abcdef0',
      incidentId: 'inc-a',
      now: '2026-01-02T03:00:00.000Z',
      ttlMinutes: 30,
    });

    // Assess
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: 'CLUSTER#ml-cluster', sk: 'LEASE#i-0123456789abcdef0' },
      }),
    );
    expect(Item).toMatchObject({
      incidentId: 'inc-a',
      expiresAt: Date.parse('2026-01-02T03:30:00.000Z') / 1000,
      leaseExpiresAt: '2026-01-02T03:30:00.000Z',
    });
  });

  it('keys incidents by id and keeps no ledger keys in the records it returns', async () => {
    // Prepare
    const tableName = await freshTable();
    const ledger = createDynamoLedger({ client: documents, tableName });
    const record = {
      incidentId: 'inc-a',
      clusterName: 'ml-cluster',
      trigger: { kind: 'manual' },
      status: 'open',
      startedAt: '2026-01-02T03:00:00.000Z',
      actions: [],
    };

    // Act
    await ledger.createIncident(record);

    // Assess
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'CLUSTER#ml-cluster', sk: 'INCIDENT#inc-a' } }),
    );
    expect(Item).toMatchObject({ startedAt: '2026-01-02T03:00:00.000Z' });
    expect(await ledger.getIncident('ml-cluster', 'inc-a')).toEqual(record);
  });

  it('indexes an open incident and, once closed, drops it from the index and expires it after the retention', async () => {
    // Prepare
    const tableName = await freshTable();
    const ledger = createDynamoLedger({ client: documents, tableName, closedIncidentRetentionDays: 30 });
    const key = { pk: 'CLUSTER#ml-cluster', sk: 'INCIDENT#inc-a' };
    const record = {
      incidentId: 'inc-a',
      clusterName: 'ml-cluster',
      trigger: { source: 'manual' },
      status: 'open',
      startedAt: '2026-01-02T03:00:00.000Z',
      actions: [],
    };
    await ledger.createIncident(record);
    const open = (await documents.send(new GetCommand({ TableName: tableName, Key: key }))).Item;

    // Act
    await ledger.updateIncident('ml-cluster', 'inc-a', {
      fields: { status: 'resolved', endedAt: '2026-01-02T04:00:00.000Z' },
    });
    const closed = (await documents.send(new GetCommand({ TableName: tableName, Key: key }))).Item;

    // Assess
    expect(open).toMatchObject({ openIn: 'CLUSTER#ml-cluster' });
    expect(open).not.toHaveProperty('expiresAt');
    expect(closed).not.toHaveProperty('openIn');
    expect(closed?.expiresAt).toBe(Date.parse('2026-02-01T04:00:00.000Z') / 1000);
    expect(await ledger.listOpenIncidents('ml-cluster')).toEqual([]);
    expect(await ledger.getIncident('ml-cluster', 'inc-a')).toEqual({
      ...record,
      status: 'resolved',
      endedAt: '2026-01-02T04:00:00.000Z',
    });
  });

  it('expires an incident created closed (a skip) from when it ended, and never indexes it', async () => {
    // Prepare
    const tableName = await freshTable();
    const ledger = createDynamoLedger({ client: documents, tableName });

    // Act
    await ledger.createIncident({
      incidentId: 'inc-s',
      clusterName: 'ml-cluster',
      trigger: { source: 'manual' },
      status: 'skipped',
      startedAt: '2026-01-02T03:00:00.000Z',
      endedAt: '2026-01-02T03:00:01.000Z',
      actions: [],
    });

    // Assess
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'CLUSTER#ml-cluster', sk: 'INCIDENT#inc-s' } }),
    );
    expect(Item).not.toHaveProperty('openIn');
    expect(Item?.expiresAt).toBe(Date.parse('2027-01-02T03:00:01.000Z') / 1000);
  });

  it.each([
    { name: 'ProvisionedThroughputExceededException', status: 400 },
    { name: 'ThrottlingException', status: 400 },
    { name: 'InternalServerError', status: 500 },
  ])('maps $name to LedgerTransientError', async ({ name, status }) => {
    // Prepare
    const cause = new DynamoDBServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} happened`,
    });
    const failing = { send: async () => Promise.reject(cause) } as unknown as DynamoDBDocumentClient;
    const ledger = createDynamoLedger({ client: failing, tableName: 'any' });

    // Act
    const error = await ledger.getClusterState('ml-cluster').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LedgerTransientError);
    expect(error).toMatchObject({ retryable: true, cause });
  });

  it('maps a refused connection to LedgerTransientError', async () => {
    // Prepare
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const failing = { send: async () => Promise.reject(cause) } as unknown as DynamoDBDocumentClient;
    const ledger = createDynamoLedger({ client: failing, tableName: 'any' });

    // Act
    const error = await ledger.listIncidents('ml-cluster').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LedgerTransientError);
  });

  it('rethrows a missing table as the SDK error, not as a retryable one', async () => {
    // Prepare
    const ledger = createDynamoLedger({ client: documents, tableName: 'no-such-table' });

    // Act
    const error = await ledger.getNodeHistory('ml-cluster', 'i-1').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
