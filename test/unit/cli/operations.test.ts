import { describe, expect, it } from 'vitest';
import {
  clearNeedsAttention,
  pauseCluster,
  resetClusterBreaker,
  unpauseCluster,
} from '#local/cli/operations.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const NOW = '2026-11-29T10:00:00.000Z';

describe('Operator actions', () => {
  it('pauses a cluster with a reason and unpauses it', async () => {
    // Prepare
    const ledger = createMemoryLedger();

    // Act
    await pauseCluster(ledger, { clusterName: 'ml', reason: 'AMI rollout', by: 'alice', now: NOW });
    const paused = await ledger.getClusterState('ml');
    const unpaused = await unpauseCluster(ledger, 'ml');

    // Assess
    expect(paused.paused).toEqual({ reason: 'AMI rollout', by: 'alice', at: NOW });
    expect(unpaused).toBe(true);
    expect((await ledger.getClusterState('ml')).paused).toBeUndefined();
    expect(await unpauseCluster(ledger, 'ml')).toBe(false);
  });

  it('resets a tripped breaker and empties its window so the next node does not trip it again', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    await ledger.putClusterState(
      'ml',
      {
        version: 0,
        breaker: { trippedAt: NOW, reason: '4 nodes in 10 min' },
        remediations: [{ instanceId: 'i-0123456789abcdef0', incidentId: 'a', at: NOW }],
      },
      0,
    );

    // Act
    const reset = await resetClusterBreaker(ledger, 'ml');

    // Assess
    expect(reset).toBe(true);
    const state = await ledger.getClusterState('ml');
    expect(state.breaker).toBeUndefined();
    expect(state.remediations).toEqual([]);
    expect(await resetClusterBreaker(ledger, 'ml')).toBe(false);
  });

  it('clears a node marked "needs attention" and keeps its fault history', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    const instanceId = 'i-0123456789abcdef0';
    await ledger.putNodeHistory('ml', instanceId, {
      faults: [{ at: NOW, faultClass: 'fatal', code: 'xid-79', incidentId: 'a' }],
      reboots: [],
      replacements: [],
      needsAttention: { at: NOW, incidentId: 'a', reason: 'replace failed' },
    });

    // Act
    const cleared = await clearNeedsAttention(ledger, { clusterName: 'ml', instanceId });

    // Assess
    expect(cleared).toBe(true);
    const history = await ledger.getNodeHistory('ml', instanceId);
    expect(history.needsAttention).toBeUndefined();
    expect(history.faults).toHaveLength(1);
  });
});
