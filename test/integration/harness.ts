/**
 * Builds the dependencies of one local node-recovery run: the real ASL and real tasks, with
 * in-memory ports (fake HyperPod, fake Kubernetes API, memory ledger and notifier). The ports are
 * guarded (local/iam-guard.ts `guardPorts`): a task the runner invokes may call only the port
 * members deploy/task-iam.ts derived for its Lambda; test/setup-env.ts fails a test that broke it.
 * No AWS SDK client is built here (the fakes stand behind the ports); the SDK middleware of the
 * same guard runs on every client of the local environment (local/environment.ts, e2e tests).
 */

import { type AppConfigInput, parseAppConfig } from '#contracts/config/app.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import type { WorkloadKind } from '#domain/types.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { getTestEvent } from '#events/samples/index.ts';
import { type MetricsSink, silentLogger, type TaskDeps } from '#functions/tasks/deps.ts';
import { type DerivedPolicies, guardPorts } from '#local/iam-guard.ts';
import { createFakeHyperPod } from '../fakes/fake-hyperpod.ts';
import { createFakeKubeApi } from '../fakes/fake-kube-api.ts';
import { createMemoryLedger } from '../fakes/memory-ledger.ts';
import { createMemoryNotifier } from '../fakes/memory-notifier.ts';

export const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

export const INSTANCES = [
  'i-0a1b2c3d4e5f60001',
  'i-0a1b2c3d4e5f60002',
  'i-0a1b2c3d4e5f60003',
  'i-0a1b2c3d4e5f60004',
];

export const nodeName = (instanceId: string) => `hyperpod-${instanceId}`;

export const makeHarness = (
  options: {
    policy?: NonNullable<AppConfigInput['policy']>;
    nodeRecovery?: 'Automatic' | 'None';
    healthChecks?: AppConfigInput['healthChecks'];
    sweep?: AppConfigInput['sweep'];
    /** The alarm selection (`alarms.allow`: the alarms that may act). */
    alarms?: AppConfigInput['alarms'];
    /** The EKS cluster HyperPod reports as the orchestrator (default: the configured one). */
    orchestrator?: string;
    /** What each Lambda may call (default: the derived deploy/task-iam.ts). */
    policies?: DerivedPolicies;
    /** Hot-spare pools (docs/design/hot-spares.md). */
    spares?: AppConfigInput['spares'];
  } = {},
) => {
  const config = parseAppConfig({
    clusters: [CLUSTER],
    policy: { mode: 'act', ...options.policy },
    ...(options.healthChecks ? { healthChecks: options.healthChecks } : {}),
    ...(options.sweep ? { sweep: options.sweep } : {}),
    ...(options.alarms ? { alarms: options.alarms } : {}),
    ...(options.spares ? { spares: options.spares } : {}),
  });
  let clock = Date.parse('2026-11-29T10:00:00.000Z');
  // Every reading of the clock moves it one second: executions see time pass.
  const now = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };
  const kube = createFakeKubeApi({ now });
  const hyperpod = createFakeHyperPod({
    now,
    clusterName: CLUSTER.name,
    clusterArn: CLUSTER.arn,
    eksClusterName: options.orchestrator ?? CLUSTER.eksClusterName,
    nodeRecovery: options.nodeRecovery,
    kube,
  });
  for (const id of INSTANCES) hyperpod.addInstance({ instanceId: id });
  const ledger = createMemoryLedger();
  const notifier = createMemoryNotifier();
  const metrics: { name: string; dimensions?: Record<string, string>; value?: number }[] = [];
  const metricsSink: MetricsSink = {
    count: (name, dimensions, value) => metrics.push({ name, dimensions, value }),
  };
  const deps: TaskDeps = guardPorts(
    {
      config,
      clusterNodes: hyperpod.clusterNodes,
      kubeFor: async () => kube,
      ledger,
      notifier,
      metrics: metricsSink,
      logger: silentLogger,
      now,
    },
    options.policies,
  );

  /** A multi-node training job of `kind` with one running pod per node. */
  const addJob = (
    kind: WorkloadKind,
    name: string,
    nodes: string[],
    annotations: Record<string, string> = {},
  ) => {
    const meta = WORKLOAD_KINDS[kind];
    const job: KubeObject = {
      apiVersion: meta.apiVersion,
      kind,
      metadata: { name, namespace: 'training', uid: `uid-${name}`, annotations },
      spec: kind === 'Job' || kind === 'JobSet' ? { suspend: false } : { runPolicy: { suspend: false } },
    };
    kube.addObject(job);
    nodes.forEach((node, index) => {
      const pod: KubePod = {
        metadata: {
          name: `${name}-worker-${index}`,
          namespace: 'training',
          ownerReferences: [
            { apiVersion: meta.apiVersion, kind, name, uid: `uid-${name}`, controller: true },
          ],
        },
        spec: { nodeName: node },
        status: { phase: 'Running' },
      };
      kube.addPod(pod);
    });
    return { kind, apiVersion: meta.apiVersion, namespace: 'training', name };
  };

  const suspendValue = (kind: WorkloadKind, name: string): unknown => {
    const object = kube.objects.get(kube.objectKey({ kind, namespace: 'training', name }));
    const path = WORKLOAD_KINDS[kind].suspendPath;
    return path.reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key],
      object,
    );
  };

  /** Moves the test clock forward (deadlines, grace periods). */
  const advanceClock = (ms: number) => {
    clock += ms;
  };

  /** Sets HyperPod's `node-health-status` label on the instance's node (as HMA or a DHC would). */
  const labelNode = (instanceId: string, value: string) => {
    const node = kube.nodes.get(nodeName(instanceId));
    if (!node) throw new Error(`no node for ${instanceId}`);
    node.metadata.labels = { ...node.metadata.labels, 'sagemaker.amazonaws.com/node-health-status': value };
  };

  return {
    config,
    kube,
    hyperpod,
    ledger,
    notifier,
    metrics,
    deps,
    addJob,
    suspendValue,
    advanceClock,
    labelNode,
  };
};

