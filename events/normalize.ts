/**
 * Turns whatever started a node-recovery execution into one `Trigger`: a HyperPod node health
 * event, a HyperPod cluster event about an instance, a CloudWatch alarm state change, or a
 * manual request (recognised by having no `detail-type`). The edge validation of G7: after
 * this, nothing downstream looks at raw events.
 */
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { requireCluster } from '#contracts/clusters.ts';
import { type AppConfig, type ClusterConfig, findCluster } from '#contracts/config/app.ts';
import { INSTANCE_ID, NODE_NAME } from '#contracts/config/ids.ts';
import { InvalidInputError, UnknownClusterError } from '#contracts/errors.ts';
import { findAllowedAlarm } from '#domain/alarm-allowlist.ts';
import type {
  AlarmTrigger,
  ClusterEventTrigger,
  ManualTrigger,
  NodeHealthTrigger,
  NodeLabelsTrigger,
  SweepTrigger,
  Trigger,
} from '#domain/types.ts';
import {
  ALARM_STATE_CHANGE,
  type AlarmStateChangeDetail,
  alarmStateChangeEventSchema,
  CLOUDWATCH_SOURCE,
  metricStatEntries,
} from '#events/cloudwatch.ts';
import {
  CLUSTER_EVENT,
  clusterEventSchema,
  eventBridgeEnvelopeSchema,
  NODE_HEALTH_EVENT,
  nodeHealthEventSchema,
  SAGEMAKER_SOURCE,
} from '#events/hyperpod.ts';
import { manualRecoveryInputSchema } from '#events/manual.ts';
import {
  HYPERPOD_LABELS_FINDING,
  SWEEP_FINDING,
  SWEEP_SOURCE,
  sweepFindingEventSchema,
} from '#events/sweep.ts';

/** EventBridge's own limit on an event: anything larger did not come from it. */
const MAX_INPUT_BYTES = 256 * 1024;
/** Alarm tags that name the node when the alarm has no dimensions (composite alarms). */
const ALARM_TAG_INSTANCE_ID = 'hyperpod-resilience.io/instance-id';
const ALARM_TAG_NODE_NAME = 'hyperpod-resilience.io/node-name';

interface NormalizeOptions {
  /** ISO time of a manual request (default: the current time). */
  now?: string;
  /** Event id of a manual request (default: `crypto.randomUUID`). */
  newId?: () => string;
}

type Issue = { path: string; message: string };

/** A union branch whose own type matched the value (its issues are all inside it). */
const shapeMatched = (branch: readonly z.core.$ZodIssue[]): boolean =>
  branch.every((issue) => !(issue.code === 'invalid_type' && issue.path.length === 0));

/**
 * zod issues as `path: message` pairs. A union failure reports its closest branch: among the
 * branches whose type matched, the one with the fewest issues (zod itself says "Invalid input").
 */
const toIssues = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): Issue[] =>
  issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const matched = issue.errors.filter(shapeMatched);
      const closest = (matched.length > 0 ? matched : issue.errors).reduce((best, branch) =>
        branch.length < best.length ? branch : best,
      );
      return toIssues(closest, path);
    }
    return [{ path: path.map(String).join('.'), message: issue.message }];
  });

const parse = <T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> => {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(`invalid ${what}`, toIssues(result.error.issues));
  return result.data;
};

/** Drops `undefined` members so the trigger is the same before and after a JSON round trip. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const toIso = (value: string | number, path: string): string => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidInputError('invalid time', [{ path, message: `not a valid date: ${String(value)}` }]);
  }
  return date.toISOString();
};

const describeType = (value: unknown): string => {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
};

const assertPlainSize = (input: Record<string, unknown>): void => {
  let serialized: string;
  try {
    serialized = JSON.stringify(input);
  } catch (error) {
    throw new InvalidInputError('input is not JSON', [{ path: '', message: String(error) }], {
      cause: error,
    });
  }
  const bytes = Buffer.byteLength(serialized, 'utf8');
  if (bytes > MAX_INPUT_BYTES) {
    throw new InvalidInputError('input too large', [
      { path: '', message: `${bytes} bytes, more than the ${MAX_INPUT_BYTES} an EventBridge event may have` },
    ]);
  }
};

/**
 * A HyperPod event's cluster, by ARN only: a cluster with a configured name but another ARN is
 * a different (recreated) cluster, and acting on it by name would be acting on a stranger.
 */
