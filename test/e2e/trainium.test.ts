/**
 * Trainium end to end on a real kube-apiserver: kwok nodes advertising the Neuron device plugin's
 * resources, a Neuron-shaped HMA event on a trn node running a PyTorchJob, and the same
 * node-recovery machine as on GPU nodes — quarantine, suspend, replace, the Neuron quick checks,
 * resume. A mixed cluster (a GPU group and a Trainium group) runs in one deployment.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '#local/cli/scenario.ts';
import { runScenario } from '#local/cli/simulate.ts';
import type { LocalEnvironment } from '#local/environment.ts';

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0]!;
};

describe('End to end: Trainium nodes', () => {
  it('replaces a Trainium node with a Neuron HBM error, verifies the new node with the Neuron checks and resumes the job', async () => {
    // Prepare
    let env: LocalEnvironment | undefined;
    let calls: Record<string, number> = {};
    const scenario = await loadScenario(
      new URL('../../local/scenarios/trainium-neuron-fault.json', import.meta.url).pathname,
    );

    // Act
    const report = await runScenario(scenario, {
      onEnvironment: (e) => {
        env = e;
      },
    }).finally(() => {
      calls = { ...env?.simulator.calls };
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'replaced-verified' });
    expect(incident.actions.map((a) => a.type)).toEqual(
      expect.arrayContaining([
        'admitted',
        'quarantined',
        'workloads-suspended',
        'remediation-requested',
        'node-ready',
        'quick-check-started',
        'verification-passed',
        'node-restored',
        'workloads-resumed',
        'recorded',
      ]),
    );
    // Classified by the Neuron NPD's reason in the event, not by the (unpublished) fault-type name.
    expect(incident.fault).toEqual({ class: 'fatal', code: 'neuron-HBM_UNCORRECTABLE_ERROR' });
    const job = only(report.jobs);
    expect(job).toMatchObject({ suspended: false });
    expect(job.suspendedAt).toBeDefined();
    expect(job.resumedAt).toBeDefined();
    expect(calls['sagemaker:BatchReplaceClusterNodes']).toBe(1);
    expect(report.cluster.nodes.every((n) => n.kubernetes === 'Ready' && !n.quarantined)).toBe(true);
    // Every node shows its 16 Neuron devices allocatable again.
    expect(report.cluster.nodes.map((n) => n.gpusAllocatable)).toEqual([16, 16, 16]);
  });

  it('runs a GPU group and a Trainium group in one deployment: a Neuron hang reboots only the trn node', async () => {
    // Prepare
    const scenario = parseScenario({
      name: 'mixed',
      cluster: {
        name: 'ml-cluster',
        nodeRecovery: 'None',
        instanceGroups: [
          { name: 'gpu', instanceType: 'ml.p5.48xlarge', count: 2 },
          { name: 'trainium', instanceType: 'ml.trn1n.32xlarge', count: 2 },
        ],
      },
      policy: {
        mode: 'act',
        awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 2, replaceTimeoutMinutes: 2 },
      },
      timings: { rebootMs: 1000, replaceMs: 1500, shutdownMs: 300, nodeJoinMs: 300 },
      quickChecks: 'pass',
      workloads: [
        { kind: 'PyTorchJob', name: 'gpt-gpu', nodes: [0, 1] },
        { kind: 'PyTorchJob', name: 'llama-trn', nodes: [2, 3], gpusPerPod: 8 },
      ],
      faults: [
        {
          atMs: 0,
          node: 3,
          type: 'NeuronHardwareError',
          neuronError: 'HANG_ON_COLLECTIVES',
          action: 'reboot',
        },
      ],
    });

    // Act
    const report = await runScenario(scenario);

    // Assess
    const incident = only(report.incidents);
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'rebooted-verified' });
    expect(incident.actions.map((a) => a.type)).toContain('verification-passed');
    expect(incident.fault).toEqual({ class: 'recoverable', code: 'neuron-HANG_ON_COLLECTIVES' });
    const trn = report.jobs.find((j) => j.name === 'llama-trn');
    const gpu = report.jobs.find((j) => j.name === 'gpt-gpu');
    expect(trn).toMatchObject({ suspended: false });
    expect(trn?.resumedAt).toBeDefined();
    expect(gpu?.suspendedAt).toBeUndefined();
    expect(report.cluster.nodes.map((n) => n.gpusAllocatable)).toEqual([8, 8, 16, 16]);
  });
});
