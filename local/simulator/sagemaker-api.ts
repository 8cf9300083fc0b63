/**
 * The SageMaker HyperPod operations of the simulator (awsJson1_1 bodies in, bodies out), with
 * the shapes and limits of docs/FACTS.md sagemaker.* and the botocore models (docs/facts/aws-api-models.md): ≤ 25 ids per reboot/replace call, per-node
 * problems in `Failed` (`ErrorCode`; `Code` for delete), ResourceNotFound for unknown clusters,
 * epoch-second timestamps.
 */
import type { BatchKind, ClusterEventRecord, SimEngine } from '#local/simulator/engine.ts';
import type { SimCluster, SimInstance } from '#local/simulator/model.ts';
import {
  decodeNextToken,
  encodeNextToken,
  epochSeconds,
  readMaxResults,
  readTimestamp,
  SimApiError,
  validation,
} from '#local/simulator/wire.ts';

type Input = Record<string, unknown>;
export type SageMakerOperation = (engine: SimEngine, input: Input, options: SageMakerApiOptions) => unknown;

export interface SageMakerApiOptions {
  /** MaxResults when the request has none (ListClusterNodes, ListClusterEvents). */
  defaultMaxResults: number;
}

const resolveCluster = (engine: SimEngine, input: Input): SimCluster => {
  const name = input.ClusterName;
  if (typeof name !== 'string' || name === '') {
    throw validation(
      "1 validation error detected: Value null at 'clusterName' failed to satisfy constraint: Member must not be null",
    );
  }
  const cluster = engine.findCluster(name);
  if (!cluster) throw new SimApiError('ResourceNotFound', `Cluster with name or arn '${name}' not found.`);
  return cluster;
};

const stringList = (value: unknown, field: string): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw validation(`Invalid value for ${field}: expected a list of strings`);
  }
  return value as string[];
};

const statusDetails = (instance: SimInstance) => ({
  Status: instance.status,
  ...(instance.message ? { Message: instance.message } : {}),
});

const privateDns = (instance: SimInstance) =>
  `ip-${instance.privateIp.replaceAll('.', '-')}.us-west-2.compute.internal`;

const describeCluster: SageMakerOperation = (engine, input) => {
  const cluster = resolveCluster(engine, input);
  return {
    ClusterArn: cluster.arn,
    ClusterName: cluster.name,
    ClusterStatus: cluster.status,
    CreationTime: epochSeconds(cluster.creationTime),
    InstanceGroups: cluster.instanceGroups.map((g) => ({
      CurrentCount: cluster.nodes.filter((n) => n.instanceGroupName === g.name && n.status === 'Running')
        .length,
      TargetCount: g.count,
      InstanceGroupName: g.name,
      InstanceType: g.instanceType,
      LifeCycleConfig: {
        SourceS3Uri: `s3://sagemaker-${cluster.clusterId}/lifecycle/`,
        OnCreate: 'on_create.sh',
      },
      ExecutionRole: `arn:aws:iam::111122223333:role/${cluster.name}-execution-role`,
      ThreadsPerCore: 1,
      Status: 'InService',
    })),
    VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] },
    Orchestrator: { Eks: { ClusterArn: cluster.eksClusterArn } },
    NodeRecovery: cluster.nodeRecovery,
    ...(cluster.nodeProvisioningMode ? { NodeProvisioningMode: cluster.nodeProvisioningMode } : {}),
  };
};

const nodeSummary = (instance: SimInstance, withLogicalId: boolean) => ({
  InstanceGroupName: instance.instanceGroupName,
  InstanceId: instance.instanceId,
  ...(withLogicalId ? { NodeLogicalId: instance.nodeLogicalId } : {}),
  InstanceType: instance.instanceType,
  LaunchTime: epochSeconds(instance.launchTime),
  InstanceStatus: statusDetails(instance),
  PrivateDnsHostname: privateDns(instance),
});

