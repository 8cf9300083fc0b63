/**
 * One seeded chaos campaign: a random cluster with jobs, random faults delivered 1–10 times each
 * in random order and timing, concurrent manual executions and sweeps, and random dependency
 * faults (faults.ts) — all run through the deployed ASL on the local runner (local/runner.ts) with
 * the real tasks, over in-memory HyperPod, Kubernetes, ledger and notifier (test/fakes) wrapped by
 * the fault injector. Afterwards faults stop, the clock moves past the sweep's incident deadline,
 * two sweeps repair what was left, and the invariants (invariants.ts) are checked on what the
 * world saw. The same seed replays the same campaign.
 *
 * Not in this world (see README "Chaos campaigns"): the wire (SDK clients, our Kubernetes REST
 * client), a real kube-apiserver process restart, slow lifecycles and capacity shortage — those
 * live in the wire set (wire-campaign.ts) and the e2e tests.
 */
import type { ClusterNodes, IncidentRecord, KubeApi } from '#adapters/ports.ts';
import { type AppConfig, type AppConfigInput, parseAppConfig } from '#contracts/config/app.ts';
import { maxParallelLimit } from '#domain/guardrails.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import {
  CORDONED_BY_US_ANNOTATION,
  QUARANTINE_TAINT_KEY,
  QUARANTINED_BY_ANNOTATION,
} from '#domain/quarantine.ts';
import {
  SPARE_CLAIMED_BY_ANNOTATION,
  SPARE_POOL_TAINT_VALUE,
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_TAINT_EFFECT,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
} from '#domain/spares.ts';
import type { WorkloadKind } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { suspendedIncidentIds } from '#domain/workload-suspension.ts';
import { getTestEvent } from '#events/samples/index.ts';
import { type MetricsSink, silentLogger, type TaskDeps } from '#functions/tasks/deps.ts';
import { type ExecutionReport, LocalExecutions, runHealthSweep, runNodeRecovery } from '#local/runner.ts';
import { createFakeHyperPod } from '../../test/fakes/fake-hyperpod.ts';
import { createFakeKubeApi, type FakeKubeApi } from '../../test/fakes/fake-kube-api.ts';
import { createMemoryLedger } from '../../test/fakes/memory-ledger.ts';
import { createMemoryNotifier } from '../../test/fakes/memory-notifier.ts';
import { createFaultInjector, type FaultCounts, type FaultKind, type FaultPlan } from './faults.ts';
import { checkInvariants, type ObservedWorkload, type ObservedWorld, type Violation } from './invariants.ts';
import { type Random, seeded } from './prng.ts';

export const CHAOS_CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

const instanceId = (index: number) => `i-0c4a05${index.toString(16).padStart(11, '0')}`;
const nodeName = (id: string) => `hyperpod-${id}`;

/** One delivery of a trigger: what the campaign sends, and where a replay finds it. */
export interface Trigger {
  kind: 'hma' | 'alarm' | 'manual';
  node: number;
  faultType: 'NvidiaErrorReboot' | 'NvidiaErrorTerminate';
  /** How many times it is delivered (1–10). */
  copies: number;
}

export interface CampaignSpec {
  seed: number;
  nodes: number;
  jobs: { kind: WorkloadKind; name: string; nodes: number[]; foreign?: 'user-suspended' | 'opted-out' }[];
  triggers: Trigger[];
  sweepsDuring: number;
  plan: FaultPlan;
  policy: NonNullable<AppConfigInput['policy']>;
  /**
   * A hot-spare pool for the cluster's group (`spares.pools[0].count`), and how many extra nodes
   * (instance indices `nodes`…) start as ready spares running no job. Absent: no pool, as before.
   */
  spares?: { count: number; ready: number };
}

/**
 * TEST-ONLY: a deliberately broken build, to show the invariant checker catches it. It changes
 * the dependencies the tasks get, never production code.
 */
export type BrokenBuild = (deps: TaskDeps, world: { kube: FakeKubeApi }) => TaskDeps;

export interface CampaignResult {
  seed: number;
  spec: CampaignSpec;
  violations: Violation[];
  faults: FaultCounts;
  incidents: Record<string, number>;
  executions: { total: number; byStatus: Record<string, number> };
  /** ms per state name (entered → exited), every visit. */
  stageLatencies: Record<string, number[]>;
  notifications: number;
  /** Notifications that say the circuit breaker opened. */
  breakerNotifications: number;
  /** Distinct nodes HyperPod rebooted or replaced at our request. */
  remediatedNodes: number;
  /** Incidents that promoted a hot spare (ledger action `spare-promoted`). */
  sparePromotions: number;
  durationMs: number;
}

