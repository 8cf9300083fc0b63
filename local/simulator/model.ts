/**
 * The simulated HyperPod cluster: clusters, instance groups and instances, with the identifiers
 * HyperPod uses (cluster ARN with a 12-character id, `i-` + 17 hex instance ids, NodeLogicalId
 * UUIDs, `hyperpod-i-…` node names). Plain data plus small constructors; the lifecycles live in
 * server.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { neuronDevicesForType } from '#local/simulator/device-plugins.ts';
import {
  availabilityZoneIdOf,
  DEEP_HEALTH_CHECK_STATUS_LABEL,
  hyperpodNodeName,
  NODE_HEALTH_STATUS_LABEL,
} from '#local/simulator/hyperpod-node-shape.ts';

export const ACCOUNT_ID = '111122223333';
export const REGION = 'us-west-2';
export const AVAILABILITY_ZONE = 'us-west-2a';

/** HyperPod node health label (docs/FACTS.md labels.node-health-status). */
export const NODE_HEALTH_LABEL = NODE_HEALTH_STATUS_LABEL;
export const DEEP_HEALTH_CHECK_LABEL = DEEP_HEALTH_CHECK_STATUS_LABEL;

export type InstanceStatus =
  | 'Pending'
  | 'Running'
  | 'Failure'
  | 'ShuttingDown'
  | 'DeepHealthCheckInProgress'
  | 'SystemUpdating';

export type NodeRecovery = 'Automatic' | 'None';

/** Who started the operation running on an instance. */
export type OperationOrigin = 'api' | 'automatic' | 'healthCheck';

export interface InstanceOperation {
  kind: 'reboot' | 'replace' | 'delete' | 'healthCheck' | 'launch' | 'softwareUpdate';
  origin: OperationOrigin;
  startedAt: Date;
}

export interface SimInstanceGroup {
  name: string;
  instanceType: string;
  /** Target count. */
  count: number;
  gpusPerNode: number;
}

export interface SimInstance {
  instanceId: string;
  nodeLogicalId: string;
  instanceGroupName: string;
  instanceType: string;
  status: InstanceStatus;
  /** `InstanceStatus.Message` (set on Failure). */
  message?: string;
  launchTime: Date;
  bootId: string;
  nodeName: string;
  availabilityZone: string;
  /** The AZ id of `availabilityZone` (`usw2-az1`): what the node's providerID carries. */
  availabilityZoneId: string;
  privateIp: string;
  /** The operation in flight, if any (reboot, replace, delete, deep health check, launch). */
  operation?: InstanceOperation;
  /** Why the instance is in Failure: `capacity` ones are relaunched when capacity returns. */
  failureReason?: 'capacity' | 'injected' | 'healthCheck';
  /** GPUs currently allocatable on the node (lowered by `loseGpus`, restored by a reboot). */
  gpusAllocatable: number;
}

export interface SimCluster {
  name: string;
  arn: string;
  clusterId: string;
  eksClusterName: string;
  eksClusterArn: string;
  status: 'InService' | 'Updating' | 'SystemUpdating' | 'Creating' | 'Failed' | 'Deleting' | 'RollingBack';
  nodeRecovery: NodeRecovery;
  nodeProvisioningMode?: 'Continuous';
  creationTime: Date;
  instanceGroups: SimInstanceGroup[];
  nodes: SimInstance[];
}

export interface InstanceGroupSpec {
  name: string;
  instanceType: string;
  count: number;
  /** Defaults from the instance type (8 for p4d/p5/p5e/p5en/p6, 4 for gb200 trays, …; 0 for CPU types). */
  gpusPerNode?: number;
}

export interface ClusterSpec {
  name: string;
  /** 12 lowercase alphanumerics; random when omitted. */
  clusterId?: string;
  /** Defaults to `<name>-eks`. */
  eksClusterName?: string;
  nodeRecovery?: NodeRecovery;
  /** `Continuous` (default) emits Cluster Events and answers ListClusterEvents; `null` turns that off. */
  nodeProvisioningMode?: 'Continuous' | null;
  instanceGroups: InstanceGroupSpec[];
}

/** An EventBridge event as HyperPod emits it. */
export type SimEvent = EventBridgeEvent<string, Record<string, unknown>>;