const listClusterNodes: SageMakerOperation = (engine, input, options) => {
  const cluster = resolveCluster(engine, input);
  const maxResults = readMaxResults(input.MaxResults, options.defaultMaxResults);
  const after = readTimestamp(input.CreationTimeAfter, 'CreationTimeAfter');
  const before = readTimestamp(input.CreationTimeBefore, 'CreationTimeBefore');
  const contains =
    typeof input.InstanceGroupNameContains === 'string' ? input.InstanceGroupNameContains : undefined;
  const sortBy = input.SortBy ?? 'CREATION_TIME';
  const sortOrder = input.SortOrder ?? 'Ascending';
  if (sortBy !== 'CREATION_TIME' && sortBy !== 'NAME') throw validation(`Invalid SortBy: ${String(sortBy)}`);
  if (sortOrder !== 'Ascending' && sortOrder !== 'Descending')
    throw validation(`Invalid SortOrder: ${String(sortOrder)}`);
  const query = JSON.stringify([
    cluster.arn,
    after?.getTime(),
    before?.getTime(),
    contains,
    sortBy,
    sortOrder,
  ]);
  const offset = decodeNextToken(input.NextToken, query);

  const byName = (a: SimInstance, b: SimInstance) => a.instanceId.localeCompare(b.instanceId);
  const nodes = cluster.nodes
    .filter((n) => (after ? n.launchTime > after : true))
    .filter((n) => (before ? n.launchTime < before : true))
    .filter((n) => (contains ? n.instanceGroupName.includes(contains) : true))
    .sort(
      sortBy === 'NAME' ? byName : (a, b) => a.launchTime.getTime() - b.launchTime.getTime() || byName(a, b),
    );
  if (sortOrder === 'Descending') nodes.reverse();
  const page = nodes.slice(offset, offset + maxResults);
  const next = offset + maxResults < nodes.length ? encodeNextToken(offset + maxResults, query) : undefined;
  return {
    ...(next ? { NextToken: next } : {}),
    ClusterNodeSummaries: page.map((n) => nodeSummary(n, input.IncludeNodeLogicalIds === true)),
  };
};

const describeClusterNode: SageMakerOperation = (engine, input) => {
  const cluster = resolveCluster(engine, input);
  const { NodeId: nodeId, NodeLogicalId: logicalId } = input;
  if (typeof nodeId !== 'string' && typeof logicalId !== 'string') {
    throw validation('Either NodeId or NodeLogicalId must be provided.');
  }
  const instance = cluster.nodes.find((n) =>
    typeof nodeId === 'string' ? n.instanceId === nodeId : n.nodeLogicalId === logicalId,
  );
  if (!instance) {
    throw new SimApiError(
      'ResourceNotFound',
      `Node ${String(nodeId ?? logicalId)} not found in cluster ${cluster.arn}.`,
    );
  }
  return {
    NodeDetails: {
      InstanceGroupName: instance.instanceGroupName,
      InstanceId: instance.instanceId,
      NodeLogicalId: instance.nodeLogicalId,
      InstanceStatus: statusDetails(instance),
      InstanceType: instance.instanceType,
      LaunchTime: epochSeconds(instance.launchTime),
      LifeCycleConfig: {
        SourceS3Uri: `s3://sagemaker-${cluster.clusterId}/lifecycle/`,
        OnCreate: 'on_create.sh',
      },
      ThreadsPerCore: 1,
      PrivatePrimaryIp: instance.privateIp,
      PrivateDnsHostname: privateDns(instance),
      Placement: {
        AvailabilityZone: instance.availabilityZone,
        AvailabilityZoneId: instance.availabilityZoneId,
      },
    },
  };
};

const LIMITS: Record<BatchKind, { ids: number; logicalIds: number }> = {
  reboot: { ids: 25, logicalIds: 25 },
  replace: { ids: 25, logicalIds: 25 },
  delete: { ids: 99, logicalIds: 50 },
};

const DELETE_CODES: Record<string, string> = {
  InstanceIdNotFound: 'NodeIdNotFound',
  InvalidInstanceStatus: 'InvalidNodeStatus',
  InstanceIdInUse: 'NodeIdInUse',
};

