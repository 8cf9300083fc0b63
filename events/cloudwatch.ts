/**
 * `CloudWatch Alarm State Change` events (docs/FACTS.md events.cloudwatch-alarm-state-change).
 *
 * Shapes to know: `dimensions` is an object map (not the API's `[{Name, Value}]` list); metric-math
 * alarms mix `{expression, id, label, returnData}` entries with `{id, metricStat, returnData: false}`
 * entries (the dimensions are in the latter); composite alarms have `configuration.alarmRule` and no
 * metrics; `reasonData` is a JSON *string*; `alarmTags` appears only with alarm tag propagation.
 * Example: `events/samples/aws.cloudwatch/alarm-gpu-pending-replacement.json`.
 */
import * as z from 'zod';
import { eventBridgeEvent, MAX_TEXT_LENGTH, MAX_TOKEN_LENGTH } from '#events/hyperpod.ts';

const CLOUDWATCH_SOURCE = 'aws.cloudwatch';
const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
/** Alarm states (open: parsing accepts any string). */
const KNOWN_ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** Composite alarm rules may be up to 10 240 characters; reasonData lists triggering alarms. */
const MAX_ALARM_RULE_LENGTH = 10_240;
const MAX_REASON_DATA_LENGTH = 65_536;

const text = z.string().max(MAX_TEXT_LENGTH);
const token = z.string().max(MAX_TOKEN_LENGTH);

/** CloudWatch dimension names are at most 255 characters, values at most 1 024. */
const dimensionsSchema = z.record(z.string().min(1).max(255), z.string().max(1024));

/** A metric the alarm watches directly (or one input of a metric-math expression). */
const metricStatEntrySchema = z.looseObject({
  id: token,
  label: text.optional(),
  returnData: z.boolean().optional(),
  metricStat: z.looseObject({
    period: z.number().int().positive().optional(),
    stat: token.optional(),
    unit: token.optional(),
    metric: z.looseObject({
      name: token.min(1),
      namespace: token.min(1),
      dimensions: dimensionsSchema.default({}),
    }),
  }),
});
type MetricStatEntry = z.infer<typeof metricStatEntrySchema>;

/** A metric-math (or `ANOMALY_DETECTION_BAND`) expression. */
const expressionEntrySchema = z.looseObject({
  id: token,
  expression: text.min(1),
  label: text.optional(),
  returnData: z.boolean().optional(),
  period: z.number().int().positive().optional(),
});
type ExpressionEntry = z.infer<typeof expressionEntrySchema>;

const alarmStateSchema = z.looseObject({
  value: token.min(1).describe(`open enum; known values: ${KNOWN_ALARM_STATES.join(', ')}`),
  reason: text.optional(),
  /** A JSON document as a string: read it with `parseReasonData`. */
  reasonData: z.string().max(MAX_REASON_DATA_LENGTH).optional(),
  timestamp: token.optional(),
  actionsSuppressedBy: token.optional(),
  actionsSuppressedReason: text.optional(),
});

/** `detail` of `CloudWatch Alarm State Change`. */
const alarmStateChangeDetailSchema = z.looseObject({
  alarmName: z.string().min(1).max(255),
  state: alarmStateSchema,
  previousState: alarmStateSchema.optional(),
  configuration: z
    .looseObject({
      description: text.optional(),
      /** Absent on composite alarms. */
      metrics: z
        .array(z.union([metricStatEntrySchema, expressionEntrySchema]))
        .max(100)
        .optional(),
      /** Composite alarms only. */
      alarmRule: z.string().max(MAX_ALARM_RULE_LENGTH).optional(),
    })
    .optional(),
  /** With alarm tag propagation only. */
  alarmTags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
});
type AlarmStateChangeDetail = z.infer<typeof alarmStateChangeDetailSchema>;

const alarmStateChangeEventSchema = eventBridgeEvent(
  CLOUDWATCH_SOURCE,
  ALARM_STATE_CHANGE,
  alarmStateChangeDetailSchema,
).extend({
  /** `resources[0]` is the alarm ARN. */
  resources: z
    .array(z.string().max(2048))
    .min(1)
    .max(100)
    .refine((r) => r[0]?.startsWith('arn:') === true, 'resources[0] must be the alarm ARN'),
});
type AlarmStateChangeEvent = z.infer<typeof alarmStateChangeEventSchema>;

/** The entries of `configuration.metrics` that name a metric (and so carry dimensions). */
const metricStatEntries = (detail: AlarmStateChangeDetail): MetricStatEntry[] =>
  (detail.configuration?.metrics ?? []).filter((m): m is MetricStatEntry => 'metricStat' in m);

/**
 * Parses a `reasonData` JSON string; `undefined` when absent, not JSON or not an object
 * (the text is informative, never worth failing an event for).
 */
const parseReasonData = (reasonData: string | undefined): Record<string, unknown> | undefined => {
  if (reasonData === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(reasonData);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

export type { AlarmStateChangeDetail, AlarmStateChangeEvent, ExpressionEntry, MetricStatEntry };
export {
  ALARM_STATE_CHANGE,
  alarmStateChangeDetailSchema,
  alarmStateChangeEventSchema,
  alarmStateSchema,
  CLOUDWATCH_SOURCE,
  dimensionsSchema,
  expressionEntrySchema,
  KNOWN_ALARM_STATES,
  metricStatEntries,
  metricStatEntrySchema,
  parseReasonData,
};
