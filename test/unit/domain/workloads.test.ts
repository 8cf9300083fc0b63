import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/kube-types.ts';
import type { WorkloadKind } from '#domain/types.ts';
import {
  AUTO_RESUME_ANNOTATION,
  isSuspendedByUs,
  nextOwner,
  planResume,
  planSuspend,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
  suspendedIncidentIds,
  WORKLOAD_KINDS,
  workloadRefFromOwner,
} from '#domain/workloads.ts';
import { NOW, named } from './fixtures.ts';

const OPT_OUT = 'hyperpod-resilience.io/opt-out';
const suspendInput = { incidentId: 'inc-2', now: NOW, optOutAnnotation: OPT_OUT, respectAutoResume: true };

const job = (
  options: { suspend?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: 'train',
    namespace: 'ml',
    labels: options.labels ?? {},
    annotations: options.annotations ?? {},
  },
  spec: options.suspend === undefined ? {} : { suspend: options.suspend },
});

const pytorchJob = (
  runPolicy: Record<string, unknown> | undefined,
  metadata: Partial<KubeObject['metadata']> = {},
) => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: { name: 'llm', namespace: 'ml', ...metadata },
  spec: runPolicy === undefined ? {} : { runPolicy },
});

const heldBy = (...ids: string[]) => ({
  labels: { [SUSPENDED_LABEL]: 'true' },
  annotations: { [SUSPENDED_BY_ANNOTATION]: JSON.stringify(ids), [SUSPENDED_AT_ANNOTATION]: NOW },
});

describe('Constant: WORKLOAD_KINDS', () => {
  it.each(
    named([
      {
        case: 'Job suspends at spec.suspend',
        kind: 'Job',
        apiVersion: 'batch/v1',
        path: ['spec', 'suspend'],
      },
      {
        case: 'PyTorchJob suspends at spec.runPolicy.suspend',
        kind: 'PyTorchJob',
        apiVersion: 'kubeflow.org/v1',
        path: ['spec', 'runPolicy', 'suspend'],
      },
      {
        case: 'MPIJob suspends at spec.runPolicy.suspend',
        kind: 'MPIJob',
        apiVersion: 'kubeflow.org/v2beta1',
        path: ['spec', 'runPolicy', 'suspend'],
      },
      {
        case: 'JobSet suspends at spec.suspend',
        kind: 'JobSet',
        apiVersion: 'jobset.x-k8s.io/v1alpha2',
        path: ['spec', 'suspend'],
      },
      {
        case: 'HyperPodPyTorchJob suspends at spec.runPolicy.suspend (unconfirmed)',
        kind: 'HyperPodPyTorchJob',
        apiVersion: 'sagemaker.amazonaws.com/v1',
        path: ['spec', 'runPolicy', 'suspend'],
      },
    ] as { case: string; kind: WorkloadKind; apiVersion: string; path: string[] }[]),
  )('%s', (_case, { kind, apiVersion, path }) => {
    // Prepare
    const info = WORKLOAD_KINDS[kind];

    // Assess
    expect(info.apiVersion).toBe(apiVersion);
    expect(`${info.group}/${info.version}`).toBe(apiVersion);
    expect(info.suspendPath).toEqual(path);
    expect(info.plural).toBe(`${kind.toLowerCase()}s`);
  });

  it('marks the kinds whose suspend support is unconfirmed', () => {
    // Assess
    expect(WORKLOAD_KINDS.HyperPodPyTorchJob.suspendConfirmed).toBe(false);
    expect(WORKLOAD_KINDS.MPIJob.suspendConfirmed).toBe(false);
    expect(WORKLOAD_KINDS.Job.suspendConfirmed).toBe(true);
  });
});

describe('Function: workloadRefFromOwner', () => {
  it.each(
    named([
      {
        case: 'a Job owner is a workload',
        owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'train', uid: 'u1' },
        expected: { kind: 'Job', apiVersion: 'batch/v1', namespace: 'ml', name: 'train', uid: 'u1' },
      },
      {
        case: 'another version of the same group maps to our canonical version',
        owner: { apiVersion: 'jobset.x-k8s.io/v1', kind: 'JobSet', name: 'js' },
        expected: { kind: 'JobSet', apiVersion: 'jobset.x-k8s.io/v1alpha2', namespace: 'ml', name: 'js' },
      },
      {
        case: 'a kind we know from another group is not ours',
        owner: { apiVersion: 'example.com/v1', kind: 'Job', name: 'x', uid: 'u' },
        expected: undefined,
      },
      {
        case: 'a core-group owner is not ours',
        owner: { apiVersion: 'v1', kind: 'Job', name: 'x', uid: 'u' },
        expected: undefined,
      },
      {
        case: 'a ReplicaSet is not a workload we suspend',
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' },
        expected: undefined,
      },
      {
        case: 'an inherited property name is not a kind',
        owner: { apiVersion: 'batch/v1', kind: 'toString', name: 'x', uid: 'u' },
        expected: undefined,
      },
    ]),
  )('%s', (_case, { owner, expected }) => {
    // Act & Assess
    expect(workloadRefFromOwner(owner, 'ml')).toEqual(expected);
  });
});

