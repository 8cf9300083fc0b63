import { describe, expect, it } from 'vitest';
import {
  ALARM_STATE_CHANGE,
  alarmStateChangeEventSchema,
  CLOUDWATCH_SOURCE,
  metricStatEntries,
  parseReasonData,
} from '#events/cloudwatch.ts';
import { getTestEvent } from '#events/samples/index.ts';
import { sampleWith } from './helpers.ts';

describe('CloudWatch alarm schema', () => {
  it('exports the documented source and detail-type', () => {
    // Assess
    expect([CLOUDWATCH_SOURCE, ALARM_STATE_CHANGE]).toStrictEqual([
      'aws.cloudwatch',
      'CloudWatch Alarm State Change',
    ]);
  });

  it.each(['alarm-gpu-pending-replacement', 'alarm-ok', 'alarm-metric-math', 'alarm-tagged-composite'])(
    'parses the sample %s',
    (name) => {
      // Act
      const result = alarmStateChangeEventSchema.safeParse(getTestEvent({ source: 'aws.cloudwatch', name }));

      // Assess
      expect(result.error?.issues).toBeUndefined();
    },
  );

  it('defaults missing dimensions to an empty map', () => {
    // Prepare
    const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
      'detail.configuration.metrics.0.metricStat.metric.dimensions': undefined,
    });

    // Act
    const parsed = alarmStateChangeEventSchema.parse(event);

    // Assess
    expect(metricStatEntries(parsed.detail)[0]?.metricStat.metric.dimensions).toStrictEqual({});
  });

  it('rejects dimensions given as the API list form', () => {
    // Prepare
    const event = sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', {
      'detail.configuration.metrics.0.metricStat.metric.dimensions': [
        { Name: 'InstanceId', Value: 'i-0391f86fa0fe0d465' },
      ],
    });

    // Act
    const result = alarmStateChangeEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(false);
  });
});

describe('Function: metricStatEntries', () => {
  it.each<{ case: string; name: string; ids: string[] }>([
    { case: 'single metric', name: 'alarm-gpu-pending-replacement', ids: ['m1'] },
    { case: 'metric math: the expression is skipped', name: 'alarm-metric-math', ids: ['m1', 'm2'] },
    { case: 'composite: no metrics', name: 'alarm-tagged-composite', ids: [] },
  ])('returns the entries that name a metric ($case)', ({ name, ids }) => {
    // Prepare
    const event = alarmStateChangeEventSchema.parse(getTestEvent({ source: 'aws.cloudwatch', name }));

    // Act
    const entries = metricStatEntries(event.detail);

    // Assess
    expect(entries.map((e) => e.id)).toStrictEqual(ids);
  });

  it('returns nothing when the alarm has no configuration', () => {
    // Prepare
    const event = alarmStateChangeEventSchema.parse(
      sampleWith('aws.cloudwatch', 'alarm-gpu-pending-replacement', { 'detail.configuration': undefined }),
    );

    // Act
    const entries = metricStatEntries(event.detail);

    // Assess
    expect(entries).toStrictEqual([]);
  });
});

describe('Function: parseReasonData', () => {
  it.each<{ case: string; input: string | undefined; expected: Record<string, unknown> | undefined }>([
    {
      case: 'threshold data',
      input: '{"version":"1.0","threshold":1.0}',
      expected: { version: '1.0', threshold: 1 },
    },
    { case: 'absent', input: undefined, expected: undefined },
    { case: 'not JSON', input: '{"version":', expected: undefined },
    { case: 'a JSON array', input: '[1,2]', expected: undefined },
    { case: 'JSON null', input: 'null', expected: undefined },
  ])('reads the reasonData string ($case)', ({ input, expected }) => {
    // Act
    const result = parseReasonData(input);

    // Assess
    expect(result).toStrictEqual(expected);
  });

  it('reads the triggering alarms of a composite alarm', () => {
    // Prepare
    const event = alarmStateChangeEventSchema.parse(
      getTestEvent({ source: 'aws.cloudwatch', name: 'alarm-tagged-composite' }),
    );

    // Act
    const data = parseReasonData(event.detail.state.reasonData);

    // Assess
    expect(data?.triggeringAlarms).toHaveLength(1);
  });
});
