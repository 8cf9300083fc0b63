/**
 * Shared by the workload e2e tests: one local environment (real control plane, simulator, real
 * adapters under our RBAC) per test file, tier-2 controllers unless `HPR_TIER2=0` (missing ones fail), and
 * real-shaped manifests pinned to given nodes.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfigInput } from '#contracts/config/app.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import {
  type LocalEnvironment,
  type LocalEnvironmentOptions,
  startLocalEnvironment,
} from '#local/environment.ts';
import { pollUntil } from '#local/poll.ts';
import { startTier2Controllers, type Tier2Controllers, tier2Plan } from '#local/testbed/controllers.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';

export interface WorkloadsBed {
  env: LocalEnvironment;
  tier2?: Tier2Controllers;
  ns: string;
  clusterName: string;
  /** Node names of the simulated instances, in order. */
  nodes: string[];
  instanceIds: string[];
  stop(): Promise<void>;
}

/**
 * Whether this run uses real JobSet / training-operator controllers (decided before tests are
 * named): both unless `HPR_TIER2=0`; missing controllers fail the file with the build command.
 */
export const TIER2 = tier2Plan();

export const startWorkloadsBed = async (
  name: string,
  options: {
    nodes: number;
    policy?: AppConfigInput['policy'];
    nodeRecovery?: 'Automatic' | 'None';
    spares?: AppConfigInput['spares'];
    timings?: LocalEnvironmentOptions['timings'];
    log?: (line: string) => void;
  } = { nodes: 4 },
): Promise<WorkloadsBed> => {
  const log = options.log ?? ((line: string) => process.stderr.write(`[${name}] ${line}\n`));
  const env = await startLocalEnvironment({
    cluster: {
      name,
      ...(options.nodeRecovery ? { nodeRecovery: options.nodeRecovery } : {}),
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: options.nodes }],
    },
    policy: options.policy,
    ...(options.spares ? { spares: options.spares } : {}),
    ...(options.timings ? { timings: options.timings } : {}),
    autoDispatch: false,
    log,
  });
  let tier2: Tier2Controllers | undefined;
  try {
    if (TIER2.jobset || TIER2.trainingOperator)
      tier2 = await startTier2Controllers(env.controlPlane, { log });
    const ns = `${name}-${randomBytes(3).toString('hex')}`;
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    const cluster = env.simulator.getCluster(name)!;
    const instances = [...cluster.nodes].sort((a, b) => a.nodeName.localeCompare(b.nodeName));
    return {
      env,
      ...(tier2 ? { tier2 } : {}),
      ns,
      clusterName: name,
      nodes: instances.map((i) => i.nodeName),
      instanceIds: instances.map((i) => i.instanceId),
      async stop() {
        await tier2?.stop();
        await env.stop();
      },
    };
  } catch (error) {
    await tier2?.stop();
    await env.stop();
    throw error;
  }
};

/** Polls `probe` (its errors count as "not yet") until it answers; names `what` on timeout. */
export const waitUntil = <T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> => pollUntil(probe, { what, timeoutMs, retryErrors: true });

/** An admitted incident on `nodeName` (its ledger record created), as SuspendWorkloads receives it. */
export const openIncident = async (
  bed: WorkloadsBed,
  incidentId: string,
  nodeIndex: number,
): Promise<IncidentState> => {
  const cluster = bed.env.config.clusters[0]!;
  const startedAt = new Date().toISOString();
  await bed.env.deps.ledger.createIncident({
    incidentId,
    clusterName: cluster.name,
    trigger: { kind: 'manual' },
    status: 'open',
    startedAt,
    actions: [],
  });
  return {
    incidentId,
    executionName: incidentId,
    startedAt,
    clusterName: cluster.name,
    eksClusterName: cluster.eksClusterName,
    trigger: { kind: 'manual' },
    fault: { class: 'fatal', code: 'manual' },
    node: {
      clusterName: cluster.name,
      instanceId: bed.instanceIds[nodeIndex]!,
      nodeName: bed.nodes[nodeIndex]!,
    },
    decision: { outcome: 'proceed', action: 'replace', reason: 'manual', mode: 'act', leaseHeld: true },
  };
};