const FAULT_MENU: { kind: FaultKind; rate: [number, number] }[] = [
  { kind: 'sagemaker-throttling', rate: [0.05, 0.3] },
  { kind: 'sagemaker-5xx', rate: [0.02, 0.15] },
  { kind: 'kube-409', rate: [0.05, 0.3] },
  { kind: 'kube-429', rate: [0.02, 0.2] },
  { kind: 'kube-500', rate: [0.02, 0.15] },
  { kind: 'kube-timeout', rate: [0.02, 0.1] },
  { kind: 'ledger-throttling', rate: [0.02, 0.15] },
  { kind: 'ledger-write-race', rate: [0.1, 0.5] },
  { kind: 'crash-after-side-effect', rate: [0.05, 0.4] },
  { kind: 'timeout-after-side-effect', rate: [0.02, 0.1] },
];

/** Draws a campaign from its seed. */
export const drawCampaign = (seed: number): CampaignSpec => {
  const random = seeded(seed);
  const nodes = random.int(4, 12);
  const nodeSet = (count: number) =>
    random.shuffle([...Array(nodes).keys()]).slice(0, Math.min(count, nodes));
  const kinds: WorkloadKind[] = ['PyTorchJob', 'Job', 'JobSet'];
  const jobs: CampaignSpec['jobs'] = Array.from({ length: random.int(1, 4) }, (_, i) => ({
    kind: random.pick(kinds),
    name: `train-${i}`,
    nodes: nodeSet(random.int(1, 4)),
  }));
  if (random.chance(0.5))
    jobs.push({ kind: 'PyTorchJob', name: 'paused-by-user', nodes: nodeSet(2), foreign: 'user-suspended' });
  if (random.chance(0.5))
    jobs.push({ kind: 'Job', name: 'opted-out', nodes: nodeSet(2), foreign: 'opted-out' });
  const triggers: Trigger[] = Array.from({ length: random.int(1, 6) }, () => ({
    kind: random.pick(['hma', 'hma', 'alarm', 'manual'] as const),
    node: random.int(0, nodes - 1),
    faultType: random.pick(['NvidiaErrorReboot', 'NvidiaErrorTerminate'] as const),
    copies: random.int(1, 10),
  }));
  const rates: FaultPlan['rates'] = {};
  for (const { kind, rate } of FAULT_MENU) {
    if (random.chance(0.4)) rates[kind] = rate[0] + random.next() * (rate[1] - rate[0]);
  }
  const plan: FaultPlan = { rates };
  if (random.chance(0.3)) {
    plan.restartAfterCalls = random.int(0, 60);
    plan.restartDownFor = random.int(2, 12);
  }
  const nodeFailures = random.chance(0.3);
  if (nodeFailures) rates['sagemaker-node-failed'] = 1;
  const sweepsDuring = random.chance(0.4) ? random.int(1, 2) : 0;
  const policy: CampaignSpec['policy'] = {
    mode: 'act',
    circuitBreaker: { maxNodesPerWindow: random.int(1, 4), windowMinutes: 10 },
    maxParallel: { absolute: random.int(1, 3), percent: 100 },
    massFindings: { maxSharePercent: 100 },
    awaitNode: { pollSeconds: 30, rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 120 },
  };
  // Drawn after everything else, so a seed's campaign without a pool is what it was before pools.
  const spares = random.chance(0.5) ? { count: random.int(1, 2), ready: random.int(1, 2) } : undefined;
  return {
    seed,
    nodes,
    jobs,
    triggers,
    sweepsDuring,
    plan,
    policy,
    ...(spares ? { spares } : {}),
  };
};

/** The instance group of every chaos node (the fake's default) and of the spare pool. */
const CHAOS_GROUP = 'workers';

/** Puts real pod templates where each kind keeps them (as test/integration/spare-promotion.test.ts). */
const withPodTemplates = (object: KubeObject, replicas: number) => {
  const template = { metadata: {}, spec: { containers: [{ name: 'trainer', image: 'trainer:1' }] } };
  const spec = object.spec as Record<string, unknown>;
  if (object.kind === 'Job') spec.template = template;
  if (object.kind === 'PyTorchJob') spec.pytorchReplicaSpecs = { Worker: { replicas, template } };
  if (object.kind === 'JobSet') spec.replicatedJobs = [{ name: 'workers', template: { spec: { template } } }];
};

