/**
 * Whole executions on the real control plane: two node-recovery incidents on two nodes of one
 * job in the same minute (one suspend, one resume, proven by a watch on the Job), the sweep of a
 * suspension left behind by an incident that ended without resuming, and the `job-resume`
 * machine resuming every job we still hold.
 */
import { Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUSPENDED_LABEL } from '#domain/workload-suspension.ts';
import { resumeLeftoverSuspensions } from '#functions/tasks/job-resume.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { runJobResume } from '#local/runner.ts';
import { testbedKubeConfig } from '#local/testbed/kube-admin.ts';
import {
  batchJob,
  noPods,
  openIncident,
  read,
  runningPods,
  startWorkloadsBed,
  type WorkloadsBed,
  waitUntil,
} from './workloads-helpers.ts';

let bed: WorkloadsBed;

/** Every value `spec.suspend` of one Job takes, in order, as a watch sees the Job change. */
const watchSuspend = async (name: string) => {
  const seen: boolean[] = [];
  const cp = bed.env.controlPlane;
  const watch = new Watch(testbedKubeConfig(cp, cp.adminToken));
  const controller = await watch.watch(
    `/apis/batch/v1/namespaces/${bed.ns}/jobs`,
    { fieldSelector: `metadata.name=${name}` },
    (_phase, job: { spec?: { suspend?: boolean } }) => {
      const value = job.spec?.suspend === true;
      if (seen.at(-1) !== value) seen.push(value);
    },
    () => undefined,
  );
  return { seen, stop: () => controller.abort() };
};

beforeAll(async () => {
  bed = await startWorkloadsBed('e2e-concurrent', {
    nodes: 4,
    nodeRecovery: 'None',
    policy: {
      maxParallel: { absolute: 4, percent: 100 },
      awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 10 },
    },
  });
});

afterAll(async () => {
  await bed?.stop();
});

describe('Workloads across whole executions (real control plane, our RBAC)', () => {
  it('two concurrent incidents on two nodes of one job suspend it once and resume it once (watched on the Job)', async () => {
    // Prepare
    await bed.env.apply([batchJob(bed.ns, 'span', [bed.nodes[0]!, bed.nodes[1]!], { pods: 2 })]);
    const before = await waitUntil('span running', () => runningPods(bed, 'span', 2));
    expect(new Set(before.map((p) => p.spec?.nodeName))).toEqual(new Set([bed.nodes[0], bed.nodes[1]]));
    const watcher = await watchSuspend('span');

    // Act: HMA flags both nodes in the same minute.
    const events = await Promise.all(
      [0, 1].map((i) =>
        bed.env.simulator.injectFault({ instanceId: bed.instanceIds[i]!, faultType: 'NvidiaErrorReboot' }),
      ),
    );
    const reports = await Promise.all(events.flatMap((event) => bed.env.dispatch(event)));
    const after = await waitUntil('span pods back', () => runningPods(bed, 'span', 2), 120_000);
    await new Promise((r) => setTimeout(r, 500));
    watcher.stop();

    // Assess
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(watcher.seen).toEqual([false, true, false]);
    expect(after.map((p) => p.metadata.uid)).not.toEqual(before.map((p) => p.metadata.uid));
    const records = await Promise.all(
      reports.map((r) => bed.env.deps.ledger.getIncident(bed.clusterName, r.executionName)),
    );
    const detail = (type: string) =>
      records.map((rec) => rec?.actions.find((a) => a.type === type)?.detail as Record<string, string[]>);
    const suspends = detail('workloads-suspended');
    expect(suspends.flatMap((d) => d.suspended)).toEqual([`Job/${bed.ns}/span`]);
    expect(suspends.flatMap((d) => d.joined)).toEqual([`Job/${bed.ns}/span`]);
    const resumes = detail('workloads-resumed');
    expect(resumes.flatMap((d) => d.resumed)).toEqual([`Job/${bed.ns}/span`]);
    expect(resumes.flatMap((d) => d.released)).toEqual([`Job/${bed.ns}/span`]);
    const job = await read(bed, 'batch/v1', 'Job', 'span');
    expect(job?.metadata.labels?.[SUSPENDED_LABEL]).toBeUndefined();
  });

  it('the sweep resumes a suspension whose incident ended without resuming, and job-resume resumes every job still held', async () => {
    // Prepare
    await bed.env.apply([
      batchJob(bed.ns, 'left', [bed.nodes[2]!], { pods: 2 }),
      batchJob(bed.ns, 'held', [bed.nodes[3]!], { pods: 2 }),
    ]);
    await waitUntil('left running', () => runningPods(bed, 'left', 2));
    await waitUntil('held running', () => runningPods(bed, 'held', 2));
    const ended = await openIncident(bed, 'inc-ended', 2);
    await suspendWorkloads(ended, bed.env.deps);
    await bed.env.deps.ledger.updateIncident(bed.clusterName, 'inc-ended', {
      fields: { status: 'needs-attention', endedAt: new Date().toISOString() },
    });
    await suspendWorkloads(await openIncident(bed, 'inc-running', 3), bed.env.deps);
    await waitUntil('left pods deleted', () => noPods(bed, 'left'));
    await waitUntil('held pods deleted', () => noPods(bed, 'held'));

    // Act
    const swept = await resumeLeftoverSuspensions(bed.env.deps, bed.clusterName);
    await waitUntil('left pods back', () => runningPods(bed, 'left', 2));
    const heldAfterSweep = await read(bed, 'batch/v1', 'Job', 'held');
    const report = await runJobResume(
      { clusterName: bed.clusterName, all: true, reason: 'e2e: resume what is held', requestedBy: 'e2e' },
      bed.env.deps,
    );
    await waitUntil('held pods back', () => runningPods(bed, 'held', 2));

    // Assess
    expect(swept.resumed).toEqual([`Job/${bed.ns}/left`]);
    expect(heldAfterSweep?.spec?.suspend).toBe(true);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ status: 'resumed', resumed: 1, failed: 0 });
    const running = await bed.env.deps.ledger.getIncident(bed.clusterName, 'inc-running');
    expect(running?.actions.map((a) => a.type)).toContain('workloads-resumed-manually');
    const request = await bed.env.deps.ledger.getIncident(bed.clusterName, report.executionName);
    expect(request?.trigger).toMatchObject({ kind: 'job-resume', jobs: [`Job/${bed.ns}/held`] });
  });
});
