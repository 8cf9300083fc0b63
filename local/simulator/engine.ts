/**
 * The simulator's state and behaviour without any HTTP: clusters and instances, node lifecycles
 * (reboot, replace, delete, deep health check, launch under a capacity shortage), HyperPod
 * automatic node recovery, fault injection, and the EventBridge events HyperPod would emit.
 *
 * Lifecycles are async tasks on real timers; each Kubernetes step goes through the cluster's
 * SimKubeAdmin. `stop()` cancels pending waits and awaits every task.
 */
import { randomUUID } from 'node:crypto';
import { CLUSTER_EVENT, NODE_HEALTH_EVENT, SAGEMAKER_SOURCE } from '#events/hyperpod.ts';
import { DEEP_HEALTH_CHECK_TAINT } from '#local/simulator/hyperpod-node-shape.ts';
import type { SimKubeAdmin, SimNodeSpec } from '#local/simulator/kube-admin.ts';
import {
  ACCOUNT_ID,
  type ClusterSpec,
  capacityFailureMessage,
  createCluster,
  DEEP_HEALTH_CHECK_LABEL,
  eventTime,
  type InstanceOperation,
  NODE_HEALTH_LABEL,
  type NodeRecovery,
  newInstance,
  type OperationOrigin,
  REGION,
  type SimCluster,
  type SimEvent,
  type SimInstance,
  type SimInstanceGroup,
} from '#local/simulator/model.ts';

export interface SimulatorTimings {
  /** Reboot: NotReady at once, Ready again (new bootId) after this long. */
  rebootMs: number;
  /** Replace/delete: the old instance is ShuttingDown this long, then removed and its Node deleted. */
  shutdownMs: number;
  /** Replace: from the request until the new instance is Running (≥ shutdownMs). */
  replaceMs: number;
  /** Replace: from Running until the new Node has joined (Ready). */
  nodeJoinMs: number;
  /** Capacity shortage: how long a replacement stays Pending before it turns Failure. */
  capacityFailMs: number;
  /** Deep health check duration. */
  healthCheckMs: number;
}

export const DEFAULT_TIMINGS: SimulatorTimings = {
  rebootMs: 200,
  shutdownMs: 50,
  replaceMs: 300,
  nodeJoinMs: 50,
  capacityFailMs: 200,
  healthCheckMs: 300,
};

export type CapacityMode = 'available' | 'unavailable';
export type NodeAction = 'reboot' | 'replace';
export type BatchKind = 'reboot' | 'replace' | 'delete';

