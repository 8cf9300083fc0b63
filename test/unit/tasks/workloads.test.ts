import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError } from '#contracts/errors.ts';
import {
  LAST_SUSPENSION_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
} from '#domain/workload-suspension.ts';
import {
  discoverWorkloads,
  podOwnership,
  releaseAll,
  resumeAll,
  suspendAll,
} from '#functions/tasks/workloads.ts';
import {
  addControllerPod,
  addJob,
  addKueueWorkload,
  makeDeps,
  NODE,
  NS,
  OTHER_NODE,
  objectOf,
  runningPod,
  START,
  suspendValue,
} from './helpers.ts';

const options = {
  incidentId: 'inc-1',
  now: START,
  optOutAnnotation: 'hyperpod-resilience.io/opt-out',
  respectAutoResume: true,
};

describe('Function: podOwnership', () => {
  it('walks a JobSet pod through its child Job to the JobSet', async () => {
    // Prepare
    const { kube } = makeDeps();
    addJob(kube, 'JobSet', 'llm', [NODE]);

    // Act
    const ownership = await podOwnership(kube, kube.pods.get(`Pod/${NS}/llm-0`)!);

    // Assess
    expect(ownership.workload).toMatchObject({
      kind: 'JobSet',
      name: 'llm',
      apiVersion: 'jobset.x-k8s.io/v1alpha2',
    });
  });

  it('walks a Deployment pod through its ReplicaSet to the Deployment, with its annotations', async () => {
    // Prepare
    const { kube } = makeDeps();
    addControllerPod(kube, 'Deployment', 'web', NODE, { team: 'a' });

    // Act
    const ownership = await podOwnership(kube, kube.pods.get(`Pod/${NS}/web-0`)!);

    // Assess
    expect(ownership).toEqual({ owner: { kind: 'Deployment', name: 'web', annotations: { team: 'a' } } });
  });

  it('stops at an owner kind it may not read (a DaemonSet) and reports it', async () => {
    // Prepare
    const { kube } = makeDeps();
    addControllerPod(kube, 'DaemonSet', 'dcgm', NODE);

    // Act
    const ownership = await podOwnership(kube, kube.pods.get(`Pod/${NS}/dcgm-0`)!);

    // Assess
    expect(ownership).toEqual({ owner: { kind: 'DaemonSet', name: 'dcgm' } });
  });

  it('reports a plain pod as owned by nothing', async () => {
    // Prepare
    const { kube } = makeDeps();

    // Act & Assess
    expect(await podOwnership(kube, runningPod('p', NODE))).toEqual({});
  });

  it('keeps the last known owner when an owner object is gone', async () => {
    // Prepare
    const { kube } = makeDeps();
    const pod = runningPod('orphan', NODE, [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'x', controller: true },
    ]);

    // Act & Assess
    expect(await podOwnership(kube, pod)).toEqual({ owner: { kind: 'ReplicaSet', name: 'gone' } });
  });
});

describe('Function: discoverWorkloads', () => {
  it('finds each job once however many of its pods run on the node, and reads each owner once', async () => {
    // Prepare
    const { kube } = makeDeps();
    addJob(kube, 'PyTorchJob', 'llm', [NODE, NODE, NODE, OTHER_NODE]);
    let reads = 0;
    const getObject = kube.getObject.bind(kube);
    kube.getObject = async (ref) => {
      reads += 1;
      return getObject(ref);
    };

    // Act
    const found = await discoverWorkloads(kube, NODE);

    // Assess
    expect(found.workloads.map((w) => w.name)).toEqual(['llm']);
    expect(reads).toBe(1);
    expect(found.pods).toEqual([]);
  });

  it('lists the pods of no job separately and ignores finished pods', async () => {
    // Prepare
    const { kube } = makeDeps();
    addControllerPod(kube, 'StatefulSet', 'db', NODE);
    kube.addPod({ ...runningPod('done', NODE), status: { phase: 'Succeeded' } });
    kube.addPod(runningPod('plain', NODE));

    // Act
    const found = await discoverWorkloads(kube, NODE);

    // Assess
    expect(found.workloads).toEqual([]);
    expect(found.unmanagedPods.sort()).toEqual([`${NS}/db-0`, `${NS}/plain`]);
    expect(found.pods.find((p) => p.name === 'db-0')?.owner?.kind).toBe('StatefulSet');
  });

  it('never finds a job with no pod on the node', async () => {
    // Prepare
    const { kube } = makeDeps();
    addJob(kube, 'Job', 'elsewhere', [OTHER_NODE]);

    // Act & Assess
    expect((await discoverWorkloads(kube, NODE)).workloads).toEqual([]);
  });
});

