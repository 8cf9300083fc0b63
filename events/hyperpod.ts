/**
 * SageMaker HyperPod EventBridge events: detail-type constants, the EventBridge envelope and
 * zod schemas of each `detail` (docs/FACTS.md events.*).
 *
 * Parsing is tolerant where AWS may evolve (extra fields kept, enums open, optional fields as
 * documented) and strict where we rely on a value (instance ids, cluster ARNs, bounded sizes).
 * Example (documented, ids scrubbed): `events/samples/aws.sagemaker/node-health-unhealthy-terminate.json`.
 */
import * as z from 'zod';
import { CLUSTER_NAME, INSTANCE_ID } from '#contracts/config/ids.ts';

const SAGEMAKER_SOURCE = 'aws.sagemaker';
/** HMA verdicts: a node turned unhealthy (or healthy again). */
const NODE_HEALTH_EVENT = 'SageMaker HyperPod Cluster Node Health Event';
/** Operational events with a level (only clusters with `NodeProvisioningMode = Continuous`). */
const CLUSTER_EVENT = 'SageMaker HyperPod Cluster Event';
/** Cluster status and full configuration, as in DescribeCluster. */
const CLUSTER_STATE_CHANGE = 'SageMaker HyperPod Cluster State Change';

/** Longest free-text field we accept (descriptions, reasons, failure messages). */
const MAX_TEXT_LENGTH = 4096;
/** Longest identifier-like field (names, enum values, ids). */
const MAX_TOKEN_LENGTH = 256;

/**
 * A HyperPod cluster ARN. Looser than the config's `CLUSTER_ARN` (documented examples use a
 * name-like id such as `cluster/sample-cluster`): an ARN we do not know is an unknown cluster,
 * not a malformed event.
 */
const HYPERPOD_CLUSTER_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:cluster\/[a-zA-Z0-9-]{1,63}$/;

/** Values seen in documentation or the SDK. Informative only: parsing accepts any string. */
const KNOWN_HEALTH_STATUSES = ['Unhealthy', 'Healthy'] as const;
const KNOWN_REPAIR_ACTIONS = ['None', 'Reboot', 'Replace'] as const;
const KNOWN_RESOURCE_TYPES = ['Cluster', 'InstanceGroup', 'Instance'] as const;
const KNOWN_EVENT_LEVELS = ['Info', 'Warn', 'Error'] as const;
const KNOWN_CLUSTER_STATUSES = [
  'Creating',
  'Deleting',
  'Failed',
  'InService',
  'RollingBack',
  'SystemUpdating',
  'Updating',
] as const;

/** Bounded free text. */
const text = z.string().max(MAX_TEXT_LENGTH);
/** Bounded identifier-like text. */
const token = z.string().max(MAX_TOKEN_LENGTH);
/**
 * An open enum: any non-empty bounded string. SDK releases add values, so an unknown value is
 * data for the domain to judge, never a parse error.
 */
const openEnum = (known: readonly string[]) =>
  token.min(1).describe(`open enum; known values: ${known.join(', ')}`);

const instanceId = z
  .string()
  .regex(INSTANCE_ID, 'an EC2 instance id (i- followed by 8-17 lowercase hex digits)');
const clusterArn = z
  .string()
  .regex(HYPERPOD_CLUSTER_ARN, 'a HyperPod cluster ARN (arn:aws:sagemaker:<region>:<account>:cluster/<id>)');
const clusterName = z.string().regex(CLUSTER_NAME, 'a HyperPod cluster name');
/** `detail` timestamps are epoch milliseconds; an ISO string is tolerated. */
const eventTimestamp = z.union([
  z.number().int().nonnegative().max(8.64e15),
  z.iso.datetime({ offset: true }),
]);
/** Tags as a map, or as the API's `[{ Key, Value }]` list (the event shape is only shown empty). */
const tags = z.union([z.record(token, text), z.array(z.looseObject({ Key: token, Value: text })).max(50)]);

/**
 * The EventBridge envelope every event shares (Powertools `EventBridgeSchema`, made tolerant:
 * `version`, `account`, `region` and `resources` are not required by anything we do).
 */
