/**
 * The job-resume ASL executed by aws-local-stepfunctions with the real tasks and in-memory ports:
 * one scenario per branch (resume given jobs, resume all, nothing to resume, a job that fails,
 * a throttled call, invalid input).
 */
import { describe, expect, it } from 'vitest';
import { KubernetesRequestFailedError, KubernetesThrottledError } from '#contracts/errors.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { runJobResume } from '#local/runner.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeName } from './harness.ts';

const [NODE_A, NODE_B] = INSTANCES as [string, string];
const visited = (report: Awaited<ReturnType<typeof runJobResume>>) => report.states.map((s) => s.name);

/** Suspends the jobs on `instanceId` for `incidentId` exactly as node-recovery's task does. */
const suspendFor = async (h: ReturnType<typeof makeHarness>, incidentId: string, instanceId: string) => {
  await h.ledger.createIncident({
    incidentId,
    clusterName: CLUSTER.name,
    trigger: { kind: 'node-health' },
    status: 'open',
    startedAt: h.deps.now(),
    actions: [],
  });
  const state = {
    incidentId,
    executionName: incidentId,
    startedAt: h.deps.now(),
    clusterName: CLUSTER.name,
    eksClusterName: CLUSTER.eksClusterName,
    trigger: { kind: 'node-health' },
    fault: { class: 'fatal', code: 'NvidiaErrorTerminate' },
    node: { clusterName: CLUSTER.name, instanceId, nodeName: nodeName(instanceId) },
    decision: { outcome: 'proceed', action: 'replace', reason: 'fatal-fault', mode: 'act', leaseHeld: true },
  };
  const suspension = await suspendWorkloads(state, h.deps);
  return { ...state, suspension };
};

