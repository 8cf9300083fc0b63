/**
 * SuspendWorkloads and ResumeWorkloads per workload kind on the real control plane (tier 1:
 * kube-controller-manager, scheduler, kwok; tier 2 unless HPR_TIER2=0, and missing controllers
 * fail the file: the real JobSet controller and training-operator), through the real adapters under our least-privilege RBAC. Each kind runs on
 * its own node; a bystander job on another node must never be touched. Kinds without a controller
 * here are tested at CRD level, which the test names say: only what the API shows is asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import {
  AUTO_RESUME_ANNOTATION,
  KUEUE_JOB_UID_LABEL,
  KUEUE_QUEUE_NAME_LABEL,
  LAST_SUSPENSION_ANNOTATION,
  SUSPEND_METHOD_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
} from '#domain/workload-suspension.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import {
  batchJob,
  jobSet,
  livePods,
  noPods,
  openIncident,
  podOwnedBy,
  pytorchJob,
  read,
  runningPods,
  startWorkloadsBed,
  TIER2,
  type WorkloadsBed,
  waitUntil,
} from './workloads-helpers.ts';

let bed: WorkloadsBed;
let bystanderUids: string[] = [];
const BYSTANDER_NODE = 11;

const apply = (objects: object[]) => bed.env.apply(objects);
const uids = (pods: KubePod[]) => pods.map((p) => p.metadata.uid!).sort();

/** The bystander job on its own node still runs the very same pods, unsuspended and unmarked. */
const expectBystanderUntouched = async () => {
  const job = await read(bed, 'batch/v1', 'Job', 'bystander');
  expect(job?.spec?.suspend).toBe(false);
  expect(job?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
  expect(uids((await runningPods(bed, 'bystander', 2)) ?? [])).toEqual(bystanderUids);
};

/** Suspends for a fresh incident on node `index`, then hands back what ResumeWorkloads needs. */
const suspendOn = async (incidentId: string, index: number) => {
  const state = await openIncident(bed, incidentId, index);
  const suspension = await suspendWorkloads(state, bed.env.depsOf('suspend-workloads'));
  return { state, suspension };
};

const created = async (apiVersion: string, kind: string, name: string): Promise<KubeObject> =>
  waitUntil(`${kind} ${name}`, () => read(bed, apiVersion, kind, name));

beforeAll(async () => {
  bed = await startWorkloadsBed('e2e-kinds', { nodes: 12 });
  const node = bed.nodes[BYSTANDER_NODE]!;
  await apply([batchJob(bed.ns, 'bystander', [node], { pods: 2 })]);
  bystanderUids = uids(await waitUntil('bystander running', () => runningPods(bed, 'bystander', 2)));
});

afterAll(async () => {
  await bed?.stop();
});

describe('SuspendWorkloads / ResumeWorkloads per kind (real control plane, our RBAC)', () => {
  it('suspends a batch Job spanning two nodes as a whole (real Job controller: all its pods deleted) and resumes it (pods recreated)', async () => {
    // Prepare
    await apply([batchJob(bed.ns, 'train', [bed.nodes[0]!, bed.nodes[1]!], { pods: 4 })]);
    const before = await waitUntil('train running', () => runningPods(bed, 'train', 4));
    expect(new Set(before.map((p) => p.spec?.nodeName)).size).toBe(2);

    // Act
    const { state, suspension } = await suspendOn('inc-job', 0);
    await waitUntil('train pods deleted', () => noPods(bed, 'train'));
    const suspended = await read(bed, 'batch/v1', 'Job', 'train');
    const resumed = await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
    const after = await waitUntil('train pods back', () => runningPods(bed, 'train', 4));

    // Assess
    expect(suspension.suspended.map((r) => r.name)).toEqual(['train']);
    expect(suspended?.spec?.suspend).toBe(true);
    expect(suspended?.metadata.labels?.[SUSPENDED_LABEL]).toBe('true');
    expect(suspended?.metadata.annotations?.[SUSPENDED_BY_ANNOTATION]).toBe('["inc-job"]');
    expect(resumed.jobs).toEqual([
      expect.objectContaining({ ref: `Job/${bed.ns}/train`, incidents: ['inc-job'] }),
    ]);
    expect(uids(after)).not.toEqual(uids(before));
    const job = await read(bed, 'batch/v1', 'Job', 'train');
    expect(job?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
    expect(JSON.parse(job?.metadata.annotations?.[LAST_SUSPENSION_ANNOTATION] ?? '{}')).toMatchObject({
      incidents: ['inc-job'],
      method: 'field',
    });
    await expectBystanderUntouched();
  });

  it('suspends an Indexed Job (real Job controller: pods deleted) and resumes it (pods recreated)', async () => {
    // Prepare
    await apply([batchJob(bed.ns, 'indexed', [bed.nodes[2]!], { pods: 3, indexed: true })]);
    await waitUntil('indexed running', () => runningPods(bed, 'indexed', 3));

    // Act
    const { state, suspension } = await suspendOn('inc-indexed', 2);
    await waitUntil('indexed pods deleted', () => noPods(bed, 'indexed'));
    await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
    const after = await waitUntil('indexed pods back', () => runningPods(bed, 'indexed', 3));

    // Assess
    expect(suspension.suspended.map((r) => r.kind)).toEqual(['Job']);
    expect(
      after.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort(),
    ).toEqual(['0', '1', '2']);
    await expectBystanderUntouched();
  });

  it(
    TIER2.jobset
      ? 'suspends a JobSet (real JobSet controller: pods deleted) and resumes it (pods recreated)'
      : 'suspends a JobSet and resumes it (CRD level, no JobSet controller: asserts the spec only)',
    async () => {
      // Prepare
      await apply([jobSet(bed.ns, 'llm-set', [bed.nodes[3]!], 2)]);
      const owner = await created('jobset.x-k8s.io/v1alpha2', 'JobSet', 'llm-set');
      if (!TIER2.jobset) await apply([podOwnedBy(owner, bed.nodes[3]!, 'llm-set-0')]);
      await waitUntil('llm-set running', () => runningPods(bed, 'llm-set', TIER2.jobset ? 2 : 1));

      // Act
      const { state, suspension } = await suspendOn('inc-jobset', 3);
      if (TIER2.jobset) await waitUntil('llm-set pods deleted', () => noPods(bed, 'llm-set'));
      const suspended = await read(bed, 'jobset.x-k8s.io/v1alpha2', 'JobSet', 'llm-set');
      await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
      if (TIER2.jobset) await waitUntil('llm-set pods back', () => runningPods(bed, 'llm-set', 2));

      // Assess
      expect(suspension.suspended.map((r) => r.kind)).toEqual(['JobSet']);
      expect(suspended?.spec?.suspend).toBe(true);
      const resumed = await read(bed, 'jobset.x-k8s.io/v1alpha2', 'JobSet', 'llm-set');
      expect(resumed?.spec?.suspend).toBe(false);
      expect(resumed?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
      await expectBystanderUntouched();
    },
  );

  it(
    TIER2.trainingOperator
      ? 'suspends a PyTorchJob (real training-operator: pods deleted) and resumes it (pods recreated)'
      : 'suspends a PyTorchJob and resumes it (CRD level, no training-operator: asserts the spec only)',
    async () => {
      // Prepare
      await apply([pytorchJob(bed.ns, 'llama', [bed.nodes[4]!])]);
      const owner = await created('kubeflow.org/v1', 'PyTorchJob', 'llama');
      if (!TIER2.trainingOperator) await apply([podOwnedBy(owner, bed.nodes[4]!, 'llama-master-0')]);
      await waitUntil('llama running', () => runningPods(bed, 'llama', TIER2.trainingOperator ? 2 : 1));

      // Act
      const { state, suspension } = await suspendOn('inc-pytorch', 4);
      if (TIER2.trainingOperator) await waitUntil('llama pods deleted', () => noPods(bed, 'llama'));
      const suspended = await read(bed, 'kubeflow.org/v1', 'PyTorchJob', 'llama');
      await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
      if (TIER2.trainingOperator) await waitUntil('llama pods back', () => runningPods(bed, 'llama', 2));

      // Assess
      expect(suspension.suspended.map((r) => r.kind)).toEqual(['PyTorchJob']);
      expect(suspended?.spec).toMatchObject({ runPolicy: { suspend: true } });
      const resumed = await read(bed, 'kubeflow.org/v1', 'PyTorchJob', 'llama');
      expect(resumed?.spec).toMatchObject({ runPolicy: { suspend: false } });
      await expectBystanderUntouched();
    },
  );

  it.each([
    { kind: 'MPIJob', apiVersion: 'kubeflow.org/v2beta1', name: 'mpi', node: 5 },
    { kind: 'HyperPodPyTorchJob', apiVersion: 'sagemaker.amazonaws.com/v1', name: 'hppj', node: 6 },
  ])(
    'suspends and resumes a $kind at spec.runPolicy.suspend (CRD level, no controller: asserts the spec only; the pod is the test’s own)',
    async ({ kind, apiVersion, name, node }) => {
      // Prepare
      await apply([
        { apiVersion, kind, metadata: { name, namespace: bed.ns }, spec: { runPolicy: { suspend: false } } },
      ]);
      const owner = await created(apiVersion, kind, name);
      await apply([podOwnedBy(owner, bed.nodes[node]!, `${name}-worker-0`)]);
      await waitUntil(`${name} pod running`, () => runningPods(bed, name, 1));

      // Act
      const { state, suspension } = await suspendOn(`inc-${name}`, node);
      const suspended = await read(bed, apiVersion, kind, name);
      const resumed = await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
      const after = await read(bed, apiVersion, kind, name);

      // Assess
      expect(suspension.suspended.map((r) => r.kind)).toEqual([kind]);
      expect(suspended?.spec).toMatchObject({ runPolicy: { suspend: true } });
      expect(suspended?.metadata.annotations?.[SUSPEND_METHOD_ANNOTATION]).toBe('field');
      expect(resumed.resumed.map((r) => r.kind)).toEqual([kind]);
      expect(after?.spec).toMatchObject({ runPolicy: { suspend: false } });
      expect(after?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
      await expectBystanderUntouched();
    },
  );

  it('stops a Kueue-managed Job by deactivating its Kueue Workload in the discovered v1beta2 (written as deprecated v1beta1) and never touches the job’s own suspend switch (CRD level, no Kueue controller: asserts the API only)', async () => {
    // Prepare
    await apply([
      batchJob(bed.ns, 'queued', [bed.nodes[7]!], {
        pods: 1,
        labels: { [KUEUE_QUEUE_NAME_LABEL]: 'team-a' },
      }),
    ]);
    const job = await created('batch/v1', 'Job', 'queued');
    await apply([
      {
        apiVersion: 'kueue.x-k8s.io/v1beta1',
        kind: 'Workload',
        metadata: {
          name: 'job-queued-1a2b3',
          namespace: bed.ns,
          labels: { [KUEUE_JOB_UID_LABEL]: job.metadata.uid },
          ownerReferences: [
            { apiVersion: 'batch/v1', kind: 'Job', name: 'queued', uid: job.metadata.uid, controller: true },
          ],
        },
        spec: { active: true, queueName: 'team-a' },
      },
    ]);
    await waitUntil('queued running', () => runningPods(bed, 'queued', 1));

    // Act
    const { state, suspension } = await suspendOn('inc-kueue', 7);
    const workloadSuspended = await read(bed, 'kueue.x-k8s.io/v1beta2', 'Workload', 'job-queued-1a2b3');
    const jobSuspended = await read(bed, 'batch/v1', 'Job', 'queued');
    await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
    const workloadResumed = await read(bed, 'kueue.x-k8s.io/v1beta2', 'Workload', 'job-queued-1a2b3');
    const jobResumed = await read(bed, 'batch/v1', 'Job', 'queued');

    // Assess
    expect(suspension.jobs).toEqual([
      expect.objectContaining({ ref: `Job/${bed.ns}/queued`, method: 'kueue' }),
    ]);
    expect(workloadSuspended?.spec?.active).toBe(false);
    expect(jobSuspended?.spec?.suspend).toBe(false);
    expect(jobSuspended?.metadata.annotations?.[SUSPEND_METHOD_ANNOTATION]).toBe('kueue');
    expect(workloadResumed?.spec?.active).toBe(true);
    expect(jobResumed?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
    await expectBystanderUntouched();
  });

  it('records a Kueue-managed Job whose Workload cannot be found as failed with KueueWorkloadUnavailableError and leaves it running', async () => {
    // Prepare
    await apply([
      batchJob(bed.ns, 'orphan', [bed.nodes[9]!], {
        pods: 1,
        labels: { [KUEUE_QUEUE_NAME_LABEL]: 'team-a' },
      }),
    ]);
    const pods = uids(await waitUntil('orphan running', () => runningPods(bed, 'orphan', 1)));

    // Act
    const { state, suspension } = await suspendOn('inc-kueue-orphan', 9);

    // Assess
    expect(suspension.suspended).toEqual([]);
    expect(suspension.failed).toEqual([
      expect.objectContaining({
        error: 'KueueWorkloadUnavailableError',
        message: expect.stringContaining('no kueue.x-k8s.io/v1beta2 Workload'),
      }),
    ]);
    const job = await read(bed, 'batch/v1', 'Job', 'orphan');
    expect(job?.spec?.suspend).toBe(false);
    expect(job?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
    expect(uids((await livePods(bed, 'orphan')) ?? [])).toEqual(pods);
    const record = await bed.env.deps.ledger.getIncident(state.clusterName, state.incidentId);
    const action = record?.actions.find((a) => a.type === 'workloads-suspended');
    expect(action?.detail?.failed).toEqual([
      expect.objectContaining({ ref: `Job/${bed.ns}/orphan`, error: 'KueueWorkloadUnavailableError' }),
    ]);
    await expectBystanderUntouched();
  });

  it('suspends a batch Job that carries the auto-resume annotation, since HyperPod resumes PyTorchJobs only, and the record says why', async () => {
    // Prepare
    await apply([
      batchJob(bed.ns, 'annotated', [bed.nodes[10]!], {
        pods: 1,
        annotations: { [AUTO_RESUME_ANNOTATION]: 'true' },
      }),
    ]);
    await waitUntil('annotated running', () => runningPods(bed, 'annotated', 1));

    // Act
    const { state, suspension } = await suspendOn('inc-annotated', 10);
    await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));

    // Assess
    expect(suspension.suspended).toEqual([expect.objectContaining({ kind: 'Job', name: 'annotated' })]);
    expect(suspension.leftToHyperPod).toEqual([]);
    const record = await bed.env.deps.ledger.getIncident(state.clusterName, state.incidentId);
    const action = record?.actions.find((a) => a.type === 'workloads-suspended');
    expect(action?.detail?.autoResume).toEqual([
      expect.objectContaining({
        ref: `Job/${bed.ns}/annotated`,
        leftToHyperPod: false,
        reason: expect.stringContaining('Kubeflow PyTorchJob only'),
      }),
    ]);
    expect((await read(bed, 'batch/v1', 'Job', 'annotated'))?.spec?.suspend).toBe(false);
    await expectBystanderUntouched();
  });

  it('leaves a HyperPod auto-resume job to HyperPod and an opted-out job alone, and the incident record says so', async () => {
    // Prepare
    const node = bed.nodes[8]!;
    await apply([
      pytorchJob(bed.ns, 'auto', [node], { [AUTO_RESUME_ANNOTATION]: 'true' }),
      batchJob(bed.ns, 'keep', [node], { annotations: { 'hyperpod-resilience.io/opt-out': 'true' } }),
    ]);
    const auto = await created('kubeflow.org/v1', 'PyTorchJob', 'auto');
    if (!TIER2.trainingOperator) await apply([podOwnedBy(auto, node, 'auto-master-0')]);
    await waitUntil('auto running', () => runningPods(bed, 'auto', TIER2.trainingOperator ? 2 : 1));
    const keepPods = uids(await waitUntil('keep running', () => runningPods(bed, 'keep', 1)));

    // Act
    const { state, suspension } = await suspendOn('inc-left-alone', 8);

    // Assess
    expect(suspension.suspended).toEqual([]);
    expect(suspension.leftToHyperPod).toEqual([`PyTorchJob/${bed.ns}/auto`]);
    expect(suspension.skipped.map((s) => s.reason).sort()).toEqual(['hyperpod-auto-resume', 'opted-out']);
    expect((await read(bed, 'kubeflow.org/v1', 'PyTorchJob', 'auto'))?.spec).toMatchObject({
      runPolicy: { suspend: false },
    });
    expect(uids((await livePods(bed, 'keep')) ?? [])).toEqual(keepPods);
    const record = await bed.env.deps.ledger.getIncident(state.clusterName, state.incidentId);
    const action = record?.actions.find((a) => a.type === 'workloads-suspended');
    expect(action?.detail?.leftToHyperPod).toEqual([`PyTorchJob/${bed.ns}/auto`]);
    expect(String(action?.detail?.note)).toContain('left to HyperPod');
    expect(action?.detail?.autoResume).toEqual([
      expect.objectContaining({
        ref: `PyTorchJob/${bed.ns}/auto`,
        leftToHyperPod: true,
        unverified: expect.arrayContaining([expect.stringContaining('Training Operator')]),
      }),
    ]);
    await expectBystanderUntouched();
  });
});
