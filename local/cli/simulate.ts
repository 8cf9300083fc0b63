/**
 * Runs a scenario on the local environment and reports what happened: per incident the trigger,
 * the decision, every action with its time and the final state; per job its suspend and resume
 * times; then the cluster's final state. Shared by `hpr simulate` and `hpr demo`.
 */
import type { KubeNode } from '#domain/kube-types.ts';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import type { PoolView } from '#domain/spare-pool.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { type LocalEnvironment, startLocalEnvironment } from '#local/environment.ts';
import type { DerivedPolicies } from '#local/iam-guard.ts';
import { pollUntil } from '#local/poll.ts';
import { type ExecutionReport, LocalExecutions, runHealthSweep } from '#local/runner.ts';
import { passingVerdict, type SimulatedCheck } from '#local/simulated-health-checks.ts';
import { allocatableDevices, podAcceleratorRequest } from '#local/simulator/device-plugins.ts';
import { type Scenario, ScenarioError, substitutePlaceholders } from './scenario.ts';
import { poolCountsLine, readPoolViews } from './spares.ts';
import { incidentReport } from './timeline.ts';

export interface IncidentReport {
  incidentId: string;
  trigger: { kind: string; eventId?: string; time?: string };
  instanceId?: string;
  nodeName?: string;
  fault?: { class?: unknown; code?: unknown };
  decision: {
    outcome?: unknown;
    action?: unknown;
    reason?: unknown;
    skipReason?: unknown;
    skipDetail?: unknown;
    wouldHave?: unknown;
    /** `request` (we called Batch*ClusterNodes) or `await-hyperpod` (HyperPod's own recovery). */
    remediation?: unknown;
    hyperpodPending?: unknown;
  };
  status: string;
  outcome?: string;
  execution?: { status: string; error?: { name: string; cause: string }; states: string[] };
  actions: { type: string; at: string; detail?: Record<string, unknown> }[];
}

export interface JobReport {
  kind: string;
  namespace: string;
  name: string;
  suspendedAt?: string;
  resumedAt?: string;
  /** The hot spare the job was resumed on (its incident promoted one). */
  resumedOnSpare?: string;
  /** Suspend flag at the end of the run. */
  suspended: boolean;
  runningPods: number;
}

export interface NodeReport {
  instanceId: string;
  nodeName: string;
  instanceStatus: string;
  kubernetes: 'Ready' | 'NotReady' | 'absent';
  cordoned: boolean;
  quarantined: boolean;
  gpusAllocatable?: number;
}

export interface SimulationReport {
  scenario: string;
  startedAt: string;
  endedAt: string;
  incidents: IncidentReport[];
  jobs: JobReport[];
  cluster: { name: string; nodeRecovery: string; nodes: NodeReport[] };
  notifications: { subject?: string; message: string }[];
  /** Raw events that matched no rule (they start nothing, as in AWS). */
  unmatchedEvents: number;
  /** The hot-spare pools at the end of the run (scenarios that declare `spares`). */
  spares?: PoolView[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An execution the run cut short: where it was when it was aborted. */
export interface CutShortExecution {
  machine?: string;
  executionName: string;
  /** The last state it entered. */
  lastState?: string;
}

/**
 * The scenario did not finish: its timeout passed, or the run was interrupted (SIGINT, SIGTERM).
 * The running executions were aborted and the environment torn down; `executions` lists them.
 */
export class SimulationCutShortError extends Error {
  constructor(
    readonly reason: string,
    readonly executions: CutShortExecution[],
  ) {
    super(
      `${reason}; ${executions.length} execution(s) cut short${executions.map((e) => `\n  - ${e.machine ?? 'execution'} ${e.executionName}${e.lastState ? ` (in ${e.lastState})` : ''}`).join('')}`,
    );
    this.name = 'SimulationCutShortError';
  }
}

const cutShort = (reports: ExecutionReport[]): CutShortExecution[] =>
  reports.map((r) => ({
    ...(r.machine ? { machine: r.machine } : {}),
    executionName: r.executionName,
    ...(r.states.length ? { lastState: r.states[r.states.length - 1]!.name } : {}),
  }));

/** Rejects when `signal` aborts (with its reason); never settles otherwise. */
const whenAborted = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = () => reject(new Interrupted(String(signal.reason ?? 'interrupted')));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });

class Interrupted extends Error {}