const hmaEvent = (id: string, faultType: Trigger['faultType']) => {
  const event = getTestEvent({ source: 'aws.sagemaker', name: 'node-health-unhealthy-terminate' }) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: a sample event edited in place
    any
  >;
  event.detail.InstanceId = id;
  event.detail.ClusterArn = CHAOS_CLUSTER.arn;
  event.detail.ClusterName = CHAOS_CLUSTER.name;
  event.resources = [CHAOS_CLUSTER.arn];
  event.detail.HealthSummary.HealthStatusReason = `HyperPod Health Monitoring Agent (HMA) has detected fault type ${faultType} on this node and is unhealthy.`;
  event.detail.HealthSummary.Recommendation =
    faultType === 'NvidiaErrorTerminate'
      ? 'Please Replace the Faulty Node.'
      : 'Please Reboot the Faulty Node.';
  return event;
};

const alarmEvent = (id: string) => {
  const event = getTestEvent({ source: 'aws.cloudwatch', name: 'alarm-gpu-pending-replacement' }) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: a sample event edited in place
    any
  >;
  const alarmName = `hpr-${CHAOS_CLUSTER.name}-${id}-gpu-temperature`;
  event.resources = [`arn:aws:cloudwatch:us-west-2:111122223333:alarm:${alarmName}`];
  event.detail.alarmName = alarmName;
  event.detail.configuration.description = 'GPU temperature too high';
  const metric = event.detail.configuration.metrics[0].metricStat.metric;
  metric.name = 'node_gpu_temperature';
  metric.dimensions = { ClusterName: CHAOS_CLUSTER.eksClusterName, InstanceId: id, NodeName: nodeName(id) };
  return event;
};

const triggerInput = (trigger: Trigger, id: string): unknown =>
  trigger.kind === 'hma'
    ? hmaEvent(id, trigger.faultType)
    : trigger.kind === 'alarm'
      ? alarmEvent(id)
      : { clusterName: CHAOS_CLUSTER.name, instanceId: id, reason: 'chaos campaign: manual request' };

/** The value at the kind's suspend switch in a patch, if the patch sets it. */
const suspendValueIn = (kind: WorkloadKind, patch: unknown): boolean | undefined => {
  const value = WORKLOAD_KINDS[kind].suspendPath.reduce<unknown>(
    (v, key) => (v as Record<string, unknown> | undefined)?.[key],
    patch,
  );
  return typeof value === 'boolean' ? value : undefined;
};

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const limitsFor = (config: AppConfig, fleet: number): ObservedWorld['limits'] => ({
  maxNodesPerWindow: config.policy.circuitBreaker.maxNodesPerWindow,
  windowMinutes: config.policy.circuitBreaker.windowMinutes,
  maxParallel: maxParallelLimit(fleet, config.policy),
  maxRebootsPerNode: config.policy.perNode.maxReboots,
  rebootWindowHours: config.policy.perNode.rebootWindowHours,
  // The sweep closes what outlived its deadline; two sweep periods and the grace are the slack.
  deadlineMinutes:
    config.sweep.incidentDeadlineMinutes + config.sweep.staleGraceMinutes + 2 * config.sweep.rateMinutes + 5,
});

