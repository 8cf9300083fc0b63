import { describe, expect, it } from 'vitest';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';
import { ledgerContract } from './ledger-contract.ts';

ledgerContract('in-memory fake', async () => createMemoryLedger());

describe('Function: createMemoryLedger', () => {
  it('dumps its items under the same keys as the DynamoDB table', async () => {
    // Prepare
    const ledger = createMemoryLedger();

    // Act
    await ledger.acquireLease({
      clusterName: 'ml-cluster',
      instanceId: 'i-1',
      incidentId: 'inc-a',
      now: '2026-01-02T03:00:00.000Z',
      ttlMinutes: 30,
    });

    // Assess
    expect(ledger.dump()).toEqual({
      'CLUSTER#ml-cluster LEASE#i-1': expect.objectContaining({ incidentId: 'inc-a', expiresAt: 1767324600 }),
    });
  });

  it('hands out copies, so callers cannot change what is stored', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    await ledger.putNodeHistory('ml-cluster', 'i-1', { faults: [], reboots: [], replacements: [] });

    // Act
    const history = await ledger.getNodeHistory('ml-cluster', 'i-1');
    history.reboots.push({ at: '2026-01-02T03:00:00.000Z', incidentId: 'inc-a' });

    // Assess
    expect((await ledger.getNodeHistory('ml-cluster', 'i-1')).reboots).toEqual([]);
  });
});
