import { describe, expect, it } from 'vitest';
import { AUTO_RESUME_ANNOTATION } from '#domain/workload-suspension.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import {
  addControllerPod,
  addJob,
  addNode,
  CLUSTER,
  incidentState,
  makeDeps,
  NODE,
  NS,
  OTHER_NODE,
  objectOf,
  openIncident,
  suspendValue,
} from './helpers.ts';

const OPT_OUT = 'hyperpod-resilience.io/opt-out';

describe('Task: SuspendWorkloads', () => {
  it('suspends every kind with a pod on the node, leaves auto-resume jobs to HyperPod and says so in the record', async () => {
    // Prepare
    const h = makeDeps({ workloads: { eviction: { timeoutSeconds: 0 } } });
    addNode(h.kube, NODE);
    for (const kind of ['Job', 'PyTorchJob', 'MPIJob', 'JobSet', 'HyperPodPyTorchJob'] as const) {
      addJob(h.kube, kind, kind.toLowerCase(), [NODE, OTHER_NODE]);
    }
    addJob(h.kube, 'PyTorchJob', 'auto', [NODE], { annotations: { [AUTO_RESUME_ANNOTATION]: 'true' } });
    addJob(h.kube, 'Job', 'mine-alone', [NODE], { annotations: { [OPT_OUT]: 'true' } });
    addJob(h.kube, 'Job', 'bystander', [OTHER_NODE]);
    addControllerPod(h.kube, 'Deployment', 'web', NODE);
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.suspended.map((r) => r.kind).sort()).toEqual([
      'HyperPodPyTorchJob',
      'Job',
      'JobSet',
      'MPIJob',
      'PyTorchJob',
    ]);
    expect(result.leftToHyperPod).toEqual([`PyTorchJob/${NS}/auto`]);
    expect(result.skipped.map((s) => s.reason).sort()).toEqual(['hyperpod-auto-resume', 'opted-out']);
    expect(suspendValue(h.kube, 'Job', 'bystander')).toBe(false);
    expect(suspendValue(h.kube, 'PyTorchJob', 'auto')).toBe(false);
    expect(result.pods?.evicted).toEqual([`${NS}/web-0`]);
    const record = await h.ledger.getIncident(CLUSTER.name, 'inc-1');
    const action = record?.actions.find((a) => a.type === 'workloads-suspended');
    expect(action?.detail?.leftToHyperPod).toEqual([`PyTorchJob/${NS}/auto`]);
    expect(String(action?.detail?.note)).toContain('left to HyperPod');
    expect(action?.detail?.jobs).toHaveLength(5);
    expect(action?.detail?.autoResume).toEqual([
      expect.objectContaining({ ref: `PyTorchJob/${NS}/auto`, leftToHyperPod: true, hyperPodResumes: true }),
    ]);
    expect(h.metrics.find((m) => m.name === 'WorkloadsLeftToHyperPod')?.value).toBe(1);
    expect(h.metrics.find((m) => m.name === 'PodsEvicted')?.value).toBe(1);
  });

  it('suspends HyperPod auto-resume jobs too when the policy does not respect it', async () => {
    // Prepare
    const h = makeDeps({ workloads: { respectHyperPodAutoResume: false } });
    addJob(h.kube, 'PyTorchJob', 'auto', [NODE], { annotations: { [AUTO_RESUME_ANNOTATION]: 'true' } });
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.suspended).toHaveLength(1);
    expect(result.leftToHyperPod).toEqual([]);
  });

  it('records a Kueue-managed job whose Workload cannot be read as failed, counts it, and suspends the others', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'Job', 'queued', [NODE], { labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } });
    addJob(h.kube, 'JobSet', 'llm', [NODE]);
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.suspended.map((r) => r.name)).toEqual(['llm']);
    expect(result.failed).toEqual([
      expect.objectContaining({
        ref: expect.objectContaining({ name: 'queued' }),
        error: 'KueueWorkloadUnavailableError',
      }),
    ]);
    const record = await h.ledger.getIncident(CLUSTER.name, 'inc-1');
    const action = record?.actions.find((a) => a.type === 'workloads-suspended');
    expect(action?.detail?.failed).toEqual([
      expect.objectContaining({
        ref: `Job/${NS}/queued`,
        error: 'KueueWorkloadUnavailableError',
        message: expect.stringContaining('its Kueue Workload cannot be read'),
      }),
    ]);
    expect(h.metrics.find((m) => m.name === 'WorkloadsNotSuspended')?.value).toBe(1);
  });

  it('records every job as skipped when suspension is off, and drains nothing when eviction is off', async () => {
    // Prepare
    const h = makeDeps({ workloads: { suspend: false, eviction: { enabled: false } } });
    addJob(h.kube, 'Job', 'train', [NODE]);
    addControllerPod(h.kube, 'Deployment', 'web', NODE);
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.skipped).toEqual([
      { ref: expect.objectContaining({ name: 'train' }), reason: 'suspension-disabled' },
    ]);
    expect(result.pods).toBeUndefined();
    expect(h.kube.mutations).toEqual([]);
  });

  it('reports pods it could not drain and counts them', async () => {
    // Prepare
    const h = makeDeps({ workloads: { eviction: { timeoutSeconds: 0 } } });
    addNode(h.kube, NODE);
    addControllerPod(h.kube, 'StatefulSet', 'db', NODE);
    h.kube.evictionBlocked.add(`${NS}/db-0`);
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.pods?.remaining).toHaveLength(1);
    expect(h.metrics.find((m) => m.name === 'PodsNotDrained')?.value).toBe(1);
  });

  it('force-deletes on a dead node and counts it', async () => {
    // Prepare
    const h = makeDeps({ workloads: { eviction: { timeoutSeconds: 0, nodeDeadAfterSeconds: 0 } } });
    addNode(h.kube, NODE, 'Unknown');
    addControllerPod(h.kube, 'StatefulSet', 'db', NODE);
    h.kube.stuckTerminating.add(`${NS}/db-0`);
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.pods?.forceDeleted).toEqual([`${NS}/db-0`]);
    expect(h.metrics.find((m) => m.name === 'PodsForceDeleted')?.value).toBe(1);
  });

  it('does nothing for an incident without a node name', async () => {
    // Prepare
    const h = makeDeps();
    const state = incidentState('inc-1');
    delete state.node?.nodeName;

    // Act
    const result = await suspendWorkloads(state, h.deps);

    // Assess
    expect(result).toMatchObject({ suspended: [], joined: [], skipped: [], unmanagedPods: [] });
  });
  it('remembers the nodes a job ran on, so an incident on another of them joins after its pods are gone', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'PyTorchJob', 'llm', [NODE, OTHER_NODE]);
    await openIncident(h.ledger, 'inc-1');
    await openIncident(h.ledger, 'inc-2');
    const first = await suspendWorkloads(incidentState('inc-1', NODE), h.deps);
    // The training operator deletes every pod of the suspended job, on both nodes.
    for (const key of [...h.kube.pods.keys()]) h.kube.pods.delete(key);

    // Act
    const second = await suspendWorkloads(incidentState('inc-2', OTHER_NODE), h.deps);
    const firstResume = await resumeWorkloads({ ...incidentState('inc-1', NODE), suspension: first }, h.deps);
    const secondResume = await resumeWorkloads(
      { ...incidentState('inc-2', OTHER_NODE), suspension: second },
      h.deps,
    );

    // Assess
    expect(first.suspended).toHaveLength(1);
    expect(objectOf(h.kube, 'PyTorchJob', 'llm')).toBeDefined();
    expect(second.joined.map((r) => r.name)).toEqual(['llm']);
    expect(firstResume.released).toHaveLength(1);
    expect(secondResume.resumed).toHaveLength(1);
    expect(suspendValue(h.kube, 'PyTorchJob', 'llm')).toBe(false);
  });

  it('never suspends a job with no pod on the node just because it once ran there', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'Job', 'train', [NODE, OTHER_NODE]);
    await openIncident(h.ledger, 'inc-1');
    await openIncident(h.ledger, 'inc-2');
    const first = await suspendWorkloads(incidentState('inc-1', NODE), h.deps);
    for (const key of [...h.kube.pods.keys()]) h.kube.pods.delete(key);
    await resumeWorkloads({ ...incidentState('inc-1', NODE), suspension: first }, h.deps);

    // Act
    const second = await suspendWorkloads(incidentState('inc-2', OTHER_NODE), h.deps);

    // Assess
    expect(second).toMatchObject({ suspended: [], joined: [], skipped: [] });
    expect(suspendValue(h.kube, 'Job', 'train')).toBe(false);
  });
});