const isReady = (node: KubeNode | undefined) =>
  node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const workloadObjects = async (
  env: LocalEnvironment,
  scenario: Scenario,
  nodeNames: string[],
  nodeTypes: string[],
) => {
  const namespaces = [...new Set(scenario.workloads.map((w) => w.namespace))];
  await env.apply(namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  for (const workload of scenario.workloads) {
    // GPUs on GPU nodes, NeuronCores on Trainium nodes (local/simulator/device-plugins.ts).
    const type = nodeTypes[workload.kind === 'PyTorchJob' ? (workload.nodes[0] ?? 0) : 0] ?? '';
    const accelerators = podAcceleratorRequest(type, workload.gpusPerPod);
    const container = {
      name: 'trainer',
      image: 'public.ecr.aws/hpr/trainer:demo',
      resources: { requests: accelerators, limits: accelerators },
    };
    if (workload.kind === 'PyTorchJob') {
      const meta = WORKLOAD_KINDS.PyTorchJob;
      await env.apply([
        {
          apiVersion: meta.apiVersion,
          kind: 'PyTorchJob',
          metadata: { name: workload.name, namespace: workload.namespace, annotations: workload.annotations },
          spec: {
            runPolicy: { suspend: false },
            pytorchReplicaSpecs: {
              Worker: {
                replicas: workload.nodes.length,
                restartPolicy: 'OnFailure',
                template: { spec: { containers: [container] } },
              },
            },
          },
        },
      ]);
      const job = await env.admin.getWorkload({
        kind: 'PyTorchJob',
        apiVersion: meta.apiVersion,
        namespace: workload.namespace,
        name: workload.name,
      });
      await env.apply(
        workload.nodes.map((node, index) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${workload.name}-worker-${index}`,
            namespace: workload.namespace,
            labels: {
              'training.kubeflow.org/job-name': workload.name,
              'training.kubeflow.org/replica-type': 'worker',
              'training.kubeflow.org/replica-index': String(index),
            },
            ownerReferences: [
              {
                apiVersion: meta.apiVersion,
                kind: 'PyTorchJob',
                name: workload.name,
                uid: job?.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: { nodeName: nodeNames[node], containers: [container] },
        })),
      );
    } else {
      const affinity = workload.colocateWith
        ? {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: { matchLabels: { 'training.kubeflow.org/job-name': workload.colocateWith } },
                  topologyKey: 'kubernetes.io/hostname',
                },
              ],
            },
          }
        : undefined;
      await env.apply([
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: workload.name, namespace: workload.namespace, annotations: workload.annotations },
          spec: {
            parallelism: workload.pods,
            completions: workload.pods,
            suspend: false,
            template: {
              metadata: { labels: { 'job-name': workload.name } },
              spec: { restartPolicy: 'Never', containers: [container], ...(affinity ? { affinity } : {}) },
            },
          },
        },
      ]);
    }
  }
  // Every workload's pods Running before the first fault.
  await pollUntil(
    async () => {
      for (const workload of scenario.workloads) {
        const pods = await env.admin.listPods({ namespace: workload.namespace });
        const want = workload.kind === 'PyTorchJob' ? workload.nodes.length : workload.pods;
        const running = pods.filter(
          (p) => p.metadata.name.startsWith(`${workload.name}-`) && p.status?.phase === 'Running',
        );
        if (running.length < want) return false;
      }
      return true;
    },
    { what: 'workload pods to run', timeoutMs: 60_000 },
  );
};

const firstPodNode = async (
  env: LocalEnvironment,
  scenario: Scenario,
  workloadName: string,
): Promise<string> => {
  const workload = scenario.workloads.find((w) => w.name === workloadName);
  const pods = await env.admin.listPods({ namespace: workload?.namespace ?? 'training' });
  const pod = pods
    .filter((p) => p.metadata.name.startsWith(`${workloadName}-`) && p.spec?.nodeName)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
  if (!pod?.spec?.nodeName) throw new ScenarioError(`workload ${workloadName} has no scheduled pod`);
  return pod.spec.nodeName;
};

const refName = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

const listed = (detail: Record<string, unknown> | undefined, key: string, ref: string) =>
  Array.isArray(detail?.[key]) && (detail[key] as string[]).includes(ref);

/** Runs a validated scenario end to end and returns its report. */
export const runScenario = async (
  scenario: Scenario,
  options: {
    log?: (line: string) => void;
    onEnvironment?: (env: LocalEnvironment) => Promise<void> | void;
    /**
     * Aborting it (SIGINT, SIGTERM) ends the run at once: running executions are aborted, the
     * environment is torn down, and the run rejects with SimulationCutShortError.
     */
    signal?: AbortSignal;
    /** What each Lambda may call (default: the derived deploy/task-iam.ts; local/iam-guard.ts). */
    policies?: DerivedPolicies;
  } = {},
): Promise<SimulationReport> => {
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const interrupted = whenAborted(options.signal);
  interrupted.catch(() => {});
  const env = await startLocalEnvironment({
    cluster: {
      name: scenario.cluster.name,
      nodeRecovery: scenario.cluster.nodeRecovery,
      instanceGroups: scenario.cluster.instanceGroups,
    },
    ...(scenario.policy ? { policy: scenario.policy } : {}),
    ...(scenario.alarms ? { alarms: scenario.alarms } : {}),
    ...(scenario.spares
      ? {
          spares: {
            pools: scenario.spares.pools.map((pool) => ({ ...pool, cluster: scenario.cluster.name })),
          } as NonNullable<Parameters<typeof startLocalEnvironment>[0]['spares']>,
        }
      : {}),
    ...(scenario.quickChecks
      ? {
          healthChecks: {
            quick: {
              enabled: true,
              image: `sim.local/checks@sha256:${'0'.repeat(64)}`,
              pollSeconds: 1,
              timeoutSeconds: 120,
            },
          },
          healthCheckVerdicts: (check: SimulatedCheck) =>
            scenario.quickChecks === 'pass'
              ? { verdict: passingVerdict(check) }
              : { verdict: passingVerdict(check, check.checks), outcome: 'fail' as const },
        }
      : {}),
    timings: scenario.timings,
    // A demo shows the run to the end; violations of AWS's models are listed, not fatal.
    conformance: 'record',
    log,
    ...(options.policies ? { policies: options.policies } : {}),
  });
  try {
    return await Promise.race([runInEnvironment(env, scenario, startedAt, log, options), interrupted]);
  } catch (error) {
    if (error instanceof Interrupted || error instanceof TimedOut) {
      const aborted = await env.abort(error.message);
      throw new SimulationCutShortError(error.message, cutShort(aborted));
    }
    throw error;
  } finally {
    await env.stop();
  }
};

class TimedOut extends Error {}

const runInEnvironment = async (
  env: LocalEnvironment,
  scenario: Scenario,
  startedAt: string,
  log: (line: string) => void,
  options: { onEnvironment?: (env: LocalEnvironment) => Promise<void> | void },
): Promise<SimulationReport> => {
  await options.onEnvironment?.(env);
  const simCluster = env.simulator.clusters[0]!;
  for (const group of scenario.capacityShortage) env.simulator.setCapacity(group, 'unavailable');
  const instances = [...simCluster.nodes];
  const instanceIds = instances.map((n) => n.instanceId);
  const nodeNames = instances.map((n) => n.nodeName);
  await pollUntil(
    async () =>
      (await env.admin.listNodes()).filter(
        (n) => isReady(n) && !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
      ).length >= instances.length,
    { what: `${instances.length} nodes Ready`, timeoutMs: 60_000 },
  );
  log(`cluster ${simCluster.name}: ${instances.length} accelerator nodes Ready`);
  await workloadObjects(
    env,
    scenario,
    nodeNames,
    instances.map((n) => n.instanceType),
  );
  log(`workloads running: ${scenario.workloads.map((w) => `${w.kind} ${w.name}`).join(', ') || 'none'}`);
  const poolViews = () =>
    readPoolViews(
      env.config,
      { clusterNodes: env.deps.clusterNodes, kubeFor: env.deps.kubeFor },
      new Date().toISOString(),
    );
  if (scenario.spares) {
    // The health sweep fills the pools (and verifies the spares when quick checks are on).
    const executions = new LocalExecutions({ deps: env.deps });
    await runHealthSweep({}, env.deps, { executions, waitMs: 200 });
    await executions.settled();
    for (const view of await poolViews()) log(`spares ${poolCountsLine(view)}`);
  }

  let unmatchedEvents = 0;
  const lookup = { instanceIds, nodeNames, clusterArn: simCluster.arn, clusterName: simCluster.name };
  const t0 = Date.now();
  for (const fault of [...scenario.faults].sort((a, b) => a.atMs - b.atMs)) {
    const wait = t0 + fault.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    if ('type' in fault) {
      const nodeName =
        typeof fault.node === 'number'
          ? nodeNames[fault.node]!
          : await firstPodNode(env, scenario, fault.node.podOf);
      const instance = instances.find((i) => i.nodeName === nodeName);
      if (!instance) throw new ScenarioError(`no instance runs node ${nodeName}`);
      log(`injecting ${fault.type} on ${instance.instanceId} (${nodeName})`);
      await env.simulator.injectFault({
        instanceId: instance.instanceId,
        faultType: fault.type,
        labels: fault.labels,
        ...(fault.neuronError ? { neuronError: fault.neuronError } : {}),
        ...(fault.action ? { action: fault.action } : {}),
      });
    } else if ('event' in fault) {
      const event = substitutePlaceholders(fault.event, lookup);
      const started = env.dispatch(event);
      if (started.length === 0) unmatchedEvents += 1;
      log(
        `replayed ${(event as Record<string, unknown>)['detail-type'] ?? 'event'}: ${started.length} execution(s)`,
      );
    } else if ('loseGpus' in fault) {
      const instanceId = instanceIds[fault.loseGpus.node]!;
      log(
        `node ${fault.loseGpus.node} loses accelerators: ${fault.loseGpus.remaining} devices left allocatable`,
      );
      await env.simulator.loseGpus(instanceId, fault.loseGpus.remaining);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    env.settled(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimedOut(`executions still running after the scenario's timeout (${scenario.timeoutMs} ms)`),
          ),
        scenario.timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  await env.simulator.whenIdle(10_000).catch(() => {});
  for (const v of env.simulator.conformanceViolations()) {
    log(
      `AWS model conformance violation: ${v.service}:${v.operation} ${v.direction} ${v.path}: ${v.message}`,
    );
  }

  const records = await env.deps.ledger.listIncidents(simCluster.name);
  const byName = new Map(settled.map((r) => [r.executionName, r]));
  const incidents = records
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((record) => incidentReport(record, byName.get(record.executionName ?? record.incidentId)));

  const jobs: JobReport[] = [];
  for (const workload of scenario.workloads) {
    const meta = WORKLOAD_KINDS[workload.kind];
    const ref = refName(workload.kind, workload.namespace, workload.name);
    const actions = records.flatMap((r) => r.actions);
    const suspended = actions.find(
      (a) => a.type === 'workloads-suspended' && listed(a.detail, 'suspended', ref),
    );
    // Resumed on a hot spare at once (spare-promoted), or at the end of the repair.
    const resumed = actions.find(
      (a) =>
        (a.type === 'spare-promoted' || a.type === 'workloads-resumed') && listed(a.detail, 'resumed', ref),
    );
    const object = await env.admin.getWorkload({
      kind: workload.kind,
      apiVersion: meta.apiVersion,
      namespace: workload.namespace,
      name: workload.name,
    });
    const flag = meta.suspendPath.reduce<unknown>(
      (v, k) => (v as Record<string, unknown> | undefined)?.[k],
      object,
    );
    const pods = await env.admin.listPods({ namespace: workload.namespace });
    jobs.push({
      kind: workload.kind,
      namespace: workload.namespace,
      name: workload.name,
      suspendedAt: suspended?.at,
      resumedAt: resumed?.at,
      ...(resumed?.type === 'spare-promoted' ? { resumedOnSpare: String(resumed.detail?.spare) } : {}),
      suspended: flag === true,
      runningPods: pods.filter(
        (p) => p.metadata.name.startsWith(`${workload.name}-`) && p.status?.phase === 'Running',
      ).length,
    });
  }

  const kubeNodes = await env.admin.listNodes();
  const nodes: NodeReport[] = simCluster.nodes.map((instance) => {
    const node = kubeNodes.find((n) => n.metadata.name === instance.nodeName);
    return {
      instanceId: instance.instanceId,
      nodeName: instance.nodeName,
      instanceStatus: instance.status,
      kubernetes: node ? (isReady(node) ? 'Ready' : 'NotReady') : 'absent',
      cordoned: node?.spec?.unschedulable === true,
      quarantined: node?.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY) === true,
      gpusAllocatable: node ? allocatableDevices(node.status?.allocatable) : undefined,
    };
  });
  return {
    scenario: scenario.name,
    startedAt,
    endedAt: new Date().toISOString(),
    incidents,
    jobs,
    cluster: { name: simCluster.name, nodeRecovery: simCluster.nodeRecovery, nodes },
    notifications: env.simulator.notifications.map((n) => ({ subject: n.subject, message: n.message })),
    unmatchedEvents,
    ...(scenario.spares ? { spares: await poolViews() } : {}),
  };
};
