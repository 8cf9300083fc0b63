/**
 * The Kubernetes Events the tasks write (functions/tasks/kube-events.ts): one per action and
 * object, written again by a retried task under the same name (no second Event), and never able
 * to fail the step they describe.
 */
import { describe, expect, it } from 'vitest';
import { KubernetesRequestFailedError } from '#contracts/errors.ts';
import { EVENT_INCIDENT_ANNOTATION } from '#domain/kube-events.ts';
import { escalateIncident } from '#functions/tasks/escalate-incident.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { restoreNode } from '#functions/tasks/restore-node.ts';
import { resumeWorkloads } from '#functions/tasks/resume-workloads.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { addJob, incidentState, makeDeps, NODE, NS, openIncident } from './helpers.ts';

const withNode = (h: ReturnType<typeof makeDeps>) =>
  h.kube.addNode({
    metadata: { name: NODE, uid: 'node-uid-1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });

const eventsOf = (h: ReturnType<typeof makeDeps>) =>
  [...h.kube.events.values()].map((e) => ({
    namespace: e.metadata.namespace,
    reason: e.reason,
    type: e.type,
    regarding: `${e.regarding.kind}/${e.regarding.name}/${e.regarding.uid}`,
    incident: e.metadata.annotations[EVENT_INCIDENT_ANNOTATION],
  }));

describe('Task Events: what kubectl describe shows', () => {
  it('writes NodeQuarantined on the node, WorkloadSuspended and WorkloadResumed on the job, NodeRestored on the node', async () => {
    // Prepare
    const h = makeDeps();
    withNode(h);
    addJob(h.kube, 'PyTorchJob', 'llama', [NODE]);
    await openIncident(h.ledger, 'inc-1');
    const state = incidentState('inc-1');

    // Act
    await quarantineNode(state, h.deps);
    const suspension = await suspendWorkloads(state, h.deps);
    await resumeWorkloads({ ...state, suspension }, h.deps);
    await restoreNode(state, h.deps);

    // Assess
    expect(eventsOf(h)).toEqual([
      {
        namespace: 'default',
        reason: 'NodeQuarantined',
        type: 'Warning',
        regarding: `Node/${NODE}/node-uid-1`,
        incident: 'inc-1',
      },
      {
        namespace: NS,
        reason: 'WorkloadSuspended',
        type: 'Warning',
        regarding: 'PyTorchJob/llama/uid-llama',
        incident: 'inc-1',
      },
      {
        namespace: NS,
        reason: 'WorkloadResumed',
        type: 'Normal',
        regarding: 'PyTorchJob/llama/uid-llama',
        incident: 'inc-1',
      },
      {
        namespace: 'default',
        reason: 'NodeRestored',
        type: 'Normal',
        regarding: `Node/${NODE}/node-uid-1`,
        incident: 'inc-1',
      },
    ]);
    const quarantined = [...h.kube.events.values()][0];
    expect(quarantined?.note).toBe(
      'Incident inc-1: cordoned and tainted hyperpod-resilience.io/quarantine (NvidiaErrorTerminate)',
    );
    expect(quarantined?.reportingInstance).toBe('QuarantineNode');
  });

  it('writes no second Event when a task is retried', async () => {
    // Prepare
    const h = makeDeps();
    withNode(h);
    await openIncident(h.ledger, 'inc-1');

    // Act
    await quarantineNode(incidentState('inc-1'), h.deps);
    const retried = await quarantineNode(incidentState('inc-1'), h.deps);

    // Assess
    expect(retried.status).toBe('already-quarantined');
    expect(eventsOf(h).map((e) => e.reason)).toEqual(['NodeQuarantined']);
  });

  it('says so when another incident quarantined the node first', async () => {
    // Prepare
    const h = makeDeps();
    withNode(h);
    await openIncident(h.ledger, 'inc-1');
    await openIncident(h.ledger, 'inc-2');
    await quarantineNode(incidentState('inc-1'), h.deps);

    // Act
    await quarantineNode(incidentState('inc-2'), h.deps);

    // Assess
    const notes = [...h.kube.events.values()].map((e) => e.note);
    expect(notes).toEqual([
      'Incident inc-1: cordoned and tainted hyperpod-resilience.io/quarantine (NvidiaErrorTerminate)',
      'Incident inc-2: already quarantined by incident inc-1 (NvidiaErrorTerminate)',
    ]);
  });

  it('still quarantines when the Event cannot be written, and counts and logs the failure', async () => {
    // Prepare
    const h = makeDeps();
    const warnings: string[] = [];
    h.deps.logger = { ...h.deps.logger, warn: (message) => warnings.push(message) };
    withNode(h);
    await openIncident(h.ledger, 'inc-1');
    h.kube.failNext(
      'createEvent',
      new KubernetesRequestFailedError('Kubernetes CREATE Event failed: HTTP 403 Forbidden'),
    );

    // Act
    const result = await quarantineNode(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.status).toBe('quarantined');
    expect(h.kube.nodes.get(NODE)?.spec?.unschedulable).toBe(true);
    expect(h.kube.events.size).toBe(0);
    expect(h.metrics).toContainEqual({
      name: 'KubernetesEventNotWritten',
      dimensions: { reason: 'NodeQuarantined' },
      value: undefined,
    });
    expect(warnings).toEqual(['Kubernetes Event not written']);
  });

  it('stops after the first failed Event of a batch and counts the rest as not written', async () => {
    // Prepare
    const h = makeDeps();
    withNode(h);
    addJob(h.kube, 'PyTorchJob', 'a', [NODE]);
    addJob(h.kube, 'JobSet', 'b', [NODE]);
    await openIncident(h.ledger, 'inc-1');
    h.kube.failNext(
      'createEvent',
      new KubernetesRequestFailedError('Kubernetes CREATE Event failed: timeout'),
    );

    // Act
    const result = await suspendWorkloads(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.suspended).toHaveLength(2);
    expect(h.kube.events.size).toBe(0);
    expect(h.metrics.filter((m) => m.name === 'KubernetesEventNotWritten')).toEqual([
      { name: 'KubernetesEventNotWritten', dimensions: { reason: 'WorkloadSuspended' }, value: undefined },
      { name: 'KubernetesEventNotWritten', dimensions: { reason: 'WorkloadSuspended' }, value: undefined },
    ]);
  });

  it('writes IncidentEscalated on the node, with the reason, when an incident needs a person', async () => {
    // Prepare
    const h = makeDeps();
    withNode(h);
    await openIncident(h.ledger, 'inc-1');

    // Act
    await escalateIncident(
      { ...incidentState('inc-1'), verification: { status: 'failed', reason: 'GPU count 7 of 8' } },
      h.deps,
    );

    // Assess
    const [event] = [...h.kube.events.values()];
    expect(event).toMatchObject({
      reason: 'IncidentEscalated',
      type: 'Warning',
      regarding: { kind: 'Node', name: NODE, uid: 'node-uid-1' },
      note: 'Incident inc-1: needs a person: verification failed: GPU count 7 of 8',
    });
  });

  it('escalates without an Event when the node is gone', async () => {
    // Prepare
    const h = makeDeps();
    await openIncident(h.ledger, 'inc-1');

    // Act
    const result = await escalateIncident(incidentState('inc-1'), h.deps);

    // Assess
    expect(result.status).toBe('escalated');
    expect(h.kube.events.size).toBe(0);
  });
});
