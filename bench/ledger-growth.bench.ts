/**
 * What one health sweep reads of the ledger as its history grows: 0 to 100,000 closed incidents
 * older than 30 days in one cluster's partition, beside 5 open ones, 5 live leases, 10 closed
 * incidents the cluster still names (quarantine holders) and 100 closed incidents of the last 30
 * days (the window of the fleet reliability gauges, which the sweep reads through an index).
 *
 * What runs: the real SweepCluster task against the real DynamoDB ledger adapter on dynalite
 * (the table as ledgerTableDefinition defines it, with its open-incidents index); SageMaker and
 * Kubernetes are in-memory fakes holding the named quarantined nodes. An SDK middleware counts
 * every DynamoDB request the sweep sends and the items DynamoDB examined for it (`ScannedCount`
 * of Query/Scan, 1 per GetItem). For reference the same table is also read the way the sweep read
 * it before (listIncidents: the whole partition).
 *
 *   PATH=$PWD/node_modules/.bin:$PATH tsx bench/run.ts ledger-growth
 *   HPR_BENCH_LEDGER_SIZES=0,1000 … (default 0,1000,10000,100000)
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDynamoLedger, ledgerTableDefinition } from '#adapters/ledger-dynamodb.ts';
import { ledgerKeys } from '#adapters/ledger-keys.ts';
import type { ClusterNodes, IncidentRecord } from '#adapters/ports.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { noMetrics, silentLogger, type TaskDeps } from '#functions/tasks/deps.ts';
import { sweepCluster } from '#functions/tasks/sweep-cluster.ts';
import { createFakeKubeApi } from '../test/fakes/fake-kube-api.ts';
import { createMemoryNotifier } from '../test/fakes/memory-notifier.ts';

const SIZES = (process.env.HPR_BENCH_LEDGER_SIZES ?? '0,1000,10000,100000').split(',').map(Number);
const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-eks',
};
const NOW = '2026-11-29T10:00:00.000Z';
const ago = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();
const instanceId = (n: number) => `i-0${n.toString(16).padStart(16, '0')}`;

const incident = (id: string, n: number, status: string, startedMinutesAgo: number): IncidentRecord => ({
  incidentId: id,
  clusterName: CLUSTER.name,
  instanceId: instanceId(n),
  trigger: { source: 'hyperpod-node-health', faultType: 'GpuXid' },
  decision: { outcome: 'reboot', reason: 'Xid 79 on 1 GPU' },
  status,
  ...(status === 'open' ? {} : { outcome: 'rebooted', endedAt: ago(startedMinutesAgo - 30) }),
  startedAt: ago(startedMinutesAgo),
  actions: [
    { type: 'admitted', at: ago(startedMinutesAgo) },
    { type: 'quarantined', at: ago(startedMinutesAgo) },
    { type: 'rebooted', at: ago(startedMinutesAgo - 2) },
  ],
});

interface Reads {
  requests: number;
  itemsExamined: number;
  byOperation: Record<string, number>;
}

const countingClient = (endpoint: string, reads: Reads) => {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { ScannedCount?: number; Item?: unknown };
      reads.requests += 1;
      reads.byOperation[context.commandName ?? '?'] =
        (reads.byOperation[context.commandName ?? '?'] ?? 0) + 1;
      reads.itemsExamined += output.ScannedCount ?? (context.commandName === 'GetItemCommand' ? 1 : 0);
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return raw;
};

const fill = async (raw: DynamoDBClient, table: string, closed: number) => {
  const documents = DynamoDBDocumentClient.from(raw);
  const items: IncidentRecord[] = [];
  for (let i = 0; i < 5; i++) items.push(incident(`open-${i}`, i, 'open', 10 + i));
  for (let i = 0; i < 10; i++) items.push(incident(`holder-${i}`, 100 + i, 'resolved', 300 + i));
  // 100 closed incidents inside the fleet gauges' 30-day window (read by the gauges, whatever the history).
  for (let i = 0; i < 100; i++) items.push(incident(`recent-${i}`, 500 + i, 'resolved', 1_000 + i * 60));
  // The history: older than the window, one every 5 minutes back from day 31.
  for (let i = 0; i < closed; i++) {
    items.push(incident(`closed-${i}`, 1_000 + i, 'resolved', 31 * 24 * 60 + i * 5));
  }
  const storable = items.map((record) => ({
    ...record,
    pk: ledgerKeys.pk(CLUSTER.name),
    sk: ledgerKeys.incident(record.incidentId),
    ...(record.status === 'open' ? { openIn: ledgerKeys.pk(CLUSTER.name) } : { expiresAt: 1_900_000_000 }),
  }));
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < storable.length; i += 25) {
    const batch = storable.slice(i, i + 25);
    pending.push(
      documents.send(
        new BatchWriteCommand({
          RequestItems: { [table]: batch.map((item) => ({ PutRequest: { Item: item } })) },
        }),
      ),
    );
    if (pending.length >= 16) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
};

export async function run(): Promise<Record<string, unknown>> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rows: Record<string, unknown>[] = [];
  try {
    for (const [index, closed] of SIZES.entries()) {
      const table = `ledger-${index}`;
      const setup: Reads = { requests: 0, itemsExamined: 0, byOperation: {} };
      const setupClient = countingClient(endpoint, setup);
      await setupClient.send(new CreateTableCommand(ledgerTableDefinition(table)));
      const fillStart = performance.now();
      await fill(setupClient, table, closed);
      const fillMs = Math.round(performance.now() - fillStart);

      const setupLedger = createDynamoLedger({
        client: DynamoDBDocumentClient.from(setupClient),
        tableName: table,
      });
      for (let i = 0; i < 5; i++) {
        await setupLedger.acquireLease({
          clusterName: CLUSTER.name,
          instanceId: instanceId(i),
          incidentId: `open-${i}`,
          now: NOW,
          ttlMinutes: 60,
        });
      }
      // The cluster names ten closed incidents as the holders of quarantines the sweep must lift.
      const kube = createFakeKubeApi({ now: () => NOW });
      for (let i = 0; i < 10; i++) {
        const name = `hyperpod-${instanceId(100 + i)}`;
        kube.nodes.set(name, {
          metadata: {
            name,
            annotations: {
              'hyperpod-resilience.io/quarantined-by': `holder-${i}`,
              'hyperpod-resilience.io/quarantined-at': ago(300),
            },
          },
          spec: {
            unschedulable: true,
            taints: [{ key: 'hyperpod-resilience.io/quarantine', value: 'xid-79', effect: 'NoSchedule' }],
          },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        } as never);
      }

      const reads: Reads = { requests: 0, itemsExamined: 0, byOperation: {} };
      const client = countingClient(endpoint, reads);
      const deps: TaskDeps = {
        config: parseAppConfig({ clusters: [CLUSTER], policy: { mode: 'act' } }),
        clusterNodes: {
          describeCluster: async () => ({ name: CLUSTER.name, arn: CLUSTER.arn, status: 'InService' }),
          listNodes: async () => [],
        } as unknown as ClusterNodes,
        kubeFor: async () => kube,
        ledger: createDynamoLedger({ client: DynamoDBDocumentClient.from(client), tableName: table }),
        notifier: createMemoryNotifier(),
        metrics: noMetrics,
        logger: silentLogger,
        now: () => NOW,
      };
      const started = performance.now();
      const result = await sweepCluster(
        { input: { clusterName: CLUSTER.name }, executionName: 'bench' },
        deps,
      );
      const sweepMs = Math.round(performance.now() - started);

      const before: Reads = { requests: 0, itemsExamined: 0, byOperation: {} };
      const beforeLedger = createDynamoLedger({
        client: DynamoDBDocumentClient.from(countingClient(endpoint, before)),
        tableName: table,
      });
      const beforeStart = performance.now();
      await beforeLedger.listIncidents(CLUSTER.name);
      const beforeMs = Math.round(performance.now() - beforeStart);

      rows.push({
        closedIncidents: closed,
        sweep: {
          ledgerRequests: reads.requests,
          itemsExamined: reads.itemsExamined,
          byOperation: reads.byOperation,
          ms: sweepMs,
          repairsFound: (result as { repairs?: unknown[] }).repairs?.length ?? null,
        },
        previousSweepRead: {
          ledgerRequests: before.requests,
          itemsExamined: before.itemsExamined,
          ms: beforeMs,
        },
        fillMs,
      });
      process.stderr.write(`  ${closed} closed incidents: ${JSON.stringify(rows.at(-1))}\n`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { rows };
}
