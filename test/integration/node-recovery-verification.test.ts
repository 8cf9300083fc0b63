/**
 * node-recovery's verification by quick health check (StartQuickCheck → WaitForQuickCheck →
 * PollQuickCheck inline): a failed check after a reboot escalates to a replacement, a failed check
 * after a replacement escalates to people, and the attempts are bounded and recorded.
 */
import { describe, expect, it } from 'vitest';
import { runNodeRecovery } from '#local/runner.ts';
import { passingVerdict } from '#local/simulated-health-checks.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';
import { QUICK_CHECKS_ON, simulateCheckPods } from './health-harness.ts';

const [NODE_A] = INSTANCES as [string];
const visited = (report: Awaited<ReturnType<typeof runNodeRecovery>>) => report.states.map((s) => s.name);

describe('State machine: node-recovery verification', () => {
  it('proves a rebooted node with a passing quick check and resolves the incident as verified', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    const jobs = simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(visited(report).slice(9, 15)).toEqual([
      'StartQuickCheck',
      'IsQuickCheckDone',
      'WaitForQuickCheck',
      'PollQuickCheck',
      'IsQuickCheckDone',
      'IsNodeHealthy',
    ]);
    expect(jobs.map((j) => (j.spec!.template as { spec: { nodeName: string } }).spec.nodeName)).toEqual([
      nodeName(NODE_A),
    ]);
    expect(jobs[0]?.metadata.annotations).toMatchObject({
      'hyperpod-resilience.io/purpose': 'verify',
      'hyperpod-resilience.io/incident': report.executionName,
    });
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.outcome).toBe('rebooted-verified');
    expect(incident?.actions.map((a) => a.type)).toContain('quick-check-started');
    expect(incident?.actions.map((a) => a.type)).toContain('verification-passed');
  });

  it('replaces the node when the quick check fails after the reboot, then verifies the replacement', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, (check) =>
      check.nodeName === nodeName(NODE_A)
        ? { verdict: passingVerdict(check, ['nccl-all-reduce']), exitCode: 1 }
        : { verdict: passingVerdict(check) },
    );

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'replace']);
    expect(visited(report)).toContain('EscalateToReplace');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.outcome).toBe('replaced-verified');
    const verifications = incident?.actions.filter((a) => a.type.startsWith('verification-'));
    expect(verifications?.map((a) => [a.type, a.detail?.attempt])).toEqual([
      ['verification-failed', 1],
      ['verification-passed', 2],
    ]);
    expect(verifications?.[0]?.detail?.reason).toContain('nccl-all-reduce failed');
  });

  it('hands the node to people when the quick check fails after the replacement too: one reboot, one replace, no loop', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, () => ({ verdict: '{"checks":[]}', exitCode: 1 }));
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('NeedsAttention');
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['reboot', 'replace']);
    expect(visited(report).filter((s) => s === 'StartQuickCheck')).toHaveLength(2);
    expect(h.suspendValue('PyTorchJob', 'llama')).toBe(false);
    expect(h.notifier.notifications.at(-1)?.message).toContain(
      'verification failed: the verdict does not match the schema',
    );
  });

  it('replaces at once on a fatal fault and escalates when the replacement fails its check', async () => {
    // Prepare
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check, ['efa']), exitCode: 1 }));

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.error?.name).toBe('NeedsAttention');
    expect(h.hyperpod.calls.map((c) => c.op)).toEqual(['replace']);
    expect(visited(report)).not.toContain('EscalateToReplace');
  });

  it('records the node as not verified when quick checks are disabled, without a Job', async () => {
    // Prepare
    const h = makeHarness();

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.kube.jobs.size).toBe(0);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.outcome).toBe('rebooted-not-verified');
    const verification = incident?.actions.find((a) => a.type === 'verification-not-verified');
    expect(verification?.detail?.reason).toBe(
      'node Ready with 8/8 GPUs allocatable; quick health checks are disabled',
    );
  });
});
