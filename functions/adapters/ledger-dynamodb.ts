/**
 * The ledger on one DynamoDB table (README "How it works"); keys in ledger-keys.ts.
 *
 * - Dedupe sightings, node leases and spare claims are conditional puts that also succeed over an expired
 *   item: TTL deletion lags by hours, so expiry is part of every condition.
 * - Cluster guard state is versioned: `attribute_not_exists(pk)` for version 0, else
 *   `version = :expected`; a lost race → ConcurrentUpdateError.
 * - Incidents are addressed by id (`INCIDENT#<id>`); listIncidents reads the cluster's
 *   incidents and sorts them newest first in code, then applies the limit (a DynamoDB `Limit`
 *   would cut before sorting). listAllIncidents scans the table for incident items of every
 *   cluster (an operator's read, never a task's), sorted and limited the same way.
 * - The ledger does not grow without bound, and the sweep does not read its history: an open
 *   incident carries `openIn` (its partition key), which puts it in the sparse index
 *   `open-incidents` that listOpenIncidents queries; closing it (any other status) removes
 *   `openIn` and sets `expiresAt` (the table's TTL attribute) `closedIncidentRetentionDays` after
 *   it ended. A GSI is read eventually consistently: a just-opened incident may be missing for
 *   a moment, so callers that must know (the sweep, for the holders it finds on the cluster)
 *   read those by id, which is consistent.
 * - Throttling, 5xx and network failures → LedgerTransientError; ConditionalCheckFailed is
 *   answered per method; anything else (a missing table, access denied) is rethrown as is.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { awsErrorName, describeAwsError, isAwsTransient } from '#adapters/aws-errors.ts';
import {
  addMinutes,
  epochSeconds,
  expiryEpochSeconds,
  isLive,
  ledgerKeys,
  newestFirst,
  toStorable,
} from '#adapters/ledger-keys.ts';
import type { ClusterGuardState, IncidentRecord, Ledger, NodeHistory } from '#adapters/ports.ts';
import { ConcurrentUpdateError, InvalidInputError, LedgerTransientError } from '#contracts/errors.ts';

/** Table definition for sst.config.ts (and tests): string keys `pk`/`sk`, TTL on `expiresAt`. */
const LEDGER_KEY_SCHEMA = {
  hashKey: 'pk',
  rangeKey: 'sk',
  attributes: [
    { name: 'pk', type: 'S' },
    { name: 'sk', type: 'S' },
  ],
  ttlAttribute: 'expiresAt',
  /** Sparse index of the open incidents (only they carry `openIn`). */
  openIncidentsIndex: { name: 'open-incidents', hashKey: 'openIn', rangeKey: 'sk' },
  /** Incidents by start time (only incident items carry `startedAt`): a trailing window without the history. */
  incidentsByStartIndex: { name: 'incidents-by-start', hashKey: 'pk', rangeKey: 'startedAt' },
} as const;