const resolveHyperPodCluster = (
  config: AppConfig,
  clusterArn: string,
  clusterName?: string,
): ClusterConfig => {
  const cluster = findCluster(config, clusterArn);
  if (cluster) return cluster;
  const sameName = clusterName === undefined ? undefined : findCluster(config, clusterName);
  throw new UnknownClusterError(
    sameName
      ? `cluster ${clusterName} is configured with ARN ${sameName.arn}, but the event names ${clusterArn}`
      : `cluster ${clusterArn} is not configured`,
    { details: { clusterArn, clusterName } },
  );
};

const normalizeNodeHealth = (input: unknown, config: AppConfig): NodeHealthTrigger => {
  const event = parse(nodeHealthEventSchema, input, NODE_HEALTH_EVENT);
  const { detail } = event;
  const cluster = resolveHyperPodCluster(config, detail.ClusterArn, detail.ClusterName);
  return compact<NodeHealthTrigger>({
    kind: 'node-health',
    eventId: event.id,
    time: toIso(event.time, 'time'),
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    instanceId: detail.InstanceId,
    healthStatus: detail.HealthSummary.HealthStatus,
    repairAction: detail.HealthSummary.RepairAction,
    healthStatusReason: detail.HealthSummary.HealthStatusReason,
    recommendation: detail.HealthSummary.Recommendation,
  });
};

const normalizeClusterEvent = (input: unknown, config: AppConfig): ClusterEventTrigger => {
  const event = parse(clusterEventSchema, input, CLUSTER_EVENT);
  const details = event.detail.EventDetails;
  if (details.ResourceType !== 'Instance') {
    throw new InvalidInputError(`cluster event ${details.EventId} is not about an instance`, [
      { path: 'detail.EventDetails.ResourceType', message: `expected Instance, got ${details.ResourceType}` },
    ]);
  }
  const instance = details.EventDetails?.EventMetadata?.Instance;
  if (details.InstanceId === undefined && instance?.NodeLogicalId === undefined) {
    throw new InvalidInputError(`cluster event ${details.EventId} names no node`, [
      {
        path: 'detail.EventDetails.InstanceId',
        message: 'neither InstanceId nor EventMetadata.Instance.NodeLogicalId',
      },
    ]);
  }
  const cluster = resolveHyperPodCluster(config, details.ClusterArn, details.ClusterName);
  return compact<ClusterEventTrigger>({
    kind: 'cluster-event',
    eventId: details.EventId,
    time: toIso(details.EventTime, 'detail.EventDetails.EventTime'),
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    resourceType: details.ResourceType,
    level: details.EventLevel,
    instanceId: details.InstanceId,
    instanceGroupName: details.InstanceGroupName,
    nodeLogicalId: instance?.NodeLogicalId,
    description: details.Description,
    failureMessage: instance?.FailureMessage,
  });
};

const dimensionPath = (name: string): string =>
  `detail.configuration.metrics.metricStat.metric.dimensions.${name}`;

/** The one value of a dimension across the alarm's metrics; two different values name two nodes. */
const dimensionValue = (detail: AlarmStateChangeDetail, name: string): string | undefined => {
  const values = new Set(
    metricStatEntries(detail).flatMap((entry) => entry.metricStat.metric.dimensions[name] ?? []),
  );
  if (values.size > 1) {
    throw new InvalidInputError(`alarm ${detail.alarmName} names more than one ${name}`, [
      { path: dimensionPath(name), message: [...values].join(', ') },
    ]);
  }
  return [...values][0];
};

/** Dimension first, then our tag; both present and different is a contradiction, not a choice. */
const alarmNodeField = (
  detail: AlarmStateChangeDetail,
  dimension: string,
  tagKey: string,
  pattern: RegExp,
  expected: string,
): string | undefined => {
  const fromDimension = dimensionValue(detail, dimension);
  const fromTag = detail.alarmTags?.[tagKey];
  if (fromDimension !== undefined && fromTag !== undefined && fromDimension !== fromTag) {
    throw new InvalidInputError(`alarm ${detail.alarmName} names two nodes`, [
      {
        path: `detail.alarmTags.${tagKey}`,
        message: `${fromTag} differs from dimension ${dimension} ${fromDimension}`,
      },
    ]);
  }
  const value = fromDimension ?? fromTag;
  if (value !== undefined && !pattern.test(value)) {
    const path = fromDimension === undefined ? `detail.alarmTags.${tagKey}` : dimensionPath(dimension);
    throw new InvalidInputError(`alarm ${detail.alarmName} names an invalid node`, [
      { path, message: `${value} is not ${expected}` },
    ]);
  }
  return value;
};