const GPUS_BY_TYPE: Record<string, number> = {
  'ml.p4d.24xlarge': 8,
  'ml.p4de.24xlarge': 8,
  'ml.p5.48xlarge': 8,
  'ml.p5e.48xlarge': 8,
  'ml.p5en.48xlarge': 8,
  'ml.p5.4xlarge': 1,
  'ml.p6-b200.48xlarge': 8,
  'ml.p6-b300.48xlarge': 8,
  'ml.p6e-gb200.36xlarge': 4,
  'ml.g5.xlarge': 1,
  'ml.g5.2xlarge': 1,
  'ml.g5.4xlarge': 1,
  'ml.g5.8xlarge': 1,
  'ml.g5.12xlarge': 4,
  'ml.g5.16xlarge': 1,
  'ml.g5.24xlarge': 4,
  'ml.g5.48xlarge': 8,
  'ml.g6.12xlarge': 4,
  'ml.g6.48xlarge': 8,
  'ml.g6e.12xlarge': 4,
  'ml.g6e.48xlarge': 8,
};

/** Accelerator devices per node (GPUs, or Neuron devices on trn types); 0 when unknown (CPU types). */
export const gpusForInstanceType = (instanceType: string): number =>
  GPUS_BY_TYPE[instanceType] ?? neuronDevicesForType(instanceType);

/** `i-` + 17 lowercase hex digits, as EC2 instance ids are. */
export const randomInstanceId = (): string => `i-${randomBytes(9).toString('hex').slice(0, 17)}`;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** The 12-character id at the end of a HyperPod cluster ARN. */
export const randomClusterId = (): string =>
  Array.from(randomBytes(12), (b) => ALNUM[b % ALNUM.length]).join('');

const randomPrivateIp = (): string => {
  const [a = 0, b = 0] = randomBytes(2);
  return `10.1.${a}.${Math.max(1, b % 255)}`;
};

export const clusterArn = (clusterId: string): string =>
  `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:cluster/${clusterId}`;
export const eksClusterArn = (eksName: string): string =>
  `arn:aws:eks:${REGION}:${ACCOUNT_ID}:cluster/${eksName}`;

export const newInstance = (
  group: SimInstanceGroup,
  options: { nodeLogicalId?: string; status?: InstanceStatus; launchTime?: Date } = {},
): SimInstance => {
  const instanceId = randomInstanceId();
  return {
    instanceId,
    nodeLogicalId: options.nodeLogicalId ?? randomUUID(),
    instanceGroupName: group.name,
    instanceType: group.instanceType,
    status: options.status ?? 'Running',
    launchTime: options.launchTime ?? new Date(),
    bootId: randomUUID(),
    nodeName: hyperpodNodeName(instanceId),
    availabilityZone: AVAILABILITY_ZONE,
    availabilityZoneId: availabilityZoneIdOf(AVAILABILITY_ZONE),
    privateIp: randomPrivateIp(),
    gpusAllocatable: group.gpusPerNode,
  };
};

export const createCluster = (spec: ClusterSpec, now: Date = new Date()): SimCluster => {
  const clusterId = spec.clusterId ?? randomClusterId();
  if (!/^[a-z0-9]{12}$/.test(clusterId)) {
    throw new Error(`clusterId must be 12 lowercase alphanumerics, got ${clusterId}`);
  }
  const eksClusterName = spec.eksClusterName ?? `${spec.name}-eks`;
  const instanceGroups = spec.instanceGroups.map((g) => ({
    name: g.name,
    instanceType: g.instanceType,
    count: g.count,
    gpusPerNode: g.gpusPerNode ?? gpusForInstanceType(g.instanceType),
  }));
  const nodes = instanceGroups.flatMap((g) =>
    Array.from({ length: g.count }, () => newInstance(g, { launchTime: now })),
  );
  return {
    name: spec.name,
    arn: clusterArn(clusterId),
    clusterId,
    eksClusterName,
    eksClusterArn: eksClusterArn(eksClusterName),
    status: 'InService',
    nodeRecovery: spec.nodeRecovery ?? 'Automatic',
    ...(spec.nodeProvisioningMode === null ? {} : { nodeProvisioningMode: 'Continuous' as const }),
    creationTime: now,
    instanceGroups,
    nodes,
  };
};

/** The capacity FailureMessage HyperPod reports (docs/FACTS.md events.capacity-failure-message). */
export const capacityFailureMessage = (instanceType: string): string =>
  `We currently do not have sufficient capacity to launch new ${instanceType} instances. Please try again.`;

/** EventBridge `time`: ISO 8601 without milliseconds, as in the documented examples. */
export const eventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