const batch =
  (kind: BatchKind): SageMakerOperation =>
  (engine, input) => {
    const cluster = resolveCluster(engine, input);
    const ids = stringList(input.NodeIds, 'NodeIds');
    const logicalIds = stringList(input.NodeLogicalIds, 'NodeLogicalIds');
    if (!ids?.length && !logicalIds?.length) {
      throw validation('Either NodeIds or NodeLogicalIds must be provided.');
    }
    for (const [field, list, max] of [
      ['nodeIds', ids, LIMITS[kind].ids],
      ['nodeLogicalIds', logicalIds, LIMITS[kind].logicalIds],
    ] as const) {
      if (list && list.length > max) {
        throw validation(
          `1 validation error detected: Value '[${list.join(', ')}]' at '${field}' failed to satisfy constraint: ` +
            `Member must have length less than or equal to ${max}`,
        );
      }
    }
    const codeField = kind === 'delete' ? 'Code' : 'ErrorCode';
    const codeOf = (code: string) => (kind === 'delete' ? (DELETE_CODES[code] ?? code) : code);

    const act = (instance: SimInstance | undefined, id: string) => {
      if (!instance) {
        return {
          code: codeOf('InstanceIdNotFound'),
          message: `Node ${id} not found in cluster ${cluster.name}.`,
        };
      }
      const refusal = engine.refusal(instance, kind);
      if (refusal) return { code: codeOf(refusal.code), message: refusal.message };
      engine.start(cluster, instance, kind, 'api');
      return undefined;
    };

    const out: Record<string, unknown> = {};
    if (ids) {
      const successful: string[] = [];
      const failed: Record<string, string>[] = [];
      for (const id of new Set(ids)) {
        const problem = act(
          cluster.nodes.find((n) => n.instanceId === id),
          id,
        );
        if (problem) failed.push({ NodeId: id, [codeField]: problem.code, Message: problem.message });
        else successful.push(id);
      }
      // The model's Successful list (ClusterNodeIds) has min 1: an empty list is left out.
      if (successful.length) out.Successful = successful;
      if (failed.length) out.Failed = failed;
    }
    if (logicalIds) {
      const successful: string[] = [];
      const failed: Record<string, string>[] = [];
      for (const id of new Set(logicalIds)) {
        const problem = act(
          cluster.nodes.find((n) => n.nodeLogicalId === id),
          id,
        );
        if (problem) failed.push({ NodeLogicalId: id, [codeField]: problem.code, Message: problem.message });
        else successful.push(id);
      }
      if (successful.length) out.SuccessfulNodeLogicalIds = successful;
      if (failed.length) out.FailedNodeLogicalIds = failed;
    }
    return out;
  };

const DEEP_HEALTH_CHECKS = new Set(['InstanceStress', 'InstanceConnectivity']);

const startClusterHealthCheck: SageMakerOperation = (engine, input) => {
  const cluster = resolveCluster(engine, input);
  const configs = input.DeepHealthCheckConfigurations;
  if (!Array.isArray(configs) || configs.length === 0) {
    throw validation('DeepHealthCheckConfigurations must contain at least one entry.');
  }
  const targets: SimInstance[] = [];
  for (const raw of configs as Input[]) {
    const groupName = raw.InstanceGroupName;
    const group = cluster.instanceGroups.find((g) => g.name === groupName);
    if (!group) throw validation(`Instance group ${String(groupName)} not found in cluster ${cluster.name}.`);
    const checks = stringList(raw.DeepHealthChecks, 'DeepHealthChecks');
    if (!checks?.length || checks.some((c) => !DEEP_HEALTH_CHECKS.has(c))) {
      throw validation('DeepHealthChecks must be a non-empty list of InstanceStress | InstanceConnectivity.');
    }
    const ids = stringList(raw.InstanceIds, 'InstanceIds');
    const members = cluster.nodes.filter((n) => n.instanceGroupName === group.name);
    if (ids) {
      for (const id of ids) {
        const instance = members.find((n) => n.instanceId === id);
        if (!instance) throw validation(`Instance ${id} is not part of instance group ${group.name}.`);
        targets.push(instance);
      }
    } else {
      targets.push(...members);
    }
  }
  // Nodes busy or not Running are skipped (HyperPod skips nodes it cannot check).
  for (const instance of new Set(targets)) {
    if (instance.status === 'Running' && !instance.operation) engine.startHealthCheck(cluster, instance);
  }
  return { ClusterArn: cluster.arn };
};