/** A real-shaped HMA node-health event for one of our instances. */
export const nodeHealthEvent = (
  instanceId: string,
  faultType: 'NvidiaErrorTerminate' | 'NvidiaErrorReboot',
) => {
  const event = getTestEvent({ source: 'aws.sagemaker', name: 'node-health-unhealthy-terminate' }) as Record<
    string,
    any
  >;
  event.detail.InstanceId = instanceId;
  event.detail.ClusterArn = CLUSTER.arn;
  event.detail.ClusterName = CLUSTER.name;
  event.resources = [CLUSTER.arn];
  event.detail.HealthSummary.HealthStatusReason = `HyperPod Health Monitoring Agent (HMA) has detected fault type ${faultType} on this node and is unhealthy.`;
  event.detail.HealthSummary.Recommendation =
    faultType === 'NvidiaErrorTerminate'
      ? 'Please Replace the Faulty Node.'
      : 'Please Reboot the Faulty Node.';
  return event;
};

/** The name of {@link gpuAlarmEvent}'s alarm on a node. */
export const gpuAlarmName = (instanceId: string) => `hpr-${CLUSTER.name}-${instanceId}-gpu-temperature`;

/** The `alarms.allow` entry that lets {@link gpuAlarmEvent}'s alarm on a node act. */
export const gpuAlarmAllow = (
  instanceId: string,
  maxAction: 'observe' | 'reboot' | 'replace' = 'reboot',
  meaning: 'fatal' | 'recoverable' | 'suspect' | 'informational' | 'metric' = 'suspect',
) => ({ name: gpuAlarmName(instanceId), cluster: CLUSTER.name, meaning, maxAction });

/**
 * Our own CloudWatch alarm on one node (a Container Insights GPU metric, Container Insights enhanced observability metrics), as
 * EventBridge delivers it: nothing HyperPod detected, so nothing HyperPod started.
 */
export const gpuAlarmEvent = (instanceId: string, alarmName = gpuAlarmName(instanceId)) => {
  const event = getTestEvent({ source: 'aws.cloudwatch', name: 'alarm-gpu-pending-replacement' }) as Record<
    string,
    any
  >;
  event.resources = [`arn:aws:cloudwatch:us-west-2:111122223333:alarm:${alarmName}`];
  event.detail.alarmName = alarmName;
  event.detail.configuration.description = 'GPU temperature too high';
  const metric = event.detail.configuration.metrics[0].metricStat.metric;
  metric.name = 'node_gpu_temperature';
  metric.dimensions = {
    ClusterName: CLUSTER.eksClusterName,
    InstanceId: instanceId,
    NodeName: nodeName(instanceId),
  };
  return event;
};
