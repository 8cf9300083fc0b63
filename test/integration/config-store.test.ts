/**
 * The live configuration (docs/facts/config-store.md): the real ASL on the local runner, the real
 * tasks, and the configuration read before every step from the config store — the real writer and
 * the real reader (Powertools Parameters' DynamoDBProvider) against dynalite. A mode switch written
 * to the store while an execution runs reaches the destructive step; a health check counts toward
 * the remediation limits.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalConfigStore, type LocalConfigStore, setMode } from '#local/config-store.ts';
import { startDynamoLocal } from '#local/dynamo-local.ts';
import { runHealthCheck, runNodeRecovery } from '#local/runner.ts';
import { passingVerdict } from '#local/simulated-health-checks.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';
import { QUICK_CHECKS_ON, simulateCheckPods } from './health-harness.ts';

const [NODE_A, NODE_B] = INSTANCES as [string, string];
type Harness = ReturnType<typeof makeHarness>;
const visited = (report: Awaited<ReturnType<typeof runNodeRecovery>>) => report.states.map((s) => s.name);

let dynamo: { endpoint: string; close: () => Promise<void> };
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
});
afterAll(async () => {
  await dynamo?.close();
});

const client = () =>
  new DynamoDBClient({
    region: 'us-west-2',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });

/** The harness reading its configuration from a fresh config store (version 1 = its config). */
const withStore = async (h: Harness): Promise<LocalConfigStore> => {
  tables += 1;
  const local = await createLocalConfigStore({
    client: client(),
    config: h.config,
    tableName: `config-${tables}`,
    maxAgeSeconds: 0,
  });
  h.deps.configSource = local.reader;
  return local;
};

/** Runs `change` once, right after the job is suspended: after Admit said yes, before the reboot. */
const afterSuspend = (h: Harness, change: () => Promise<void>) => {
  const kubeFor = h.deps.kubeFor;
  let done = false;
  h.deps.kubeFor = async (name) => {
    const kube = await kubeFor(name);
    return new Proxy(kube, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'patchWorkload' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!done) {
            done = true;
            await change();
          }
          return result;
        };
      },
    });
  };
};

describe('Config store: the mode is read live where it acts', () => {
  it('stops before the reboot when the mode is switched to observe in the store while the execution runs, and records the refusal', async () => {
    // Prepare
    const h = makeHarness();
    const local = await withStore(h);
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    afterSuspend(h, async () => {
      await setMode(local.store, {
        mode: 'observe',
        by: 'oncall@example.com',
        reason: 'bad AMI suspected',
        now: '2026-11-29T10:00:30.000Z',
      });
    });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(visited(report)).toContain('Escalate');
    expect(visited(report)).not.toContain('WaitForNode');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision).toMatchObject({ outcome: 'proceed', mode: 'act' });
    expect(incident?.actions.find((a) => a.type === 'action-refused')?.detail).toMatchObject({
      action: 'reboot',
      reason: 'observe-mode',
    });
    const [latest] = await local.store.history(1);
    expect(latest).toMatchObject({
      version: 2,
      mode: 'observe',
      previousMode: 'act',
      updatedBy: 'oncall@example.com',
      reason: 'bad AMI suspected',
    });
  });

  it('stops before the reboot when the stored config turns invalid mid-execution: the last valid version is served in observe mode', async () => {
    // Prepare
    const h = makeHarness();
    const local = await withStore(h);
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    afterSuspend(h, async () => {
      await client().send(
        new PutItemCommand({
          TableName: local.tableName,
          Item: {
            id: { S: 'app-config' },
            value: {
              S: JSON.stringify({
                version: 2,
                config: { clusters: [] },
                updatedAt: 'x',
                updatedBy: 'y',
                reason: 'z',
              }),
            },
            version: { N: '2' },
          },
        }),
      );
    });

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(h.hyperpod.calls).toEqual([]);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.find((a) => a.type === 'action-refused')?.detail).toMatchObject({
      reason: 'observe-mode',
    });
  });

  it('admits nothing and changes nothing when the stored config is invalid and no valid one was read before', async () => {
    // Prepare
    const h = makeHarness();
    tables += 1;
    const fresh = await createLocalConfigStore({
      client: client(),
      config: h.config,
      tableName: `config-fresh-${tables}`,
      maxAgeSeconds: 0,
    });
    await client().send(
      new PutItemCommand({
        TableName: fresh.tableName,
        Item: { id: { S: 'app-config' }, value: { S: '{"version":2,"config":' }, version: { N: '2' } },
      }),
    );
    h.deps.configSource = fresh.reader;
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('ConfigInvalidError');
    expect(visited(report)).toEqual(['AdmitIncident']);
    expect(h.kube.mutations).toEqual([]);
    expect(h.hyperpod.calls).toEqual([]);
    expect(await h.ledger.listIncidents(CLUSTER.name)).toEqual([]);
  });

  it.each(['quick', 'full'] as const)(
    'refuses a %s health check once the store says observe, before anything starts',
    async (level) => {
      // Prepare
      const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
      const local = await withStore(h);
      await setMode(local.store, {
        mode: 'observe',
        by: 'oncall',
        reason: 'freeze',
        now: '2026-11-29T10:00:00.000Z',
      });

      // Act
      const report = await runHealthCheck({ clusterName: CLUSTER.name, instanceId: NODE_A, level }, h.deps);

      // Assess
      expect(report.status).toBe('FAILED');
      expect(report.error?.name).toBe('ActionRefusedError');
      expect(report.error?.cause).toContain('observe');
      expect(h.kube.mutations).toEqual([]);
      expect(h.hyperpod.healthChecks).toEqual([]);
    },
  );
});

