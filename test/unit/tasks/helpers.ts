/**
 * Builders for the workload task tests: TaskDeps on in-memory ports (fake Kubernetes API, memory
 * ledger and notifier, a clock that advances one second per reading), and real-shaped objects.
 */
import type { ClusterNodes } from '#adapters/ports.ts';
import { type AppConfigInput, parseAppConfig } from '#contracts/config/app.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { silentLogger, type TaskDeps } from '#functions/tasks/deps.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import { createFakeKubeApi, type FakeKubeApi } from '../../fakes/fake-kube-api.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';
import { createMemoryNotifier } from '../../fakes/memory-notifier.ts';

export const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};
export const NODE = 'hyperpod-i-0a1b2c3d4e5f60001';
export const OTHER_NODE = 'hyperpod-i-0a1b2c3d4e5f60002';
export const NS = 'training';
export const START = '2026-11-29T10:00:00.000Z';

export const makeDeps = (policy: NonNullable<AppConfigInput['policy']> = {}) => {
  let clock = Date.parse(START);
  const now = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };
  const kube = createFakeKubeApi();
  const ledger = createMemoryLedger();
  const notifier = createMemoryNotifier();
  const metrics: { name: string; dimensions?: Record<string, string>; value?: number }[] = [];
  const deps: TaskDeps = {
    config: parseAppConfig({ clusters: [CLUSTER], policy: { mode: 'act', ...policy } }),
    clusterNodes: {} as ClusterNodes,
    kubeFor: async () => kube,
    ledger,
    notifier,
    metrics: { count: (name, dimensions, value) => metrics.push({ name, dimensions, value }) },
    logger: silentLogger,
    now,
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  return { deps, kube, ledger, notifier, metrics, now, advance };
};

export const addNode = (
  kube: FakeKubeApi,
  name: string,
  ready: 'True' | 'False' | 'Unknown' = 'True',
  since = START,
) =>
  kube.addNode({
    metadata: { name },
    status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: since }] },
  });

/** A job of `kind` with one Running pod per node (pods owned directly, or through a child Job for a JobSet). */
export const addJob = (
  kube: FakeKubeApi,
  kind: WorkloadKind,
  name: string,
  nodes: string[],
  options: {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    suspended?: boolean;
  } = {},
): WorkloadRef => {
  const meta = WORKLOAD_KINDS[kind];
  const uid = `uid-${name}`;
  const suspended = options.suspended ?? false;
  kube.addObject({
    apiVersion: meta.apiVersion,
    kind,
    metadata: {
      name,
      namespace: NS,
      uid,
      annotations: options.annotations ?? {},
      labels: options.labels ?? {},
    },
    spec:
      kind === 'Job' || kind === 'JobSet' ? { suspend: suspended } : { runPolicy: { suspend: suspended } },
  });
  let owner = { apiVersion: meta.apiVersion, kind: kind as string, name, uid, controller: true };
  if (kind === 'JobSet') {
    kube.addObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `${name}-workers-0`,
        namespace: NS,
        uid: `uid-${name}-child`,
        ownerReferences: [owner],
      },
      spec: { suspend: false },
    });
    owner = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: `${name}-workers-0`,
      uid: `uid-${name}-child`,
      controller: true,
    };
  }
  nodes.forEach((node, index) => {
    kube.addPod(runningPod(`${name}-${index}`, node, [owner]));
  });
  return { kind, apiVersion: meta.apiVersion, namespace: NS, name };
};

export const runningPod = (
  name: string,
  node: string,
  ownerReferences: NonNullable<KubePod['metadata']['ownerReferences']> = [],
  annotations: Record<string, string> = {},
): KubePod => ({
  metadata: { name, namespace: NS, uid: `uid-pod-${name}`, ownerReferences, annotations },
  spec: { nodeName: node },
  status: { phase: 'Running' },
});

/** A Deployment → ReplicaSet → pod chain (or StatefulSet → pod) on `node`. */
export const addControllerPod = (
  kube: FakeKubeApi,
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  name: string,
  node: string,
  annotations: Record<string, string> = {},
) => {
  kube.addObject({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: NS, uid: `uid-${name}`, annotations },
  });
  let owner = { apiVersion: 'apps/v1', kind: kind as string, name, uid: `uid-${name}`, controller: true };
  if (kind === 'Deployment') {
    kube.addObject({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${name}-rs`, namespace: NS, uid: `uid-${name}-rs`, ownerReferences: [owner] },
    });
    owner = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: `${name}-rs`,
      uid: `uid-${name}-rs`,
      controller: true,
    };
  }
  kube.addPod(runningPod(`${name}-0`, node, [owner]));
  return `${NS}/${name}-0`;
};

/** The Kueue Workload Kueue would have created for a job. */
export const addKueueWorkload = (
  kube: FakeKubeApi,
  jobName: string,
  active = true,
  apiVersion = 'kueue.x-k8s.io/v1beta2',
): KubeObject => {
  const workload: KubeObject = {
    apiVersion,
    kind: 'Workload',
    metadata: {
      name: `job-${jobName}-1a2b3`,
      namespace: NS,
      labels: { 'kueue.x-k8s.io/job-uid': `uid-${jobName}` },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: `uid-${jobName}`, controller: true },
      ],
    },
    spec: { active, queueName: 'team-a' },
  };
  kube.addObject(workload);
  return workload;
};

export const objectOf = (kube: FakeKubeApi, kind: string, name: string): KubeObject | undefined =>
  kube.objects.get(kube.objectKey({ kind, namespace: NS, name }));

export const suspendValue = (kube: FakeKubeApi, kind: WorkloadKind, name: string): unknown =>
  WORKLOAD_KINDS[kind].suspendPath.reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    objectOf(kube, kind, name),
  );

/** An admitted incident on `node`, as QuarantineNode hands it to SuspendWorkloads. */
export const incidentState = (incidentId: string, node = NODE): IncidentState => ({
  incidentId,
  executionName: incidentId,
  startedAt: START,
  clusterName: CLUSTER.name,
  eksClusterName: CLUSTER.eksClusterName,
  trigger: { kind: 'node-health' },
  fault: { class: 'fatal', code: 'NvidiaErrorTerminate' },
  node: { clusterName: CLUSTER.name, instanceId: node.replace('hyperpod-', ''), nodeName: node },
  decision: { outcome: 'proceed', action: 'replace', reason: 'fatal-fault', mode: 'act', leaseHeld: true },
});

export const openIncident = async (
  ledger: ReturnType<typeof createMemoryLedger>,
  incidentId: string,
  startedAt = START,
) =>
  ledger.createIncident({
    incidentId,
    clusterName: CLUSTER.name,
    trigger: { kind: 'node-health' },
    status: 'open',
    startedAt,
    actions: [],
  });