describe('Function: nextOwner', () => {
  it('returns the controller ownerReference', () => {
    // Prepare
    const controller = { apiVersion: 'batch/v1', kind: 'Job', name: 'train', uid: 'u1', controller: true };
    const pod: KubeObject = {
      metadata: {
        name: 'p',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u0' }, controller],
      },
    };

    // Act & Assess
    expect(nextOwner(pod)).toBe(controller);
  });

  it.each(
    named([
      { case: 'an object without owners has no next owner', refs: undefined },
      {
        case: 'owners that are not controllers are not followed',
        refs: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'u', controller: false }],
      },
    ]),
  )('%s', (_case, { refs }) => {
    // Act & Assess
    expect(
      nextOwner({ metadata: { name: 'p', ...(refs ? { ownerReferences: refs } : {}) } }),
    ).toBeUndefined();
  });
});

describe('Function: suspendedIncidentIds', () => {
  it.each(
    named([
      { case: 'reads the JSON list', value: '["inc-1","inc-2"]', expected: ['inc-1', 'inc-2'] },
      {
        case: 'drops duplicates, empty ids and non-strings',
        value: '["inc-1","inc-1","",3,null]',
        expected: ['inc-1'],
      },
      { case: 'reads garbage as none', value: 'inc-1,inc-2', expected: [] },
      { case: 'reads a JSON object as none', value: '{"inc-1":true}', expected: [] },
      { case: 'reads a missing annotation as none', value: undefined, expected: [] },
    ]),
  )('%s', (_case, { value, expected }) => {
    // Prepare
    const obj = job({ annotations: value === undefined ? {} : { [SUSPENDED_BY_ANNOTATION]: value } });

    // Act & Assess
    expect(suspendedIncidentIds(obj)).toEqual(expected);
  });

  it('reads an object without annotations as none', () => {
    // Act & Assess
    expect(suspendedIncidentIds({ metadata: { name: 'x' } })).toEqual([]);
  });
});

describe('Function: isSuspendedByUs', () => {
  it.each(
    named([
      { case: 'our label set to true', obj: job(heldBy('inc-1')), expected: true },
      {
        case: 'our label set to anything else',
        obj: job({ labels: { [SUSPENDED_LABEL]: 'false' } }),
        expected: false,
      },
      { case: 'no labels at all', obj: { metadata: { name: 'x' } }, expected: false },
    ]),
  )('%s', (_case, { obj, expected }) => {
    // Act & Assess
    expect(isSuspendedByUs(obj)).toBe(expected);
  });
});

