/**
 * Which CloudWatch alarms may make us act, and how far (README "Alarms that may act"). Anyone who
 * can create, tag or `SetAlarmState` an alarm can forge its state change, so an alarm's authority
 * comes only from the configuration (`alarms.allow`): the entry names the alarm exactly, the
 * cluster, what the alarm means and the most it may do. The alarm's own tags never choose the
 * action; an alarm not in the list is recorded and observed, never acted on.
 */
import type { AlarmMaxAction, AllowedAlarm } from '#contracts/config/app.ts';
import { ALARM_FAULT_TAG, classifyFault, severityOf } from '#domain/fault-classification.ts';
import type { AlarmTrigger, Fault, FaultClass, RemediationAction } from '#domain/types.ts';

/** An allowlist entry and its position (`alarms.allow.<index>`, for the record). */
export interface AlarmAuthority {
  entry: AllowedAlarm;
  index: number;
}

/**
 * The entry that lets this alarm act: by exact ARN, or by exact name. `undefined`: not allowlisted.
 *
 * @example
 * findAllowedAlarm(config.alarms.allow, { alarmName: 'gpu-xid-node0', alarmArn: 'arn:aws:cloudwatch:us-west-2:111122223333:alarm:gpu-xid-node0' });
 * // → { entry: { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'reboot' }, index: 0 }
 */
export const findAllowedAlarm = (
  allow: readonly AllowedAlarm[],
  alarm: { alarmName: string; alarmArn: string },
): AlarmAuthority | undefined => {
  const index = allow.findIndex((entry) =>
    entry.arn === undefined ? entry.name === alarm.alarmName : entry.arn === alarm.alarmArn,
  );
  return index === -1 ? undefined : { entry: allow[index] as AllowedAlarm, index };
};

const ACTION_RANK: Record<RemediationAction, number> = { ignore: 0, observe: 1, reboot: 2, replace: 3 };

/**
 * The decided action, lowered to at most `maxAction` (never raised).
 *
 * @example
 * capAlarmAction('replace', 'reboot'); // 'reboot'
 * capAlarmAction('ignore', 'replace'); // 'ignore'
 */
export const capAlarmAction = (action: RemediationAction, maxAction: AlarmMaxAction): RemediationAction =>
  ACTION_RANK[action] > ACTION_RANK[maxAction] ? maxAction : action;

const MEANING_VERDICTS: Record<
  Exclude<AllowedAlarm['meaning'], 'metric'>,
  { class: FaultClass; action: RemediationAction }
> = {
  fatal: { class: 'fatal', action: 'replace' },
  recoverable: { class: 'recoverable', action: 'reboot' },
  suspect: { class: 'unknown', action: 'reboot' },
  informational: { class: 'informational', action: 'observe' },
};

/**
 * The fault an allowlisted alarm stands for. Its state is read as for any alarm (OK is healthy,
 * INSUFFICIENT_DATA only worth observing); in ALARM the entry's `meaning` decides, and `metric`
 * reads the watched metric as for any alarm — the alarm's `hyperpod-resilience.io/fault` tag is
 * never read (it stays in the evidence).
 *
 * @example
 * classifyAllowedAlarm(trigger, { name: 'gpu-xid-node0', cluster: 'ml-cluster', meaning: 'fatal', maxAction: 'replace' }, 0);
 * // → { source: 'alarm', class: 'fatal', code: 'alarm-allow-fatal', recommendedAction: 'replace', … }
 */
export const classifyAllowedAlarm = (trigger: AlarmTrigger, entry: AllowedAlarm, index: number): Fault => {
  const { [ALARM_FAULT_TAG]: ignoredTag, ...tags } = trigger.tags;
  const fromMetric = classifyFault({ ...trigger, tags });
  const evidence = [
    ...fromMetric.evidence,
    `alarms.allow.${index}: meaning ${entry.meaning}, at most ${entry.maxAction}`,
    ...(ignoredTag === undefined
      ? []
      : [`${ALARM_FAULT_TAG}=${ignoredTag} ignored: the configuration decides`]),
  ];
  if (entry.meaning === 'metric' || trigger.state.trim().toUpperCase() !== 'ALARM') {
    return { ...fromMetric, evidence };
  }
  const verdict = MEANING_VERDICTS[entry.meaning];
  return {
    ...fromMetric,
    class: verdict.class,
    code: `alarm-allow-${entry.meaning}`,
    severity: severityOf(verdict.class),
    recommendedAction: verdict.action,
    evidence,
  };
};