describe('Function: suspendAll and resumeAll', () => {
  it('suspends once, is joined by a second incident, released by the first and resumed by the last', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'PyTorchJob', 'llm', [NODE, OTHER_NODE]);

    // Act
    const first = await suspendAll(kube, [ref], options);
    const second = await suspendAll(kube, [ref], {
      ...options,
      incidentId: 'inc-2',
      now: '2026-11-29T10:01:00.000Z',
    });
    const release = await resumeAll(kube, [ref], 'inc-1', { now: '2026-11-29T10:05:00.000Z' });
    const resume = await resumeAll(kube, [ref], 'inc-2', { now: '2026-11-29T10:06:00.000Z' });

    // Assess
    expect(first).toMatchObject({
      suspended: [ref],
      jobs: [{ ref: `PyTorchJob/${NS}/llm`, method: 'field', suspendedAt: START }],
    });
    expect(second).toMatchObject({ joined: [ref], jobs: [{ suspendedAt: START }] });
    expect(release).toMatchObject({ released: [ref], resumed: [], jobs: [] });
    expect(resume.jobs).toEqual([
      {
        ref: `PyTorchJob/${NS}/llm`,
        method: 'field',
        suspendedAt: START,
        resumedAt: '2026-11-29T10:06:00.000Z',
        incidents: ['inc-2'],
      },
    ]);
    expect(suspendValue(kube, 'PyTorchJob', 'llm')).toBe(false);
    const suspends = kube.mutations.filter((m) => JSON.stringify(m.patch).includes('"suspend":true'));
    const resumes = kube.mutations.filter((m) => JSON.stringify(m.patch).includes('"suspend":false'));
    expect([suspends.length, resumes.length]).toEqual([1, 1]);
    const last = JSON.parse(
      objectOf(kube, 'PyTorchJob', 'llm')!.metadata.annotations![LAST_SUSPENSION_ANNOTATION]!,
    );
    expect(last).toEqual({
      incidents: ['inc-2'],
      method: 'field',
      suspendedAt: START,
      resumedAt: '2026-11-29T10:06:00.000Z',
    });
  });

  it('re-reads and re-plans when another writer changed the job in between', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'Job', 'train', [NODE]);
    kube.failNext('patchWorkload', new ConcurrentUpdateError('409'), 2);

    // Act
    const outcome = await suspendAll(kube, [ref], options);

    // Assess
    expect(outcome.suspended).toEqual([ref]);
    expect(suspendValue(kube, 'Job', 'train')).toBe(true);
  });

  it('gives up after repeated conflicts with the conflict error', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'Job', 'train', [NODE]);
    kube.failNext('patchWorkload', new ConcurrentUpdateError('409'), 10);

    // Act & Assess
    await expect(suspendAll(kube, [ref], options)).rejects.toThrow(ConcurrentUpdateError);
  });

  it('reports a job deleted meanwhile as gone', async () => {
    // Prepare
    const { kube } = makeDeps();

    // Act
    const outcome = await suspendAll(
      kube,
      [{ kind: 'Job', apiVersion: 'batch/v1', namespace: NS, name: 'x' }],
      options,
    );
    const resumed = await resumeAll(
      kube,
      [{ kind: 'Job', apiVersion: 'batch/v1', namespace: NS, name: 'x' }],
      'inc-1',
      { now: START },
    );

    // Assess
    expect(outcome.skipped[0]?.reason).toBe('gone');
    expect(resumed.skipped[0]?.reason).toBe('gone');
  });

  it('stops a Kueue-managed job by deactivating its Workload after marking the job, and reactivates it first on resume', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    const workload = addKueueWorkload(kube, 'queued');

    // Act
    const suspended = await suspendAll(kube, [ref], { ...options, kueue: 'deactivate-workload' });
    const afterSuspend = kube.mutations.map((m) => m.method);
    const resumed = await resumeAll(kube, [ref], 'inc-1', { now: START });

    // Assess
    expect(suspended.jobs[0]?.method).toBe('kueue');
    expect(afterSuspend).toEqual(['patchWorkload', 'patchObject']);
    expect(kube.mutations.slice(2).map((m) => m.method)).toEqual(['patchObject', 'patchWorkload']);
    expect(resumed.jobs[0]?.method).toBe('kueue');
    expect(objectOf(kube, 'Workload', workload.metadata.name)?.spec?.active).toBe(true);
    // The job's own switch, which Kueue owns, was never written.
    expect(kube.mutations.some((m) => JSON.stringify(m.patch).includes('"suspend"'))).toBe(false);
    expect(objectOf(kube, 'Job', 'queued')?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
  });

  it('records a Kueue-managed job whose Workload is missing as failed with the reason, touching nothing', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    const other = addJob(kube, 'JobSet', 'llm', [NODE]);

    // Act
    const outcome = await suspendAll(kube, [ref, other], options);

    // Assess
    expect(outcome.failed).toEqual([
      {
        ref,
        error: 'KueueWorkloadUnavailableError',
        message: `Job/${NS}/queued is Kueue-managed (kueue.x-k8s.io/queue-name) but its Kueue Workload cannot be read: no kueue.x-k8s.io/v1beta2 Workload in ${NS} carries kueue.x-k8s.io/job-uid=uid-queued; it is not suspended`,
      },
    ]);
    expect(outcome.skipped).toEqual([]);
    expect(outcome.suspended).toEqual([other]);
    expect(kube.mutations.map((m) => m.target)).toEqual([`JobSet/${NS}/llm`]);
  });

  it.each([
    { case: 'Kueue is not installed', served: [], message: /kueue\.x-k8s\.io is not served/ },
    {
      case: 'Kueue serves only a version we do not know',
      served: ['v1'],
      message: /serves v1, none of the Workload versions we know \(v1beta2, v1beta1\)/,
    },
  ])('records a Kueue-managed job as failed when $case', async ({ served, message }) => {
    // Prepare
    const { kube } = makeDeps();
    kube.servedGroups.set('kueue.x-k8s.io', served);
    const ref = addJob(kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    addKueueWorkload(kube, 'queued');

    // Act
    const outcome = await suspendAll(kube, [ref], options);

    // Assess
    expect(outcome.failed).toEqual([
      { ref, error: 'KueueWorkloadUnavailableError', message: expect.stringMatching(message) },
    ]);
    expect(kube.mutations).toEqual([]);
  });

  it('talks to the Workload in the version the cluster serves: v1beta1 on a Kueue that serves only v1beta1', async () => {
    // Prepare
    const { kube } = makeDeps();
    kube.servedGroups.set('kueue.x-k8s.io', ['v1beta1']);
    const ref = addJob(kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    addKueueWorkload(kube, 'queued', true, 'kueue.x-k8s.io/v1beta1');
    const versions: string[] = [];
    const listObjects = kube.listObjects.bind(kube);
    const patchObject = kube.patchObject.bind(kube);
    kube.listObjects = (ref) => {
      versions.push(`list ${ref.apiVersion}`);
      return listObjects(ref);
    };
    kube.patchObject = (ref, patch, o) => {
      versions.push(`patch ${ref.apiVersion}`);
      return patchObject(ref, patch, o);
    };

    // Act
    const outcome = await suspendAll(kube, [ref], options);

    // Assess
    expect(outcome.suspended).toEqual([ref]);
    expect(versions).toEqual(['list kueue.x-k8s.io/v1beta1', 'patch kueue.x-k8s.io/v1beta1']);
  });

  it('never reads the Workload of a Kueue-managed job it would not suspend anyway (opted out)', async () => {
    // Prepare
    const { kube } = makeDeps();
    kube.servedGroups.delete('kueue.x-k8s.io');
    const ref = addJob(kube, 'Job', 'queued', [NODE], {
      labels: { 'kueue.x-k8s.io/queue-name': 'team-a' },
      annotations: { 'hyperpod-resilience.io/opt-out': 'true' },
    });

    // Act
    const outcome = await suspendAll(kube, [ref], options);

    // Assess
    expect(outcome.skipped).toEqual([{ ref, reason: 'opted-out' }]);
    expect(outcome.failed).toEqual([]);
  });

  it('keeps a Kueue-managed job suspended and labelled ours when its Workload vanished before resume', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    const workload = addKueueWorkload(kube, 'queued');
    await suspendAll(kube, [ref], options);
    kube.objects.delete(kube.objectKey({ kind: 'Workload', namespace: NS, name: workload.metadata.name }));

    // Act
    const resumed = await resumeAll(kube, [ref], 'inc-1', { now: START });

    // Assess
    expect(resumed.resumed).toEqual([]);
    expect(resumed.failed).toEqual([
      {
        ref,
        error: 'KueueWorkloadUnavailableError',
        message: expect.stringContaining('it stays suspended and labelled ours'),
      },
    ]);
    expect(objectOf(kube, 'Job', 'queued')?.metadata.labels?.[SUSPENDED_LABEL]).toBe('true');
  });

  it('records who restarts each job with the auto-resume annotation: HyperPod for a PyTorchJob, us for a batch Job', async () => {
    // Prepare
    const { kube } = makeDeps();
    const annotations = { 'sagemaker.amazonaws.com/enable-job-auto-resume': 'true' };
    const pytorch = addJob(kube, 'PyTorchJob', 'llm', [NODE], { annotations });
    const batch = addJob(kube, 'Job', 'etl', [NODE], { annotations });

    // Act
    const outcome = await suspendAll(kube, [pytorch, batch], options);

    // Assess
    expect(outcome.suspended).toEqual([batch]);
    expect(outcome.skipped).toEqual([{ ref: pytorch, reason: 'hyperpod-auto-resume' }]);
    expect(outcome.autoResume).toEqual([
      expect.objectContaining({
        ref: `PyTorchJob/${NS}/llm`,
        leftToHyperPod: true,
        hyperPodResumes: true,
        unverified: expect.arrayContaining([expect.stringContaining('Training Operator')]),
      }),
      expect.objectContaining({
        ref: `Job/${NS}/etl`,
        leftToHyperPod: false,
        hyperPodResumes: false,
        reason: expect.stringContaining('Kubeflow PyTorchJob only'),
      }),
    ]);
  });

  it('says so when the policy drives a job HyperPod would resume', async () => {
    // Prepare
    const { kube } = makeDeps();
    const pytorch = addJob(kube, 'PyTorchJob', 'llm', [NODE], {
      annotations: { 'sagemaker.amazonaws.com/enable-job-auto-resume': 'true' },
    });

    // Act
    const outcome = await suspendAll(kube, [pytorch], { ...options, respectAutoResume: false });

    // Assess
    expect(outcome.suspended).toEqual([pytorch]);
    expect(outcome.autoResume).toEqual([
      expect.objectContaining({
        leftToHyperPod: false,
        hyperPodResumes: true,
        reason: expect.stringContaining('policy respectHyperPodAutoResume=false'),
      }),
    ]);
  });

  it('a manual release of all holders resumes at once', async () => {
    // Prepare
    const { kube } = makeDeps();
    const ref = addJob(kube, 'JobSet', 'llm', [NODE]);
    await suspendAll(kube, [ref], options);
    await suspendAll(kube, [ref], { ...options, incidentId: 'inc-2' });

    // Act
    const outcome = await releaseAll(kube, [ref], 'all', { now: START });

    // Assess
    expect(outcome.jobs[0]?.incidents).toEqual(['inc-1', 'inc-2']);
    expect(objectOf(kube, 'JobSet', 'llm')?.metadata.annotations?.[SUSPENDED_BY_ANNOTATION]).toBeUndefined();
  });
});