const eventSummary = (e: ClusterEventRecord) => ({
  EventId: e.EventId,
  ClusterArn: e.ClusterArn,
  ClusterName: e.ClusterName,
  ...(e.InstanceGroupName ? { InstanceGroupName: e.InstanceGroupName } : {}),
  ...(e.InstanceId ? { InstanceId: e.InstanceId } : {}),
  ResourceType: e.ResourceType,
  EventTime: epochSeconds(e.EventTime),
  ...(e.Description ? { Description: e.Description } : {}),
  EventLevel: e.EventLevel,
});

const requireContinuous = (cluster: SimCluster, operation: string) => {
  if (cluster.nodeProvisioningMode !== 'Continuous') {
    throw validation(
      `${operation} is supported only for clusters with NodeProvisioningMode set to Continuous.`,
    );
  }
};

const listClusterEvents: SageMakerOperation = (engine, input, options) => {
  const cluster = resolveCluster(engine, input);
  requireContinuous(cluster, 'ListClusterEvents');
  const maxResults = readMaxResults(input.MaxResults, options.defaultMaxResults);
  const after = readTimestamp(input.EventTimeAfter, 'EventTimeAfter');
  const before = readTimestamp(input.EventTimeBefore, 'EventTimeBefore');
  const sortOrder = input.SortOrder ?? 'Descending';
  if (sortOrder !== 'Ascending' && sortOrder !== 'Descending')
    throw validation(`Invalid SortOrder: ${String(sortOrder)}`);
  const { InstanceGroupName: group, NodeId: nodeId, ResourceType: type } = input;
  const query = JSON.stringify([
    cluster.arn,
    after?.getTime(),
    before?.getTime(),
    group,
    nodeId,
    type,
    sortOrder,
  ]);
  const offset = decodeNextToken(input.NextToken, query);
  const events = (engine.clusterEvents.get(cluster.arn) ?? [])
    .filter((e) => (after ? e.EventTime > after : true))
    .filter((e) => (before ? e.EventTime < before : true))
    .filter((e) => (typeof group === 'string' ? e.InstanceGroupName === group : true))
    .filter((e) => (typeof nodeId === 'string' ? e.InstanceId === nodeId : true))
    .filter((e) => (typeof type === 'string' ? e.ResourceType === type : true));
  if (sortOrder === 'Descending') events.reverse();
  const page = events.slice(offset, offset + maxResults);
  const next = offset + maxResults < events.length ? encodeNextToken(offset + maxResults, query) : undefined;
  return { ...(next ? { NextToken: next } : {}), Events: page.map(eventSummary) };
};

const describeClusterEvent: SageMakerOperation = (engine, input) => {
  const cluster = resolveCluster(engine, input);
  requireContinuous(cluster, 'DescribeClusterEvent');
  const event = (engine.clusterEvents.get(cluster.arn) ?? []).find((e) => e.EventId === input.EventId);
  if (!event) throw new SimApiError('ResourceNotFound', `Event ${String(input.EventId)} not found.`);
  return {
    EventDetails: {
      ...eventSummary(event),
      ...(event.EventDetails ? { EventDetails: event.EventDetails } : {}),
    },
  };
};

export const SAGEMAKER_OPERATIONS: Record<string, SageMakerOperation> = {
  DescribeCluster: describeCluster,
  ListClusterNodes: listClusterNodes,
  DescribeClusterNode: describeClusterNode,
  BatchRebootClusterNodes: batch('reboot'),
  BatchReplaceClusterNodes: batch('replace'),
  BatchDeleteClusterNodes: batch('delete'),
  StartClusterHealthCheck: startClusterHealthCheck,
  ListClusterEvents: listClusterEvents,
  DescribeClusterEvent: describeClusterEvent,
};
