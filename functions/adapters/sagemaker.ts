/**
 * ClusterNodes on the SageMaker HyperPod cluster APIs (docs/FACTS.md sagemaker.*, docs/facts/aws-api-models.md).
 *
 * - Batch reboot/replace take at most 25 ids per call: larger lists are split into sequential
 *   calls and merged. Per-node failures (`InstanceIdInUse`, `InvalidInstanceStatus`,
 *   `InstanceIdNotFound`, …) are returned, never thrown; an id SageMaker reports in neither
 *   list is returned as failed (`NotReported`), never assumed successful.
 * - Errors: throttling, 5xx and network failures → SageMakerTransientError (retryable);
 *   `ResourceNotFound` on the cluster → UnknownClusterError; any other 4xx (a whole-call
 *   `ValidationException` included) → SageMakerRequestFailedError. `cause` is always kept.
 */
import {
  BatchRebootClusterNodesCommand,
  BatchReplaceClusterNodesCommand,
  type ClusterInstanceGroupDetails,
  type ClusterNodeDetails,
  type ClusterNodeSummary,
  DescribeClusterCommand,
  DescribeClusterNodeCommand,
  type ListClusterNodesCommandInput,
  paginateListClusterNodes,
  SageMakerClient,
  StartClusterHealthCheckCommand,
} from '@aws-sdk/client-sagemaker';
import { awsErrorMessage, awsErrorName, describeAwsError, isAwsTransient } from '#adapters/aws-errors.ts';
import type {
  BatchNodeActionResult,
  ClusterInfo,
  ClusterInstanceGroup,
  ClusterNode,
  ClusterNodes,
} from '#adapters/ports.ts';
import {
  InvalidInputError,
  SageMakerRequestFailedError,
  SageMakerTransientError,
  UnknownClusterError,
} from '#contracts/errors.ts';

/** Documented maximum of BatchRebootClusterNodes / BatchReplaceClusterNodes. */
/** ListClusterNodes page size: the API's maximum MaxResults. */
const LIST_PAGE_SIZE = 100;

const MAX_NODES_PER_BATCH_CALL = 25;

/** Code given to an id that SageMaker listed neither as successful nor as failed. */
const NOT_REPORTED = 'NotReported';

type Operation =
  | 'DescribeCluster'
  | 'ListClusterNodes'
  | 'DescribeClusterNode'
  | 'BatchRebootClusterNodes'
  | 'BatchReplaceClusterNodes'
  | 'StartClusterHealthCheck';

/** Maps an SDK error to our typed errors; never returns (always throws). */
const toSageMakerError = (error: unknown, operation: Operation, clusterName: string): never => {
  const details = { operation, clusterName, awsError: awsErrorName(error) };
  const text = `${operation} on cluster ${clusterName} failed: ${describeAwsError(error)}`;
  if (isAwsTransient(error)) throw new SageMakerTransientError(text, { cause: error, details });
  // Every operation here names the cluster; in DescribeClusterNode a missing node is handled
  // by the caller before this point, so ResourceNotFound means the cluster is unknown.
  if (awsErrorName(error) === 'ResourceNotFound') {
    throw new UnknownClusterError(`SageMaker HyperPod cluster ${clusterName} not found (${operation})`, {
      cause: error,
      details,
    });
  }
  throw new SageMakerRequestFailedError(text, { cause: error, details });
};

/** Last segment of `arn:aws:eks:<region>:<account>:cluster/<name>`. */
const eksClusterNameFromArn = (arn: string | undefined): string | undefined => {
  if (!arn) return undefined;
  const name = arn.split('/').pop();
  return name ? name : undefined;
};

const iso = (date: Date | undefined): string | undefined => (date ? date.toISOString() : undefined);

/** Copies only the defined values, so results stay plain JSON without `undefined` holes. */
const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const toInstanceGroup = (group: ClusterInstanceGroupDetails): ClusterInstanceGroup =>
  defined({
    name: group.InstanceGroupName ?? '',
    instanceType: group.InstanceType,
    currentCount: group.CurrentCount,
    targetCount: group.TargetCount,
    status: group.Status,
  });

const toClusterNode = (node: ClusterNodeSummary | ClusterNodeDetails): ClusterNode =>
  defined({
    instanceId: node.InstanceId ?? '',
    instanceGroupName: node.InstanceGroupName ?? '',
    instanceType: node.InstanceType,
    nodeLogicalId: node.NodeLogicalId,
    status: node.InstanceStatus?.Status ?? 'Unknown',
    statusMessage: node.InstanceStatus?.Message,
    launchTime: iso(node.LaunchTime),
    privateDnsHostname: node.PrivateDnsHostname,
  });

/** DescribeClusterNode's ways of saying "no such node in this cluster". */
const isNodeNotFound = (error: unknown): boolean => {
  const name = awsErrorName(error);
  if (name === 'ResourceNotFound') return true;
  return name === 'ValidationException' && /not found|does not exist/i.test(awsErrorMessage(error));
};

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

interface BatchResponse {
  Successful?: string[] | undefined;
  Failed?:
    | { NodeId: string | undefined; ErrorCode: string | undefined; Message: string | undefined }[]
    | undefined;
}

/**
 * Runs one batch action over all ids, ≤ 25 per call, sequentially. A whole-call error in the
 * first chunk is thrown (nothing happened yet); once a chunk has been accepted, a later
 * whole-call error is reported per node for the remaining ids instead of hiding the actions
 * already taken behind an exception.
 */