/** A connection the apiserver refused or dropped (it is down or restarting), not an answer. */
const unreachable = (error: unknown): boolean => {
  const text = `${error instanceof Error ? error.message : ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up/.test(text);
};
export interface StartedOperation {
  kind: BatchKind;
  instanceId: string;
  origin: OperationOrigin;
  at: Date;
}

export interface EngineOptions {
  clusters: ClusterSpec[];
  kube?: (clusterName: string) => SimKubeAdmin;
  timings?: Partial<SimulatorTimings>;
  /** Capacity per instance group name (`<cluster>/<group>` also accepted). */
  capacity?: Record<string, CapacityMode>;
  onEvent?: (event: SimEvent) => void;
  /**
   * Whether a replacement instance keeps the old NodeLogicalId (default true). Not documented
   * either way (the SDK says the id persists "from provisioning request to termination"), so
   * both must work.
   */
  logicalIdSurvivesReplacement?: boolean;
}

/** Per-node error codes of BatchReboot/BatchReplaceClusterNodes (API reference `…ClusterNodesError`). */
export type NodeActionErrorCode =
  | 'InstanceIdNotFound'
  | 'InvalidInstanceStatus'
  | 'InstanceIdInUse'
  | 'InternalServerError';

export interface InjectFaultOptions {
  /** HyperPod cluster name or ARN; found from the instance id when omitted. */
  cluster?: string;
  instanceId: string;
  /** HMA fault type, e.g. `NvidiaErrorTerminate` (replace) or `NvidiaErrorReboot` (reboot). */
  faultType: 'NvidiaErrorTerminate' | 'NvidiaErrorReboot' | (string & {});
  /** Set `node-health-status=UnschedulablePending*` on the Node (default true, as HMA does). */
  labels?: boolean;
  /** Emit the Node Health Event (default true). */
  emit?: boolean;
  /** Override the action derived from the fault type (Terminate/Replace → replace, else reboot). */
  action?: NodeAction;
  /**
   * A Neuron (Trainium) hardware error, e.g. `HBM_UNCORRECTABLE_ERROR`: the Neuron node problem
   * detector's condition and reason (docs/facts/accelerators.md neuron.npd-conditions) follow the
   * HMA sentence in the reason text, in the form HMA's detection log shows for NVIDIA ("Node
   * condition NvidiaErrorReboot is now: True, reason: XidHardwareFailure"). HyperPod publishes no
   * Neuron fault-type names (neuron.hma-fault-types), so the scenario names the fault type.
   */
  neuronError?: string;
}

export interface ClusterEventRecord {
  EventId: string;
  ClusterArn: string;
  ClusterName: string;
  InstanceGroupName?: string;
  InstanceId?: string;
  ResourceType: 'Cluster' | 'InstanceGroup' | 'Instance';
  EventTime: Date;
  EventLevel: 'Info' | 'Warn' | 'Error';
  Description?: string;
  EventDetails?: { EventMetadata: Record<string, Record<string, unknown>> };
}

export interface ReconcileAction {
  cluster: string;
  instanceId: string;
  action: NodeAction;
}

export interface ActionRefusal {
  code: NodeActionErrorCode;
  message: string;
}

class Stopped extends Error {
  constructor() {
    super('simulator stopped');
    this.name = 'Stopped';
  }
}

const UNSCHEDULABLE_PENDING_REBOOT = 'UnschedulablePendingReboot';
const UNSCHEDULABLE_PENDING_REPLACEMENT = 'UnschedulablePendingReplacement';

/** Description templates follow the documented style ("… in Cluster X and InstanceGroup Y …"); text is a hint only. */
const where = (cluster: SimCluster, instance: SimInstance): string =>
  `Cluster ${cluster.name} and InstanceGroup ${instance.instanceGroupName}`;

export const actionForFault = (faultType: string): NodeAction =>
  /terminate|replace/i.test(faultType) ? 'replace' : 'reboot';

export class SimEngine {
  readonly clusters: SimCluster[];
  readonly timings: SimulatorTimings;
  /** Every EventBridge event emitted, in order. */
  readonly events: SimEvent[] = [];
  /** Cluster Events per cluster ARN (ListClusterEvents / DescribeClusterEvent). */
  readonly clusterEvents = new Map<string, ClusterEventRecord[]>();
  /** Every Batch* operation started (accepted per node), ours (`api`) or HyperPod's own, in order. */
  readonly started: StartedOperation[] = [];
  /** Errors raised inside lifecycle tasks (a failing kube admin call, …). */
  readonly errors: unknown[] = [];

  private readonly kubes = new Map<string, SimKubeAdmin>();
  private readonly capacity = new Map<string, CapacityMode>();
  private readonly healthCheckFailures = new Set<string>();
  private readonly nodeActionFailures = new Map<string, { code: NodeActionErrorCode; remaining: number }>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    const now = new Date();
    this.clusters = options.clusters.map((spec) => createCluster(spec, now));
    const names = new Set<string>();
    for (const c of this.clusters) {
      if (names.has(c.name) || names.has(c.eksClusterName))
        throw new Error(`duplicate cluster name ${c.name}`);
      names.add(c.name);
      const kube = options.kube?.(c.name);
      if (kube) this.kubes.set(c.name, kube);
    }
    for (const [key, mode] of Object.entries(options.capacity ?? {})) this.capacity.set(key, mode);
  }

  /** Creates the Kubernetes Node of every Running instance. */
  async init(): Promise<void> {
    for (const cluster of this.clusters) {
      const kube = this.kubes.get(cluster.name);
      if (!kube) continue;
      const running = cluster.nodes.filter((n) => n.status === 'Running');
      for (let i = 0; i < running.length; i += 16) {
        await Promise.all(running.slice(i, i + 16).map((n) => kube.createNode(this.nodeSpec(cluster, n))));
      }
    }
  }

  // ---------------------------------------------------------------- lookups

  findCluster(nameOrArn: string): SimCluster | undefined {
    return this.clusters.find((c) => c.name === nameOrArn || c.arn === nameOrArn);
  }

  findEksCluster(eksName: string): SimCluster | undefined {
    return this.clusters.find((c) => c.eksClusterName === eksName);
  }

  findInstance(
    instanceId: string,
    clusterNameOrArn?: string,
  ): { cluster: SimCluster; instance: SimInstance } {
    const clusters = clusterNameOrArn ? [this.mustCluster(clusterNameOrArn)] : this.clusters;
    for (const cluster of clusters) {
      const instance = cluster.nodes.find((n) => n.instanceId === instanceId || n.nodeName === instanceId);
      if (instance) return { cluster, instance };
    }
    throw new Error(`instance ${instanceId} not found${clusterNameOrArn ? ` in ${clusterNameOrArn}` : ''}`);
  }

  mustCluster(nameOrArn: string): SimCluster {
    const cluster = this.findCluster(nameOrArn);
    if (!cluster) throw new Error(`cluster ${nameOrArn} not found`);
    return cluster;
  }

  group(cluster: SimCluster, name: string): SimInstanceGroup {
    const group = cluster.instanceGroups.find((g) => g.name === name);
    if (!group) throw new Error(`instance group ${name} not found in ${cluster.name}`);
    return group;
  }

  kubeOf(cluster: SimCluster): SimKubeAdmin | undefined {
    return this.kubes.get(cluster.name);
  }

  // ---------------------------------------------------------------- batch actions (API and automatic)

  /**
   * Why an action cannot start on an instance, or undefined when it can. Our proposal of
   * HyperPod's rules: an operation we requested that is still running → InvalidInstanceStatus;
   * one HyperPod runs itself (automatic recovery, deep health check) → InstanceIdInUse; reboot
   * needs Running, replace Running or Failure, delete anything not already shutting down.
   */
  refusal(
    instance: SimInstance,
    kind: BatchKind,
    origin: OperationOrigin = 'api',
  ): ActionRefusal | undefined {
    const scripted = origin === 'api' ? this.nodeActionFailures.get(instance.instanceId) : undefined;
    if (scripted && scripted.remaining > 0) {
      scripted.remaining -= 1;
      if (scripted.remaining === 0) this.nodeActionFailures.delete(instance.instanceId);
      return {
        code: scripted.code,
        message:
          scripted.code === 'InternalServerError'
            ? `An internal error occurred while processing node ${instance.instanceId}.`
            : `Instance ${instance.instanceId}: injected ${scripted.code}.`,
      };
    }
    const op = instance.operation;
    if (op) {
      if (op.origin === 'api') {
        return {
          code: 'InvalidInstanceStatus',
          message: `Instance ${instance.instanceId} is in ${instance.status} status with a ${op.kind} in progress.`,
        };
      }
      return {
        code: 'InstanceIdInUse',
        message: `Instance ${instance.instanceId} is in use by another operation (${op.kind}, ${op.origin}).`,
      };
    }
    const allowed =
      kind === 'reboot'
        ? instance.status === 'Running'
        : kind === 'replace'
          ? instance.status === 'Running' || instance.status === 'Failure'
          : instance.status !== 'ShuttingDown';
    if (!allowed) {
      return {
        code: 'InvalidInstanceStatus',
        message: `Instance ${instance.instanceId} is in ${instance.status} status and cannot be ${kind === 'reboot' ? 'rebooted' : kind === 'replace' ? 'replaced' : 'deleted'}.`,
      };
    }
    return undefined;
  }

  start(cluster: SimCluster, instance: SimInstance, kind: BatchKind, origin: OperationOrigin): void {
    this.started.push({ kind, instanceId: instance.instanceId, origin, at: new Date() });
    if (kind === 'reboot') this.startReboot(cluster, instance, origin);
    else if (kind === 'replace') this.startReplace(cluster, instance, origin);
    else this.startDelete(cluster, instance, origin);
  }

  startReboot(cluster: SimCluster, instance: SimInstance, origin: OperationOrigin): void {
    instance.operation = this.op('reboot', origin);
    this.recordClusterEvent(cluster, {
      level: 'Info',
      instance,
      description: `Reboot of instance ${instance.instanceId} in ${where(cluster, instance)} is in progress`,
    });
    this.run(async () => {
      await this.kube(cluster, (k) => k.setNodeReady(instance.nodeName, false));
      await this.sleep(this.timings.rebootMs);
      instance.bootId = randomUUID();
      const group = this.group(cluster, instance.instanceGroupName);
      if (instance.gpusAllocatable !== group.gpusPerNode) {
        instance.gpusAllocatable = group.gpusPerNode;
        await this.kube(cluster, (k) => k.setGpuAllocatable(instance.nodeName, group.gpusPerNode));
      }
      await this.kube(cluster, (k) =>
        k.setNodeLabels(instance.nodeName, { [NODE_HEALTH_LABEL]: 'Schedulable' }),
      );
      await this.kube(cluster, (k) => k.setNodeReady(instance.nodeName, true, { bootId: instance.bootId }));
      this.recordClusterEvent(cluster, {
        level: 'Info',
        instance,
        description: `Reboot of instance ${instance.instanceId} in ${where(cluster, instance)} completed`,
      });
      instance.operation = undefined;
    });
  }

  startReplace(cluster: SimCluster, old: SimInstance, origin: OperationOrigin): void {
    old.operation = this.op('replace', origin);
    old.status = 'ShuttingDown';
    this.recordClusterEvent(cluster, {
      level: 'Info',
      instance: old,
      description: `Termination of instance ${old.instanceId} in ${where(cluster, old)} is in progress as part of replacement`,
    });
    this.run(async () => {
      await this.kube(cluster, (k) => k.setNodeReady(old.nodeName, false));
      await this.sleep(this.timings.shutdownMs);
      cluster.nodes = cluster.nodes.filter((n) => n !== old);
      await this.kube(cluster, (k) => k.deleteNode(old.nodeName));
      const group = this.group(cluster, old.instanceGroupName);
      const fresh = newInstance(group, {
        ...(this.options.logicalIdSurvivesReplacement === false ? {} : { nodeLogicalId: old.nodeLogicalId }),
        status: 'Pending',
      });
      fresh.operation = this.op('replace', origin);
      cluster.nodes.push(fresh);
      await this.launch(cluster, fresh, Math.max(0, this.timings.replaceMs - this.timings.shutdownMs));
    });
  }

  startDelete(cluster: SimCluster, instance: SimInstance, origin: OperationOrigin): void {
    instance.operation = this.op('delete', origin);
    instance.status = 'ShuttingDown';
    this.recordClusterEvent(cluster, {
      level: 'Info',
      instance,
      description: `Termination of instance ${instance.instanceId} in ${where(cluster, instance)} is in progress`,
    });
    this.run(async () => {
      await this.kube(cluster, (k) => k.setNodeReady(instance.nodeName, false));
      await this.sleep(this.timings.shutdownMs);
      cluster.nodes = cluster.nodes.filter((n) => n !== instance);
      const group = cluster.instanceGroups.find((g) => g.name === instance.instanceGroupName);
      if (group) group.count = Math.max(0, group.count - 1);
      await this.kube(cluster, (k) => k.deleteNode(instance.nodeName));
    });
  }

  startHealthCheck(cluster: SimCluster, instance: SimInstance): void {
    instance.operation = this.op('healthCheck', 'healthCheck');
    instance.status = 'DeepHealthCheckInProgress';
    this.run(async () => {
      // During a deep health check HyperPod labels the node Unschedulable and taints it
      // `…/node-health-status=Unschedulable:NoSchedule`, untainting it on a pass
      // (docs/facts/node-identity.md identity.taint-deep-health-check).
      await this.kube(cluster, async (k) => {
        await k.setNodeLabels(instance.nodeName, {
          [DEEP_HEALTH_CHECK_LABEL]: 'InProgress',
          [NODE_HEALTH_LABEL]: 'Unschedulable',
        });
        await k.setNodeTaint(instance.nodeName, DEEP_HEALTH_CHECK_TAINT, true);
      });
      await this.sleep(this.timings.healthCheckMs);
      const failed = this.healthCheckFailures.delete(instance.instanceId);
      instance.status = 'Running';
      if (!failed) {
        await this.kube(cluster, async (k) => {
          await k.setNodeLabels(instance.nodeName, {
            [DEEP_HEALTH_CHECK_LABEL]: 'Passed',
            [NODE_HEALTH_LABEL]: 'Schedulable',
          });
          await k.setNodeTaint(instance.nodeName, DEEP_HEALTH_CHECK_TAINT, false);
        });
        instance.operation = undefined;
        return;
      }
      // EKS: a failing deep health check always ends in a replacement.
      await this.kube(cluster, (k) =>
        k.setNodeLabels(instance.nodeName, {
          [DEEP_HEALTH_CHECK_LABEL]: 'Failed',
          [NODE_HEALTH_LABEL]: UNSCHEDULABLE_PENDING_REPLACEMENT,
        }),
      );
      instance.operation = undefined;
      this.startReplace(cluster, instance, 'automatic');
    });
  }

  /** Pending → Running → Node joined, or Pending → Failure under a capacity shortage. */
  private async launch(cluster: SimCluster, instance: SimInstance, bootMs: number): Promise<void> {
    this.recordClusterEvent(cluster, {
      level: 'Info',
      instance,
      description: `Instance ${instance.instanceId} in ${where(cluster, instance)} is starting as part of replacement`,
    });
    if (this.capacityOf(cluster, instance.instanceGroupName) === 'unavailable') {
      await this.sleep(this.timings.capacityFailMs);
      const message = capacityFailureMessage(instance.instanceType);
      instance.status = 'Failure';
      instance.message = message;
      instance.failureReason = 'capacity';
      instance.operation = undefined;
      this.recordClusterEvent(cluster, {
        level: 'Error',
        instance,
        description: `Instance creation in Cluster ${cluster.name} and InstanceGroup ${instance.instanceGroupName} failed`,
        metadata: { Instance: { NodeLogicalId: instance.nodeLogicalId, FailureMessage: message } },
      });
      return;
    }
    await this.sleep(bootMs);
    instance.status = 'Running';
    instance.message = undefined;
    instance.failureReason = undefined;
    instance.launchTime = new Date();
    await this.sleep(this.timings.nodeJoinMs);
    await this.kube(cluster, (k) => k.createNode(this.nodeSpec(cluster, instance)));
    this.recordClusterEvent(cluster, {
      level: 'Info',
      instance,
      description: `Instance ${instance.instanceId} in ${where(cluster, instance)} started successfully as part of replacement`,
    });
    instance.operation = undefined;
  }

  // ---------------------------------------------------------------- automatic node recovery

  /**
   * What HyperPod does with NodeRecovery=Automatic: reboots or replaces nodes whose
   * `node-health-status` label says `UnschedulablePendingReboot` / `…Replacement`.
   */
  async reconcile(): Promise<ReconcileAction[]> {
    const actions: ReconcileAction[] = [];
    for (const cluster of this.clusters) {
      const kube = this.kubes.get(cluster.name);
      if (cluster.nodeRecovery !== 'Automatic' || !kube) continue;
      let nodes: Awaited<ReturnType<SimKubeAdmin['listNodes']>>;
      try {
        nodes = await kube.listNodes();
      } catch (error) {
        this.errors.push(error);
        continue;
      }
      for (const node of nodes) {
        const label = node.metadata.labels?.[NODE_HEALTH_LABEL];
        const action: NodeAction | undefined =
          label === UNSCHEDULABLE_PENDING_REBOOT
            ? 'reboot'
            : label === UNSCHEDULABLE_PENDING_REPLACEMENT
              ? 'replace'
              : undefined;
        if (!action) continue;
        const instance = cluster.nodes.find((n) => n.nodeName === node.metadata.name);
        if (!instance || this.refusal(instance, action, 'automatic')) continue;
        this.start(cluster, instance, action, 'automatic');
        actions.push({ cluster: cluster.name, instanceId: instance.instanceId, action });
      }
    }
    return actions;
  }

  setNodeRecovery(clusterNameOrArn: string, mode: NodeRecovery): void {
    this.mustCluster(clusterNameOrArn).nodeRecovery = mode;
  }

  // ---------------------------------------------------------------- fault injection

  /** Emits an HMA Node Health Event and (by default) labels the node as HMA does. */
  async injectFault(options: InjectFaultOptions): Promise<SimEvent> {
    const { cluster, instance } = this.findInstance(options.instanceId, options.cluster);
    const action = options.action ?? actionForFault(options.faultType);
    const event = this.envelope(cluster, NODE_HEALTH_EVENT, {
      ClusterName: cluster.name,
      InstanceId: instance.instanceId,
      Tags: {},
      ClusterArn: cluster.arn,
      HealthSummary: {
        HealthStatus: 'Unhealthy',
        RepairAction: 'None',
        HealthStatusReason: `HyperPod Health Monitoring Agent (HMA) has detected fault type ${options.faultType} on this node and is unhealthy.${options.neuronError ? ` Node condition NeuronHealth is now: True, reason: NeuronHasError_${options.neuronError}` : ''}`,
        Recommendation:
          action === 'replace' ? 'Please Replace the Faulty Node.' : 'Please Reboot the Faulty Node.',
      },
    });
    if (options.labels !== false) {
      const value = action === 'replace' ? UNSCHEDULABLE_PENDING_REPLACEMENT : UNSCHEDULABLE_PENDING_REBOOT;
      await this.kube(
        cluster,
        (k) => k.setNodeLabels(instance.nodeName, { [NODE_HEALTH_LABEL]: value }),
        true,
      );
    }
    if (options.emit !== false) this.emit(event);
    return event;
  }

  /** Lowers the allocatable accelerator devices on the instance's node (a reboot restores them). */
  async loseGpus(instanceId: string, remaining: number): Promise<void> {
    const { cluster, instance } = this.findInstance(instanceId);
    instance.gpusAllocatable = remaining;
    await this.kube(cluster, (k) => k.setGpuAllocatable(instance.nodeName, remaining), true);
  }

  /** InstanceStatus → Failure (and the node NotReady). */
  async failInstance(instanceId: string, message = 'Instance failed health checks.'): Promise<void> {
    const { cluster, instance } = this.findInstance(instanceId);
    instance.status = 'Failure';
    instance.message = message;
    instance.failureReason = 'injected';
    await this.kube(cluster, (k) => k.setNodeReady(instance.nodeName, false), true);
  }

  /**
   * The next `count` Batch*ClusterNodes calls (ours, not HyperPod's automatic recovery) answer
   * this per-node code for the instance, e.g. `InternalServerError` ("an internal error occurred
   * while processing this node") or `InstanceIdInUse`, whatever the instance's state.
   */
  failNodeAction(instanceId: string, code: NodeActionErrorCode, count = 1): void {
    const { instance } = this.findInstance(instanceId);
    this.nodeActionFailures.set(instance.instanceId, { code, remaining: count });
  }

  /**
   * An operation that is not a recovery holds the instance for `forMs`: `SystemUpdating` (a
   * software update) or `DeepHealthCheckInProgress` (a deep health check that passes).
   * Meanwhile reboot/replace answer InstanceIdInUse (another operation in progress); then the
   * instance is Running again. The Kubernetes node is left as it is.
   */
  holdNode(
    instanceId: string,
    status: Extract<SimInstance['status'], 'SystemUpdating' | 'DeepHealthCheckInProgress'>,
    forMs: number,
  ): void {
    const { instance } = this.findInstance(instanceId);
    if (instance.operation) throw new Error(`instance ${instanceId} is busy with ${instance.operation.kind}`);
    const operation = this.op(status === 'SystemUpdating' ? 'softwareUpdate' : 'healthCheck', 'automatic');
    instance.operation = operation;
    instance.status = status;
    this.run(async () => {
      await this.sleep(forMs);
      if (instance.operation !== operation) return;
      instance.status = 'Running';
      instance.operation = undefined;
    });
  }

  /** The next deep health check of this instance fails (and HyperPod replaces it). */
  failHealthCheck(instanceId: string): void {
    this.findInstance(instanceId);
    this.healthCheckFailures.add(instanceId);
  }

  /**
   * Capacity for an instance group (all clusters, or one). Back to `available`: instances that
   * failed for capacity are launched again, as HyperPod retries queued replacements.
   */
  setCapacity(group: string, mode: CapacityMode, options: { cluster?: string } = {}): void {
    const cluster = options.cluster ? this.mustCluster(options.cluster) : undefined;
    this.capacity.set(cluster ? `${cluster.name}/${group}` : group, mode);
    if (mode !== 'available') return;
    for (const c of cluster ? [cluster] : this.clusters) {
      if (this.capacityOf(c, group) !== 'available') continue;
      for (const instance of c.nodes) {
        if (
          instance.instanceGroupName !== group ||
          instance.failureReason !== 'capacity' ||
          instance.operation
        )
          continue;
        instance.status = 'Pending';
        instance.message = undefined;
        instance.operation = this.op('launch', 'automatic');
        this.run(() => this.launch(c, instance, this.timings.replaceMs));
      }
    }
  }

  capacityOf(cluster: SimCluster, group: string): CapacityMode {
    return this.capacity.get(`${cluster.name}/${group}`) ?? this.capacity.get(group) ?? 'available';
  }

  // ---------------------------------------------------------------- events

  emit(event: SimEvent): void {
    this.events.push(event);
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.errors.push(error);
    }
  }

  envelope(
    cluster: SimCluster,
    detailType: string,
    detail: Record<string, unknown>,
    time = new Date(),
  ): SimEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: SAGEMAKER_SOURCE,
      account: ACCOUNT_ID,
      time: eventTime(time),
      region: REGION,
      resources: [cluster.arn],
      detail,
    };
  }

  /**
   * Records a Cluster Event (ListClusterEvents) and emits it as `SageMaker HyperPod Cluster
   * Event`; only clusters with NodeProvisioningMode=Continuous have them (docs/FACTS.md events.cluster-event-shape).
   */
  recordClusterEvent(
    cluster: SimCluster,
    event: {
      level: ClusterEventRecord['EventLevel'];
      description: string;
      instance?: SimInstance;
      metadata?: Record<string, Record<string, unknown>>;
    },
  ): ClusterEventRecord | undefined {
    if (cluster.nodeProvisioningMode !== 'Continuous') return undefined;
    const now = new Date();
    const record: ClusterEventRecord = {
      EventId: randomUUID(),
      ClusterArn: cluster.arn,
      ClusterName: cluster.name,
      ...(event.instance
        ? { InstanceGroupName: event.instance.instanceGroupName, InstanceId: event.instance.instanceId }
        : {}),
      ResourceType: event.instance ? 'Instance' : 'Cluster',
      EventTime: now,
      EventLevel: event.level,
      Description: event.description,
      ...(event.metadata ? { EventDetails: { EventMetadata: event.metadata } } : {}),
    };
    const list = this.clusterEvents.get(cluster.arn) ?? [];
    list.push(record);
    this.clusterEvents.set(cluster.arn, list);
    this.emit(
      this.envelope(cluster, CLUSTER_EVENT, { EventDetails: { ...record, EventTime: now.getTime() } }, now),
    );
    return record;
  }

  // ---------------------------------------------------------------- tasks

  /** Resolves once no lifecycle task is running (rejects after timeoutMs). */
  async whenIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0) {
      if (Date.now() > deadline) throw new Error(`simulator still busy after ${timeoutMs} ms`);
      await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 50))]);
    }
  }

  get busy(): number {
    return this.inflight.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.reject(new Stopped());
    }
    this.waits.clear();
    await Promise.allSettled([...this.inflight]);
  }

  private run(task: () => Promise<void>): void {
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        if (!(error instanceof Stopped)) this.errors.push(error);
      })
      .finally(() => this.inflight.delete(promise));
    this.inflight.add(promise);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Stopped());
    return new Promise((resolve, reject) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        reject,
      };
      this.waits.add(wait);
    });
  }

  /** One Kubernetes step; failures are recorded (or thrown for direct fault-injection calls). */
  private async kube(
    cluster: SimCluster,
    step: (kube: SimKubeAdmin) => Promise<void>,
    rethrow = false,
  ): Promise<void> {
    const kube = this.kubes.get(cluster.name);
    if (!kube) return;
    // The node's agents keep trying while the apiserver is unreachable (restarting): up to 30 s.
    for (let attempt = 0; ; attempt++) {
      try {
        await step(kube);
        return;
      } catch (error) {
        if (attempt < 120 && unreachable(error)) {
          await this.sleep(250);
          continue;
        }
        if (rethrow) throw error;
        this.errors.push(error);
        return;
      }
    }
  }

  private op(kind: InstanceOperation['kind'], origin: OperationOrigin): InstanceOperation {
    return { kind, origin, startedAt: new Date() };
  }

  nodeSpec(cluster: SimCluster, instance: SimInstance): SimNodeSpec {
    const group = this.group(cluster, instance.instanceGroupName);
    return {
      name: instance.nodeName,
      instanceId: instance.instanceId,
      instanceType: instance.instanceType,
      instanceGroupName: instance.instanceGroupName,
      clusterName: cluster.name,
      clusterId: cluster.clusterId,
      gpus: group.gpusPerNode,
      bootId: instance.bootId,
      region: REGION,
      availabilityZone: instance.availabilityZone,
      availabilityZoneId: instance.availabilityZoneId,
    };
  }
}
