/**
 * node-recovery end to end on a real control plane: the deployed ASL on aws-local-stepfunctions,
 * the real adapters (SDK → HyperPod simulator over HTTP; Kubernetes client → kube-apiserver with
 * an EKS-style token verified by the simulator's webhook, as user in our RBAC group, so our own
 * ClusterRole is enforced), the ledger on dynalite, kwok running the pods.
 */
import { describe, expect, it } from 'vitest';
import { lambdaIdentity } from '#deploy/kubernetes-rbac.ts';
import { loadScenario, parseScenario } from '#local/cli/scenario.ts';
import { runScenario, type SimulationReport } from '#local/cli/simulate.ts';
import type { LocalEnvironment } from '#local/environment.ts';

const scenario = (name: string) =>
  loadScenario(new URL(`../../local/scenarios/${name}.json`, import.meta.url).pathname);

const small = (overrides: Record<string, unknown>) =>
  parseScenario({
    name: 'e2e',
    cluster: {
      name: 'ml-cluster',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 3 }],
    },
    policy: { mode: 'act', awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 2, replaceTimeoutMinutes: 2 } },
    timings: { rebootMs: 1000, replaceMs: 1500, shutdownMs: 300, nodeJoinMs: 300 },
    workloads: [{ kind: 'PyTorchJob', name: 'llama', nodes: [0, 1, 2] }],
    ...overrides,
  });

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0]!;
};

