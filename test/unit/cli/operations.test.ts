import { describe, expect, it } from 'vitest';
import {
  checkStageRule,
  clearNeedsAttention,
  findIncident,
  IncidentQueryError,
  parseLimit,
  parseSince,
  parseStatus,
  pauseCluster,
  recentIncidents,
  resetClusterBreaker,
  unpauseCluster,
} from '#local/cli/operations.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const NOW = '2026-11-29T10:00:00.000Z';
const LATER = '2026-11-29T12:00:00.000Z';

describe('Operator actions', () => {
  it('pauses a cluster with a reason and unpauses it', async () => {
    // Prepare
    const ledger = createMemoryLedger();

    // Act
    await pauseCluster(ledger, { clusterName: 'ml', reason: 'AMI rollout', by: 'alice', now: NOW });
    const paused = await ledger.getClusterState('ml');
    const unpaused = await unpauseCluster(ledger, 'ml', { by: 'bob', now: LATER, reason: 'rollout done' });

    // Assess
    expect(paused.paused).toEqual({ reason: 'AMI rollout', by: 'alice', at: NOW });
    expect(unpaused).toBe(true);
    const after = await ledger.getClusterState('ml');
    expect(after.paused).toBeUndefined();
    expect(after.operatorLog).toEqual([
      { at: NOW, by: 'alice', action: 'pause', reason: 'AMI rollout' },
      { at: LATER, by: 'bob', action: 'unpause', reason: 'rollout done' },
    ]);
    expect(await unpauseCluster(ledger, 'ml', { by: 'bob', now: LATER })).toBe(false);
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
    const reset = await resetClusterBreaker(ledger, 'ml', { by: 'carol', now: LATER });

    // Assess
    expect(reset).toBe(true);
    const state = await ledger.getClusterState('ml');
    expect(state.breaker).toBeUndefined();
    expect(state.remediations).toEqual([]);
    expect(state.operatorLog).toEqual([{ at: LATER, by: 'carol', action: 'reset-breaker' }]);
    expect(await resetClusterBreaker(ledger, 'ml', { by: 'carol', now: LATER })).toBe(false);
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

const incidentAt = (incidentId: string, clusterName: string, startedAt: string, status = 'open') => ({
  incidentId,
  clusterName,
  trigger: { kind: 'node-health' },
  status,
  startedAt,
  actions: [{ type: 'admitted', at: startedAt }],
});

describe('Incident queries', () => {
  it.each([
    { case: 'minutes', text: '30m', want: '2026-11-29T09:30:00.000Z' },
    { case: 'hours', text: '24h', want: '2026-11-28T10:00:00.000Z' },
    { case: 'days', text: '7d', want: '2026-11-22T10:00:00.000Z' },
    { case: 'an ISO time', text: '2026-11-29T08:15:00Z', want: '2026-11-29T08:15:00.000Z' },
  ])('reads --since as a time ($case)', ({ text, want }) => {
    expect(parseSince(text, new Date(NOW))).toBe(want);
  });

  it.each(['yesterday', '24', '-1h', '1w', ''])('refuses --since %j', (text) => {
    expect(() => parseSince(text, new Date(NOW))).toThrow(IncidentQueryError);
  });

  it('accepts the statuses the ledger writes, and escalated for needs-attention', () => {
    expect(['open', 'resolved', 'skipped', 'needs-attention'].map(parseStatus)).toEqual([
      'open',
      'resolved',
      'skipped',
      'needs-attention',
    ]);
    expect(parseStatus('escalated')).toBe('needs-attention');
    expect(() => parseStatus('done')).toThrow(IncidentQueryError);
  });

  it.each(['0', '1001', '2.5', 'ten'])('refuses --limit %j', (text) => {
    expect(() => parseLimit(text, 20)).toThrow(IncidentQueryError);
  });

  it('lists recent incidents of every cluster, filtered by status and start, newest first, limited', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    await ledger.createIncident(incidentAt('old', 'ml', '2026-11-27T10:00:00.000Z', 'resolved'));
    await ledger.createIncident(incidentAt('a', 'ml', '2026-11-29T08:00:00.000Z', 'resolved'));
    await ledger.createIncident(incidentAt('b', 'cv', '2026-11-29T09:00:00.000Z', 'resolved'));
    await ledger.createIncident(incidentAt('c', 'cv', '2026-11-29T09:30:00.000Z', 'open'));

    // Act
    const resolved = await recentIncidents(ledger, {
      status: 'resolved',
      since: parseSince('24h', new Date(NOW)),
      limit: 20,
    });
    const newestOfCv = await recentIncidents(ledger, { clusterName: 'cv', limit: 1 });

    // Assess
    expect(resolved.map((i) => i.incidentId)).toEqual(['b', 'a']);
    expect(newestOfCv.map((i) => i.incidentId)).toEqual(['c']);
  });

  it('finds an incident by id without a cluster, and asks for --cluster when two clusters have it', async () => {
    // Prepare
    const ledger = createMemoryLedger();
    await ledger.createIncident(incidentAt('a', 'ml', NOW));
    await ledger.createIncident(incidentAt('b', 'ml', NOW));
    await ledger.createIncident(incidentAt('b', 'cv', NOW));

    // Act
    const found = await findIncident(ledger, 'a');
    const ambiguous = await findIncident(ledger, 'b').catch((e: unknown) => e);
    const chosen = await findIncident(ledger, 'b', 'cv');

    // Assess
    expect(found?.clusterName).toBe('ml');
    expect(ambiguous).toBeInstanceOf(IncidentQueryError);
    expect(chosen?.clusterName).toBe('cv');
    expect(await findIncident(ledger, 'missing')).toBeUndefined();
  });
});

describe('Function: checkStageRule', () => {
  it('refuses act mode outside production unless the operator says so, as the deploy does', () => {
    expect(() => checkStageRule({ stage: 'dev', mode: 'act', allowActOutsideProduction: false })).toThrow(
      IncidentQueryError,
    );
    expect(() => checkStageRule({ stage: undefined, mode: 'act', allowActOutsideProduction: false })).toThrow(
      /--config-table/,
    );
    expect(() =>
      checkStageRule({ stage: 'dev', mode: 'act', allowActOutsideProduction: true }),
    ).not.toThrow();
    expect(() =>
      checkStageRule({ stage: 'production', mode: 'act', allowActOutsideProduction: false }),
    ).not.toThrow();
    expect(() =>
      checkStageRule({ stage: 'dev', mode: 'observe', allowActOutsideProduction: false }),
    ).not.toThrow();
  });
});