describe('State machine: job-resume', () => {
  it('resumes the given jobs, records the request and ends Done', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    h.addJob('JobSet', 'eval', [nodeName(NODE_A)]);
    await suspendFor(h, 'inc-1', NODE_A);

    // Act
    const report = await runJobResume(
      {
        clusterName: CLUSTER.name,
        jobs: [
          { kind: 'PyTorchJob', namespace: 'training', name: 'llama' },
          { kind: 'JobSet', namespace: 'training', name: 'eval' },
        ],
        reason: 'node replaced by hand',
        requestedBy: 'alice@example.com',
      },
      h.deps,
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual([
      'PlanJobResume',
      'ResumeJobs',
      'ResumeJob',
      'ResumeJob',
      'RecordJobResume',
      'IsJobResumeComplete',
      'Done',
    ]);
    expect(report.output).toEqual({
      requestId: report.executionName,
      status: 'resumed',
      resumed: 2,
      skipped: 0,
      failed: 0,
    });
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    expect(h.suspendValue('JobSet', 'eval')).toBe(false);
    const record = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(record).toMatchObject({
      status: 'resolved',
      trigger: { kind: 'job-resume', requestedBy: 'alice@example.com' },
    });
    expect(h.notifier.notifications.at(-1)?.subject).toContain('2 resumed, 0 failed');
  });

  it('resumes every job we hold suspended in the cluster and nothing else', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('Job', 'ours-a', [nodeName(NODE_A)]);
    h.addJob('MPIJob', 'ours-b', [nodeName(NODE_B)]);
    h.addJob('Job', 'theirs', [nodeName(NODE_B)]);
    await suspendFor(h, 'inc-1', NODE_A);
    await suspendFor(h, 'inc-2', NODE_B);
    await h.kube.patchWorkload(
      { kind: 'Job', apiVersion: 'batch/v1', namespace: 'training', name: 'theirs' },
      { metadata: { labels: { 'hyperpod-resilience.io/suspended': null } } },
    );
    const theirs = h.kube.objects.get(
      h.kube.objectKey({ kind: 'Job', namespace: 'training', name: 'theirs' }),
    )!;
    theirs.metadata.annotations = {};
    h.kube.mutations.length = 0;

    // Act
    const report = await runJobResume(
      { clusterName: CLUSTER.name, all: true, reason: 'maintenance over' },
      h.deps,
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ status: 'resumed', resumed: 2 });
    expect(h.suspendValue('Job', 'ours-a')).toBe(false);
    expect(h.suspendValue('MPIJob', 'ours-b')).toBe(false);
    expect(h.suspendValue('Job', 'theirs')).toBe(true);
    expect(h.kube.mutations.map((m) => m.target).sort()).toEqual([
      'Job/training/ours-a',
      'MPIJob/training/ours-b',
    ]);
  });

  it('resumes a job exactly once when its incident later reaches ResumeWorkloads', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    const state = await suspendFor(h, 'inc-1', NODE_A);

    // Act
    await runJobResume({ clusterName: CLUSTER.name, all: true, reason: 'now' }, h.deps);
    const later = await resumeWorkloads(state, h.deps);

    // Assess
    expect(later.resumed).toEqual([]);
    expect(later.skipped.map((s) => s.reason)).toEqual(['not-suspended-by-us']);
    const resumes = h.kube.mutations.filter((m) => JSON.stringify(m.patch).includes('"suspend":false'));
    expect(resumes).toHaveLength(1);
    const record = await h.ledger.getIncident(CLUSTER.name, 'inc-1');
    expect(record?.actions.map((a) => a.type)).toContain('workloads-resumed-manually');
  });

  it('ends Done with nothing-to-resume when no job is held', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runJobResume({ clusterName: CLUSTER.name, all: true, reason: 'check' }, h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report)).toEqual([
      'PlanJobResume',
      'ResumeJobs',
      'RecordJobResume',
      'IsJobResumeComplete',
      'Done',
    ]);
    expect(report.output).toMatchObject({ status: 'nothing-to-resume' });
  });

  it('keeps going when one job fails, records it and fails the execution for a person to look', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('Job', 'a', [nodeName(NODE_A)]);
    h.addJob('Job', 'b', [nodeName(NODE_A)]);
    await suspendFor(h, 'inc-1', NODE_A);
    h.kube.failNext('patchWorkload', new KubernetesRequestFailedError('403 forbidden'), 1);

    // Act
    const report = await runJobResume({ clusterName: CLUSTER.name, all: true, reason: 'r' }, h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('JobResumeIncomplete');
    expect(visited(report)).toContain('ResumeJobFailed');
    expect(visited(report).slice(-3)).toEqual([
      'RecordJobResume',
      'IsJobResumeComplete',
      'JobResumeIncomplete',
    ]);
    const record = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(record?.status).toBe('needs-attention');
    expect(record?.actions[0]?.detail).toMatchObject({ resumed: 1, failed: 1 });
  });

  it('retries a throttled Kubernetes call and then resumes', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('Job', 'a', [nodeName(NODE_A)]);
    await suspendFor(h, 'inc-1', NODE_A);
    h.kube.failNext('getWorkload', new KubernetesThrottledError('429'), 2);

    // Act
    const report = await runJobResume(
      { clusterName: CLUSTER.name, jobs: [{ kind: 'Job', namespace: 'training', name: 'a' }], reason: 'r' },
      h.deps,
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.states.find((s) => s.name === 'ResumeJob')?.retries).toBe(2);
    expect(h.suspendValue('Job', 'a')).toBe(false);
  });

  it.each([
    {
      case: 'neither jobs nor all',
      input: { clusterName: CLUSTER.name, reason: 'r' },
      error: 'InvalidInputError',
    },
    {
      case: 'a misspelt key',
      input: { clusterName: CLUSTER.name, reason: 'r', All: true },
      error: 'InvalidInputError',
    },
    {
      case: 'an unknown cluster',
      input: { clusterName: 'elsewhere', reason: 'r', all: true },
      error: 'UnknownClusterError',
    },
  ])('rejects $case with $error and changes nothing', async ({ input, error }) => {
    // Prepare
    const h = makeHarness();
    h.addJob('Job', 'a', [nodeName(NODE_A)]);

    // Act
    const report = await runJobResume(input, h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe(error);
    expect(visited(report)).toEqual(['PlanJobResume']);
    expect(h.kube.mutations).toEqual([]);
  });
});