const eventBridgeEnvelopeSchema = z.looseObject({
  version: token.optional(),
  id: token.min(1),
  'detail-type': token.min(1),
  source: token.min(1),
  account: token.optional(),
  time: z.iso.datetime({ offset: true }),
  region: token.optional(),
  resources: z.array(z.string().max(2048)).max(100).optional(),
  detail: z.unknown(),
});
type EventBridgeEnvelope = z.infer<typeof eventBridgeEnvelopeSchema>;

/** An envelope whose `source`, `detail-type` and `detail` are pinned. */
const eventBridgeEvent = <S extends string, D extends string, T extends z.ZodType>(
  source: S,
  detailType: D,
  detail: T,
) =>
  eventBridgeEnvelopeSchema.extend({
    source: z.literal(source),
    'detail-type': z.literal(detailType),
    detail,
  });

/** `detail` of `SageMaker HyperPod Cluster Node Health Event` (§1.2). */
const nodeHealthDetailSchema = z.looseObject({
  ClusterArn: clusterArn,
  ClusterName: clusterName.optional(),
  InstanceId: instanceId,
  Tags: tags.optional(),
  HealthSummary: z.looseObject({
    /** `Unhealthy`; the back-to-healthy spelling is unconfirmed. */
    HealthStatus: openEnum(KNOWN_HEALTH_STATUSES),
    /** Only `None` is documented (even with a replace recommendation): free text. */
    RepairAction: openEnum(KNOWN_REPAIR_ACTIONS).optional(),
    /** Free text that carries the HMA fault type: see `extractFaultType`. */
    HealthStatusReason: text.optional(),
    Recommendation: text.optional(),
  }),
});
type NodeHealthDetail = z.infer<typeof nodeHealthDetailSchema>;
const nodeHealthEventSchema = eventBridgeEvent(SAGEMAKER_SOURCE, NODE_HEALTH_EVENT, nodeHealthDetailSchema);
type NodeHealthEvent = z.infer<typeof nodeHealthEventSchema>;

const capacityReservation = z.looseObject({
  Arn: text.optional(),
  Type: openEnum(['ODCR', 'CRG']).optional(),
});

/** `EventMetadata` union (SDK `DescribeClusterEventCommand`); at most one member is expected. */
const eventMetadataSchema = z.looseObject({
  Cluster: z
    .looseObject({
      FailureMessage: text.optional(),
      EksRoleAccessEntries: z.array(text).max(100).optional(),
      SlrAccessEntry: text.optional(),
    })
    .optional(),
  InstanceGroup: z
    .looseObject({
      FailureMessage: text.optional(),
      AvailabilityZoneId: token.optional(),
      CapacityReservation: capacityReservation.optional(),
      SubnetId: token.optional(),
      SecurityGroupIds: z.array(token).max(100).optional(),
      AmiOverride: text.optional(),
    })
    .optional(),
  InstanceGroupScaling: z
    .looseObject({
      InstanceCount: z.number().int().nonnegative().optional(),
      TargetCount: z.number().int().nonnegative().optional(),
      FailureMessage: text.optional(),
    })
    .optional(),
  Instance: z
    .looseObject({
      CustomerEni: token.optional(),
      AdditionalEnis: z.looseObject({ EfaEnis: z.array(token).max(100).optional() }).optional(),
      CapacityReservation: capacityReservation.optional(),
      FailureMessage: text.optional(),
      LcsExecutionState: token.optional(),
      NodeLogicalId: token.optional(),
    })
    .optional(),
});
type EventMetadata = z.infer<typeof eventMetadataSchema>;

