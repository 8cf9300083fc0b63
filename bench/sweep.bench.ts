/**
 * One health sweep of a simulated HyperPod cluster of 2,000 nodes (and 500 / 1,000 to show how
 * calls grow): duration, SageMaker / Kubernetes / ledger calls, peak memory.
 *
 * What runs: the real health-sweep ASL on aws-local-stepfunctions and the real SweepCluster task;
 * SageMaker is the HyperPod simulator over HTTP through the real SDK adapter (ListClusterNodes,
 * 100 per page); Kubernetes is the in-memory fake KubeApi holding the simulator's nodes (created
 * by its MemoryKubeAdmin), padded to the size of real EKS GPU nodes (managedFields, images: about
 * 8 KB of JSON each) and copied out on every list as a client decodes a response; the ledger is
 * the in-memory ledger with a realistic history (closed incidents, a few open ones, leases).
 * The startExecution emulation records the node-recovery starts without running them, so only
 * the sweep is measured. Faults: GPUs missing, nodes NotReady, instances in Failure, a stale
 * quarantine and an overdue incident.
 *
 * Each size runs in its own Node process (`--expose-gc`), so its peak RSS (`maxRSS`) is that of one
 * sweep — an upper bound for the sweep Lambda, since the process also holds the simulator, the
 * fake cluster and the state-machine runner.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH tsx bench/run.ts sweep
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Ledger } from '#adapters/ports.ts';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import { planQuarantine } from '#domain/quarantine.ts';
import { noMetrics, silentLogger, type TaskDeps } from '#functions/tasks/deps.ts';
import { LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { createMemoryKubeAdmin } from '#local/simulator/memory-kube-admin.ts';
import { startSimulator } from '#local/simulator/server.ts';
import { createFakeKubeApi } from '../test/fakes/fake-kube-api.ts';
import { createMemoryLedger } from '../test/fakes/memory-ledger.ts';

const SIZES = (process.env.HPR_BENCH_SWEEP_SIZES ?? '500,1000,2000').split(',').map(Number);
const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };

/** Counts the calls of every method of a port. */
const counted = <T extends object>(target: T, calls: Record<string, number>): T =>
  new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(property)] = (calls[String(property)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });

/** What a real EKS GPU node carries besides what we read: managedFields and the image list. */
const padToRealSize = (node: KubeNode): KubeNode =>
  ({
    ...node,
    metadata: {
      ...node.metadata,
      managedFields: Array.from({ length: 6 }, (_, i) => ({
        manager: [
          'kubelet',
          'kube-controller-manager',
          'nvidia-device-plugin',
          'aws-node',
          'hma',
          'kube-scheduler',
        ][i],
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-11-29T09:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } },
        },
      })),
    },
    status: {
      ...node.status,
      images: Array.from({ length: 25 }, (_, i) => ({
        names: [`123456789012.dkr.ecr.us-west-2.amazonaws.com/training/image-${i}@sha256:${'a'.repeat(64)}`],
        sizeBytes: 10_000_000_000 + i,
      })),
    },
  }) as KubeNode;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