/**
 * An allowlisted alarm's cluster is its entry's (the alarm's tags and dimensions cannot choose
 * another); any other alarm's by our cluster tag (name or ARN), else by the `ClusterName`
 * dimension (EKS or HyperPod name).
 */
const resolveAlarmCluster = (
  config: AppConfig,
  detail: AlarmStateChangeDetail,
  alarmArn: string,
): ClusterConfig => {
  const allowed = findAllowedAlarm(config.alarms.allow, { alarmName: detail.alarmName, alarmArn });
  if (allowed) return requireCluster(config, allowed.entry.cluster);
  const { tagKey } = config.alarms;
  const tagValue = detail.alarmTags?.[tagKey];
  if (tagValue !== undefined) {
    const cluster = findCluster(config, tagValue);
    if (cluster) return cluster;
    throw new UnknownClusterError(`alarm tag ${tagKey}=${tagValue} names no configured cluster`, {
      details: { alarmName: detail.alarmName, clusterName: tagValue },
    });
  }
  const dimension = dimensionValue(detail, 'ClusterName');
  if (dimension === undefined) {
    throw new InvalidInputError(`alarm ${detail.alarmName} names no cluster`, [
      { path: `detail.alarmTags.${tagKey}`, message: 'no cluster tag and no ClusterName dimension' },
    ]);
  }
  const cluster =
    config.clusters.find((c) => c.eksClusterName === dimension) ??
    config.clusters.find((c) => c.name === dimension);
  if (cluster) return cluster;
  throw new UnknownClusterError(`alarm dimension ClusterName=${dimension} names no configured cluster`, {
    details: { alarmName: detail.alarmName, clusterName: dimension },
  });
};

/** The one distinct value of a metric field, if the alarm watches a single metric. */
const single = (values: string[]): string | undefined => (new Set(values).size === 1 ? values[0] : undefined);

const normalizeAlarm = (input: unknown, config: AppConfig): AlarmTrigger => {
  const event = parse(alarmStateChangeEventSchema, input, ALARM_STATE_CHANGE);
  const { detail } = event;
  const instanceId = alarmNodeField(
    detail,
    'InstanceId',
    ALARM_TAG_INSTANCE_ID,
    INSTANCE_ID,
    'an EC2 instance id',
  );
  const nodeName = alarmNodeField(
    detail,
    'NodeName',
    ALARM_TAG_NODE_NAME,
    NODE_NAME,
    'a Kubernetes node name',
  );
  if (instanceId === undefined && nodeName === undefined) {
    throw new InvalidInputError('alarm names no node', [
      {
        path: 'detail.configuration.metrics',
        message: `alarm ${detail.alarmName} has no InstanceId or NodeName dimension and no ${ALARM_TAG_INSTANCE_ID} or ${ALARM_TAG_NODE_NAME} tag`,
      },
    ]);
  }
  const alarmArn = event.resources[0] as string;
  const cluster = resolveAlarmCluster(config, detail, alarmArn);
  const metrics = metricStatEntries(detail).map((entry) => entry.metricStat.metric);
  return compact<AlarmTrigger>({
    kind: 'alarm',
    eventId: event.id,
    time: toIso(event.time, 'time'),
    clusterName: cluster.name,
    alarmName: detail.alarmName,
    alarmArn,
    state: detail.state.value,
    metricName: single(metrics.map((m) => m.name)),
    namespace: single(metrics.map((m) => m.namespace)),
    instanceId,
    nodeName,
    tags: { ...detail.alarmTags },
    reason: detail.state.reason,
  });
};

/**
 * A finding of our health sweep. HyperPod-label findings carry the node's labels and become a
 * node-labels trigger (classified like the labels themselves); the others a sweep trigger.
 */
