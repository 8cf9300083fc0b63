import { describe, expect, it } from 'vitest';
import { assessDeepCheck, type DeepCheckObservation } from '#domain/health-deep-check.ts';

const DHC = 'sagemaker.amazonaws.com/deep-health-check-status';
const HEALTH = 'sagemaker.amazonaws.com/node-health-status';

const observe = (extra: Partial<DeepCheckObservation>): DeepCheckObservation => ({
  now: '2026-11-29T10:10:00.000Z',
  startDeadline: '2026-11-29T10:20:00.000Z',
  deadline: '2026-11-29T16:00:00.000Z',
  timeoutMinutes: 360,
  startGraceMinutes: 20,
  seenInProgress: false,
  instance: { status: 'Running' },
  labels: {},
  ...extra,
});

describe('Function: assessDeepCheck', () => {
  it.each([
    {
      case: 'the instance shows DeepHealthCheckInProgress',
      o: { instance: { status: 'DeepHealthCheckInProgress' } },
      expected: { status: 'running', seenInProgress: true, reason: 'deep health check in progress' },
    },
    {
      case: 'only the label says InProgress',
      o: { labels: { [DHC]: 'InProgress' } },
      expected: { status: 'running', seenInProgress: true },
    },
    {
      case: 'the check has not started yet',
      o: { labels: { [DHC]: 'Passed' } },
      expected: {
        status: 'running',
        seenInProgress: false,
        reason: 'waiting for the deep health check to start',
      },
    },
    {
      case: 'the node has no Kubernetes labels yet',
      o: { labels: undefined },
      expected: { status: 'running', seenInProgress: false },
    },
  ])('keeps waiting while $case', ({ o, expected }) => {
    // Act
    const result = assessDeepCheck(observe(o as Partial<DeepCheckObservation>));

    // Assess
    expect(result).toMatchObject(expected);
  });

  it.each([
    {
      case: 'the check passed (label Passed, instance Running)',
      o: { seenInProgress: true, labels: { [DHC]: 'Passed', [HEALTH]: 'Schedulable' } },
      reason: 'deep health check passed',
    },
    {
      case: 'the instance left DeepHealthCheckInProgress without a label',
      o: { seenInProgress: true, labels: undefined },
      reason:
        'deep health check ended with the instance Running (sagemaker.amazonaws.com/deep-health-check-status=unset)',
    },
  ])('passes when $case', ({ o, reason }) => {
    // Act
    const result = assessDeepCheck(observe(o as Partial<DeepCheckObservation>));

    // Assess
    expect(result).toEqual({ status: 'passed', seenInProgress: true, reason });
  });

  it.each([
    {
      case: 'the label says Failed',
      o: { seenInProgress: true, labels: { [DHC]: 'Failed' } },
      reason: `deep health check failed (${DHC}=Failed, ${HEALTH}=unset)`,
    },
    {
      case: 'HyperPod asks for a replacement',
      o: { seenInProgress: true, labels: { [HEALTH]: 'UnschedulablePendingReplacement' } },
      reason: `deep health check failed (${DHC}=unset, ${HEALTH}=UnschedulablePendingReplacement)`,
    },
    {
      case: 'HyperPod asks for a reboot',
      o: { seenInProgress: true, labels: { [HEALTH]: 'UnschedulablePendingReboot' } },
      reason: `deep health check failed (${DHC}=unset, ${HEALTH}=UnschedulablePendingReboot)`,
    },
    {
      case: 'the instance is shutting down after the check',
      o: { seenInProgress: true, instance: { status: 'ShuttingDown', statusMessage: 'replacing' } },
      reason: 'the instance is ShuttingDown after the deep health check: replacing',
    },
    {
      case: 'the instance failed after the check',
      o: { seenInProgress: true, instance: { status: 'Failure' } },
      reason: 'the instance is Failure after the deep health check',
    },
    {
      case: 'the instance left the cluster',
      o: { seenInProgress: true, instance: undefined },
      reason:
        'the instance left the cluster during the deep health check (HyperPod replaces instances that fail it)',
    },
    {
      case: 'the check never started (a stale Passed label does not count)',
      o: { now: '2026-11-29T10:21:00.000Z', labels: { [DHC]: 'Passed' } },
      reason: 'the deep health check did not start within 20 min (HyperPod skips busy nodes)',
    },
    {
      case: 'the check outlived its timeout',
      o: { now: '2026-11-29T16:01:00.000Z', instance: { status: 'DeepHealthCheckInProgress' } },
      reason: 'timed out after 360 min',
    },
  ])('fails when $case', ({ o, reason }) => {
    // Act
    const result = assessDeepCheck(observe(o as Partial<DeepCheckObservation>));

    // Assess
    expect(result).toMatchObject({ status: 'failed', reason });
  });
});