describe('End to end: node-recovery on a real kube-apiserver', () => {
  it('replaces a node with a fatal GPU fault: quarantines it, suspends the job, replaces it and resumes the job', async () => {
    // Prepare
    let env: LocalEnvironment | undefined;
    let calls: Record<string, number> = {};

    // Act
    const report = await runScenario(await scenario('fatal-fault-replace'), {
      onEnvironment: (e) => {
        env = e;
      },
    }).finally(() => {
      calls = { ...env?.simulator.calls };
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'replaced-not-verified' });
    expect(incident.actions.map((a) => a.type)).toEqual([
      'admitted',
      'quarantined',
      'workloads-suspended',
      'remediation-requested',
      'node-ready',
      'verification-not-verified',
      'node-restored',
      'workloads-resumed',
      'recorded',
    ]);
    const job = only(report.jobs);
    expect(job.suspendedAt).toBeDefined();
    expect(job.resumedAt).toBeDefined();
    expect(job.suspended).toBe(false);
    expect(report.cluster.nodes.map((n) => n.nodeName)).not.toContain(incident.nodeName);
    expect(report.cluster.nodes.every((n) => n.kubernetes === 'Ready' && !n.cordoned && !n.quarantined)).toBe(
      true,
    );
    expect(calls['sagemaker:BatchReplaceClusterNodes']).toBe(1);
    expect(calls['sagemaker:BatchRebootClusterNodes'] ?? 0).toBe(0);
    // Every Kubernetes call of the tasks carried an EKS token that the webhook verified.
    expect(calls.authenticate).toBeGreaterThan(0);
  });

  it('reboots a node with a recoverable fault, proves it by a new boot id and lifts the quarantine', async () => {
    // Act
    const report = await runScenario(small({ faults: [{ node: 1, type: 'NvidiaErrorReboot' }] }));

    // Assess
    const incident = only(report.incidents);
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'rebooted-not-verified' });
    const node = report.cluster.nodes.find((n) => n.nodeName === incident.nodeName);
    expect(node).toMatchObject({ kubernetes: 'Ready', cordoned: false, quarantined: false });
    expect(incident.actions.find((a) => a.type === 'node-ready')?.detail).toMatchObject({ replaced: false });
    expect(only(report.jobs).suspended).toBe(false);
  });

  it('never uncordons a node that someone else had cordoned, and removes only its own taint', async () => {
    // Act
    const report = await runScenario(small({ faults: [{ node: 0, type: 'NvidiaErrorReboot' }] }), {
      onEnvironment: async (env) => {
        const name = env.simulator.clusters[0]!.nodes[0]!.nodeName;
        const node = await env.admin.getNode(name);
        await env.admin.patchNode(
          name,
          { spec: { unschedulable: true } },
          { resourceVersion: node?.metadata.resourceVersion },
        );
      },
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident.status).toBe('resolved');
    const node = report.cluster.nodes.find((n) => n.nodeName === incident.nodeName);
    expect(node).toMatchObject({ cordoned: true, quarantined: false });
  });

  it('waits for HyperPod under NodeRecovery=Automatic when HMA labelled the node: no second reboot, and still suspends, verifies and resumes', async () => {
    // Prepare
    let env: LocalEnvironment | undefined;

    // Act
    const report = await runScenario(await scenario('hyperpod-automatic'), {
      onEnvironment: (e) => {
        env = e;
      },
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident.status).toBe('resolved');
    expect(incident.decision).toMatchObject({ remediation: 'await-hyperpod', hyperpodPending: 'reboot' });
    const types = incident.actions.map((a) => a.type);
    expect(types).toContain('awaiting-hyperpod');
    expect(types).toContain('hyperpod-recovery-started');
    expect(incident.actions.find((a) => a.type === 'node-ready')?.detail).toMatchObject({ replaced: false });
    expect(env?.simulator.calls['sagemaker:BatchRebootClusterNodes'] ?? 0).toBe(0);
    expect(env?.simulator.calls['sagemaker:BatchReplaceClusterNodes'] ?? 0).toBe(0);
    expect(only(report.jobs)).toMatchObject({ suspended: false });
    expect(only(report.jobs).resumedAt).toBeDefined();
  });

  it('asks HyperPod to reboot through the API under NodeRecovery=Automatic when only our alarm saw the fault', async () => {
    // Prepare
    let env: LocalEnvironment | undefined;
    let calls: Record<string, number> = {};

    // Act
    const report = await runScenario(await scenario('hyperpod-automatic-alarm'), {
      onEnvironment: (e) => {
        env = e;
      },
    }).finally(() => {
      calls = { ...env?.simulator.calls };
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident.trigger.kind).toBe('alarm');
    expect(incident.decision).toMatchObject({ outcome: 'proceed', remediation: 'request' });
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'rebooted-not-verified' });
    expect(incident.actions.map((a) => a.type)).toContain('remediation-requested');
    expect(calls['sagemaker:BatchRebootClusterNodes']).toBe(1);
    expect(only(report.jobs)).toMatchObject({ suspended: false });
  });

  it('changes nothing on the cluster in observe mode and records what it would have done', async () => {
    // Act
    const report = await runScenario(await scenario('observe-mode'));

    // Assess
    const incident = only(report.incidents);
    expect(incident.decision).toMatchObject({
      outcome: 'skip',
      skipReason: 'observe-mode',
      wouldHave: { action: 'replace' },
    });
    expect(report.cluster.nodes.every((n) => !n.cordoned && !n.quarantined && n.kubernetes === 'Ready')).toBe(
      true,
    );
    expect(only(report.jobs)).toMatchObject({ suspended: false, suspendedAt: undefined });
  });

  it("fails into escalation when quarantine-node's ClusterRole does not grant what a step needs: the missing permission is caught by RBAC", async () => {
    // Act
    const report = await runScenario(small({ faults: [{ node: 2, type: 'NvidiaErrorTerminate' }] }), {
      onEnvironment: async (env) => {
        // quarantine-node's own role without `patch` on nodes: reading works, quarantining is
        // forbidden (every Lambda has its own identity: restore-node's `patch` does not help it).
        const clusterRole = lambdaIdentity('quarantine-node').clusterRole;
        if (!clusterRole) throw new Error('quarantine-node has no ClusterRole');
        const withoutNodePatch = {
          ...clusterRole,
          rules: clusterRole.rules.map((rule) =>
            rule.resources.includes('nodes')
              ? { ...rule, verbs: rule.verbs.filter((v) => v !== 'patch') }
              : rule,
          ),
        };
        await env.controlPlane.kubectl(['apply', '-f', '-'], JSON.stringify(withoutNodePatch));
      },
    });

    // Assess
    const incident = only(report.incidents);
    expect(incident.status).toBe('needs-attention');
    expect(incident.execution?.error?.name).toBe('NeedsAttention');
    const escalation = incident.actions.find((a) => a.type === 'escalated');
    expect(String(escalation?.detail?.reason)).toMatch(/KubernetesRequestFailedError.*403|forbidden/i);
    expect(report.notifications.some((n) => n.subject?.includes('needs attention'))).toBe(true);
  });

  it('stops at the circuit breaker when correlated faults hit more nodes than the window allows, stops the admitted ones that have not called yet, and notifies people', async () => {
    // Act
    const report: SimulationReport = await runScenario(await scenario('correlated-storm'));

    // Assess
    const remediated = report.incidents.filter((i) => i.decision.outcome === 'proceed');
    const stopped = report.incidents.filter((i) => i.decision.skipReason === 'breaker-open');
    expect(remediated).toHaveLength(3);
    expect(stopped).toHaveLength(2);
    // The breaker opens while the three admitted incidents are under way: each either asked for its
    // replacement before it opened, or was stopped right before the call by the re-check (which of
    // the two depends on timing; never a call after the breaker opened).
    const refusedAtCall = remediated.filter((i) => i.actions.some((a) => a.type === 'action-refused'));
    for (const incident of refusedAtCall) {
      expect(incident.actions.find((a) => a.type === 'action-refused')?.detail).toMatchObject({
        reason: 'breaker-open',
      });
      expect(incident.actions.some((a) => a.type === 'remediation-requested')).toBe(false);
      expect(incident.status).toBe('needs-attention');
    }
    const replaced = remediated.filter((i) => !refusedAtCall.includes(i));
    expect(replaced.every((i) => i.status === 'resolved')).toBe(true);
    const replacements = replaced.map(
      (i) => i.actions.find((a) => a.type === 'node-ready')?.detail?.instanceId,
    );
    expect(new Set(replacements).size).toBe(replaced.length);
    expect(report.notifications.filter((n) => n.subject?.includes('circuit breaker'))).toHaveLength(1);
  });

  it('replays a raw CloudWatch alarm event: the allowlisted alarm names the node by its dimensions and the node is rebooted, a forged one starts nothing', async () => {
    // Act
    const report = await runScenario(await scenario('alarm-replay'));

    // Assess
    expect(report.unmatchedEvents).toBe(1);
    const incident = only(report.incidents);
    expect(incident.trigger.kind).toBe('alarm');
    expect(incident).toMatchObject({ status: 'resolved', outcome: 'rebooted-not-verified' });
    expect(only(report.jobs)).toMatchObject({ suspended: false });
    expect(only(report.jobs).resumedAt).toBeDefined();
  });

  it('escalates when no capacity exists for the replacement: people are paged and the job is resumed to wait for capacity', async () => {
    // Act
    const report = await runScenario(await scenario('capacity-shortage'));

    // Assess
    const recovery = report.incidents.find((i) => i.trigger.kind === 'node-health');
    expect(recovery).toMatchObject({ status: 'needs-attention' });
    const escalation = recovery?.actions.find((a) => a.type === 'escalated');
    expect(String(escalation?.detail?.reason)).toContain('NodeNotRecoveredError');
    expect(only(report.jobs)).toMatchObject({ suspended: false });
    // HyperPod's capacity error (a Cluster Event at level Error) is matched by our rule and
    // recorded, but it is not the node's fault: no second remediation.
    const capacityEvents = report.incidents.filter((i) => i.trigger.kind === 'cluster-event');
    expect(capacityEvents.every((i) => i.decision.skipReason === 'no-action-needed')).toBe(true);
    expect(report.notifications.some((n) => n.subject?.includes('needs attention'))).toBe(true);
  });
});