const sweepOnce = async (nodes: number) => {
  const admin = createMemoryKubeAdmin();
  const half = Math.ceil(nodes / 2);
  const simulator = await startSimulator({
    clusters: [
      {
        name: 'bench',
        clusterId: 'benchbench01',
        nodeRecovery: 'None',
        instanceGroups: [
          { name: 'workers-a', instanceType: 'ml.p5.48xlarge', count: half },
          { name: 'workers-b', instanceType: 'ml.p5.48xlarge', count: nodes - half },
        ],
      },
    ],
    kube: () => admin,
  });
  try {
    const cluster = simulator.getCluster('bench')!;
    const instances = [...cluster.nodes];
    // Faults: 1% GPUs missing, 0.5% NotReady for an hour, 0.25% instances in Failure.
    const faulty = (share: number, offset: number) =>
      instances.filter((_, i) => i % Math.round(1 / share) === offset);
    for (const instance of faulty(0.01, 1)) await simulator.loseGpus(instance.instanceId, 7);
    for (const instance of faulty(0.005, 3)) {
      const node = admin.peek(instance.nodeName)!;
      node.status!.conditions = [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          lastTransitionTime: '2026-11-29T08:00:00Z',
        },
      ];
    }
    for (const instance of faulty(0.0025, 5)) await simulator.failInstance(instance.instanceId);

    const kube = createFakeKubeApi();
    for (const node of admin.nodes.values()) kube.addNode(padToRealSize(node));
    // A stale quarantine left by a crashed execution, on a healthy node.
    const stale = kube.nodes.get(instances[7]!.nodeName)!;
    await kube.patchNode(
      stale.metadata.name,
      planQuarantine(stale, { incidentId: 'crashed-1', reason: 'xid-79', now: '2026-11-29T00:00:00Z' }).patch,
    );
    const nodeBytes = Buffer.byteLength(JSON.stringify([...kube.nodes.values()]));

    const ledger = createMemoryLedger();
    for (let i = 0; i < 300; i++) {
      await ledger.createIncident({
        incidentId: `old-${i}`,
        clusterName: 'bench',
        instanceId: instances[i % instances.length]!.instanceId,
        trigger: { kind: 'node-health' },
        status: i % 10 === 0 ? 'skipped' : 'resolved',
        startedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 3600_000).toISOString(),
        actions: [{ type: 'admitted', at: '2026-11-01T00:00:00Z' }],
      });
    }
    await ledger.createIncident({
      incidentId: 'crashed-1',
      clusterName: 'bench',
      instanceId: instances[7]!.instanceId,
      trigger: { kind: 'manual' },
      status: 'open',
      startedAt: '2026-11-29T00:00:00Z',
      actions: [],
    });

    const kubeCalls: Record<string, number> = {};
    const ledgerCalls: Record<string, number> = {};
    // The sweep runs 30 minutes after the faults: past every grace period.
    const now = () => '2026-11-29T10:30:00.000Z';
    const deps: TaskDeps = {
      config: parseAppConfig({
        clusters: [{ name: 'bench', arn: cluster.arn, eksClusterName: cluster.eksClusterName }],
        policy: { mode: 'act' },
        sweep: { maxRecoveries: 500, maxRepairs: 500 },
      }),
      clusterNodes: createClusterNodes(
        new SageMakerClient({
          region: 'us-west-2',
          endpoint: simulator.url,
          credentials: CREDENTIALS,
          maxAttempts: 1,
        }),
      ),
      kubeFor: async () => counted(kube, kubeCalls),
      ledger: counted<Ledger>(ledger, ledgerCalls),
      notifier: { notify: async () => {} },
      metrics: noMetrics,
      logger: silentLogger,
      now,
    };
    simulator.resetCalls();
    const executions = new LocalExecutions({ run: false });

    global.gc?.();
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakRss = baseline.rss;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakHeap = Math.max(peakHeap, usage.heapUsed);
      peakRss = Math.max(peakRss, usage.rss);
    }, 2);
    const started = performance.now();
    const report = await runHealthSweep({}, deps, { executions });
    const durationMs = Math.round(performance.now() - started);
    clearInterval(sampler);
    const after = process.memoryUsage();
    peakHeap = Math.max(peakHeap, after.heapUsed);
    peakRss = Math.max(peakRss, after.rss);

    if (report.status !== 'SUCCEEDED') throw new Error(`sweep failed: ${JSON.stringify(report.error)}`);
    const output = report.output as {
      summary: { findings: Record<string, number>; repairs: Record<string, number> }[];
    };
    const sagemakerCalls = Object.fromEntries(
      Object.entries(simulator.calls).filter(([k]) => k.startsWith('sagemaker:')),
    );
    const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
    return {
      nodes,
      listPages: Math.ceil(nodes / 100),
      durationMs,
      findings: output.summary[0]?.findings,
      repairs: output.summary[0]?.repairs,
      recoveriesStarted: executions.started.length,
      sagemakerCalls: total(sagemakerCalls),
      sagemakerByOperation: sagemakerCalls,
      kubernetesCalls: total(kubeCalls),
      kubernetesByMethod: kubeCalls,
      ledgerCalls: total(ledgerCalls),
      ledgerByMethod: ledgerCalls,
      nodeListMiB: mb(nodeBytes),
      heapGrowthPeakMiB: mb(peakHeap - baseline.heapUsed),
      rssBeforeMiB: mb(baseline.rss),
      rssPeakMiB: mb(peakRss),
    };
  } finally {
    await simulator.stop();
  }
};

/** One size in a fresh process: its own peak RSS. */
const sweepInChild = (nodes: number): Awaited<ReturnType<typeof sweepOnce>> & { maxRssMiB: number } => {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)],
    {
      env: { ...process.env, HPR_SWEEP_BENCH_CHILD: String(nodes) },
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
    },
  );
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    throw new Error(`sweep bench child (${nodes} nodes) failed: ${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(last);
};

export async function run(): Promise<Record<string, unknown>> {
  const runs = SIZES.map(sweepInChild);
  const largest = runs.at(-1)!;
  return {
    setup:
      'health-sweep ASL (aws-local-stepfunctions) + SweepCluster, one process per size; SageMaker = simulator over HTTP via the SDK adapter; Kubernetes = in-memory KubeApi with EKS-sized nodes; ledger = in-memory; starts recorded, not run',
    targets: { durationMs: 30_000, memoryMiB: 256 },
    largest: {
      nodes: largest.nodes,
      durationMs: largest.durationMs,
      sagemakerCalls: largest.sagemakerCalls,
      kubernetesCalls: largest.kubernetesCalls,
      ledgerCalls: largest.ledgerCalls,
      heapGrowthPeakMiB: largest.heapGrowthPeakMiB,
      maxRssMiB: largest.maxRssMiB,
    },
    runs,
  };
}

if (process.env.HPR_SWEEP_BENCH_CHILD && process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await sweepOnce(Number(process.env.HPR_SWEEP_BENCH_CHILD));
  process.stdout.write(
    `${JSON.stringify({ ...result, maxRssMiB: mb(process.resourceUsage().maxRSS * 1024) })}\n`,
  );
  process.exit(0);
}