/** `detail` of `SageMaker HyperPod Cluster Event` (§1.4). */
const clusterEventDetailSchema = z.looseObject({
  EventDetails: z.looseObject({
    EventId: token.min(1),
    ClusterArn: clusterArn,
    ClusterName: clusterName,
    InstanceGroupName: token.optional(),
    InstanceId: instanceId.optional(),
    ResourceType: openEnum(KNOWN_RESOURCE_TYPES),
    EventTime: eventTimestamp,
    /** Absent from the older example and the SDK model read: optional. */
    EventLevel: openEnum(KNOWN_EVENT_LEVELS).optional(),
    Description: text.optional(),
    EventDetails: z.looseObject({ EventMetadata: eventMetadataSchema.optional() }).optional(),
  }),
});
type ClusterEventDetail = z.infer<typeof clusterEventDetailSchema>;
const clusterEventSchema = eventBridgeEvent(SAGEMAKER_SOURCE, CLUSTER_EVENT, clusterEventDetailSchema);
type ClusterEvent = z.infer<typeof clusterEventSchema>;

/** `detail` of `SageMaker HyperPod Cluster State Change` (§1.3; fields as in DescribeCluster). */
const clusterStateChangeDetailSchema = z.looseObject({
  ClusterArn: clusterArn,
  ClusterName: clusterName,
  ClusterStatus: openEnum(KNOWN_CLUSTER_STATUSES),
  CreationTime: eventTimestamp.optional(),
  FailureMessage: text.optional(),
  InstanceGroups: z
    .array(
      z.looseObject({
        CurrentCount: z.number().int().nonnegative().optional(),
        TargetCount: z.number().int().nonnegative().optional(),
        InstanceGroupName: token,
        InstanceType: token.optional(),
        OnStartDeepHealthChecks: z.array(token).max(10).optional(),
        Status: token.optional(),
      }),
    )
    .max(1000)
    .optional(),
  NodeRecovery: openEnum(['Automatic', 'None']).optional(),
  Orchestrator: z.looseObject({ Eks: z.looseObject({ ClusterArn: text }).optional() }).optional(),
});
type ClusterStateChangeDetail = z.infer<typeof clusterStateChangeDetailSchema>;
const clusterStateChangeEventSchema = eventBridgeEvent(
  SAGEMAKER_SOURCE,
  CLUSTER_STATE_CHANGE,
  clusterStateChangeDetailSchema,
);
type ClusterStateChangeEvent = z.infer<typeof clusterStateChangeEventSchema>;

const FAULT_TYPE = /fault type (\w+)/i;

/**
 * Reads the HMA fault type out of a node health event's free-text `HealthStatusReason`
 * (no schema or enum is published). The raw text is kept alongside for evidence.
 *
 * @example
 * extractFaultType('HyperPod Health Monitoring Agent (HMA) has detected fault type NvidiaErrorTerminate on this node')
 * // → { faultType: 'NvidiaErrorTerminate', raw: 'HyperPod Health Monitoring Agent (HMA) has detected …' }
 */
const extractFaultType = (reason: string | undefined): { faultType?: string; raw?: string } => {
  if (reason === undefined) return {};
  const faultType = FAULT_TYPE.exec(reason.slice(0, MAX_TEXT_LENGTH))?.[1];
  return faultType === undefined ? { raw: reason } : { faultType, raw: reason };
};

export type {
  ClusterEvent,
  ClusterEventDetail,
  ClusterStateChangeDetail,
  ClusterStateChangeEvent,
  EventBridgeEnvelope,
  EventMetadata,
  NodeHealthDetail,
  NodeHealthEvent,
};
export {
  CLUSTER_EVENT,
  CLUSTER_STATE_CHANGE,
  clusterEventDetailSchema,
  clusterEventSchema,
  clusterStateChangeDetailSchema,
  clusterStateChangeEventSchema,
  eventBridgeEnvelopeSchema,
  eventBridgeEvent,
  eventMetadataSchema,
  extractFaultType,
  HYPERPOD_CLUSTER_ARN,
  KNOWN_CLUSTER_STATUSES,
  KNOWN_EVENT_LEVELS,
  KNOWN_HEALTH_STATUSES,
  KNOWN_REPAIR_ACTIONS,
  KNOWN_RESOURCE_TYPES,
  MAX_TEXT_LENGTH,
  MAX_TOKEN_LENGTH,
  NODE_HEALTH_EVENT,
  nodeHealthDetailSchema,
  nodeHealthEventSchema,
  SAGEMAKER_SOURCE,
};