describe('Function: planSuspend', () => {
  it('suspends a running Job: switch on, our label, this incident as holder, time', () => {
    // Act
    const plan = planSuspend(job({ suspend: false }), 'Job', suspendInput);

    // Assess
    expect(plan).toEqual({
      action: 'suspend',
      patch: {
        spec: { suspend: true },
        metadata: {
          labels: { [SUSPENDED_LABEL]: 'true' },
          annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-2"]', [SUSPENDED_AT_ANNOTATION]: NOW },
        },
      },
    });
  });

  it('suspends a PyTorchJob at spec.runPolicy.suspend', () => {
    // Act
    const plan = planSuspend(pytorchJob(undefined), 'PyTorchJob', suspendInput);

    // Assess
    expect(plan).toMatchObject({ action: 'suspend', patch: { spec: { runPolicy: { suspend: true } } } });
  });

  it('a job spanning several failing nodes is suspended once and joined by the next incident', () => {
    // Act
    const plan = planSuspend(job({ suspend: true, ...heldBy('inc-1') }), 'Job', suspendInput);

    // Assess
    expect(plan).toEqual({
      action: 'join',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-1","inc-2"]' } } },
    });
  });

  it.each(
    named([
      {
        case: 'an opted-out workload is never suspended',
        obj: job({ annotations: { [OPT_OUT]: 'TRUE' } }),
        input: suspendInput,
        reason: 'opted-out',
      },
      {
        case: 'a job with HyperPod auto-resume is left to HyperPod',
        obj: pytorchJob({}, { annotations: { [AUTO_RESUME_ANNOTATION]: 'true' } }),
        input: suspendInput,
        reason: 'hyperpod-auto-resume',
      },
      {
        case: 'a retried step of the same incident is a no-op',
        obj: job({ suspend: true, ...heldBy('inc-1', 'inc-2') }),
        input: suspendInput,
        reason: 'already-suspended-by-this-incident',
      },
      {
        case: 'a job someone else suspended is never taken over',
        obj: job({ suspend: true }),
        input: suspendInput,
        reason: 'suspended-by-others',
      },
      {
        case: 'a PyTorchJob someone else suspended is never taken over',
        obj: pytorchJob({ suspend: true }),
        input: suspendInput,
        reason: 'suspended-by-others',
      },
    ] as { case: string; obj: KubeObject; input: typeof suspendInput; reason: string }[]),
  )('%s', (_case, { obj, input, reason }) => {
    // Act & Assess
    expect(planSuspend(obj, obj.kind as WorkloadKind, input)).toEqual({ action: 'skip', reason });
  });

  it.each(
    named([
      { case: 'opt-out set to false does not opt out', annotations: { [OPT_OUT]: 'false' }, respect: true },
      {
        case: 'auto-resume is ignored when the policy does not respect it',
        annotations: { [AUTO_RESUME_ANNOTATION]: 'true' },
        respect: false,
      },
      {
        case: 'auto-resume set to false does not hand the job to HyperPod',
        annotations: { [AUTO_RESUME_ANNOTATION]: 'false' },
        respect: true,
      },
    ] as { case: string; annotations: Record<string, string>; respect: boolean }[]),
  )('%s', (_case, { annotations, respect }) => {
    // Act
    const plan = planSuspend(job({ annotations }), 'Job', { ...suspendInput, respectAutoResume: respect });

    // Assess
    expect(plan.action).toBe('suspend');
  });

  it('suspends again a job still labelled ours but resumed by hand, keeping its holders', () => {
    // Act
    const plan = planSuspend(job({ suspend: false, ...heldBy('inc-1') }), 'Job', suspendInput);

    // Assess
    expect(plan).toMatchObject({
      action: 'suspend',
      patch: {
        spec: { suspend: true },
        metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-1","inc-2"]' } },
      },
    });
  });

  it('joins a suspension of ours whose holder list is unreadable', () => {
    // Prepare
    const obj = job({
      suspend: true,
      labels: { [SUSPENDED_LABEL]: 'true' },
      annotations: { [SUSPENDED_BY_ANNOTATION]: '??' },
    });

    // Act & Assess
    expect(planSuspend(obj, 'Job', suspendInput)).toEqual({
      action: 'join',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-2"]' } } },
    });
  });

  it('works on an object without spec or annotations', () => {
    // Act & Assess
    expect(planSuspend({ metadata: { name: 'j' } }, 'JobSet', suspendInput).action).toBe('suspend');
  });

  it('reads a non-object on the suspend path as not suspended', () => {
    // Prepare
    const obj = pytorchJob(undefined);
    obj.spec = { runPolicy: 'weird' } as unknown as Record<string, never>;

    // Act & Assess
    expect(planSuspend(obj, 'PyTorchJob', suspendInput).action).toBe('suspend');
  });
});

describe('Function: planResume', () => {
  it('the last holder resumes the job and removes our label and annotations', () => {
    // Act
    const plan = planResume(job({ suspend: true, ...heldBy('inc-1') }), 'Job', 'inc-1');

    // Assess
    expect(plan).toEqual({
      action: 'resume',
      patch: {
        spec: { suspend: false },
        metadata: {
          labels: { [SUSPENDED_LABEL]: null },
          annotations: { [SUSPENDED_BY_ANNOTATION]: null, [SUSPENDED_AT_ANNOTATION]: null },
        },
      },
    });
  });

  it('resumes a PyTorchJob at spec.runPolicy.suspend', () => {
    // Act
    const plan = planResume({ ...pytorchJob({ suspend: true }, heldBy('inc-1')) }, 'PyTorchJob', 'inc-1');

    // Assess
    expect(plan).toMatchObject({ action: 'resume', patch: { spec: { runPolicy: { suspend: false } } } });
  });

  it('an earlier holder only releases its hold while other incidents still need the job suspended', () => {
    // Act
    const plan = planResume(job({ suspend: true, ...heldBy('inc-1', 'inc-2') }), 'Job', 'inc-1');

    // Assess
    expect(plan).toEqual({
      action: 'release',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-2"]' } } },
    });
  });

  it.each(
    named([
      {
        case: 'a job suspended by someone else is never resumed',
        obj: job({ suspend: true }),
        reason: 'not-suspended-by-us',
      },
      {
        case: 'a job held only by other incidents is left to them',
        obj: job({ suspend: true, ...heldBy('inc-0') }),
        reason: 'not-held-by-this-incident',
      },
      {
        case: 'a retried resume after the release is a no-op',
        obj: job({ suspend: true, ...heldBy('inc-2') }),
        reason: 'not-held-by-this-incident',
      },
    ]),
  )('%s', (_case, { obj, reason }) => {
    // Act & Assess
    expect(planResume(obj, 'Job', 'inc-1')).toEqual({ action: 'skip', reason });
  });
});