describe('Task: ResumeWorkloads', () => {
  it('resumes what the incident suspended and records suspend and resume times per job', async () => {
    // Prepare
    const h = makeDeps();
    addJob(h.kube, 'JobSet', 'llm', [NODE]);
    await openIncident(h.ledger, 'inc-1');
    const suspension = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Act
    const result = await resumeWorkloads({ ...incidentState('inc-1'), suspension }, h.deps);

    // Assess
    expect(result.resumed).toHaveLength(1);
    expect(result.jobs[0]).toMatchObject({ ref: `JobSet/${NS}/llm`, incidents: ['inc-1'] });
    expect(Date.parse(result.jobs[0]!.resumedAt)).toBeGreaterThan(Date.parse(result.jobs[0]!.suspendedAt!));
    const record = await h.ledger.getIncident(CLUSTER.name, 'inc-1');
    expect(record?.actions.find((a) => a.type === 'workloads-resumed')?.detail?.jobs).toEqual(result.jobs);
    expect(objectOf(h.kube, 'JobSet', 'llm')?.spec?.suspend).toBe(false);
  });

  it('does nothing when the incident suspended nothing', async () => {
    // Prepare
    const h = makeDeps();

    // Act
    const result = await resumeWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result).toMatchObject({ resumed: [], released: [], skipped: [], jobs: [] });
  });
});
