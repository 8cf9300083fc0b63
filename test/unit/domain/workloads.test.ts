import { describe, expect, it } from 'vitest';
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import {
  MIRROR_POD_ANNOTATION,
  nodeDeadVerdict,
  type PodOwner,
  planPodEviction,
  planStuckPods,
} from '#domain/pod-eviction.ts';
import type { WorkloadKind } from '#domain/types.ts';
import { describeRef, nextOwner, WORKLOAD_KINDS, workloadRefFromOwner } from '#domain/workload-kinds.ts';
import {
  AUTO_RESUME_ANNOTATION,
  hyperPodAutoResume,
  isKueueManaged,
  isSuspendedByUs,
  KUEUE_QUEUE_NAME_LABEL,
  kueueWorkloadApiVersion,
  kueueWorkloadOf,
  LAST_SUSPENSION_ANNOTATION,
  planRelease,
  planResume,
  planSuspend,
  SUSPEND_METHOD_ANNOTATION,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
  SUSPENDED_NODES_ANNOTATION,
  staleHolders,
  suspendedIncidentIds,
  suspendedNodes,
  suspendMethodFor,
} from '#domain/workload-suspension.ts';
import { at, NOW, named } from './fixtures.ts';

const OPT_OUT = 'hyperpod-resilience.io/opt-out';
const EARLIER = at({ minutes: -30 });
const LATER = at({ minutes: 10 });
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

/**
 * The auto-resume example of the HyperPod docs and workshop (SM-DG
 * sagemaker-hyperpod-eks-run-jobs-kubectl.html; awslabs/ai-on-sagemaker-hyperpod eks-resiliency.md):
 * both annotations, namespace kubeflow, Worker replicas restarting OnFailure.
 */
const documentedAutoResumeJob = (
  overrides: { namespace?: string; restartPolicy?: string; master?: string } = {},
): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: {
    name: 'fsdp',
    namespace: overrides.namespace ?? 'kubeflow',
    annotations: {
      'sagemaker.amazonaws.com/enable-job-auto-resume': 'true',
      'sagemaker.amazonaws.com/job-max-retry-count': '2',
    },
  },
  spec: {
    pytorchReplicaSpecs: {
      ...(overrides.master ? { Master: { replicas: 1, restartPolicy: overrides.master } } : {}),
      Worker: { replicas: 2, restartPolicy: overrides.restartPolicy ?? 'OnFailure' },
    },
  },
});

