/**
 * The node lease under retries and long waits (security review finding 6): a retried admission
 * that ends in a skip leaves no lease behind, and the lease is renewed while the machine waits
 * for the node, so it never lapses while we still act.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError, LedgerTransientError } from '#contracts/errors.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent } from './harness.ts';

const [NODE_A] = INSTANCES as [string];
const PAUSE = {
  reason: 'maintenance',
  by: 'arn:aws:iam::111122223333:user/ops',
  at: '2026-11-29T10:00:00.000Z',
};

describe('Node lease under retries and long waits', () => {
  it('leaves no lease when an admission loses the versioned write, is retried and then skips', async () => {
    // Prepare: the breaker-window write loses a race against an operator pausing the cluster.
    const h = makeHarness();
    const putClusterState = h.ledger.putClusterState.bind(h.ledger);
    let raced = false;
    h.ledger.putClusterState = async (clusterName, state, expectedVersion) => {
      if (!raced) {
        raced = true;
        const current = await h.ledger.getClusterState(clusterName);
        await putClusterState(clusterName, { ...current, paused: PAUSE }, current.version);
        throw new ConcurrentUpdateError('cluster state changed');
      }
      return putClusterState(clusterName, state, expectedVersion);
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.decision?.skipReason).toBe('paused');
    expect(await h.ledger.listLeases(CLUSTER.name, h.deps.now())).toEqual([]);
    expect(h.hyperpod.calls).toEqual([]);
  });

  it('leaves no lease when an admission that took it fails after the write, is retried and then skips', async () => {
    // Prepare: the first attempt takes the lease and counts itself, then its incident write
    // fails; by the retry an operator has paused the cluster.
    const h = makeHarness();
    const createIncident = h.ledger.createIncident.bind(h.ledger);
    let failed = false;
    h.ledger.createIncident = async (record) => {
      if (!failed && record.status === 'open') {
        failed = true;
        const current = await h.ledger.getClusterState(CLUSTER.name);
        await h.ledger.putClusterState(CLUSTER.name, { ...current, paused: PAUSE }, current.version);
        throw new LedgerTransientError('ledger createIncident failed: ThrottlingException');
      }
      return createIncident(record);
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), h.deps);

    // Assess
    expect(failed).toBe(true);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.status).toBe('skipped');
    expect(incident?.decision?.skipReason).toBe('paused');
    expect(await h.ledger.listLeases(CLUSTER.name, h.deps.now())).toEqual([]);
  });

  it('renews the node lease at every poll of the wait for the node: its expiry moves forward with each poll', async () => {
    // Prepare: the rebooted node shows Pending for three polls, ten minutes apart.
    const h = makeHarness({
      policy: {
        leaseTtlMinutes: 60,
        awaitNode: { pollSeconds: 600, rebootTimeoutMinutes: 30, replaceTimeoutMinutes: 30 },
      },
    });
    const leaseExpiries: string[] = [];
    const describeNode = h.hyperpod.clusterNodes.describeNode;
    let pendingPolls = 0;
    h.hyperpod.clusterNodes.describeNode = async (clusterName, instanceId) => {
      const answer = await describeNode(clusterName, instanceId);
      if (h.hyperpod.calls.length === 0 || !answer || pendingPolls >= 3) return answer;
      pendingPolls += 1;
      const lease = (await h.ledger.listLeases(CLUSTER.name, h.deps.now())).find(
        (l) => l.instanceId === NODE_A,
      );
      leaseExpiries.push(lease?.expiresAt ?? 'none');
      h.advanceClock(10 * 60_000);
      return { ...answer, status: 'Pending' };
    };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), h.deps);

    // Assess: every poll found the lease alive, each time further out than the one before.
    expect(report.status).toBe('SUCCEEDED');
    expect(leaseExpiries).toHaveLength(3);
    expect(leaseExpiries).not.toContain('none');
    expect([...leaseExpiries].sort()).toEqual(leaseExpiries);
    expect(new Set(leaseExpiries).size).toBe(3);
  });
});
