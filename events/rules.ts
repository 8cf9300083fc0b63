/**
 * EventBridge rules that start the node-recovery state machine, as plain data built from the
 * same constants the schemas use (G7, G9). `sst.config.ts` turns each into an
 * `aws.cloudwatch.EventRule` + `EventTarget`; `local/event-matcher.ts` evaluates the very same
 * patterns in tests and local mode.
 */

import type { AppConfig } from '#contracts/config/app.ts';
import { ALARM_STATE_CHANGE, CLOUDWATCH_SOURCE } from '#events/cloudwatch.ts';
import { CLUSTER_EVENT, NODE_HEALTH_EVENT, SAGEMAKER_SOURCE } from '#events/hyperpod.ts';

interface EventRuleDefinition {
  /** Deterministic, unique, at most 64 characters of `[.\-_A-Za-z0-9]`. */
  name: string;
  description: string;
  /** An EventBridge event pattern (JSON data). */
  pattern: object;
  target: 'node-recovery';
}

/** EventBridge limits: rule names, and event patterns (default quota; 4096 on request). */
const MAX_RULE_NAME_LENGTH = 64;
const MAX_PATTERN_LENGTH = 2048;

const NODE_HEALTH_RULE = 'hpr-node-health';
const CLUSTER_EVENT_RULE = 'hpr-cluster-instance-errors';
const ALARM_RULE = 'hpr-node-alarms';

/** Name of the n-th (0-based) rule of a family: `base`, `base-2`, `base-3`, … */
const nthName = (base: string, index: number): string => (index === 0 ? base : `${base}-${index + 1}`);

const patternLength = (pattern: object): number => JSON.stringify(pattern).length;

/**
 * Packs the configured cluster ARNs (or allowlisted alarm names/ARNs) (sorted, so config order does not rename rules) into as few
 * patterns as fit the pattern-size quota.
 */
const packArns = (arns: readonly string[], build: (arns: string[]) => object): object[] => {
  const patterns: object[] = [];
  let current: string[] = [];
  for (const arn of [...new Set(arns)].sort()) {
    if (current.length > 0 && patternLength(build([...current, arn])) > MAX_PATTERN_LENGTH) {
      patterns.push(build(current));
      current = [];
    }
    current.push(arn);
  }
  patterns.push(build(current));
  return patterns;
};

/** HMA verdicts of our clusters. Not filtered on `HealthStatus`: the healthy spelling is unconfirmed. */
const nodeHealthPattern = (arns: string[]): object => ({
  source: [SAGEMAKER_SOURCE],
  'detail-type': [NODE_HEALTH_EVENT],
  detail: { ClusterArn: arns },
});

/** Error-level cluster events about an instance of our clusters. */
const clusterEventPattern = (arns: string[]): object => ({
  source: [SAGEMAKER_SOURCE],
  'detail-type': [CLUSTER_EVENT],
  detail: { EventDetails: { EventLevel: ['Error'], ResourceType: ['Instance'], ClusterArn: arns } },
});

/**
 * Allowlisted alarms going into ALARM (`alarms.allow`), by exact name or by exact ARN
 * (`resources[0]`): no prefix, no tag, so no one can bring an alarm into scope by naming or
 * tagging it (README "Alarms that may act").
 */
const alarmNamePattern = (names: string[]): object => ({
  source: [CLOUDWATCH_SOURCE],
  'detail-type': [ALARM_STATE_CHANGE],
  detail: { alarmName: names, state: { value: ['ALARM'] } },
});
const alarmArnPattern = (arns: string[]): object => ({
  source: [CLOUDWATCH_SOURCE],
  'detail-type': [ALARM_STATE_CHANGE],
  resources: arns,
  detail: { state: { value: ['ALARM'] } },
});

const alarmPatterns = (config: AppConfig): object[] => {
  const names = config.alarms.allow.flatMap((entry) =>
    entry.arn === undefined ? [entry.name as string] : [],
  );
  const arns = config.alarms.allow.flatMap((entry) => (entry.arn === undefined ? [] : [entry.arn]));
  return [
    ...(names.length > 0 ? packArns(names, alarmNamePattern) : []),
    ...(arns.length > 0 ? packArns(arns, alarmArnPattern) : []),
  ];
};

/**
 * The rules that start node recovery for the configured clusters.
 *
 * @throws Error when a pattern cannot fit EventBridge's size quota. No alarm rule when `alarms.allow` is empty.
 * @example
 * buildRules(config).map((r) => r.name) // → ['hpr-node-health', 'hpr-cluster-instance-errors', 'hpr-node-alarms']
 */
const buildRules = (config: AppConfig): EventRuleDefinition[] => {
  const arns = config.clusters.map((c) => c.arn);
  const count = `${arns.length} configured cluster${arns.length === 1 ? '' : 's'}`;
  const rules: EventRuleDefinition[] = [
    ...packArns(arns, nodeHealthPattern).map((pattern, i, all) => ({
      name: nthName(NODE_HEALTH_RULE, i),
      description: `HyperPod node health events of ${count} (part ${i + 1} of ${all.length})`,
      pattern,
      target: 'node-recovery' as const,
    })),
    ...packArns(arns, clusterEventPattern).map((pattern, i, all) => ({
      name: nthName(CLUSTER_EVENT_RULE, i),
      description: `HyperPod Error-level cluster events about instances of ${count} (part ${i + 1} of ${all.length})`,
      pattern,
      target: 'node-recovery' as const,
    })),
    ...alarmPatterns(config).map((pattern, i, all) => ({
      name: nthName(ALARM_RULE, i),
      description: `CloudWatch alarms of alarms.allow entering ALARM (part ${i + 1} of ${all.length})`,
      pattern,
      target: 'node-recovery' as const,
    })),
  ];
  for (const rule of rules) {
    if (patternLength(rule.pattern) > MAX_PATTERN_LENGTH) {
      throw new Error(`event pattern of rule ${rule.name} exceeds ${MAX_PATTERN_LENGTH} characters`);
    }
  }
  return rules;
};

export type { EventRuleDefinition };
export { buildRules, MAX_PATTERN_LENGTH, MAX_RULE_NAME_LENGTH };