const normalizeSweepFinding = (input: unknown, config: AppConfig): NodeLabelsTrigger | SweepTrigger => {
  const event = parse(sweepFindingEventSchema, input, SWEEP_FINDING);
  const { detail } = event;
  const cluster = requireCluster(config, detail.clusterName);
  const base = { eventId: event.id, time: toIso(event.time, 'time'), clusterName: cluster.name };
  if (detail.finding === HYPERPOD_LABELS_FINDING && detail.nodeName !== undefined) {
    return compact<NodeLabelsTrigger>({
      ...base,
      kind: 'node-labels',
      nodeName: detail.nodeName,
      instanceId: detail.instanceId,
      labels: { ...detail.labels },
      annotations: { ...detail.annotations },
      conditions: [...(detail.conditions ?? [])],
    });
  }
  return compact<SweepTrigger>({
    ...base,
    kind: 'sweep',
    instanceId: detail.instanceId,
    nodeName: detail.nodeName,
    finding: detail.finding,
    detail: detail.detail,
  });
};

const normalizeManual = (input: unknown, config: AppConfig, options: NormalizeOptions): ManualTrigger => {
  const request = parse(manualRecoveryInputSchema, input, 'manual recovery request');
  const cluster = requireCluster(config, request.clusterName);
  return compact<ManualTrigger>({
    kind: 'manual',
    eventId: (options.newId ?? randomUUID)(),
    time: options.now === undefined ? new Date().toISOString() : toIso(options.now, 'options.now'),
    clusterName: cluster.name,
    instanceId: request.instanceId,
    nodeName: request.nodeName,
    action: request.action,
    reason: request.reason,
    requestedBy: request.requestedBy,
  });
};

/**
 * Validates an inbound payload and normalizes it into a `Trigger`.
 *
 * - `SageMaker HyperPod Cluster Node Health Event` → `node-health` (eventId = envelope `id`)
 * - `SageMaker HyperPod Cluster Event` about an `Instance` → `cluster-event` (eventId = `EventId`)
 * - `Health Sweep Finding` (our sweep, events/sweep.ts) → `node-labels` for HyperPod-label findings, else `sweep`
 * - `CloudWatch Alarm State Change` → `alarm`, the cluster from its `config.alarms.allow` entry,
 *   else (an alarm that may only be observed) the `config.alarms.tagKey` tag or the `ClusterName` dimension, the node from the `InstanceId`/`NodeName` dimensions
 * - no `detail-type` → a manual request → `manual` (eventId = `options.newId()`, time = `options.now`)
 *
 * @throws InvalidInputError malformed input (issues listed by path), an unsupported event, or an
 *   event that names no node.
 * @throws UnknownClusterError the cluster it names is not configured.
 * @example
 * normalizeTrigger(nodeHealthEvent, config)
 * // → { kind: 'node-health', clusterName: 'ml-cluster', instanceId: 'i-0391f86fa0fe0d465', healthStatus: 'Unhealthy', … }
 */
const normalizeTrigger = (input: unknown, config: AppConfig, options: NormalizeOptions = {}): Trigger => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('expected an EventBridge event or a manual recovery request', [
      { path: '', message: `got ${describeType(input)}` },
    ]);
  }
  const record = input as Record<string, unknown>;
  assertPlainSize(record);
  if (!('detail-type' in record)) return normalizeManual(record, config, options);

  const envelope = parse(eventBridgeEnvelopeSchema, record, 'EventBridge event');
  const { source, 'detail-type': detailType } = envelope;
  if (source === SAGEMAKER_SOURCE && detailType === NODE_HEALTH_EVENT)
    return normalizeNodeHealth(record, config);
  if (source === SAGEMAKER_SOURCE && detailType === CLUSTER_EVENT)
    return normalizeClusterEvent(record, config);
  if (source === CLOUDWATCH_SOURCE && detailType === ALARM_STATE_CHANGE)
    return normalizeAlarm(record, config);
  if (source === SWEEP_SOURCE && detailType === SWEEP_FINDING) return normalizeSweepFinding(record, config);
  throw new InvalidInputError('unsupported event', [
    { path: 'detail-type', message: `${source} / ${detailType} does not name a node to recover` },
  ]);
};

export type { NormalizeOptions };
export { ALARM_TAG_INSTANCE_ID, ALARM_TAG_NODE_NAME, MAX_INPUT_BYTES, normalizeTrigger };
