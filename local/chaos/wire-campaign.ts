/**
 * One seeded chaos campaign on the wire: the local environment (local/environment.ts) — the
 * real ASL on the local runner, the real adapters (AWS SDK v3 clients → the HyperPod simulator
 * over HTTP, our Kubernetes REST client → a real kube-apiserver under each Lambda's RBAC and our
 * admission policies, the DynamoDB ledger on dynalite, SNS → simulator). The seed picks 2–4
 * faulty nodes with batch Jobs on them (sometimes one opted out), HMA events delivered 1–5 times
 * each in shuffled order plus sometimes a manual request, a concurrent sweep, SageMaker faults
 * the simulator scripts (throttling, 5xx, per-node `InternalServerError` entries, a capacity
 * shortage, slow lifecycles) and, for some seeds, the kube-apiserver killed and restarted
 * mid-incident. After the executions end and a final sweep, the observed world is built from
 * what the real sources hold — the operations the simulator started at our request, a watch on
 * the apiserver (nodes and Jobs served from etcd, resumed across the restart from its last
 * resourceVersion: wire-observer.ts), the nodes read back, the ledger — and judged by the same `checkInvariants` as the in-memory set.
 */
import { randomBytes } from 'node:crypto';
import { NVIDIA_GPU_RESOURCE } from '#contracts/accelerator-table.ts';
import { maxParallelLimit } from '#domain/guardrails.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import {
  CORDONED_BY_US_ANNOTATION,
  QUARANTINE_TAINT_KEY,
  QUARANTINED_BY_ANNOTATION,
} from '#domain/quarantine.ts';
import { suspendedIncidentIds } from '#domain/workload-suspension.ts';
import { startLocalEnvironment } from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import { type ExecutionReport, runNodeRecovery } from '#local/runner.ts';
import { checkInvariants, type ObservedWorkload, type ObservedWorld, type Violation } from './invariants.ts';
import { seeded } from './prng.ts';
import { WIRE_OBSERVER_APISERVER_ARGS, WireObserver } from './wire-observer.ts';

export interface WireCampaignSpec {
  seed: number;
  nodes: number;
  faulty: { node: number; faultType: 'NvidiaErrorReboot' | 'NvidiaErrorTerminate'; copies: number }[];
  /** Faulty node indexes that also get a manual request. */
  manual: number[];
  optedOut: boolean;
  sagemaker: {
    throttles: number;
    serverErrors: number;
    /** Faulty node indexes whose next reboot/replace answers a per-node InternalServerError. */
    nodeFailed: number[];
    capacityShortage: boolean;
    slowLifecycles: boolean;
  };
  restartApiServer: boolean;
}

export interface WireCampaignResult {
  seed: number;
  spec: WireCampaignSpec;
  violations: Violation[];
  faults: Record<string, number>;
  incidents: Record<string, number>;
  executions: { total: number; byStatus: Record<string, number> };
  notifications: number;
  /** How often the observer's watches reopened (the apiserver restart ends their streams). */
  watchReconnects: number;
  /**
   * What the observer may have missed (wire-observer.ts: an expired watch, an unreadable event).
   * Non-empty: the invariants were judged on a partial history, so the campaign is not clean.
   */
  observerGaps: string[];
  durationMs: number;
}

/** Clean: no invariant broken, judged on a history the observer saw whole. */
export const wireClean = (result: WireCampaignResult): boolean =>
  result.violations.length === 0 && result.observerGaps.length === 0;

/** Draws the campaign of a seed (the same seed, the same campaign). */
export const drawWireCampaign = (seed: number, options: { restart?: boolean } = {}): WireCampaignSpec => {
  const random = seeded(seed ^ 0x771e);
  const nodes = random.int(4, 6);
  const count = random.int(2, Math.min(4, nodes));
  const picked = random.shuffle(Array.from({ length: nodes }, (_, i) => i)).slice(0, count);
  const faulty = picked.map((node) => ({
    node,
    faultType: random.chance(0.5) ? ('NvidiaErrorReboot' as const) : ('NvidiaErrorTerminate' as const),
    copies: random.int(1, 5),
  }));
  return {
    seed,
    nodes,
    faulty,
    manual: picked.filter(() => random.chance(0.3)),
    optedOut: random.chance(0.4),
    sagemaker: {
      throttles: random.int(0, 3),
      serverErrors: random.int(0, 2),
      nodeFailed: picked.filter(() => random.chance(0.3)),
      capacityShortage: random.chance(0.25),
      slowLifecycles: random.chance(0.4),
    },
    restartApiServer: options.restart ?? random.chance(0.5),
  };
};

const job = (
  ns: string,
  name: string,
  node: string,
  annotations: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, annotations },
  spec: {
    parallelism: 1,
    completions: 1,
    backoffLimit: 0,
    template: {
      metadata: { labels: { app: name } },
      spec: {
        restartPolicy: 'Never',
        nodeName: node,
        containers: [
          {
            name: 'main',
            image: 'sim.local/trainer:1',
            resources: { limits: { [NVIDIA_GPU_RESOURCE]: '1' } },
          },
        ],
      },
    },
  },
});

