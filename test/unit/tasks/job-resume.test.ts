import { describe, expect, it } from 'vitest';
import {
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
} from '#domain/workload-suspension.ts';
import {
  planJobResume,
  recordJobResume,
  resumeJob,
  resumeLeftoverSuspensions,
} from '#functions/tasks/job-resume.ts';
import { suspendAll } from '#functions/tasks/workloads.ts';
import { jobResumeInputJsonSchema, jobResumeInputSchema } from '#state-machines/job-resume.contract.ts';
import {
  addJob,
  CLUSTER,
  makeDeps,
  NODE,
  NS,
  objectOf,
  openIncident,
  START,
  suspendValue,
} from './helpers.ts';

const suspendOptions = { now: START, optOutAnnotation: 'x/opt-out', respectAutoResume: true };
const planInput = (input: unknown) => ({ input, executionName: 'req-1', startedAt: START });

describe('Contract: jobResumeInputSchema', () => {
  it.each([
    { case: 'neither jobs nor all', input: { clusterName: 'c', reason: 'r' } },
    {
      case: 'both jobs and all',
      input: { clusterName: 'c', reason: 'r', all: true, jobs: [{ kind: 'Job', namespace: 'a', name: 'b' }] },
    },
    { case: 'an unknown key', input: { clusterName: 'c', reason: 'r', all: true, force: true } },
    {
      case: 'an unknown kind',
      input: { clusterName: 'c', reason: 'r', jobs: [{ kind: 'CronJob', namespace: 'a', name: 'b' }] },
    },
    { case: 'an empty reason', input: { clusterName: 'c', reason: '  ', all: true } },
    { case: 'all: false', input: { clusterName: 'c', reason: 'r', all: false } },
    {
      case: 'an invalid namespace',
      input: { clusterName: 'c', reason: 'r', jobs: [{ kind: 'Job', namespace: 'A_B', name: 'b' }] },
    },
  ])('rejects $case', ({ input }) => {
    // Act & Assess
    expect(jobResumeInputSchema.safeParse(input).success).toBe(false);
  });

  it('defaults requestedBy to console and publishes a JSON Schema with the exactly-one-of rule', () => {
    // Act
    const parsed = jobResumeInputSchema.parse({ clusterName: 'c', reason: 'r', all: true });

    // Assess
    expect(parsed.requestedBy).toBe('console');
    expect(jobResumeInputJsonSchema.oneOf).toEqual([{ required: ['jobs'] }, { required: ['all'] }]);
    expect(jobResumeInputJsonSchema.additionalProperties).toBe(false);
  });
});

