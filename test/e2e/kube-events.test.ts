/**
 * Kubernetes Events on a real kube-apiserver (v1.36) and the real kubectl: after a quarantine,
 * suspension, resumption and restore done by the tasks under our least-privilege RBAC (the EKS
 * token of the Lambda role, mapped to our group), `kubectl describe node` and `kubectl describe
 * pytorchjob` show our reasons and the incident id; the role may create Events and nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import { REPORTING_CONTROLLER } from '#domain/kube-events.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { restoreNode } from '#functions/tasks/restore-node.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import {
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

beforeAll(async () => {
  bed = await startWorkloadsBed('e2e-events', { nodes: 2 });
});

afterAll(async () => {
  await bed?.stop();
});

/** `kubectl auth can-i` as our group: true for "yes" (exit 0), false for "no" (exit 1). */
/** `kubectl auth can-i` as a Lambda's identity: a user in that Lambda's group only. */
const canI = (
  verb: string,
  resource: string,
  namespace: string,
  lambda = 'quarantine-node',
): Promise<boolean> =>
  bed.env.controlPlane
    .kubectl([
      'auth',
      'can-i',
      verb,
      resource,
      '-n',
      namespace,
      `--as=hyperpod-resilience-${lambda}`,
      `--as-group=${kubeGroupOf(lambda)}`,
    ])
    .then(
      (out) => out.trim() === 'yes',
      () => false,
    );

describe('Kubernetes Events (real kube-apiserver, our RBAC)', () => {
  it('shows NodeQuarantined and NodeRestored in kubectl describe node, WorkloadSuspended and WorkloadResumed in kubectl describe pytorchjob, each with the incident id', async () => {
    // Prepare
    const nodeName = bed.nodes[0]!;
    await bed.env.apply([pytorchJob(bed.ns, 'llama', [nodeName])]);
    const owner = await waitUntil('PyTorchJob llama', () =>
      read(bed, 'kubeflow.org/v1', 'PyTorchJob', 'llama'),
    );
    if (!TIER2.trainingOperator) await bed.env.apply([podOwnedBy(owner, nodeName, 'llama-master-0')]);
    await waitUntil('llama running', () => runningPods(bed, 'llama', TIER2.trainingOperator ? 2 : 1));
    const state = await openIncident(bed, 'inc-events-1', 0);

    // Act
    await quarantineNode(state, bed.env.depsOf('quarantine-node'));
    const suspension = await suspendWorkloads(state, bed.env.depsOf('suspend-workloads'));
    await resumeWorkloads({ ...state, suspension }, bed.env.depsOf('resume-workloads'));
    await restoreNode(state, bed.env.depsOf('restore-node'));
    const node = await bed.env.controlPlane.kubectl(['describe', 'node', nodeName]);
    const job = await bed.env.controlPlane.kubectl(['describe', 'pytorchjob', 'llama', '-n', bed.ns]);

    // Assess
    expect(suspension.suspended.map((r) => r.name)).toEqual(['llama']);
    const events = node.slice(node.indexOf('Events:'));
    expect(events).toMatch(
      /Warning\s+NodeQuarantined\s+.*hyperpod-resilience\.io\/node-recovery\s+Incident inc-events-1: cordoned/,
    );
    expect(events).toMatch(/Normal\s+NodeRestored\s+.*Incident inc-events-1: quarantine lifted/);
    const jobEvents = job.slice(job.indexOf('Events:'));
    expect(jobEvents).toMatch(/Warning\s+WorkloadSuspended\s+.*Incident inc-events-1: suspended as a whole/);
    expect(jobEvents).toMatch(/Normal\s+WorkloadResumed\s+.*Incident inc-events-1: resumed/);
    expect(jobEvents).toContain(REPORTING_CONTROLLER);
  });

  it('writes each Event once when the tasks are retried', async () => {
    // Prepare
    const nodeName = bed.nodes[1]!;
    const state = await openIncident(bed, 'inc-events-2', 1);

    // Act
    await quarantineNode(state, bed.env.depsOf('quarantine-node'));
    await quarantineNode(state, bed.env.depsOf('quarantine-node'));
    await restoreNode(state, bed.env.depsOf('restore-node'));
    const listed = JSON.parse(
      await bed.env.controlPlane.kubectl([
        'get',
        'events',
        '-n',
        'default',
        '--field-selector',
        `involvedObject.name=${nodeName}`,
        '-o',
        'json',
      ]),
    ) as { items: { reason: string; message: string }[] };

    // Assess
    const ours = listed.items.filter((e) => e.message.startsWith('Incident inc-events-2:'));
    expect(ours.map((e) => e.reason).sort()).toEqual(['NodeQuarantined', 'NodeRestored']);
  });

  it('lets the Lambdas that write Events create them and nothing else on them, and still forbids what they never needed', async () => {
    // Act
    const create = await canI('create', 'events.events.k8s.io', 'default');
    const patch = await canI('patch', 'events.events.k8s.io', 'default');
    const deleteEvents = await canI('delete', 'events.events.k8s.io', 'default');
    const coreEvents = await canI('create', 'events', 'default');
    const readOnly = await canI('create', 'events.events.k8s.io', 'default', 'sweep-cluster');
    const kube = await bed.env.depsOf('quarantine-node').kubeFor(bed.env.config.clusters[0]!.eksClusterName);
    const forbidden = await kube
      .patchObject(
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: bed.ns, name: 'anything' },
        { metadata: { labels: { a: 'b' } } },
      )
      .catch((e: unknown) => e);

    // Assess
    expect({ create, patch, deleteEvents, coreEvents }).toEqual({
      create: true,
      patch: false,
      deleteEvents: false,
      coreEvents: false,
    });
    expect(readOnly).toBe(false);
    expect(String(forbidden)).toMatch(/403|forbidden/i);
  });
});