/** CreateTable input of the ledger table (the local environment and tests; sst.config.ts builds the same). */
const ledgerTableDefinition = (tableName: string) => ({
  TableName: tableName,
  AttributeDefinitions: [
    ...LEDGER_KEY_SCHEMA.attributes.map(({ name, type }) => ({ AttributeName: name, AttributeType: type })),
    { AttributeName: LEDGER_KEY_SCHEMA.openIncidentsIndex.hashKey, AttributeType: 'S' as const },
    { AttributeName: LEDGER_KEY_SCHEMA.incidentsByStartIndex.rangeKey, AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: LEDGER_KEY_SCHEMA.hashKey, KeyType: 'HASH' as const },
    { AttributeName: LEDGER_KEY_SCHEMA.rangeKey, KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: LEDGER_KEY_SCHEMA.openIncidentsIndex.name,
      KeySchema: [
        { AttributeName: LEDGER_KEY_SCHEMA.openIncidentsIndex.hashKey, KeyType: 'HASH' as const },
        { AttributeName: LEDGER_KEY_SCHEMA.openIncidentsIndex.rangeKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    },
    {
      IndexName: LEDGER_KEY_SCHEMA.incidentsByStartIndex.name,
      KeySchema: [
        { AttributeName: LEDGER_KEY_SCHEMA.incidentsByStartIndex.hashKey, KeyType: 'HASH' as const },
        { AttributeName: LEDGER_KEY_SCHEMA.incidentsByStartIndex.rangeKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

/** How long a closed incident stays in the ledger by default (the audit record of a year). */
const DEFAULT_CLOSED_INCIDENT_RETENTION_DAYS = 365;

/** Top-level incident fields updateIncident may never overwrite. */
const PROTECTED_INCIDENT_FIELDS = new Set([
  'pk',
  'sk',
  'incidentId',
  'clusterName',
  'actions',
  'openIn',
  'expiresAt',
]);

/** Storage fields of an incident item that are not part of the record. */
const INDEX_FIELDS = ['openIn', 'expiresAt'] as const;

class ConditionFailed extends Error {}

const isConditionFailure = (error: unknown): boolean =>
  awsErrorName(error) === 'ConditionalCheckFailedException';

/** Runs one DynamoDB call: transient failures become LedgerTransientError; a failed condition becomes ConditionFailed. */
const run = async <T>(operation: string, request: () => Promise<T>): Promise<T> => {
  try {
    return await request();
  } catch (error) {
    if (isConditionFailure(error)) throw new ConditionFailed(operation, { cause: error });
    if (isAwsTransient(error)) {
      throw new LedgerTransientError(`ledger ${operation} failed: ${describeAwsError(error)}`, {
        cause: error,
        details: { operation, awsError: awsErrorName(error) },
      });
    }
    throw error;
  }
};

/** Runs a conditional write; true when the condition held, false when it failed. */
const conditional = async (operation: string, request: () => Promise<unknown>): Promise<boolean> => {
  try {
    await run(operation, request);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailed) return false;
    throw error;
  }
};

const withoutKeys = <T>(item: Record<string, unknown>, ...extra: string[]): T => {
  const copy: Record<string, unknown> = { ...item };
  for (const key of ['pk', 'sk', ...extra]) delete copy[key];
  return copy as T;
};

interface DynamoLedgerOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Days a closed incident is kept after it ended (TTL); default 365. */
  closedIncidentRetentionDays?: number;
}

const createDynamoLedger = ({
  client,
  tableName,
  closedIncidentRetentionDays = DEFAULT_CLOSED_INCIDENT_RETENTION_DAYS,
}: DynamoLedgerOptions): Ledger => {
  /** Epoch seconds at which a closed incident expires; it ended at `endedAt` (or now, if unknown). */
  const closedExpiry = (endedAt: string | undefined): number => {
    const end = endedAt && Number.isFinite(Date.parse(endedAt)) ? endedAt : new Date().toISOString();
    return expiryEpochSeconds(end, closedIncidentRetentionDays * 24 * 60);
  };

  const get = async (
    operation: string,
    pk: string,
    sk: string,
  ): Promise<Record<string, unknown> | undefined> => {
    const out = await run(operation, () =>
      client.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true })),
    );
    return out.Item;
  };

  /** Every item of a paginated Query or Scan; `page` sends one request from the given start key. */
  const allPages = async (
    operation: string,
    page: (startKey: Record<string, unknown> | undefined) => Promise<{
      Items?: Record<string, unknown>[];
      LastEvaluatedKey?: Record<string, unknown>;
    }>,
  ): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await run(operation, () => page(startKey));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  };

  const queryAll = (operation: string, pk: string, prefix: string, extra: Partial<QueryCommandInput> = {}) =>
    allPages(operation, (startKey) =>
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ...extra,
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', ...extra.ExpressionAttributeNames },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix, ...extra.ExpressionAttributeValues },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      ),
    );

  /**
   * One holder per item (a node's lease, a spare's claim): the conditional put succeeds when the
   * item is absent, expired, or already held by `incidentId` (re-taking one's own is idempotent);
   * otherwise it names the holder.
   */
  const takeHeld = async (
    operation: string,
    key: { pk: string; sk: string },
    hold: { incidentId: string; now: string; ttlMinutes: number },
    fields: Record<string, unknown>,
  ): Promise<{ taken: boolean; heldBy?: string }> => {
    const taken = await conditional(operation, () =>
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key,
            ...fields,
            incidentId: hold.incidentId,
            expiresAt: expiryEpochSeconds(hold.now, hold.ttlMinutes),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #exp <= :now OR #owner = :me',
          ExpressionAttributeNames: { '#pk': 'pk', '#exp': 'expiresAt', '#owner': 'incidentId' },
          ExpressionAttributeValues: { ':now': epochSeconds(hold.now), ':me': hold.incidentId },
        }),
      ),
    );
    if (taken) return { taken: true };
    const holder = await get(operation, key.pk, key.sk);
    return typeof holder?.incidentId === 'string'
      ? { taken: false, heldBy: holder.incidentId }
      : { taken: false };
  };

  /** Deletes a held item only if `incidentId` holds it: someone else's, or none, is left (idempotent). */
  const releaseHeld = async (operation: string, key: { pk: string; sk: string }, incidentId: string) => {
    await conditional(operation, () =>
      client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'incidentId' },
          ExpressionAttributeValues: { ':me': incidentId },
        }),
      ),
    );
  };

  /** The unexpired held items under a prefix (leases, spare claims). */
  const listLive = async (operation: string, pk: string, prefix: string, now: string) =>
    (
      await queryAll(operation, pk, prefix, {
        FilterExpression: '#exp > :now',
        ExpressionAttributeNames: { '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      })
    ).filter((item) => isLive(item.expiresAt as number | undefined, now));

  return {
    async recordSighting({ clusterName, instanceId, faultClass, incidentId, now, windowMinutes }) {
      const pk = ledgerKeys.pk(clusterName);
      const sk = ledgerKeys.sighting(instanceId, faultClass);
      const first = await conditional('recordSighting', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk,
              sk,
              clusterName,
              instanceId,
              faultClass,
              incidentId,
              firstSeenAt: now,
              expiresAt: expiryEpochSeconds(now, windowMinutes),
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #exp <= :now',
            ExpressionAttributeNames: { '#pk': 'pk', '#exp': 'expiresAt' },
            ExpressionAttributeValues: { ':now': epochSeconds(now) },
          }),
        ),
      );
      if (first) return { firstSighting: true, firstIncidentId: incidentId };
      const existing = await get('recordSighting', pk, sk);
      const firstIncidentId = typeof existing?.incidentId === 'string' ? existing.incidentId : undefined;
      // A retry by the incident that made the sighting is still that incident's first sighting.
      if (firstIncidentId === incidentId) return { firstSighting: true, firstIncidentId };
      return firstIncidentId ? { firstSighting: false, firstIncidentId } : { firstSighting: false };
    },

    async listSightings(clusterName, faultClass, now) {
      const items = await queryAll('listSightings', ledgerKeys.pk(clusterName), ledgerKeys.sightingPrefix, {
        FilterExpression: '#exp > :now AND #class = :class',
        ExpressionAttributeNames: { '#exp': 'expiresAt', '#class': 'faultClass' },
        ExpressionAttributeValues: { ':now': epochSeconds(now), ':class': faultClass },
      });
      return items
        .filter((item) => item.faultClass === faultClass && isLive(item.expiresAt as number | undefined, now))
        .map((item) => ({
          instanceId: String(item.instanceId),
          incidentId: String(item.incidentId),
          firstSeenAt: String(item.firstSeenAt),
        }));
    },

    async acquireLease({ clusterName, instanceId, incidentId, now, ttlMinutes }) {
      const key = { pk: ledgerKeys.pk(clusterName), sk: ledgerKeys.lease(instanceId) };
      const { taken, heldBy } = await takeHeld(
        'acquireLease',
        key,
        { incidentId, now, ttlMinutes },
        {
          instanceId,
          acquiredAt: now,
          leaseExpiresAt: addMinutes(now, ttlMinutes),
        },
      );
      return { acquired: taken, ...(heldBy ? { heldBy } : {}) };
    },

    async releaseLease({ clusterName, instanceId, incidentId }) {
      await releaseHeld(
        'releaseLease',
        { pk: ledgerKeys.pk(clusterName), sk: ledgerKeys.lease(instanceId) },
        incidentId,
      );
    },

    async listLeases(clusterName, now) {
      const items = await listLive('listLeases', ledgerKeys.pk(clusterName), ledgerKeys.leasePrefix, now);
      return items.map((item) => ({
        instanceId: String(item.instanceId),
        incidentId: String(item.incidentId),
        expiresAt: String(item.leaseExpiresAt),
      }));
    },

    async claimSpare({ clusterName, instanceId, incidentId, now, ttlMinutes }) {
      // The same one-holder item as a lease: absent, expired, or already ours.
      const key = { pk: ledgerKeys.pk(clusterName), sk: ledgerKeys.spareClaim(instanceId) };
      const { taken, heldBy } = await takeHeld(
        'claimSpare',
        key,
        { incidentId, now, ttlMinutes },
        {
          instanceId,
          claimedAt: now,
          claimExpiresAt: addMinutes(now, ttlMinutes),
        },
      );
      return { claimed: taken, ...(heldBy ? { heldBy } : {}) };
    },

    async releaseSpare({ clusterName, instanceId, incidentId }) {
      await releaseHeld(
        'releaseSpare',
        { pk: ledgerKeys.pk(clusterName), sk: ledgerKeys.spareClaim(instanceId) },
        incidentId,
      );
    },

    async listSpareClaims(clusterName, now) {
      const items = await listLive(
        'listSpareClaims',
        ledgerKeys.pk(clusterName),
        ledgerKeys.spareClaimPrefix,
        now,
      );
      return items.map((item) => ({
        instanceId: String(item.instanceId),
        incidentId: String(item.incidentId),
        claimedAt: String(item.claimedAt),
        expiresAt: String(item.claimExpiresAt),
      }));
    },

    async getClusterState(clusterName) {
      const item = await get('getClusterState', ledgerKeys.pk(clusterName), ledgerKeys.state);
      if (!item) return { version: 0, remediations: [] };
      const state = withoutKeys<ClusterGuardState>(item);
      return { ...state, remediations: state.remediations ?? [] };
    },

    async putClusterState(clusterName, state, expectedVersion) {
      const written = await conditional('putClusterState', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: toStorable({
              ...state,
              pk: ledgerKeys.pk(clusterName),
              sk: ledgerKeys.state,
              version: expectedVersion + 1,
            }),
            ...(expectedVersion === 0
              ? {
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': 'pk' },
                }
              : {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      );
      if (!written) {
        throw new ConcurrentUpdateError(
          `cluster state of ${clusterName} changed since version ${expectedVersion} was read`,
          { details: { clusterName, expectedVersion } },
        );
      }
    },

    async getNodeHistory(clusterName, instanceId) {
      const item = await get('getNodeHistory', ledgerKeys.pk(clusterName), ledgerKeys.node(instanceId));
      const history = item ? withoutKeys<Partial<NodeHistory>>(item, 'clusterName', 'instanceId') : {};
      return {
        ...history,
        faults: history.faults ?? [],
        reboots: history.reboots ?? [],
        replacements: history.replacements ?? [],
      };
    },

    async putNodeHistory(clusterName, instanceId, history) {
      await run('putNodeHistory', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: toStorable({
              ...history,
              pk: ledgerKeys.pk(clusterName),
              sk: ledgerKeys.node(instanceId),
              clusterName,
              instanceId,
            }),
          }),
        ),
      );
    },

    async createIncident(record) {
      // Already there (a retried Admit): keep the original record.
      await conditional('createIncident', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: toStorable({
              ...record,
              pk: ledgerKeys.pk(record.clusterName),
              sk: ledgerKeys.incident(record.incidentId),
              ...(record.status === 'open'
                ? { openIn: ledgerKeys.pk(record.clusterName) }
                : { expiresAt: closedExpiry(record.endedAt ?? record.startedAt) }),
            }),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        ),
      );
    },

    async updateIncident(clusterName, incidentId, update) {
      const names: Record<string, string> = { '#pk': 'pk' };
      const values: Record<string, unknown> = {};
      const assignments: string[] = [];
      if (update.actions?.length) {
        names['#actions'] = 'actions';
        values[':empty'] = [];
        values[':new'] = toStorable(update.actions);
        assignments.push('#actions = list_append(if_not_exists(#actions, :empty), :new)');
      }
      const fields = Object.entries(update.fields ?? {}).filter(
        ([name, value]) => value !== undefined && !PROTECTED_INCIDENT_FIELDS.has(name),
      );
      for (const [index, [name, value]] of fields.entries()) {
        names[`#f${index}`] = name;
        values[`:f${index}`] = toStorable(value);
        assignments.push(`#f${index} = :f${index}`);
      }
      if (assignments.length === 0) return;
      // A status change moves the incident in or out of the open-incidents index and its expiry.
      const removals: string[] = [];
      const status = update.fields?.status;
      if (status !== undefined) {
        names['#open'] = 'openIn';
        names['#exp'] = 'expiresAt';
        if (status === 'open') {
          values[':open'] = ledgerKeys.pk(clusterName);
          assignments.push('#open = :open');
          removals.push('#exp');
        } else {
          values[':exp'] = closedExpiry(update.fields?.endedAt);
          assignments.push('#exp = :exp');
          removals.push('#open');
        }
      }
      const updated = await conditional('updateIncident', () =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: ledgerKeys.pk(clusterName), sk: ledgerKeys.incident(incidentId) },
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (!updated) {
        throw new InvalidInputError(`incident ${incidentId} of cluster ${clusterName} does not exist`);
      }
    },

    async getIncident(clusterName, incidentId) {
      const item = await get('getIncident', ledgerKeys.pk(clusterName), ledgerKeys.incident(incidentId));
      return item ? withoutKeys<IncidentRecord>(item, ...INDEX_FIELDS) : undefined;
    },

    async listOpenIncidents(clusterName) {
      const index = LEDGER_KEY_SCHEMA.openIncidentsIndex;
      const items = await allPages('listOpenIncidents', (startKey) =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.name,
            KeyConditionExpression: '#open = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#open': index.hashKey, '#sk': index.rangeKey },
            ExpressionAttributeValues: {
              ':pk': ledgerKeys.pk(clusterName),
              ':prefix': ledgerKeys.incidentPrefix,
            },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      return items
        .map((item) => withoutKeys<IncidentRecord>(item, ...INDEX_FIELDS))
        .filter((incident) => incident.status === 'open')
        .sort(newestFirst);
    },

    async listIncidentsSince(clusterName, since) {
      const index = LEDGER_KEY_SCHEMA.incidentsByStartIndex;
      const items = await allPages('listIncidentsSince', (startKey) =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk AND #start >= :since',
            ExpressionAttributeNames: { '#pk': index.hashKey, '#start': index.rangeKey },
            ExpressionAttributeValues: { ':pk': ledgerKeys.pk(clusterName), ':since': since },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      return items
        .filter((item) => String(item.sk).startsWith(ledgerKeys.incidentPrefix))
        .map((item) => withoutKeys<IncidentRecord>(item, ...INDEX_FIELDS))
        .sort(newestFirst);
    },

    async listIncidents(clusterName, options = {}) {
      const items = await queryAll('listIncidents', ledgerKeys.pk(clusterName), ledgerKeys.incidentPrefix);
      const incidents = items
        .map((item) => withoutKeys<IncidentRecord>(item, ...INDEX_FIELDS))
        .sort(newestFirst);
      return options.limit === undefined ? incidents : incidents.slice(0, options.limit);
    },

    async listAllIncidents(options = {}) {
      const items = await allPages('listAllIncidents', (startKey) =>
        client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#sk': 'sk' },
            ExpressionAttributeValues: { ':prefix': ledgerKeys.incidentPrefix },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      const incidents = items
        .filter((item) => String(item.sk).startsWith(ledgerKeys.incidentPrefix))
        .map((item) => withoutKeys<IncidentRecord>(item, ...INDEX_FIELDS))
        .sort(newestFirst);
      return options.limit === undefined ? incidents : incidents.slice(0, options.limit);
    },
  };
};

export {
  createDynamoLedger,
  DEFAULT_CLOSED_INCIDENT_RETENTION_DAYS,
  type DynamoLedgerOptions,
  LEDGER_KEY_SCHEMA,
  ledgerTableDefinition,
};

/** The document client of a Lambda in `region` (the composition root wires it; functions/composition/wiring). */
export const ledgerClientFor = (region: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    // Optional fields of our records are simply absent in the table.
    marshallOptions: { removeUndefinedValues: true },
  });