/** A pod template pinned to `nodes` (spread one per node when several). */
export const podTemplate = (
  nodes: string[],
  labels: Record<string, string> = {},
  containerName = 'main',
): Record<string, unknown> => ({
  metadata: { labels },
  spec: {
    restartPolicy: 'Never',
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] },
          ],
        },
      },
    },
    ...(nodes.length > 1
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: labels },
            },
          ],
        }
      : {}),
    containers: [
      { name: containerName, image: 'sim.local/trainer:1', resources: { limits: { 'nvidia.com/gpu': '1' } } },
    ],
  },
});

export const batchJob = (
  ns: string,
  name: string,
  nodes: string[],
  options: {
    pods?: number;
    indexed?: boolean;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } = {},
): KubeObject => {
  const pods = options.pods ?? 1;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: ns,
      labels: options.labels ?? {},
      annotations: options.annotations ?? {},
    },
    spec: {
      parallelism: pods,
      completions: pods,
      backoffLimit: 0,
      ...(options.indexed ? { completionMode: 'Indexed' } : {}),
      template: podTemplate(nodes, { app: name }),
    },
  };
};

/** A fully specified JobSet (valid for the upstream CRD; the webhook adds the rest in tier 2). */
export const jobSet = (ns: string, name: string, nodes: string[], podsPerJob = 1): KubeObject => ({
  apiVersion: 'jobset.x-k8s.io/v1alpha2',
  kind: 'JobSet',
  metadata: { name, namespace: ns },
  spec: {
    suspend: false,
    replicatedJobs: [
      {
        name: 'workers',
        replicas: 1,
        template: {
          spec: {
            parallelism: podsPerJob,
            completions: podsPerJob,
            backoffLimit: 0,
            completionMode: 'Indexed',
            template: podTemplate(nodes, { app: name }),
          },
        },
      },
    ],
  },
});

export const pytorchJob = (
  ns: string,
  name: string,
  nodes: string[],
  annotations: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name, namespace: ns, annotations },
  spec: {
    runPolicy: { suspend: false },
    pytorchReplicaSpecs: {
      Master: {
        replicas: 1,
        restartPolicy: 'OnFailure',
        template: podTemplate(nodes, { app: name }, 'pytorch'),
      },
      Worker: {
        replicas: 1,
        restartPolicy: 'OnFailure',
        template: podTemplate(nodes, { app: name }, 'pytorch'),
      },
    },
  },
});

/** A pod the test creates itself under a CR that has no controller here (CRD level), bound to `node`. */
export const podOwnedBy = (
  owner: KubeObject,
  node: string,
  name: string,
): KubePod & Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: owner.metadata.namespace,
    labels: { app: owner.metadata.name },
    ownerReferences: [
      {
        apiVersion: owner.apiVersion!,
        kind: owner.kind!,
        name: owner.metadata.name,
        uid: owner.metadata.uid!,
        controller: true,
      },
    ],
  },
  spec: { nodeName: node, containers: [{ name: 'main', image: 'sim.local/trainer:1' }] } as KubePod['spec'],
});

/** Live (not terminating) pods with `app=<name>`. */
export const livePods = async (bed: WorkloadsBed, app: string): Promise<KubePod[]> =>
  (await bed.env.admin.listPods({ namespace: bed.ns, labelSelector: `app=${app}` })).filter(
    (p) => !p.metadata.deletionTimestamp,
  );

export const runningPods = async (
  bed: WorkloadsBed,
  app: string,
  count: number,
): Promise<KubePod[] | undefined> => {
  const pods = (await livePods(bed, app)).filter((p) => p.status?.phase === 'Running');
  return pods.length === count ? pods : undefined;
};

export const noPods = async (bed: WorkloadsBed, app: string): Promise<boolean> =>
  (await bed.env.admin.listPods({ namespace: bed.ns, labelSelector: `app=${app}` })).length === 0;

/** Reads an object through the admin API. */
export const read = (bed: WorkloadsBed, apiVersion: string, kind: string, name: string) =>
  bed.env.admin.getObject({ apiVersion, kind, namespace: bed.ns, name });