/** Runs one campaign and checks the invariants. `broken` is the test-only broken build. */
export const runCampaign = async (
  spec: CampaignSpec,
  options: { broken?: BrokenBuild } = {},
): Promise<CampaignResult> => {
  const started = Date.now();
  const random = seeded(spec.seed ^ 0x5eed);
  const config = parseAppConfig({
    clusters: [CHAOS_CLUSTER],
    policy: spec.policy,
    ...(spec.spares
      ? {
          spares: {
            pools: [{ cluster: CHAOS_CLUSTER.name, instanceGroup: CHAOS_GROUP, count: spec.spares.count }],
          },
        }
      : {}),
  });
  let clock = Date.parse('2026-11-29T10:00:00.000Z');
  const now = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };
  const kube = createFakeKubeApi({ now });
  const hyperpod = createFakeHyperPod({
    now,
    clusterName: CHAOS_CLUSTER.name,
    clusterArn: CHAOS_CLUSTER.arn,
    eksClusterName: CHAOS_CLUSTER.eksClusterName,
    kube,
  });
  const ids = Array.from({ length: spec.nodes }, (_, i) => instanceId(i));
  for (const id of ids) hyperpod.addInstance({ instanceId: id });
  // Ready spares: extra nodes of the same group, as the pool's sweep leaves them; they run no job.
  const spareIds = Array.from({ length: spec.spares?.ready ?? 0 }, (_, i) => instanceId(spec.nodes + i));
  for (const id of spareIds) {
    hyperpod.addInstance({ instanceId: id, group: CHAOS_GROUP });
    const node = kube.nodes.get(nodeName(id));
    if (!node) throw new Error(`no node for spare ${id}`);
    node.metadata.labels = { ...node.metadata.labels, [SPARE_STATE_LABEL]: 'ready' };
    node.metadata.annotations = {
      ...node.metadata.annotations,
      [SPARE_SINCE_ANNOTATION]: '2026-11-29T09:00:00.000Z',
      [SPARE_VERIFIED_ANNOTATION]: 'quick-check-passed',
    };
    node.spec = {
      ...node.spec,
      taints: [{ key: SPARE_TAINT_KEY, value: SPARE_POOL_TAINT_VALUE, effect: SPARE_TAINT_EFFECT }],
    };
  }
  const injector = createFaultInjector(spec.seed, spec.plan);
  if (spec.plan.rates['sagemaker-node-failed']) {
    for (const trigger of spec.triggers) {
      const id = ids[trigger.node] as string;
      hyperpod.failNode(id, 'InternalServerError', { count: random.int(1, 2) });
      injector.count('sagemaker-node-failed');
    }
  }

  // Jobs: one running pod per node; foreign ones are not ours to touch.
  const foreign = new Set<string>();
  const initialSuspend = new Map<string, boolean>();
  for (const job of spec.jobs) {
    const meta = WORKLOAD_KINDS[job.kind];
    const suspended = job.foreign === 'user-suspended';
    const annotations: Record<string, string> =
      job.foreign === 'opted-out' ? { [config.policy.workloadOptOutAnnotation]: 'true' } : {};
    const object: KubeObject = {
      apiVersion: meta.apiVersion,
      kind: job.kind,
      metadata: { name: job.name, namespace: 'training', uid: `uid-${job.name}`, annotations },
      spec:
        job.kind === 'Job' || job.kind === 'JobSet'
          ? { suspend: suspended }
          : { runPolicy: { suspend: suspended } },
    };
    // With a pool, real pod templates where each kind keeps them, for the toleration planner.
    if (spec.spares) withPodTemplates(object, job.nodes.length);
    kube.addObject(object);
    const key = kube.objectKey({ kind: job.kind, namespace: 'training', name: job.name });
    initialSuspend.set(key, suspended);
    if (job.foreign) foreign.add(key);
    if (suspended) continue;
    job.nodes.forEach((node, index) => {
      const pod: KubePod = {
        metadata: {
          name: `${job.name}-worker-${index}`,
          namespace: 'training',
          ownerReferences: [
            {
              apiVersion: meta.apiVersion,
              kind: job.kind,
              name: job.name,
              uid: `uid-${job.name}`,
              controller: true,
            },
          ],
        },
        spec: { nodeName: nodeName(ids[node] as string) },
        status: { phase: 'Running' },
      };
      kube.addPod(pod);
    });
  }

  // Observed successful destructive calls, beneath the fault injector (a crash after the call counts).
  const calls: ObservedWorld['calls'] = [];
  const recordingNodes: ClusterNodes = new Proxy(hyperpod.clusterNodes, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'rebootNodes' && property !== 'replaceNodes') return value;
      const op = property === 'rebootNodes' ? 'reboot' : 'replace';
      return async (cluster: string, instanceIds: string[]) => {
        const result = await (value as ClusterNodes['rebootNodes']).call(target, cluster, instanceIds);
        for (const id of result.successful) calls.push({ op, instanceId: id });
        return result;
      };
    },
  });
  const ledger = createMemoryLedger();
  const notifier = createMemoryNotifier();
  const metrics: MetricsSink = { count: () => {} };
  const faultyKube: KubeApi = injector.kube(kube);
  let deps: TaskDeps = {
    config,
    clusterNodes: injector.clusterNodes(recordingNodes),
    kubeFor: async () => faultyKube,
    ledger: injector.ledger(ledger),
    notifier,
    metrics,
    logger: silentLogger,
    now,
  };
  if (options.broken) deps = options.broken(deps, { kube });
  const executions = new LocalExecutions();
  const reports: Promise<ExecutionReport>[] = [];
  const runOptions = { executions, retryIntervalMs: 0, waitMs: 0 };

  // Deliveries: every trigger 1–10 times, shuffled, each after a random pause.
  const deliveries = random.shuffle(
    spec.triggers.flatMap((trigger) => Array.from({ length: trigger.copies }, () => trigger)),
  );
  for (const trigger of spec.triggers) {
    injector.count('duplicate-delivery', trigger.copies - 1);
    if (trigger.kind === 'manual') injector.count('manual-execution');
  }
  if (deliveries.length > 1) injector.count('reordered-delivery');
  const sweepAt = new Set(Array.from({ length: spec.sweepsDuring }, () => random.int(0, deliveries.length)));
  for (const [index, trigger] of deliveries.entries()) {
    if (sweepAt.has(index)) {
      injector.count('concurrent-sweep');
      reports.push(
        runHealthSweep({}, deps, { ...runOptions, executionName: `chaos-${spec.seed}-sweep-${index}` }),
      );
    }
    const input = structuredClone(triggerInput(trigger, ids[trigger.node] as string));
    reports.push(
      runNodeRecovery(input, deps, { ...runOptions, executionName: `chaos-${spec.seed}-${index}` }),
    );
    // Random timing: the next delivery comes a few turns of the event loop later.
    for (let turn = random.int(0, 6); turn > 0; turn--) await nextTurn();
  }
  const settle = async () => {
    let seen = -1;
    while (seen !== reports.length + executions.started.length) {
      seen = reports.length + executions.started.length;
      await Promise.allSettled([
        ...reports,
        ...executions.started.flatMap((s) => (s.report ? [s.report] : [])),
      ]);
    }
  };
  await settle();

  // Faults stop; the clock passes the incident deadline; two sweeps repair what was left.
  injector.enabled = false;
  for (let i = 0; i < 2; i++) {
    clock += (config.sweep.incidentDeadlineMinutes + config.sweep.staleGraceMinutes + 1) * 60_000;
    reports.push(
      runHealthSweep({}, deps, { ...runOptions, executionName: `chaos-${spec.seed}-repair-${i}` }),
    );
    await settle();
  }

  const all = (
    await Promise.allSettled([...reports, ...executions.started.flatMap((s) => (s.report ? [s.report] : []))])
  ).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const unique = [...new Map(all.map((r) => [`${r.machine}:${r.executionName}`, r])).values()];
  const incidents = await ledger.listIncidents(CHAOS_CLUSTER.name);
  const world = observe(
    config,
    spec.nodes + spareIds.length,
    kube,
    incidents,
    calls,
    foreign,
    initialSuspend,
  );

  const byStatus: Record<string, number> = {};
  for (const r of unique) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const outcomes: Record<string, number> = {};
  for (const i of incidents) {
    const key = i.status === 'open' ? 'open' : `${i.status}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  const stageLatencies: Record<string, number[]> = {};
  for (const r of unique) {
    if (r.machine !== 'node-recovery') continue;
    for (const s of r.states) {
      if (s.type !== 'Task' || s.exitedAt === undefined) continue;
      const list = stageLatencies[s.name] ?? [];
      list.push(s.exitedAt - s.enteredAt);
      stageLatencies[s.name] = list;
    }
  }
  return {
    seed: spec.seed,
    spec,
    violations: checkInvariants(world),
    faults: injector.counts,
    incidents: outcomes,
    executions: { total: unique.length, byStatus },
    stageLatencies,
    notifications: notifier.notifications.length,
    breakerNotifications: notifier.notifications.filter((n) => /circuit breaker/i.test(n.subject)).length,
    remediatedNodes: new Set(calls.map((c) => c.instanceId)).size,
    sparePromotions: incidents.filter((i) => i.actions.some((a) => a.type === 'spare-promoted')).length,
    durationMs: Date.now() - started,
  };
};

/** Claim tokens of every spare toleration (not the pool's) anywhere in a workload or a patch. */
const claimTolerationsIn = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(claimTolerationsIn);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own =
    record.key === SPARE_TAINT_KEY &&
    typeof record.value === 'string' &&
    record.value !== SPARE_POOL_TAINT_VALUE
      ? [record.value]
      : [];
  return [...own, ...Object.values(record).flatMap(claimTolerationsIn)];
};

/** Builds the observed world from the fakes and the ledger (what the invariants judge). */
const observe = (
  config: AppConfig,
  fleet: number,
  kube: FakeKubeApi,
  incidents: IncidentRecord[],
  calls: ObservedWorld['calls'],
  foreign: Set<string>,
  initialSuspend: Map<string, boolean>,
): ObservedWorld => {
  const workloads = new Map<string, ObservedWorkload>();
  const last = new Map(initialSuspend);
  for (const [key, object] of kube.objects) {
    workloads.set(key, {
      key,
      holders: suspendedIncidentIds(object),
      suspends: 0,
      resumes: 0,
      writes: 0,
      foreign: foreign.has(key),
    });
  }
  const quarantineWrites: ObservedWorld['quarantineWrites'] = [];
  const spareClaimWrites: ObservedWorld['spareClaimWrites'] = [];
  const spareTolerations = new Set<string>();
  const noteTolerations = (key: string, value: unknown) => {
    for (const token of claimTolerationsIn(value)) spareTolerations.add(`${key} ${token}`);
  };
  for (const [key, object] of kube.objects) noteTolerations(key, object);
  for (const m of kube.mutations) {
    if (m.method === 'patchNode') {
      const annotations = (m.patch as { metadata?: { annotations?: Record<string, unknown> } }).metadata
        ?.annotations;
      if (annotations && SPARE_CLAIMED_BY_ANNOTATION in annotations) {
        const claimedBy = annotations[SPARE_CLAIMED_BY_ANNOTATION];
        spareClaimWrites.push({
          nodeName: m.target,
          incidentId: typeof claimedBy === 'string' ? claimedBy : null,
        });
      }
      const holder = (m.patch as { metadata?: { annotations?: Record<string, unknown> } }).metadata
        ?.annotations?.[QUARANTINED_BY_ANNOTATION];
      if (typeof holder === 'string') quarantineWrites.push({ nodeName: m.target, incidentId: holder });
      continue;
    }
    if (m.method !== 'patchWorkload' && m.method !== 'patchObject') continue;
    const w = workloads.get(m.target);
    if (!w) continue;
    w.writes += 1;
    noteTolerations(m.target, m.patch);
    const kind = m.target.split('/')[0] as WorkloadKind;
    if (!(kind in WORKLOAD_KINDS)) continue;
    const value = suspendValueIn(kind, m.patch);
    if (value === undefined || value === last.get(m.target)) continue;
    last.set(m.target, value);
    if (value) w.suspends += 1;
    else w.resumes += 1;
  }
  return {
    limits: limitsFor(config, fleet),
    calls,
    incidents: incidents.map((i) => ({
      incidentId: i.incidentId,
      ...(i.instanceId ? { instanceId: i.instanceId } : {}),
      ...(i.nodeName ? { nodeName: i.nodeName } : {}),
      status: i.status,
      startedAt: i.startedAt,
      ...(i.endedAt ? { endedAt: i.endedAt } : {}),
      actions: i.actions,
    })),
    nodes: [...kube.nodes.values()].map((node) => {
      const annotations = node.metadata.annotations ?? {};
      const holder = annotations[QUARANTINED_BY_ANNOTATION];
      const spareTaint = node.spec?.taints?.find((t) => t.key === SPARE_TAINT_KEY)?.value;
      return {
        ...(spareTaint && spareTaint !== SPARE_POOL_TAINT_VALUE ? { spareClaimTaint: spareTaint } : {}),
        name: node.metadata.name,
        quarantinedByUs:
          node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) === true ||
          annotations[CORDONED_BY_US_ANNOTATION] !== undefined,
        ...(holder ? { quarantinedBy: holder } : {}),
      };
    }),
    workloads: [...workloads.values()],
    quarantineWrites,
    spareClaimWrites,
    spareTolerations: [...spareTolerations].map((entry) => {
      const [workload, token] = entry.split(' ') as [string, string];
      return { workload, token };
    }),
  };
};

export const runSeed = (seed: number, options: { broken?: BrokenBuild } = {}): Promise<CampaignResult> =>
  runCampaign(drawCampaign(seed), options);

export type { Random };
