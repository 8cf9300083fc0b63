import { describe, expect, it } from 'vitest';
import {
  hyperpodAlreadyActing,
  hyperpodPendingAction,
  interpretNodeInUse,
  recoveryStartedEvidence,
} from '#domain/hyperpod-recovery.ts';
import type { KubeNode } from '#domain/kube-types.ts';

// Label key and values copied from SM-DG `sagemaker-hyperpod-eks-resiliency-node-labels.html`.
const LABEL = 'sagemaker.amazonaws.com/node-health-status';

const node = (ready: boolean, bootID = 'boot-1'): KubeNode => ({
  metadata: { name: 'hyperpod-i-0123456789abcdef0' },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], nodeInfo: { bootID } },
});

describe('Function: hyperpodPendingAction', () => {
  it.each([
    { value: 'UnschedulablePendingReboot', expected: 'reboot' },
    { value: 'UnschedulablePendingReplacement', expected: 'replace' },
    { value: 'Schedulable', expected: undefined },
    { value: 'Unschedulable', expected: undefined },
    { value: 'SomethingNewer', expected: undefined },
  ])('reads $value as $expected', ({ value, expected }) => {
    // Act & Assess
    expect(hyperpodPendingAction({ [LABEL]: value })).toBe(expected);
  });

  it('reads a node without the label as nothing pending', () => {
    // Act & Assess
    expect(hyperpodPendingAction({})).toBeUndefined();
    expect(hyperpodPendingAction(undefined)).toBeUndefined();
  });
});

describe('Function: hyperpodAlreadyActing', () => {
  it.each([
    {
      case: 'HyperPod owns recovery and labelled the node',
      owner: 'hyperpod',
      value: 'UnschedulablePendingReboot',
      expected: true,
    },
    {
      case: 'HyperPod owns recovery but nothing is labelled (our alarm, a sweep, a person)',
      owner: 'hyperpod',
      value: 'Schedulable',
      expected: false,
    },
    {
      case: 'we own recovery (NodeRecovery=None: labels trigger nothing)',
      owner: 'hyperpod-resilience',
      value: 'UnschedulablePendingReplacement',
      expected: false,
    },
  ] as const)('is $expected when $case', ({ owner, value, expected }) => {
    // Act & Assess
    expect(hyperpodAlreadyActing(owner, { [LABEL]: value })).toBe(expected);
  });
});

describe('Function: interpretNodeInUse', () => {
  // Status strings copied from @aws-sdk/client-sagemaker 3.1142.0 `ClusterInstanceStatus`
  // (dist-types/models/enums.d.ts): Running | Failure | Pending | ShuttingDown | SystemUpdating |
  // DeepHealthCheckInProgress | NotFound.
  it.each([
    { status: 'DeepHealthCheckInProgress', kind: 'busy' },
    { status: 'SystemUpdating', kind: 'busy' },
    { status: 'Failure', kind: 'busy' },
    { status: 'SomeFutureStatus', kind: 'busy' },
    { status: 'ShuttingDown', kind: 'recovery-in-progress' },
    { status: 'Pending', kind: 'recovery-in-progress' },
    { status: 'NotFound', kind: 'gone' },
  ])('reads InstanceStatus $status as $kind', ({ status, kind }) => {
    // Act
    const verdict = interpretNodeInUse({ status, kubeNode: node(true), wasReady: true });

    // Assess
    expect(verdict.kind).toBe(kind);
  });

  it('reads a Running node that turned NotReady since admission as a reboot under way', () => {
    // Act
    const verdict = interpretNodeInUse({ status: 'Running', kubeNode: node(false), wasReady: true });

    // Assess
    expect(verdict).toMatchObject({ kind: 'recovery-in-progress', observed: 'reboot' });
  });

  it('does not assume a recovery from a node that was already NotReady when admitted', () => {
    // Act
    const verdict = interpretNodeInUse({ status: 'Running', kubeNode: node(false), wasReady: false });

    // Assess
    expect(verdict).toMatchObject({ kind: 'busy', operation: 'Running' });
  });

  it('does not assume a recovery from a Running, Ready node: some other operation holds it', () => {
    // Act
    const verdict = interpretNodeInUse({ status: 'Running', kubeNode: node(true), wasReady: true });

    // Assess
    expect(verdict).toMatchObject({ kind: 'busy', operation: 'Running' });
  });

  it('names what it saw, with or without a Kubernetes node', () => {
    // Act & Assess
    expect(interpretNodeInUse({ status: 'SystemUpdating', kubeNode: node(true) }).evidence).toBe(
      'InstanceStatus SystemUpdating, Kubernetes node Ready',
    );
    expect(interpretNodeInUse({ status: 'SystemUpdating' }).evidence).toBe('InstanceStatus SystemUpdating');
  });

  it('reads a node SageMaker no longer describes as gone', () => {
    // Act & Assess
    expect(interpretNodeInUse({ status: undefined }).kind).toBe('gone');
  });

  it('reads a terminating instance as a replacement under way, whatever we asked for', () => {
    // Act & Assess
    expect(interpretNodeInUse({ status: 'ShuttingDown' })).toMatchObject({ observed: 'replace' });
  });
});

describe('Function: recoveryStartedEvidence', () => {
  it.each([
    {
      case: 'the instance is ShuttingDown',
      status: 'ShuttingDown',
      kube: node(true),
      expected: 'InstanceStatus ShuttingDown',
    },
    {
      case: 'the instance is Pending',
      status: 'Pending',
      kube: node(true),
      expected: 'InstanceStatus Pending',
    },
    {
      case: 'SageMaker says NotFound',
      status: 'NotFound',
      kube: undefined,
      expected: 'InstanceStatus NotFound',
    },
    {
      case: 'SageMaker no longer lists the instance',
      status: undefined,
      kube: undefined,
      expected: 'instance no longer listed by SageMaker',
    },
    {
      case: 'the Kubernetes node was deleted',
      status: 'Running',
      kube: undefined,
      expected: 'Kubernetes node deleted',
    },
    {
      case: 'the boot id changed',
      status: 'Running',
      kube: node(true, 'boot-2'),
      expected: 'boot id changed',
    },
    {
      case: 'the node turned NotReady',
      status: 'Running',
      kube: node(false),
      expected: 'Kubernetes node NotReady',
    },
  ])('sees a start when $case', ({ status, kube, expected }) => {
    // Act & Assess
    expect(recoveryStartedEvidence({ status, kubeNode: kube, bootIdAtStart: 'boot-1', wasReady: true })).toBe(
      expected,
    );
  });

  it.each([
    { case: 'the node is untouched', status: 'Running', kube: node(true), wasReady: true },
    { case: 'the node was NotReady from the start', status: 'Running', kube: node(false), wasReady: false },
    {
      case: 'a deep health check runs',
      status: 'DeepHealthCheckInProgress',
      kube: node(true),
      wasReady: true,
    },
    { case: 'a software update runs', status: 'SystemUpdating', kube: node(true), wasReady: true },
  ])('sees no start when $case', ({ status, kube, wasReady }) => {
    // Act & Assess
    expect(
      recoveryStartedEvidence({ status, kubeNode: kube, bootIdAtStart: 'boot-1', wasReady }),
    ).toBeUndefined();
  });
});