/** Runs one campaign on a fresh local environment and checks the invariants. */
export const runWireCampaign = async (
  spec: WireCampaignSpec,
  options: { log?: (line: string) => void } = {},
): Promise<WireCampaignResult> => {
  const started = Date.now();
  const random = seeded(spec.seed ^ 0x5eed);
  const clusterName = `wire-${spec.seed}`;
  const log = options.log ?? (() => {});
  const env = await startLocalEnvironment({
    cluster: {
      name: clusterName,
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: spec.nodes }],
    },
    policy: {
      maxParallel: { absolute: 4, percent: 100 },
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 10 },
    },
    autoDispatch: false,
    apiServerArgs: WIRE_OBSERVER_APISERVER_ARGS,
    ...(spec.sagemaker.slowLifecycles
      ? { timings: { rebootMs: 3000, replaceMs: 4000, nodeJoinMs: 1000 } }
      : {}),
    log,
  });
  const observer = new WireObserver(env.controlPlane);
  const faults: Record<string, number> = {};
  const count = (kind: string, n = 1) => {
    if (n > 0) faults[kind] = (faults[kind] ?? 0) + n;
  };
  try {
    const sim = env.simulator;
    const instances = [...sim.getCluster(clusterName)!.nodes].sort((a, b) =>
      a.nodeName.localeCompare(b.nodeName),
    );
    const ns = `chaos-${randomBytes(3).toString('hex')}`;
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    await observer.start(ns);
    const optOut = env.config.policy.workloadOptOutAnnotation;
    const jobs = spec.faulty.map((f, i) => job(ns, `train-${i}`, instances[f.node]!.nodeName));
    if (spec.optedOut)
      jobs.push(job(ns, 'opted-out', instances[spec.faulty[0]!.node]!.nodeName, { [optOut]: 'true' }));
    await env.apply(jobs);
    await pollUntil(
      async () => {
        const pods = JSON.parse(await env.controlPlane.kubectl(['get', 'pods', '-n', ns, '-o', 'json'])) as {
          items: { status?: { phase?: string } }[];
        };
        return pods.items.filter((p) => p.status?.phase === 'Running').length === jobs.length;
      },
      { what: 'chaos jobs running', timeoutMs: 60_000, retryErrors: true },
    );

    // SageMaker faults the simulator scripts.
    sim.throttle({ operation: 'sagemaker:BatchRebootClusterNodes', count: spec.sagemaker.throttles });
    count('sagemaker-throttle', spec.sagemaker.throttles);
    if (spec.sagemaker.serverErrors > 0) {
      sim.failNext({
        operation: 'sagemaker:BatchReplaceClusterNodes',
        count: spec.sagemaker.serverErrors,
        status: 503,
      });
      count('sagemaker-5xx', spec.sagemaker.serverErrors);
    }
    for (const node of spec.sagemaker.nodeFailed) {
      sim.failNodeAction(instances[node]!.instanceId, 'InternalServerError');
      count('sagemaker-node-failed');
    }
    if (spec.sagemaker.capacityShortage) {
      // Capacity comes back after a while, mid-incident: HyperPod launches the queued replacement.
      sim.setCapacity('workers', 'unavailable', { cluster: clusterName });
      setTimeout(() => sim.setCapacity('workers', 'available', { cluster: clusterName }), 3000);
      count('capacity-shortage');
    }
    if (spec.sagemaker.slowLifecycles) count('slow-lifecycle');

    // Deliveries: the simulator emits each HMA event once; we deliver it 1–5 times, shuffled.
    const events = await Promise.all(
      spec.faulty.map((f) =>
        sim.injectFault({ instanceId: instances[f.node]!.instanceId, faultType: f.faultType }),
      ),
    );
    type Delivery =
      | { kind: 'event'; event: unknown }
      | { kind: 'manual'; instanceId: string }
      | { kind: 'sweep' };
    const deliveries: Delivery[] = random.shuffle([
      ...spec.faulty.flatMap((f, i) =>
        Array.from({ length: f.copies }, () => ({ kind: 'event' as const, event: events[i] })),
      ),
      ...spec.manual.map((node) => ({ kind: 'manual' as const, instanceId: instances[node]!.instanceId })),
      { kind: 'sweep' as const },
    ]);
    for (const f of spec.faulty) count('duplicate-delivery', f.copies - 1);
    count('manual-execution', spec.manual.length);
    count('concurrent-sweep');
    const reports: Promise<ExecutionReport>[] = [];
    const runOptions = { waitMs: 100, executions: env.localExecutions, depsFor: env.depsOf };
    const restartAt = spec.restartApiServer ? random.int(0, deliveries.length - 1) : -1;
    let restart: Promise<void> | undefined;
    for (const [index, d] of deliveries.entries()) {
      if (index === restartAt) {
        count('apiserver-restart');
        restart = env.controlPlane.restartApiServer({ downMs: 1500 });
      }
      if (d.kind === 'event') reports.push(...env.dispatch(structuredClone(d.event)));
      else if (d.kind === 'sweep') reports.push(env.runSweep());
      else
        reports.push(
          runNodeRecovery(
            { clusterName, instanceId: d.instanceId, reason: 'chaos wire campaign: manual request' },
            env.deps,
            { ...runOptions, executionName: `wire-${spec.seed}-manual-${index}` },
          ),
        );
      await new Promise((r) => setTimeout(r, random.int(0, 300)));
    }
    await restart;
    const settle = async () => {
      let seen = -1;
      while (seen !== reports.length + env.executions.length) {
        seen = reports.length + env.executions.length;
        await Promise.allSettled([...reports, ...env.executions]);
      }
    };
    await settle();
    // Faults stop; capacity comes back; a final sweep repairs what is left.
    sim.clearFaults();
    await sim.whenIdle(60_000);
    reports.push(env.runSweep());
    await settle();
    await new Promise((r) => setTimeout(r, 1000));
    observer.stop();

    const all = (await Promise.allSettled([...reports, ...env.executions])).flatMap((r) =>
      r.status === 'fulfilled' ? [r.value] : [],
    );
    const unique = [...new Map(all.map((r) => [`${r.machine}:${r.executionName}`, r])).values()];
    const byStatus: Record<string, number> = {};
    for (const r of unique) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const incidents = await env.deps.ledger.listIncidents(clusterName);
    const outcomes: Record<string, number> = {};
    for (const i of incidents) outcomes[i.status] = (outcomes[i.status] ?? 0) + 1;
    const nodes = await env.admin.listNodes();
    const finalJobs = JSON.parse(await env.controlPlane.kubectl(['get', 'jobs', '-n', ns, '-o', 'json'])) as {
      items: KubeObject[];
    };
    const heldBy = new Map(
      finalJobs.items.map((j) => [`Job/${j.metadata.namespace}/${j.metadata.name}`, suspendedIncidentIds(j)]),
    );
    // A change whose event had not arrived when the watch stopped still shows in the state read back.
    for (const j of finalJobs.items) observer.onJob(j);
    for (const n of nodes) observer.onNode(n);
    if (sim.errors.length > 0) log(`simulator errors: ${sim.errors.map(String).join('; ')}`);
    const config = env.config;
    const world: ObservedWorld = {
      limits: {
        maxNodesPerWindow: config.policy.circuitBreaker.maxNodesPerWindow,
        windowMinutes: config.policy.circuitBreaker.windowMinutes,
        maxParallel: maxParallelLimit(spec.nodes, config.policy),
        maxRebootsPerNode: config.policy.perNode.maxReboots,
        rebootWindowHours: config.policy.perNode.rebootWindowHours,
        deadlineMinutes:
          config.sweep.incidentDeadlineMinutes +
          config.sweep.staleGraceMinutes +
          2 * config.sweep.rateMinutes +
          5,
      },
      // What the simulated HyperPod started at our request (not its own recovery).
      calls: sim.started.flatMap((op) =>
        op.origin === 'api' && op.kind !== 'delete' ? [{ op: op.kind, instanceId: op.instanceId }] : [],
      ),
      incidents: incidents.map((i) => ({
        incidentId: i.incidentId,
        ...(i.instanceId ? { instanceId: i.instanceId } : {}),
        ...(i.nodeName ? { nodeName: i.nodeName } : {}),
        status: i.status,
        startedAt: i.startedAt,
        ...(i.endedAt ? { endedAt: i.endedAt } : {}),
        actions: i.actions,
      })),
      nodes: nodes.map((node) => {
        const annotations = node.metadata.annotations ?? {};
        const holder = annotations[QUARANTINED_BY_ANNOTATION];
        return {
          name: node.metadata.name,
          quarantinedByUs:
            node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) === true ||
            annotations[CORDONED_BY_US_ANNOTATION] !== undefined,
          ...(holder ? { quarantinedBy: holder } : {}),
        };
      }),
      workloads: [...observer.jobs.entries()].map(
        ([key, j]): ObservedWorkload => ({
          key,
          holders: heldBy.get(key) ?? [],
          suspends: j.suspends,
          resumes: j.resumes,
          writes: j.writes,
          foreign: key.endsWith('/opted-out'),
        }),
      ),
      quarantineWrites: observer.quarantineWrites,
    };
    return {
      seed: spec.seed,
      spec,
      violations: checkInvariants(world),
      faults,
      incidents: outcomes,
      executions: { total: unique.length, byStatus },
      notifications: sim.notifications.length,
      watchReconnects: observer.reconnects,
      observerGaps: [...observer.gaps],
      durationMs: Date.now() - started,
    };
  } finally {
    observer.stop();
    await env.stop();
  }
};
