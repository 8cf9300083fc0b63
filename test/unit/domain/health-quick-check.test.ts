import { describe, expect, it } from 'vitest';
import { assessQuickCheck, type QuickCheckObservation } from '#domain/health-quick-check.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';

const STARTED = '2026-11-29T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(STARTED) + seconds * 1000).toISOString();

const job = (
  conditions: { type: string; status: string; reason?: string; message?: string }[] = [],
): KubeObject => ({
  metadata: { name: 'hpr-qc-0123456789abcdef', namespace: 'hyperpod-resilience' },
  status: { conditions },
});

const pod = (status: KubePod['status'], created = STARTED): KubePod => ({
  metadata: { name: 'hpr-qc-0123456789abcdef-x1', creationTimestamp: created },
  spec: { nodeName: 'hyperpod-i-0123456789abcdef0' },
  status,
});

const terminated = (message: string | undefined, exitCode = 0): KubePod['status'] => ({
  phase: exitCode === 0 ? 'Succeeded' : 'Failed',
  containerStatuses: [
    {
      name: 'health-check',
      state: { terminated: { exitCode, ...(message === undefined ? {} : { message }) } },
    },
  ],
});

const PASS = JSON.stringify({ v: 1, checks: [{ name: 'gpu-count', pass: true, metrics: { count: 8 } }] });

const observe = (extra: Partial<QuickCheckObservation>): QuickCheckObservation => ({
  now: at(30),
  startedAt: STARTED,
  deadline: at(1320),
  unschedulableGraceSeconds: 180,
  timeoutSeconds: 1200,
  job: job(),
  pods: [],
  containerName: 'health-check',
  expectations: { checks: ['gpu-count'], gpus: 8 },
  ...extra,
});

describe('Function: assessQuickCheck', () => {
  it('passes on a finished pod whose verdict passes', () => {
    // Act
    const result = assessQuickCheck(observe({ pods: [pod(terminated(PASS))] }));

    // Assess
    expect(result).toMatchObject({
      status: 'passed',
      cleanup: false,
      checks: [{ name: 'gpu-count', pass: true }],
    });
  });

  it('reads the newest pod when a deleted pod was replaced', () => {
    // Act
    const result = assessQuickCheck(
      observe({
        pods: [
          pod(terminated('garbage', 1), at(0)),
          pod(terminated(PASS), at(5)),
          pod(terminated('old', 1), 'not a time'),
          { metadata: { name: 'no-time' }, status: terminated('older', 1) },
        ],
      }),
    );

    // Assess
    expect(result.status).toBe('passed');
  });

  it('judges the verdict even after the Job is gone or past the deadline', () => {
    // Act
    const result = assessQuickCheck(
      observe({ job: undefined, now: at(5000), pods: [pod(terminated(PASS))] }),
    );

    // Assess
    expect(result.status).toBe('passed');
  });

  it.each([
    {
      case: 'the kubelet rejected the pod',
      o: {
        pods: [pod({ phase: 'Failed', reason: 'OutOfnvidia.com/gpu', message: 'not enough nvidia.com/gpu' })],
      },
      reason: 'the node rejected the check pod (OutOfnvidia.com/gpu: not enough nvidia.com/gpu)',
      cleanup: true,
    },
    {
      case: 'the pod failed without any reason',
      o: { pods: [pod({ phase: 'Failed' })] },
      reason: 'the node rejected the check pod (no reason given)',
      cleanup: true,
    },
    {
      case: 'the Job disappeared before its verdict was read',
      o: { job: undefined, pods: [] },
      reason: 'the health-check Job disappeared before its verdict was read',
      cleanup: false,
    },
    {
      case: 'the Job hit its deadline',
      o: {
        job: job([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }]),
        pods: [pod({ phase: 'Running' })],
      },
      reason: 'timed out after 1200 s (Job deadline exceeded)',
      cleanup: true,
    },
    {
      case: 'the Job failed for another reason',
      o: {
        job: job([
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ]),
      },
      reason:
        'the health-check Job failed without a verdict (BackoffLimitExceeded: Job has reached the specified backoff limit)',
      cleanup: true,
    },
    {
      case: 'the Job failed without saying why',
      o: { job: job([{ type: 'Failed', status: 'True' }]) },
      reason: 'the health-check Job failed without a verdict (no reason given)',
      cleanup: true,
    },
    {
      case: 'the Job completed but its pod is gone',
      o: { job: job([{ type: 'Complete', status: 'True' }]) },
      reason: 'the health-check Job completed but its pod is gone: no verdict to read',
      cleanup: false,
    },
    {
      case: 'the check ran past our deadline',
      o: { now: at(1321), pods: [pod({ phase: 'Running' })] },
      reason: 'timed out after 1200 s',
      cleanup: true,
    },
    {
      case: 'no pod was created within the grace period',
      o: { now: at(181) },
      reason: 'no pod was created for the health-check Job within 180 s',
      cleanup: true,
    },
    {
      case: 'the scheduler could not place the pod',
      o: {
        now: at(181),
        pods: [
          pod({
            phase: 'Pending',
            conditions: [
              { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/4 nodes' },
            ],
          }),
        ],
      },
      reason: 'the check pod did not run within 180 s (unschedulable: Unschedulable: 0/4 nodes)',
      cleanup: true,
    },
    {
      case: 'an unschedulable pod without details',
      o: {
        now: at(181),
        pods: [pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] })],
      },
      reason: 'the check pod did not run within 180 s (unschedulable: no reason given)',
      cleanup: true,
    },
    {
      case: 'the image could not be pulled',
      o: {
        now: at(181),
        pods: [
          pod({
            phase: 'Pending',
            containerStatuses: [
              {
                name: 'health-check',
                state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } },
              },
            ],
          }),
        ],
      },
      reason: 'the check pod did not run within 180 s (not started: ImagePullBackOff: not found)',
      cleanup: true,
    },
    {
      case: 'the node never started the pod',
      o: { now: at(181), pods: [pod({ phase: 'Pending' })] },
      reason: 'the check pod did not run within 180 s (not started on hyperpod-i-0123456789abcdef0)',
      cleanup: true,
    },
    {
      case: 'a pod without a node and status',
      o: { now: at(181), pods: [{ metadata: { name: 'p' } }] },
      reason: 'the check pod did not run within 180 s (not started on its node)',
      cleanup: true,
    },
  ])('fails when $case', ({ o, reason, cleanup }) => {
    // Act
    const result = assessQuickCheck(observe(o as Partial<QuickCheckObservation>));

    // Assess
    expect(result).toMatchObject({ status: 'failed', reason, cleanup });
  });

  it.each([
    { case: 'no pod yet', o: {}, reason: 'waiting for the check pod' },
    {
      case: 'the pod is running',
      o: { pods: [pod({ phase: 'Running' })] },
      reason: 'the checks are running',
    },
    {
      case: 'the Job has no status yet',
      o: { job: { metadata: { name: 'hpr-qc-0123456789abcdef' } }, pods: [pod({ phase: 'Running' })] },
      reason: 'the checks are running',
    },
    {
      case: 'the pod is pending within the grace period',
      o: {
        pods: [
          pod({
            phase: 'Pending',
            containerStatuses: [
              { name: 'health-check', state: { waiting: { reason: 'ContainerCreating' } } },
            ],
          }),
        ],
      },
      reason: 'waiting for the check pod (not started: ContainerCreating)',
    },
  ])('keeps waiting while $case', ({ o, reason }) => {
    // Act
    const result = assessQuickCheck(observe(o as Partial<QuickCheckObservation>));

    // Assess
    expect(result).toEqual({ status: 'running', reason });
  });
});