const heldBy = (
  ...ids: string[]
): { labels: Record<string, string>; annotations: Record<string, string> } => ({
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
        case: 'HyperPodPyTorchJob suspends at spec.runPolicy.suspend (its CRD field)',
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

  it('names the documentation behind every suspend switch', () => {
    // Assess
    for (const info of Object.values(WORKLOAD_KINDS)) {
      expect(info.suspendConfirmed).toBe(true);
      expect(info.suspendSource.length).toBeGreaterThan(10);
    }
    expect(WORKLOAD_KINDS.HyperPodPyTorchJob.suspendSource).toContain('unconfirmed');
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
      method: 'field',
      patch: {
        spec: { suspend: true },
        metadata: {
          labels: { [SUSPENDED_LABEL]: 'true' },
          annotations: {
            [SUSPENDED_BY_ANNOTATION]: '["inc-2"]',
            [SUSPENDED_AT_ANNOTATION]: NOW,
            [SUSPEND_METHOD_ANNOTATION]: 'field',
          },
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
      method: 'field',
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
        case: 'a PyTorchJob with HyperPod auto-resume is left to HyperPod',
        obj: pytorchJob({}, { annotations: { [AUTO_RESUME_ANNOTATION]: 'true' } }),
        input: suspendInput,
        reason: 'hyperpod-auto-resume',
      },
      {
        case: 'the documented auto-resume PyTorchJob (annotations, OnFailure, kubeflow) is left to HyperPod',
        obj: documentedAutoResumeJob(),
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
      {
        case: 'a batch Job with the auto-resume annotation is ours (HyperPod resumes PyTorchJobs only)',
        annotations: { [AUTO_RESUME_ANNOTATION]: 'true' },
        respect: true,
      },
    ] as { case: string; annotations: Record<string, string>; respect: boolean }[]),
  )('%s', (_case, { annotations, respect }) => {
    // Act
    const plan = planSuspend(job({ annotations }), 'Job', { ...suspendInput, respectAutoResume: respect });

    // Assess
    expect(plan.action).toBe('suspend');
  });

  it('suspends a PyTorchJob with the auto-resume annotation whose replicas never restart OnFailure', () => {
    // Prepare
    const obj = documentedAutoResumeJob({ restartPolicy: 'Never' });

    // Act
    const plan = planSuspend(obj, 'PyTorchJob', suspendInput);

    // Assess
    expect(plan).toMatchObject({ action: 'suspend', method: 'field' });
  });

  it('suspends again a job still labelled ours but resumed by hand, keeping its holders and first time', () => {
    // Prepare
    const held = heldBy('inc-1');
    held.annotations[SUSPENDED_AT_ANNOTATION] = EARLIER;

    // Act
    const plan = planSuspend(job({ suspend: false, ...held }), 'Job', suspendInput);

    // Assess
    expect(plan).toMatchObject({
      action: 'suspend',
      patch: {
        spec: { suspend: true },
        metadata: {
          annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-1","inc-2"]', [SUSPENDED_AT_ANNOTATION]: EARLIER },
        },
      },
    });
  });

  it('suspends again a job labelled ours without a recorded time, stamping now', () => {
    // Prepare
    const obj = job({ suspend: false, labels: { [SUSPENDED_LABEL]: 'true' } });

    // Act & Assess
    expect(planSuspend(obj, 'Job', suspendInput)).toMatchObject({
      action: 'suspend',
      patch: { metadata: { annotations: { [SUSPENDED_AT_ANNOTATION]: NOW } } },
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
      method: 'field',
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
    const plan = planResume(job({ suspend: true, ...heldBy('inc-1') }), 'Job', 'inc-1', { now: LATER });

    // Assess
    expect(plan).toEqual({
      action: 'resume',
      method: 'field',
      patch: {
        spec: { suspend: false },
        metadata: {
          labels: { [SUSPENDED_LABEL]: null },
          annotations: {
            [SUSPENDED_BY_ANNOTATION]: null,
            [SUSPENDED_AT_ANNOTATION]: null,
            [SUSPEND_METHOD_ANNOTATION]: null,
            [SUSPENDED_NODES_ANNOTATION]: null,
            [LAST_SUSPENSION_ANNOTATION]: JSON.stringify({
              incidents: ['inc-1'],
              method: 'field',
              suspendedAt: NOW,
              resumedAt: LATER,
            }),
          },
        },
      },
      released: ['inc-1'],
      suspendedAt: NOW,
    });
  });

  it('resumes a PyTorchJob at spec.runPolicy.suspend', () => {
    // Act
    const plan = planResume({ ...pytorchJob({ suspend: true }, heldBy('inc-1')) }, 'PyTorchJob', 'inc-1', {
      now: LATER,
    });

    // Assess
    expect(plan).toMatchObject({ action: 'resume', patch: { spec: { runPolicy: { suspend: false } } } });
  });

  it('an earlier holder only releases its hold while other incidents still need the job suspended', () => {
    // Act
    const plan = planResume(job({ suspend: true, ...heldBy('inc-1', 'inc-2') }), 'Job', 'inc-1', {
      now: LATER,
    });

    // Assess
    expect(plan).toEqual({
      action: 'release',
      method: 'field',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-2"]' } } },
      released: ['inc-1'],
      remaining: ['inc-2'],
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
    expect(planResume(obj, 'Job', 'inc-1', { now: LATER })).toEqual({ action: 'skip', reason });
  });
});

const kueueJob = (
  options: { suspend?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject => {
  const obj = job(options);
  obj.metadata.uid = 'job-uid-1';
  obj.metadata.labels = { [KUEUE_QUEUE_NAME_LABEL]: 'team-a', ...options.labels };
  return obj;
};

const kueueWorkload = (active: boolean | undefined, ownerUid = 'job-uid-1'): KubeObject => ({
  apiVersion: 'kueue.x-k8s.io/v1beta1',
  kind: 'Workload',
  metadata: {
    name: 'job-train-1a2b3',
    namespace: 'ml',
    ownerReferences: [
      { apiVersion: 'batch/v1', kind: 'Job', name: 'train', uid: ownerUid, controller: true },
    ],
  },
  spec: active === undefined ? {} : { active },
});

describe('Function: isKueueManaged', () => {
  it.each(
    named([
      { case: 'the queue-name label makes a job Kueue-managed', obj: kueueJob(), expected: true },
      {
        case: 'the queue-name annotation of older Kueue releases counts too',
        obj: job({ annotations: { [KUEUE_QUEUE_NAME_LABEL]: 'team-a' } }),
        expected: true,
      },
      { case: 'a job without either is not', obj: job(), expected: false },
      {
        case: 'an empty queue name is not',
        obj: job({ labels: { [KUEUE_QUEUE_NAME_LABEL]: '' } }),
        expected: false,
      },
    ]),
  )('%s', (_case, { obj, expected }) => {
    // Act & Assess
    expect(isKueueManaged(obj)).toBe(expected);
    expect(suspendMethodFor(obj)).toBe(expected ? 'kueue' : 'field');
  });
});

describe('Function: kueueWorkloadOf', () => {
  it('picks the Workload owned by the job', () => {
    // Prepare
    const mine = kueueWorkload(true);
    const other = {
      ...kueueWorkload(true, 'other-uid'),
      metadata: { ...kueueWorkload(true, 'other-uid').metadata, name: 'x' },
    };

    // Act & Assess
    expect(kueueWorkloadOf(kueueJob(), [other, mine])).toBe(mine);
  });

  it.each(
    named([
      { case: 'the only candidate is taken even without an ownerReference', candidates: 1, found: true },
      { case: 'no candidate is no Workload', candidates: 0, found: false },
      { case: 'several candidates none owned by the job is no Workload', candidates: 2, found: false },
    ]),
  )('%s', (_case, { candidates, found }) => {
    // Prepare
    const list = Array.from({ length: candidates }, () => kueueWorkload(true, 'someone-else'));
    const noUid = kueueJob();
    delete noUid.metadata.uid;

    // Act & Assess
    expect(kueueWorkloadOf(noUid, list) !== undefined).toBe(found);
  });
});

describe('Function: planSuspend (Kueue-managed jobs)', () => {
  it('deactivates the Kueue Workload and marks the job, never touching the suspend switch Kueue owns', () => {
    // Act
    const plan = planSuspend(kueueJob({ suspend: false }), 'Job', {
      ...suspendInput,
      kueueWorkload: kueueWorkload(true),
    });

    // Assess
    expect(plan).toEqual({
      action: 'suspend',
      method: 'kueue',
      patch: {
        metadata: {
          labels: { [SUSPENDED_LABEL]: 'true' },
          annotations: {
            [SUSPENDED_BY_ANNOTATION]: '["inc-2"]',
            [SUSPENDED_AT_ANNOTATION]: NOW,
            [SUSPEND_METHOD_ANNOTATION]: 'kueue',
          },
        },
      },
      workloadPatch: { spec: { active: false } },
    });
  });

  it('joins a Kueue suspension of ours and keeps the Workload inactive', () => {
    // Act
    const plan = planSuspend(kueueJob({ suspend: true, ...heldBy('inc-1') }), 'Job', {
      ...suspendInput,
      kueueWorkload: kueueWorkload(false),
    });

    // Assess
    expect(plan).toEqual({
      action: 'join',
      method: 'kueue',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-1","inc-2"]' } } },
      workloadPatch: { spec: { active: false } },
    });
  });

  it.each(
    named([
      {
        case: 'a Kueue job without a Workload is left alone rather than fighting Kueue',
        workload: null,
        kueue: 'deactivate-workload',
        reason: 'kueue-workload-not-found',
      },
      {
        case: 'the policy can leave Kueue jobs alone',
        workload: kueueWorkload(true),
        kueue: 'skip',
        reason: 'kueue-skipped-by-policy',
      },
      {
        case: 'a Workload someone else deactivated is never taken over',
        workload: kueueWorkload(false),
        kueue: 'deactivate-workload',
        reason: 'suspended-by-others',
      },
    ] as {
      case: string;
      workload: KubeObject | null;
      kueue: 'deactivate-workload' | 'skip';
      reason: string;
    }[]),
  )('%s', (_case, { workload, kueue, reason }) => {
    // Act & Assess
    expect(planSuspend(kueueJob(), 'Job', { ...suspendInput, kueueWorkload: workload, kueue })).toEqual({
      action: 'skip',
      reason,
    });
  });

  it('reads a Workload without spec.active as active (Kueue defaults it to true)', () => {
    // Act & Assess
    expect(
      planSuspend(kueueJob(), 'Job', { ...suspendInput, kueueWorkload: kueueWorkload(undefined) }).action,
    ).toBe('suspend');
  });

  it('reads a job suspended by Kueue itself (not admitted) by its Workload, not its switch', () => {
    // Act & Assess
    expect(
      planSuspend(kueueJob({ suspend: true }), 'Job', { ...suspendInput, kueueWorkload: kueueWorkload(true) })
        .action,
    ).toBe('suspend');
  });
});

describe('Function: planRelease', () => {
  it('a manual resume releases every holder and resumes at once', () => {
    // Act
    const plan = planRelease(job({ suspend: true, ...heldBy('inc-1', 'inc-2') }), 'Job', 'all', {
      now: LATER,
    });

    // Assess
    expect(plan).toMatchObject({ action: 'resume', released: ['inc-1', 'inc-2'], suspendedAt: NOW });
  });

  it('a manual resume of a job without a recorded time still resumes it', () => {
    // Prepare
    const obj = job({ suspend: true, labels: { [SUSPENDED_LABEL]: 'true' } });

    // Act
    const plan = planRelease(obj, 'Job', 'all', { now: LATER });

    // Assess
    expect(plan).toMatchObject({ action: 'resume', released: [] });
    expect(plan).not.toHaveProperty('suspendedAt');
  });

  it('resumes a Kueue job by reactivating its Workload, never by its switch', () => {
    // Prepare
    const held = heldBy('inc-1');
    held.annotations[SUSPEND_METHOD_ANNOTATION] = 'kueue';

    // Act
    const plan = planRelease(kueueJob({ suspend: true, ...held }), 'Job', ['inc-1'], { now: LATER });

    // Assess
    expect(plan).toMatchObject({
      action: 'resume',
      method: 'kueue',
      workloadPatch: { spec: { active: true } },
    });
    expect(plan).not.toHaveProperty('patch.spec');
  });

  it('releasing one holder of a Kueue job keeps its Workload inactive', () => {
    // Prepare
    const held = heldBy('inc-1', 'inc-2');
    held.annotations[SUSPEND_METHOD_ANNOTATION] = 'kueue';

    // Act
    const plan = planRelease(kueueJob({ ...held }), 'Job', ['inc-1'], { now: LATER });

    // Assess
    expect(plan).toMatchObject({
      action: 'release',
      workloadPatch: { spec: { active: false } },
      remaining: ['inc-2'],
    });
  });

  it('a manual resume of a job we do not hold is skipped', () => {
    // Act & Assess
    expect(planRelease(job({ suspend: true }), 'Job', 'all', { now: LATER })).toEqual({
      action: 'skip',
      reason: 'not-suspended-by-us',
    });
  });
});

describe('Function: staleHolders', () => {
  const options = { suspendedAt: at({ hours: -8 }), now: NOW, staleAfterMinutes: 420 };

  it.each(
    named([
      {
        case: 'a resolved incident no longer holds the job',
        incident: { status: 'resolved', startedAt: NOW },
        stale: true,
      },
      {
        case: 'an escalated incident no longer holds the job',
        incident: { status: 'needs-attention', startedAt: NOW },
        stale: true,
      },
      {
        case: 'an open incident inside the bound still holds it',
        incident: { status: 'open', startedAt: at({ hours: -1 }) },
        stale: false,
      },
      {
        case: 'an open incident older than any execution is dead',
        incident: { status: 'open', startedAt: at({ minutes: -420 }) },
        stale: true,
      },
      {
        case: 'an open incident with an unreadable start time is dead',
        incident: { status: 'open', startedAt: 'x' },
        stale: true,
      },
      { case: 'a holder without a record and an old suspension is stale', incident: undefined, stale: true },
    ] as { case: string; incident: { status: string; startedAt: string } | undefined; stale: boolean }[]),
  )('%s', (_case, { incident, stale }) => {
    // Act
    const result = staleHolders(['inc-1'], new Map([['inc-1', incident]]), options);

    // Assess
    expect(result).toEqual(stale ? ['inc-1'] : []);
  });

  it('a holder without a record and a recent suspension is given time (its record may still come)', () => {
    // Act & Assess
    expect(staleHolders(['inc-1'], new Map(), { ...options, suspendedAt: at({ minutes: -5 }) })).toEqual([]);
  });

  it('a holder without a record and no suspension time is stale', () => {
    // Act & Assess
    expect(staleHolders(['inc-1'], new Map(), { now: NOW, staleAfterMinutes: 420 })).toEqual(['inc-1']);
  });
});

describe('Function: describeRef', () => {
  it('names a ref as Kind/namespace/name, default namespace when none', () => {
    // Act & Assess
    expect(describeRef({ kind: 'Job', namespace: 'ml', name: 'a' })).toBe('Job/ml/a');
    expect(describeRef({ kind: 'Pod', name: 'b' })).toBe('Pod/default/b');
  });
});

const pod = (
  options: { phase?: string; annotations?: Record<string, string>; ownerKind?: string } = {},
): KubePod => ({
  metadata: {
    name: 'p',
    namespace: 'ml',
    annotations: options.annotations ?? {},
    ...(options.ownerKind
      ? {
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: options.ownerKind, name: 'o', uid: 'u', controller: true },
          ],
        }
      : {}),
  },
  status: { phase: options.phase ?? 'Running' },
});

describe('Function: planPodEviction', () => {
  it.each(
    named([
      { case: 'a plain pod is evicted', pod: pod(), owner: undefined, expected: { action: 'evict' } },
      {
        case: 'a Deployment pod is evicted (its ReplicaSet recreates it elsewhere)',
        pod: pod({ ownerKind: 'ReplicaSet' }),
        owner: { kind: 'Deployment', name: 'web' },
        expected: { action: 'evict' },
      },
      {
        case: 'a DaemonSet pod stays (it tolerates the cordon and would come straight back)',
        pod: pod({ ownerKind: 'DaemonSet' }),
        owner: undefined,
        expected: { action: 'skip', reason: 'daemonset' },
      },
      {
        case: 'a pod whose top owner is a DaemonSet stays',
        pod: pod(),
        owner: { kind: 'DaemonSet', name: 'dcgm' },
        expected: { action: 'skip', reason: 'daemonset' },
      },
      {
        case: 'a mirror pod cannot be evicted',
        pod: pod({ annotations: { [MIRROR_POD_ANNOTATION]: 'abc' } }),
        owner: undefined,
        expected: { action: 'skip', reason: 'mirror-pod' },
      },
      {
        case: 'a finished pod holds nothing',
        pod: pod({ phase: 'Succeeded' }),
        owner: undefined,
        expected: { action: 'skip', reason: 'finished' },
      },
      {
        case: 'a failed pod holds nothing',
        pod: pod({ phase: 'Failed' }),
        owner: undefined,
        expected: { action: 'skip', reason: 'finished' },
      },
      {
        case: 'a pod that opted out stays',
        pod: pod({ annotations: { [OPT_OUT]: 'true' } }),
        owner: undefined,
        expected: { action: 'skip', reason: 'opted-out' },
      },
      {
        case: 'a pod whose StatefulSet opted out stays',
        pod: pod(),
        owner: { kind: 'StatefulSet', name: 'db', annotations: { [OPT_OUT]: ' True ' } },
        expected: { action: 'skip', reason: 'opted-out' },
      },
    ] as { case: string; pod: KubePod; owner: PodOwner | undefined; expected: unknown }[]),
  )('%s', (_case, { pod: p, owner, expected }) => {
    // Act & Assess
    expect(planPodEviction(p, owner, OPT_OUT)).toEqual(expected);
  });

  it('a pod without annotations or status is evicted', () => {
    // Act & Assess
    expect(planPodEviction({ metadata: { name: 'bare' } }, undefined, OPT_OUT)).toEqual({ action: 'evict' });
  });
});

const nodeWithReady = (status: string | undefined, since?: string): KubeNode => ({
  metadata: { name: 'n' },
  status:
    status === undefined
      ? {}
      : { conditions: [{ type: 'Ready', status, ...(since ? { lastTransitionTime: since } : {}) }] },
});

describe('Function: nodeDeadVerdict', () => {
  it.each(
    named([
      { case: 'a node object that is gone is dead', node: undefined, dead: true },
      {
        case: 'a Ready node is alive (a GPU fault with a healthy kubelet)',
        node: nodeWithReady('True'),
        dead: false,
      },
      {
        case: 'a node without a Ready condition yet is not confirmed dead',
        node: nodeWithReady(undefined),
        dead: false,
      },
      {
        case: 'Ready=Unknown for longer than the bound is dead',
        node: nodeWithReady('Unknown', at({ minutes: -2 })),
        dead: true,
      },
      {
        case: 'Ready=False for exactly the bound is dead',
        node: nodeWithReady('False', at({ ms: -60_000 })),
        dead: true,
      },
      {
        case: 'Ready=False for less than the bound is not yet dead',
        node: nodeWithReady('False', at({ ms: -30_000 })),
        dead: false,
      },
      {
        case: 'Ready=False without a transition time is not yet dead',
        node: nodeWithReady('False'),
        dead: false,
      },
    ] as { case: string; node: KubeNode | undefined; dead: boolean }[]),
  )('%s', (_case, { node, dead }) => {
    // Act
    const verdict = nodeDeadVerdict(node, NOW, 60);

    // Assess
    expect(verdict.dead).toBe(dead);
    expect(verdict.reason).not.toBe('');
  });
});

describe('Function: planStuckPods', () => {
  const dead = { dead: true, reason: 'node object gone' };
  const alive = { dead: false, reason: 'node is Ready' };

  it.each(
    named([
      { case: 'before the timeout we wait', elapsed: 10, node: dead, force: true, action: 'wait' },
      {
        case: 'after the timeout on a dead node we force-delete',
        elapsed: 120,
        node: dead,
        force: true,
        action: 'force-delete',
      },
      {
        case: 'after the timeout on a live node we never force-delete',
        elapsed: 500,
        node: alive,
        force: true,
        action: 'give-up',
      },
      {
        case: 'the policy can forbid force deletes',
        elapsed: 500,
        node: dead,
        force: false,
        action: 'give-up',
      },
    ]),
  )('%s', (_case, { elapsed, node, force, action }) => {
    // Act & Assess
    expect(
      planStuckPods({ elapsedSeconds: elapsed, timeoutSeconds: 120, forceDelete: force, node }).action,
    ).toBe(action);
  });
});

describe('Function: planSuspend (the nodes a job ran on)', () => {
  it('remembers the nodes the job ran on when suspending it', () => {
    // Act
    const plan = planSuspend(job({ suspend: false }), 'Job', { ...suspendInput, nodes: ['n1', 'n2'] });

    // Assess
    expect(plan).toMatchObject({
      action: 'suspend',
      patch: { metadata: { annotations: { [SUSPENDED_NODES_ANNOTATION]: '["n1","n2"]' } } },
    });
  });

  it('a joining incident adds a node not yet remembered', () => {
    // Prepare
    const held = heldBy('inc-1');
    held.annotations[SUSPENDED_NODES_ANNOTATION] = '["n1"]';

    // Act
    const plan = planSuspend(job({ suspend: true, ...held }), 'Job', { ...suspendInput, nodes: ['n2'] });

    // Assess
    expect(plan).toMatchObject({
      action: 'join',
      patch: { metadata: { annotations: { [SUSPENDED_NODES_ANNOTATION]: '["n1","n2"]' } } },
    });
  });

  it('a joining incident on a remembered node leaves the node list as it is', () => {
    // Prepare
    const held = heldBy('inc-1');
    held.annotations[SUSPENDED_NODES_ANNOTATION] = '["n1","n2"]';

    // Act
    const plan = planSuspend(job({ suspend: true, ...held }), 'Job', {
      ...suspendInput,
      nodes: [],
      joinOnly: true,
    });

    // Assess
    expect(plan).toEqual({
      action: 'join',
      method: 'field',
      patch: { metadata: { annotations: { [SUSPENDED_BY_ANNOTATION]: '["inc-1","inc-2"]' } } },
    });
  });

  it('never suspends anew a job with no pod on the node that we no longer hold', () => {
    // Act & Assess
    expect(planSuspend(job({ suspend: false }), 'Job', { ...suspendInput, joinOnly: true })).toEqual({
      action: 'skip',
      reason: 'no-pod-on-node',
    });
  });

  it('reads the remembered nodes, garbage as none', () => {
    // Act & Assess
    expect(suspendedNodes(job({ annotations: { [SUSPENDED_NODES_ANNOTATION]: '["a","a","",3]' } }))).toEqual([
      'a',
    ]);
    expect(suspendedNodes(job({ annotations: { [SUSPENDED_NODES_ANNOTATION]: '{' } }))).toEqual([]);
  });
});

describe('Function: hyperPodAutoResume', () => {
  it('says nothing about a workload without the annotation', () => {
    // Act & Assess
    expect(hyperPodAutoResume(job(), 'Job')).toBeUndefined();
    expect(
      hyperPodAutoResume(job({ annotations: { [AUTO_RESUME_ANNOTATION]: 'false' } }), 'Job'),
    ).toBeUndefined();
  });

  it.each(
    named([
      {
        case: "the documented PyTorchJob in kubeflow is HyperPod's, the operator version unverified",
        obj: documentedAutoResumeJob(),
        kind: 'PyTorchJob',
        expected: { hyperPodResumes: true, unverified: [expect.stringContaining('Training Operator')] },
      },
      {
        case: 'a hyperpod-prefixed namespace is documented too',
        obj: documentedAutoResumeJob({ namespace: 'hyperpod-ns-team-a' }),
        kind: 'PyTorchJob',
        expected: { hyperPodResumes: true, unverified: [expect.stringContaining('Training Operator')] },
      },
      {
        case: "another namespace stays HyperPod's but is recorded as unverified (docs and CLI disagree)",
        obj: documentedAutoResumeJob({ namespace: 'ml' }),
        kind: 'PyTorchJob',
        expected: {
          hyperPodResumes: true,
          unverified: [expect.stringContaining('Training Operator'), expect.stringContaining('namespace ml')],
        },
      },
      {
        case: 'a replica without restartPolicy gets the operator default OnFailure',
        obj: pytorchJob({}, { namespace: 'kubeflow', annotations: { [AUTO_RESUME_ANNOTATION]: 'True' } }),
        kind: 'PyTorchJob',
        expected: {
          hyperPodResumes: true,
          unverified: [
            expect.stringContaining('Training Operator'),
            expect.stringContaining('no pytorchReplicaSpecs'),
          ],
        },
      },
      {
        case: "OnFailure on some replicas only stays HyperPod's, unverified",
        obj: documentedAutoResumeJob({ master: 'Never' }),
        kind: 'PyTorchJob',
        expected: {
          hyperPodResumes: true,
          unverified: [expect.stringContaining('Training Operator'), expect.stringContaining('Master=Never')],
        },
      },
      {
        case: 'no replica restarting OnFailure is ours',
        obj: documentedAutoResumeJob({ restartPolicy: 'ExitCode', master: 'Always' }),
        kind: 'PyTorchJob',
        expected: {
          hyperPodResumes: false,
          reason: expect.stringContaining('Master=Always, Worker=ExitCode'),
          unverified: [],
        },
      },
      {
        case: 'a replica spec that is not an object reads as the operator default OnFailure',
        obj: {
          ...documentedAutoResumeJob(),
          spec: { pytorchReplicaSpecs: { Worker: null } },
        },
        kind: 'PyTorchJob',
        expected: { hyperPodResumes: true, unverified: [expect.stringContaining('Training Operator')] },
      },
      {
        case: 'a job without a namespace is in default, which the documentation does not name: unverified',
        obj: (() => {
          const job = documentedAutoResumeJob();
          const { namespace: _omitted, ...metadata } = job.metadata;
          return { ...job, metadata };
        })(),
        kind: 'PyTorchJob',
        expected: {
          hyperPodResumes: true,
          unverified: [
            expect.stringContaining('Training Operator'),
            expect.stringContaining('namespace default'),
          ],
        },
      },
      {
        case: 'an MPIJob is ours',
        obj: { ...documentedAutoResumeJob(), apiVersion: 'kubeflow.org/v2beta1', kind: 'MPIJob' },
        kind: 'MPIJob',
        expected: { hyperPodResumes: false, reason: expect.stringContaining('not MPIJob'), unverified: [] },
      },
      {
        case: 'the annotation on a HyperPodPyTorchJob does not hand it to job auto-resume (documented for Kubeflow PyTorchJob)',
        obj: {
          ...documentedAutoResumeJob(),
          apiVersion: 'sagemaker.amazonaws.com/v1',
          kind: 'HyperPodPyTorchJob',
        },
        kind: 'HyperPodPyTorchJob',
        expected: { hyperPodResumes: false, unverified: [] },
      },
    ] as { case: string; obj: KubeObject; kind: WorkloadKind; expected: object }[]),
  )('%s', (_case, { obj, kind, expected }) => {
    // Act
    const assessment = hyperPodAutoResume(obj, kind);

    // Assess
    expect(assessment).toMatchObject(expected);
  });
});

describe('Function: kueueWorkloadApiVersion', () => {
  // Served versions per Kueue release, from kubernetes-sigs/kueue
  // charts/kueue/templates/crd/kueue.x-k8s.io_workloads.yaml at each tag.
  it.each([
    { release: 'Kueue 0.14 (v1beta1 only)', served: ['v1beta1'], expected: 'kueue.x-k8s.io/v1beta1' },
    {
      release: 'Kueue 0.15 (both, v1beta1 stored)',
      served: ['v1beta1', 'v1beta2'],
      expected: 'kueue.x-k8s.io/v1beta2',
    },
    {
      release: 'Kueue 0.16+ (both, v1beta2 stored)',
      served: ['v1beta2', 'v1beta1'],
      expected: 'kueue.x-k8s.io/v1beta2',
    },
    { release: 'a Kueue without v1beta1', served: ['v1beta2'], expected: 'kueue.x-k8s.io/v1beta2' },
    { release: 'no Kueue', served: [], expected: undefined },
    { release: 'a future Kueue serving only v1', served: ['v1'], expected: undefined },
  ])('picks $expected on $release', ({ served, expected }) => {
    // Act & Assess
    expect(kueueWorkloadApiVersion(served)).toBe(expected);
  });
});