describe('Health checks count toward the remediation limits', () => {
  it.each(['quick', 'full'] as const)(
    'refuses a %s check of a node another incident holds (one operation per node)',
    async (level) => {
      // Prepare
      const h = makeHarness({
        healthChecks: QUICK_CHECKS_ON,
        policy: { maxParallel: { absolute: 4, percent: 100 } },
      });
      await h.ledger.acquireLease({
        clusterName: CLUSTER.name,
        instanceId: NODE_A,
        incidentId: 'incident-1',
        now: '2026-11-29T10:00:00.000Z',
        ttlMinutes: 60,
      });

      // Act
      const report = await runHealthCheck({ clusterName: CLUSTER.name, instanceId: NODE_A, level }, h.deps);

      // Assess
      expect(report.status).toBe('FAILED');
      expect(report.error?.name).toBe('ActionRefusedError');
      expect(report.error?.cause).toContain('node lease held by incident-1');
      expect(h.kube.mutations).toEqual([]);
      expect(h.hyperpod.healthChecks).toEqual([]);
    },
  );

  it.each(['quick', 'full'] as const)(
    'refuses a %s check when the cluster already has as many operations in flight as the limit allows',
    async (level) => {
      // Prepare: 4 nodes, at most 1 at once (5 % of 4, rounded up), another node under remediation.
      const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
      await h.ledger.acquireLease({
        clusterName: CLUSTER.name,
        instanceId: NODE_B,
        incidentId: 'incident-2',
        now: '2026-11-29T10:00:00.000Z',
        ttlMinutes: 60,
      });

      // Act
      const report = await runHealthCheck({ clusterName: CLUSTER.name, instanceId: NODE_A, level }, h.deps);

      // Assess
      expect(report.status).toBe('FAILED');
      expect(report.error?.cause).toContain('1 remediations or checks in flight, limit 1 for 4 nodes');
      expect(h.kube.mutations).toEqual([]);
      expect(h.hyperpod.healthChecks).toEqual([]);
    },
  );

  it('makes an incident on the node a check is running on skip (lease held), and frees the node when the check is recorded', async () => {
    // Prepare: the check's pod keeps running until the incident has been admitted.
    const h = makeHarness({
      healthChecks: QUICK_CHECKS_ON,
      policy: { maxParallel: { absolute: 4, percent: 100 } },
    });
    let admitted: Awaited<ReturnType<typeof runNodeRecovery>> | undefined;
    let polls = 0;
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));
    const listPods = h.kube.listPods.bind(h.kube);
    h.kube.listPods = async (options) => {
      polls += 1;
      if (polls === 1) admitted = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);
      return listPods(options);
    };

    // Act
    const check = await runHealthCheck(
      { clusterName: CLUSTER.name, instanceId: NODE_A, level: 'quick' },
      h.deps,
      { executionName: 'check-1' },
    );
    const leasesAfter = await h.ledger.listLeases(CLUSTER.name, '2026-11-29T10:30:00.000Z');

    // Assess
    expect(check.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, admitted!.executionName);
    expect(incident?.decision).toMatchObject({ outcome: 'skip', skipReason: 'lease-held' });
    expect(h.hyperpod.calls).toEqual([]);
    expect(leasesAfter).toEqual([]);
  });
});