describe('Task: PlanJobResume', () => {
  it('lists the given jobs with their canonical API versions', async () => {
    // Prepare
    const h = makeDeps();

    // Act
    const plan = await planJobResume(
      planInput({
        clusterName: CLUSTER.name,
        jobs: [{ kind: 'MPIJob', namespace: NS, name: 'm' }],
        reason: 'node fixed',
        requestedBy: 'alice',
      }),
      h.deps,
    );

    // Assess
    expect(plan).toEqual({
      requestId: 'req-1',
      startedAt: START,
      clusterName: CLUSTER.name,
      eksClusterName: CLUSTER.eksClusterName,
      mode: 'jobs',
      reason: 'node fixed',
      requestedBy: 'alice',
      targets: [{ kind: 'MPIJob', apiVersion: 'kubeflow.org/v2beta1', namespace: NS, name: 'm' }],
    });
  });

  it('lists every job we hold suspended in the cluster, and only those', async () => {
    // Prepare
    const h = makeDeps();
    const ours = addJob(h.kube, 'PyTorchJob', 'ours', [NODE]);
    addJob(h.kube, 'Job', 'theirs', [NODE], { suspended: true });
    addJob(h.kube, 'Job', 'running', [NODE]);
    await suspendAll(h.kube, [ours], { ...suspendOptions, incidentId: 'inc-1' });

    // Act
    const plan = await planJobResume(
      planInput({ clusterName: CLUSTER.name, all: true, reason: 'r' }),
      h.deps,
    );

    // Assess
    expect(plan.targets).toEqual([
      expect.objectContaining({ kind: 'PyTorchJob', name: 'ours', uid: 'uid-ours' }),
    ]);
    expect(plan.mode).toBe('all');
  });

  it.each([
    {
      case: 'an invalid request',
      input: { clusterName: CLUSTER.name, reason: 'r' },
      error: 'InvalidInputError',
    },
    {
      case: 'a job listed twice',
      input: {
        clusterName: CLUSTER.name,
        reason: 'r',
        jobs: [
          { kind: 'Job', namespace: NS, name: 'a' },
          { kind: 'Job', namespace: NS, name: 'a' },
        ],
      },
      error: 'InvalidInputError',
    },
    {
      case: 'an unknown cluster',
      input: { clusterName: 'other', reason: 'r', all: true },
      error: 'UnknownClusterError',
    },
  ])('rejects $case with $error', async ({ input, error }) => {
    // Prepare
    const h = makeDeps();

    // Act & Assess
    await expect(planJobResume(planInput(input), h.deps)).rejects.toMatchObject({ name: error });
  });

  it('rejects a malformed execution context', async () => {
    // Act & Assess
    await expect(planJobResume({ input: {} }, makeDeps().deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});

const item = (name: string, kind: 'Job' | 'PyTorchJob' = 'Job') => ({
  requestId: 'req-1',
  clusterName: CLUSTER.name,
  eksClusterName: CLUSTER.eksClusterName,
  reason: 'node fixed',
  requestedBy: 'alice',
  ref: { kind, apiVersion: kind === 'Job' ? 'batch/v1' : 'kubeflow.org/v1', namespace: NS, name },
});

describe('Task: ResumeJob', () => {
  it('resumes a job held by two incidents at once, and notes it on both incident records', async () => {
    // Prepare
    const h = makeDeps();
    const ref = addJob(h.kube, 'Job', 'train', [NODE]);
    await openIncident(h.ledger, 'inc-1');
    await openIncident(h.ledger, 'inc-2');
    await suspendAll(h.kube, [ref], { ...suspendOptions, incidentId: 'inc-1' });
    await suspendAll(h.kube, [ref], { ...suspendOptions, incidentId: 'inc-2' });

    // Act
    const result = await resumeJob(item('train'), h.deps);

    // Assess
    expect(result).toMatchObject({
      outcome: 'resumed',
      method: 'field',
      suspendedAt: START,
      incidents: ['inc-1', 'inc-2'],
    });
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(false);
    for (const id of ['inc-1', 'inc-2']) {
      const record = await h.ledger.getIncident(CLUSTER.name, id);
      expect(record?.actions.at(-1)).toMatchObject({
        type: 'workloads-resumed-manually',
        detail: { requestId: 'req-1', requestedBy: 'alice' },
      });
    }
  });

  it('skips a job we did not suspend and never unsuspends it', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'Job', 'theirs', [NODE], { suspended: true });

    // Act
    const result = await resumeJob(item('theirs'), h.deps);

    // Assess
    expect(result).toEqual({ ref: item('theirs').ref, outcome: 'skipped', reason: 'not-suspended-by-us' });
    expect(suspendValue(h.kube, 'Job', 'theirs')).toBe(true);
  });

  it('skips a job that no longer exists', async () => {
    // Act & Assess
    expect(await resumeJob(item('gone'), makeDeps().deps)).toMatchObject({
      outcome: 'skipped',
      reason: 'gone',
    });
  });

  it('skips with not-suspended-by-us when the plan returned nothing to say', async () => {
    // Prepare
    const h = makeDeps();
    h.kube.getWorkload = async () => ({ metadata: { name: 'odd', labels: { [SUSPENDED_LABEL]: 'false' } } });

    // Act & Assess
    expect(await resumeJob(item('odd'), h.deps)).toMatchObject({
      outcome: 'skipped',
      reason: 'not-suspended-by-us',
    });
  });
});

describe('Task: RecordJobResume', () => {
  const plan = {
    requestId: 'req-1',
    startedAt: START,
    clusterName: CLUSTER.name,
    eksClusterName: CLUSTER.eksClusterName,
    mode: 'jobs' as const,
    reason: 'node fixed',
    requestedBy: 'alice',
    targets: [item('a').ref, item('b').ref, item('c').ref],
  };

  it('records the request and every outcome, and reports incomplete when a job failed', async () => {
    // Prepare
    const h = makeDeps();
    const results = [
      {
        ref: item('a').ref,
        outcome: 'resumed' as const,
        suspendedAt: START,
        resumedAt: START,
        incidents: ['inc-1'],
      },
      { ref: item('b').ref, outcome: 'skipped' as const, reason: 'not-suspended-by-us' },
      {
        ref: item('c').ref,
        outcome: 'failed' as const,
        error: { Error: 'KubernetesRequestFailedError', Cause: '403' },
      },
    ];

    // Act
    const output = await recordJobResume({ ...plan, results }, h.deps);

    // Assess
    expect(output).toEqual({ requestId: 'req-1', status: 'incomplete', resumed: 1, skipped: 1, failed: 1 });
    const record = await h.ledger.getIncident(CLUSTER.name, 'req-1');
    expect(record).toMatchObject({
      status: 'needs-attention',
      trigger: { kind: 'job-resume', requestedBy: 'alice' },
    });
    expect(h.notifier.notifications[0]).toMatchObject({ severity: 'warning' });
    expect(h.notifier.notifications[0]?.message).toContain('FAILED (KubernetesRequestFailedError)');
  });

  it.each([
    { case: 'nothing held', results: [], status: 'nothing-to-resume' },
    {
      case: 'every job resumed',
      results: [{ ref: item('a').ref, outcome: 'resumed' as const, resumedAt: START }],
      status: 'resumed',
    },
  ])('reports $status when $case', async ({ results, status }) => {
    // Prepare
    const h = makeDeps();

    // Act
    const output = await recordJobResume({ ...plan, mode: 'all', targets: [], results }, h.deps);

    // Assess
    expect(output.status).toBe(status);
    expect(h.notifier.notifications[0]?.severity).toBe('info');
  });
});

describe('Function: resumeLeftoverSuspensions', () => {
  it('resumes a suspension whose incident ended without resuming, and keeps one whose incident still runs', async () => {
    // Prepare
    const h = makeDeps();
    const left = addJob(h.kube, 'Job', 'left', [NODE]);
    const live = addJob(h.kube, 'PyTorchJob', 'live', [NODE]);
    await openIncident(h.ledger, 'inc-ended');
    await h.ledger.updateIncident(CLUSTER.name, 'inc-ended', { fields: { status: 'needs-attention' } });
    await openIncident(h.ledger, 'inc-live');
    await suspendAll(h.kube, [left], { ...suspendOptions, incidentId: 'inc-ended' });
    await suspendAll(h.kube, [live], { ...suspendOptions, incidentId: 'inc-live' });

    // Act
    const result = await resumeLeftoverSuspensions(h.deps, CLUSTER.name);

    // Assess
    expect(result).toEqual({
      examined: 2,
      resumed: [`Job/${NS}/left`],
      released: [],
      stale: [{ job: `Job/${NS}/left`, holders: ['inc-ended'] }],
    });
    expect(suspendValue(h.kube, 'Job', 'left')).toBe(false);
    expect(suspendValue(h.kube, 'PyTorchJob', 'live')).toBe(true);
    const record = await h.ledger.getIncident(CLUSTER.name, 'inc-ended');
    expect(record?.actions.at(-1)?.type).toBe('workloads-resumed-by-sweep');
  });

  it('releases only the stale holder of a job another incident still needs suspended', async () => {
    // Prepare
    const h = makeDeps();
    const ref = addJob(h.kube, 'JobSet', 'llm', [NODE]);
    await openIncident(h.ledger, 'inc-live');
    await suspendAll(h.kube, [ref], { ...suspendOptions, incidentId: 'inc-gone' });
    await suspendAll(h.kube, [ref], { ...suspendOptions, incidentId: 'inc-live' });
    h.advance(8 * 3600_000);
    await h.ledger.updateIncident(CLUSTER.name, 'inc-live', { fields: { startedAt: h.now() } });

    // Act
    const result = await resumeLeftoverSuspensions(h.deps, CLUSTER.name);

    // Assess
    expect(result.released).toEqual([`JobSet/${NS}/llm`]);
    expect(
      JSON.parse(objectOf(h.kube, 'JobSet', 'llm')!.metadata.annotations![SUSPENDED_BY_ANNOTATION]!),
    ).toEqual(['inc-live']);
  });

  it('resumes a job carrying our label without any readable holder', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'Job', 'odd', [NODE], { suspended: true, labels: { [SUSPENDED_LABEL]: 'true' } });
    objectOf(h.kube, 'Job', 'odd')!.metadata.annotations = { [SUSPENDED_AT_ANNOTATION]: START };

    // Act
    const result = await resumeLeftoverSuspensions(h.deps, CLUSTER.name);

    // Assess
    expect(result.resumed).toEqual([`Job/${NS}/odd`]);
    expect(result.stale).toEqual([{ job: `Job/${NS}/odd`, holders: [] }]);
  });

  it('rejects an unknown cluster', async () => {
    // Act & Assess
    await expect(resumeLeftoverSuspensions(makeDeps().deps, 'nope')).rejects.toMatchObject({
      name: 'UnknownClusterError',
    });
  });
});
