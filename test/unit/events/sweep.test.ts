import { describe, expect, it } from 'vitest';
import { classifyFault } from '#domain/fault-classification.ts';
import { normalizeTrigger } from '#events/normalize.ts';
import { sampleConfig } from '#events/samples/index.ts';
import { sweepFindingEvent } from '#events/sweep.ts';

const INSTANCE = 'i-0391f86fa0fe0d465';
const NODE = 'hyperpod-i-0391f86fa0fe0d465';
const TIME = '2026-11-29T10:05:00.000Z';

const finding = (detail: Record<string, unknown>) =>
  sweepFindingEvent(
    { clusterName: 'ml-cluster', instanceId: INSTANCE, finding: 'gpu-missing', ...detail } as never,
    { id: 'sweep-gpu-missing-i-0391f86fa0fe0d465-0123456789abcdef', time: TIME },
  );

const thrown = (input: unknown): Error => {
  try {
    normalizeTrigger(input, sampleConfig);
  } catch (error) {
    return error as Error;
  }
  throw new Error('normalizeTrigger did not throw');
};

describe('Function: normalizeTrigger (health sweep findings)', () => {
  it.each([
    {
      case: 'a GPU missing from allocatable',
      detail: { finding: 'gpu-missing', nodeName: NODE, detail: 'only 7 of 8 GPUs allocatable' },
      fault: { class: 'recoverable', code: 'gpu-missing', recommendedAction: 'reboot' },
    },
    {
      case: 'an instance in Failure',
      detail: { finding: 'instance-failure' },
      fault: { class: 'fatal', code: 'instance-failure', recommendedAction: 'replace' },
    },
    {
      case: 'a failed idle-node quick check',
      detail: { finding: 'quick-check-failed', nodeName: NODE, detail: 'nccl-all-reduce failed' },
      fault: { class: 'unknown', code: 'quick-check-failed', recommendedAction: 'reboot' },
    },
  ])('turns $case into a sweep trigger the fault table classifies', ({ detail, fault }) => {
    // Act
    const trigger = normalizeTrigger(finding(detail), sampleConfig);

    // Assess
    expect(trigger).toMatchObject({
      kind: 'sweep',
      eventId: 'sweep-gpu-missing-i-0391f86fa0fe0d465-0123456789abcdef',
      time: TIME,
      clusterName: 'ml-cluster',
      instanceId: INSTANCE,
      finding: detail.finding,
    });
    expect(classifyFault(trigger)).toMatchObject({ source: 'sweep', ...fault });
  });

  it('turns a HyperPod-label finding into a node-labels trigger, classified like the labels themselves', () => {
    // Prepare
    const event = finding({
      finding: 'hyperpod-labels',
      nodeName: NODE,
      labels: { 'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReplacement' },
      annotations: {},
      conditions: [{ type: 'NvidiaErrorTerminate', status: 'True', reason: 'XidHardwareFailure' }],
    });

    // Act
    const trigger = normalizeTrigger(event, sampleConfig);

    // Assess
    expect(trigger).toMatchObject({ kind: 'node-labels', nodeName: NODE, instanceId: INSTANCE });
    expect(classifyFault(trigger)).toMatchObject({
      class: 'fatal',
      recommendedAction: 'replace',
      code: 'UnschedulablePendingReplacement',
    });
  });

  it('reads a HyperPod-label finding without evidence as empty labels, and one without a node name as a sweep finding', () => {
    // Act
    const bare = normalizeTrigger(finding({ finding: 'hyperpod-labels', nodeName: NODE }), sampleConfig);
    const nodeless = normalizeTrigger(finding({ finding: 'hyperpod-labels' }), sampleConfig);

    // Assess
    expect(bare).toMatchObject({ kind: 'node-labels', labels: {}, annotations: {}, conditions: [] });
    expect(nodeless).toMatchObject({ kind: 'sweep', finding: 'hyperpod-labels' });
  });

  it.each([
    { case: 'an unknown key in the detail', detail: { rebootNow: true }, error: 'InvalidInputError' },
    { case: 'a malformed instance id', detail: { instanceId: 'node-7' }, error: 'InvalidInputError' },
    { case: 'a finding name with spaces', detail: { finding: 'gpu missing' }, error: 'InvalidInputError' },
    {
      case: 'a cluster that is not configured',
      detail: { clusterName: 'other' },
      error: 'UnknownClusterError',
    },
  ])('rejects $case with $error', ({ detail, error }) => {
    // Act
    const result = thrown(finding(detail));

    // Assess
    expect(result.name).toBe(error);
  });
});