const runBatch = async (
  clusterName: string,
  instanceIds: string[],
  operation: 'BatchRebootClusterNodes' | 'BatchReplaceClusterNodes',
  send: (nodeIds: string[]) => Promise<BatchResponse>,
): Promise<BatchNodeActionResult> => {
  const result: BatchNodeActionResult = { successful: [], failed: [] };
  const chunks = chunk([...new Set(instanceIds)], MAX_NODES_PER_BATCH_CALL);
  for (const [index, nodeIds] of chunks.entries()) {
    let response: BatchResponse;
    try {
      response = await send(nodeIds);
    } catch (error) {
      if (index === 0) return toSageMakerError(error, operation, clusterName);
      for (const instanceId of chunks.slice(index).flat()) {
        result.failed.push({ instanceId, code: awsErrorName(error), message: awsErrorMessage(error) });
      }
      return result;
    }
    const reported = new Set<string>();
    for (const id of response.Successful ?? []) {
      result.successful.push(id);
      reported.add(id);
    }
    for (const failure of response.Failed ?? []) {
      const instanceId = failure.NodeId ?? '';
      result.failed.push(
        defined({ instanceId, code: failure.ErrorCode ?? 'Unknown', message: failure.Message }),
      );
      reported.add(instanceId);
    }
    for (const id of nodeIds) {
      if (!reported.has(id)) {
        result.failed.push({
          instanceId: id,
          code: NOT_REPORTED,
          message: `${operation} did not report this node`,
        });
      }
    }
  }
  return result;
};

/** ClusterNodes backed by the SageMaker API. */
const createClusterNodes = (client: SageMakerClient): ClusterNodes => ({
  async describeCluster(clusterName: string): Promise<ClusterInfo> {
    const out = await client
      .send(new DescribeClusterCommand({ ClusterName: clusterName }))
      .catch((error: unknown) => toSageMakerError(error, 'DescribeCluster', clusterName));
    return defined({
      name: out.ClusterName ?? clusterName,
      arn: out.ClusterArn ?? '',
      status: out.ClusterStatus ?? 'Unknown',
      nodeRecovery: out.NodeRecovery,
      eksClusterName: eksClusterNameFromArn(out.Orchestrator?.Eks?.ClusterArn),
      instanceGroups: (out.InstanceGroups ?? []).map(toInstanceGroup),
    });
  },

  async listNodes(clusterName, filter = {}): Promise<ClusterNode[]> {
    const input: ListClusterNodesCommandInput = defined({
      ClusterName: clusterName,
      InstanceGroupNameContains: filter.instanceGroupNameContains,
      // Logical ids persist across a replacement: they tie the new instance to the old one.
      IncludeNodeLogicalIds: true,
      CreationTimeAfter: filter.creationTimeAfter ? new Date(filter.creationTimeAfter) : undefined,
    });
    const nodes: ClusterNode[] = [];
    try {
      // 100 per page (the documented maximum) keeps a 2,000-node sweep at 20 calls.
      for await (const page of paginateListClusterNodes({ client, pageSize: LIST_PAGE_SIZE }, input)) {
        // With IncludeNodeLogicalIds, nodes still being provisioned may have no instance id yet.
        for (const summary of page.ClusterNodeSummaries ?? [])
          if (summary.InstanceId) nodes.push(toClusterNode(summary));
      }
    } catch (error) {
      return toSageMakerError(error, 'ListClusterNodes', clusterName);
    }
    return nodes;
  },

  async describeNode(clusterName, instanceId): Promise<ClusterNode | undefined> {
    try {
      const out = await client.send(
        new DescribeClusterNodeCommand({ ClusterName: clusterName, NodeId: instanceId }),
      );
      return out.NodeDetails ? toClusterNode(out.NodeDetails) : undefined;
    } catch (error) {
      if (isNodeNotFound(error)) return undefined;
      return toSageMakerError(error, 'DescribeClusterNode', clusterName);
    }
  },

  rebootNodes: (clusterName, instanceIds) =>
    runBatch(clusterName, instanceIds, 'BatchRebootClusterNodes', (nodeIds) =>
      client.send(new BatchRebootClusterNodesCommand({ ClusterName: clusterName, NodeIds: nodeIds })),
    ),

  replaceNodes: (clusterName, instanceIds) =>
    runBatch(clusterName, instanceIds, 'BatchReplaceClusterNodes', (nodeIds) =>
      client.send(new BatchReplaceClusterNodesCommand({ ClusterName: clusterName, NodeIds: nodeIds })),
    ),

  async startHealthCheck(clusterName, targets) {
    if (targets.length === 0) return;
    // The model's InstanceIds and DeepHealthChecks lists have min 1; an empty InstanceIds would
    // not mean "these nodes" anyway (absent InstanceIds = the whole group).
    const issues = targets.flatMap((target, i) => [
      ...(target.instanceIds.length ? [] : [{ path: `targets[${i}].instanceIds`, message: 'is empty' }]),
      ...(target.deepHealthChecks.length
        ? []
        : [{ path: `targets[${i}].deepHealthChecks`, message: 'is empty' }]),
    ]);
    if (issues.length)
      throw new InvalidInputError('StartClusterHealthCheck needs instance ids and checks', issues);
    await client
      .send(
        new StartClusterHealthCheckCommand({
          ClusterName: clusterName,
          DeepHealthCheckConfigurations: targets.map((target) => ({
            InstanceGroupName: target.instanceGroupName,
            InstanceIds: [...new Set(target.instanceIds)],
            DeepHealthChecks: [...new Set(target.deepHealthChecks)],
          })),
        }),
      )
      .catch((error: unknown) => toSageMakerError(error, 'StartClusterHealthCheck', clusterName));
  },
});

export { createClusterNodes, eksClusterNameFromArn, MAX_NODES_PER_BATCH_CALL };

/** The SageMaker client of a Lambda in `region` (the composition root wires it; functions/composition/wiring). */
export const sageMakerClientFor = (region: string): SageMakerClient => new SageMakerClient({ region });
