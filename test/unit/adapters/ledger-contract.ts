/**
 * The Ledger contract: one suite, run against the DynamoDB ledger (over the wire, dynalite)
 * and the in-memory ledger, so the fake other tests rely on behaves like the real thing.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentRecord, Ledger } from '#adapters/ports.ts';
import { ConcurrentUpdateError, ErrorNames } from '#contracts/errors.ts';

const CLUSTER = 'ml-cluster';
const NODE = 'i-0123456789abcdef0';
const T0 = '2026-01-02T03:00:00.000Z';

const at = (minutes: number, seconds = 0): string =>
  new Date(Date.parse(T0) + minutes * 60_000 + seconds * 1000).toISOString();

const incident = (
  incidentId: string,
  startedAt: string,
  extra: Partial<IncidentRecord> = {},
): IncidentRecord => ({
  incidentId,
  clusterName: CLUSTER,
  instanceId: NODE,
  executionName: incidentId,
  trigger: { kind: 'node-health', eventId: `evt-${incidentId}` },
  status: 'open',
  startedAt,
  actions: [{ type: 'admitted', at: startedAt }],
  ...extra,
});

const ledgerContract = (name: string, makeLedger: () => Promise<Ledger>): void => {
  describe(`Ledger contract: ${name}`, () => {
    describe('node lease', () => {
      it('lets only one incident hold the lease of a node', async () => {
        // Prepare
        const ledger = await makeLedger();
        const lease = { clusterName: CLUSTER, instanceId: NODE, now: T0, ttlMinutes: 30 };

        // Act
        const first = await ledger.acquireLease({ ...lease, incidentId: 'inc-a' });
        const second = await ledger.acquireLease({ ...lease, incidentId: 'inc-b' });

        // Assess
        expect(first).toEqual({ acquired: true });
        expect(second).toEqual({ acquired: false, heldBy: 'inc-a' });
      });

      it('lets the holder re-acquire its own lease, extending it', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-a',
          now: T0,
          ttlMinutes: 30,
        });

        // Act
        const again = await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-a',
          now: at(20),
          ttlMinutes: 30,
        });

        // Assess
        expect(again).toEqual({ acquired: true });
        expect(await ledger.listLeases(CLUSTER, at(45))).toEqual([
          { instanceId: NODE, incidentId: 'inc-a', expiresAt: at(50) },
        ]);
      });

      it('lets another incident take over an expired lease, and not a second earlier', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-a',
          now: T0,
          ttlMinutes: 10,
        });
        const takeover = (now: string) =>
          ledger.acquireLease({
            clusterName: CLUSTER,
            instanceId: NODE,
            incidentId: 'inc-b',
            now,
            ttlMinutes: 10,
          });

        // Act
        const early = await takeover(at(9, 59));
        const onTime = await takeover(at(10));

        // Assess
        expect(early).toEqual({ acquired: false, heldBy: 'inc-a' });
        expect(onTime).toEqual({ acquired: true });
      });

      it('releases a lease only for its holder, and idempotently', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-a',
          now: T0,
          ttlMinutes: 30,
        });

        // Act
        await ledger.releaseLease({ clusterName: CLUSTER, instanceId: NODE, incidentId: 'inc-b' });
        const afterForeignRelease = await ledger.listLeases(CLUSTER, T0);
        await ledger.releaseLease({ clusterName: CLUSTER, instanceId: NODE, incidentId: 'inc-a' });
        await ledger.releaseLease({ clusterName: CLUSTER, instanceId: NODE, incidentId: 'inc-a' });
        await ledger.releaseLease({
          clusterName: CLUSTER,
          instanceId: 'i-never-leased',
          incidentId: 'inc-a',
        });

        // Assess
        expect(afterForeignRelease).toHaveLength(1);
        expect(await ledger.listLeases(CLUSTER, T0)).toEqual([]);
        expect(
          await ledger.acquireLease({
            clusterName: CLUSTER,
            instanceId: NODE,
            incidentId: 'inc-b',
            now: T0,
            ttlMinutes: 30,
          }),
        ).toEqual({ acquired: true });
      });

      it('lists only the unexpired leases of the cluster asked for', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: 'i-short',
          incidentId: 'inc-a',
          now: T0,
          ttlMinutes: 5,
        });
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: 'i-long',
          incidentId: 'inc-b',
          now: T0,
          ttlMinutes: 60,
        });
        await ledger.acquireLease({
          clusterName: 'other',
          instanceId: 'i-else',
          incidentId: 'inc-c',
          now: T0,
          ttlMinutes: 60,
        });

        // Act
        const leases = await ledger.listLeases(CLUSTER, at(10));

        // Assess
        expect(leases).toEqual([{ instanceId: 'i-long', incidentId: 'inc-b', expiresAt: at(60) }]);
      });
    });

    describe('spare claims', () => {
      const claim = { clusterName: CLUSTER, instanceId: 'i-spare', now: T0, ttlMinutes: 60 };

      it('gives a spare claimed by two incidents at once to exactly one of them', async () => {
        // Prepare
        const ledger = await makeLedger();

        // Act
        const results = await Promise.all([
          ledger.claimSpare({ ...claim, incidentId: 'inc-a' }),
          ledger.claimSpare({ ...claim, incidentId: 'inc-b' }),
        ]);

        // Assess
        const winners = results.filter((r) => r.claimed);
        expect(winners).toHaveLength(1);
        const winner = results[0]?.claimed ? 'inc-a' : 'inc-b';
        expect(results.find((r) => !r.claimed)).toEqual({ claimed: false, heldBy: winner });
        expect((await ledger.listSpareClaims(CLUSTER, T0)).map((c) => c.incidentId)).toEqual([winner]);
      });

      it('lets the incident that holds a spare claim it again (a retried promotion)', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.claimSpare({ ...claim, incidentId: 'inc-a' });

        // Act
        const again = await ledger.claimSpare({ ...claim, incidentId: 'inc-a', now: at(5) });

        // Assess
        expect(again).toEqual({ claimed: true });
        expect(await ledger.listSpareClaims(CLUSTER, at(5))).toEqual([
          { instanceId: 'i-spare', incidentId: 'inc-a', claimedAt: at(5), expiresAt: at(65) },
        ]);
      });

      it('lets another incident take an expired claim, and not a second earlier', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.claimSpare({ ...claim, incidentId: 'inc-a', ttlMinutes: 10 });

        // Act
        const early = await ledger.claimSpare({ ...claim, incidentId: 'inc-b', now: at(9, 59) });
        const onTime = await ledger.claimSpare({ ...claim, incidentId: 'inc-b', now: at(10) });

        // Assess
        expect(early).toEqual({ claimed: false, heldBy: 'inc-a' });
        expect(onTime).toEqual({ claimed: true });
      });

      it('releases a claim only for its holder, idempotently, and lists live claims of one cluster', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.claimSpare({ ...claim, incidentId: 'inc-a' });
        await ledger.claimSpare({ ...claim, instanceId: 'i-short', incidentId: 'inc-c', ttlMinutes: 1 });
        await ledger.claimSpare({ ...claim, clusterName: 'other', incidentId: 'inc-d' });

        // Act
        await ledger.releaseSpare({ clusterName: CLUSTER, instanceId: 'i-spare', incidentId: 'inc-b' });
        const afterForeignRelease = await ledger.listSpareClaims(CLUSTER, at(2));
        await ledger.releaseSpare({ clusterName: CLUSTER, instanceId: 'i-spare', incidentId: 'inc-a' });
        await ledger.releaseSpare({ clusterName: CLUSTER, instanceId: 'i-spare', incidentId: 'inc-a' });
        await ledger.releaseSpare({ clusterName: CLUSTER, instanceId: 'i-never', incidentId: 'inc-a' });

        // Assess
        expect(afterForeignRelease).toEqual([
          { instanceId: 'i-spare', incidentId: 'inc-a', claimedAt: T0, expiresAt: at(60) },
        ]);
        expect(await ledger.listSpareClaims(CLUSTER, at(2))).toEqual([]);
        expect(await ledger.claimSpare({ ...claim, incidentId: 'inc-b' })).toEqual({ claimed: true });
        // A spare claim is not a node lease.
        expect(await ledger.listLeases(CLUSTER, T0)).toEqual([]);
      });
    });

    describe('dedupe sightings', () => {
      const sighting = { clusterName: CLUSTER, instanceId: NODE, faultClass: 'fatal', windowMinutes: 15 };

      it('reports the first sighting of a node fault and the first incident inside the window', async () => {
        // Prepare
        const ledger = await makeLedger();

        // Act
        const first = await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: T0 });
        const duplicate = await ledger.recordSighting({ ...sighting, incidentId: 'inc-b', now: at(14, 59) });

        // Assess
        expect(first).toMatchObject({ firstSighting: true });
        expect(duplicate).toEqual({ firstSighting: false, firstIncidentId: 'inc-a' });
      });

      it('starts a new window once the old one has expired, even if the item is still stored', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: T0 });

        // Act
        const afterWindow = await ledger.recordSighting({ ...sighting, incidentId: 'inc-b', now: at(15) });
        const duplicateOfNew = await ledger.recordSighting({ ...sighting, incidentId: 'inc-c', now: at(16) });

        // Assess
        expect(afterWindow).toMatchObject({ firstSighting: true });
        expect(duplicateOfNew).toEqual({ firstSighting: false, firstIncidentId: 'inc-b' });
      });

      it('treats a retry by the incident that saw it first as that incident’s first sighting', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: T0 });

        // Act
        const retry = await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: at(1) });

        // Assess
        expect(retry).toEqual({ firstSighting: true, firstIncidentId: 'inc-a' });
      });

      it('keeps separate windows per fault class and per node', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: T0 });

        // Act
        const otherClass = await ledger.recordSighting({
          ...sighting,
          faultClass: 'recoverable',
          incidentId: 'inc-b',
          now: T0,
        });
        const otherNode = await ledger.recordSighting({
          ...sighting,
          instanceId: 'i-other',
          incidentId: 'inc-c',
          now: T0,
        });

        // Assess
        expect(otherClass).toMatchObject({ firstSighting: true });
        expect(otherNode).toMatchObject({ firstSighting: true });
      });

      it('lists the live sightings of one fault class in one cluster, one per node, first time kept', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.recordSighting({ ...sighting, incidentId: 'inc-a', now: T0 });
        await ledger.recordSighting({ ...sighting, incidentId: 'inc-a2', now: at(1) }); // a duplicate
        await ledger.recordSighting({ ...sighting, instanceId: 'i-b', incidentId: 'inc-b', now: at(5) });
        await ledger.recordSighting({
          ...sighting,
          instanceId: 'i-c',
          faultClass: 'recoverable',
          incidentId: 'inc-c',
          now: at(5),
        });
        await ledger.recordSighting({
          ...sighting,
          clusterName: 'other',
          instanceId: 'i-d',
          incidentId: 'inc-d',
          now: at(5),
        });

        // Act
        const live = await ledger.listSightings(CLUSTER, 'fatal', at(10));
        const afterFirstExpired = await ledger.listSightings(CLUSTER, 'fatal', at(15));

        // Assess
        expect(live.sort((a, b) => a.instanceId.localeCompare(b.instanceId))).toEqual([
          { instanceId: NODE, incidentId: 'inc-a', firstSeenAt: T0 },
          { instanceId: 'i-b', incidentId: 'inc-b', firstSeenAt: at(5) },
        ]);
        expect(afterFirstExpired).toEqual([{ instanceId: 'i-b', incidentId: 'inc-b', firstSeenAt: at(5) }]);
      });
    });

    describe('cluster guard state', () => {
      it('starts at version 0 with no remediations', async () => {
        // Prepare
        const ledger = await makeLedger();

        // Act
        const state = await ledger.getClusterState(CLUSTER);

        // Assess
        expect(state).toEqual({ version: 0, remediations: [] });
      });

      it('writes the next version and refuses a write based on a stale version', async () => {
        // Prepare
        const ledger = await makeLedger();
        const remediation = { instanceId: NODE, incidentId: 'inc-a', at: T0 };
        await ledger.putClusterState(CLUSTER, { version: 0, remediations: [remediation] }, 0);

        // Act
        const afterFirst = await ledger.getClusterState(CLUSTER);
        const raceOnCreate = await ledger
          .putClusterState(CLUSTER, { version: 0, remediations: [] }, 0)
          .catch((e: unknown) => e);
        await ledger.putClusterState(
          CLUSTER,
          { ...afterFirst, paused: { reason: 'maintenance', by: 'ops', at: at(1) } },
          afterFirst.version,
        );
        const staleWrite = await ledger
          .putClusterState(
            CLUSTER,
            { ...afterFirst, breaker: { trippedAt: at(2), reason: 'storm' } },
            afterFirst.version,
          )
          .catch((e: unknown) => e);

        // Assess
        expect(afterFirst).toEqual({ version: 1, remediations: [remediation] });
        expect(raceOnCreate).toBeInstanceOf(ConcurrentUpdateError);
        expect(staleWrite).toBeInstanceOf(ConcurrentUpdateError);
        expect(await ledger.getClusterState(CLUSTER)).toEqual({
          version: 2,
          remediations: [remediation],
          paused: { reason: 'maintenance', by: 'ops', at: at(1) },
        });
      });
    });

    describe('node history', () => {
      it('returns an empty history for an unknown node and the stored one after a write', async () => {
        // Prepare
        const ledger = await makeLedger();
        const history = {
          faults: [{ at: T0, faultClass: 'fatal', code: 'xid-79', incidentId: 'inc-a' }],
          reboots: [],
          replacements: [{ at: at(5), incidentId: 'inc-a' }],
          needsAttention: { at: at(6), incidentId: 'inc-a', reason: 'replaced twice' },
        };

        // Act
        const before = await ledger.getNodeHistory(CLUSTER, NODE);
        await ledger.putNodeHistory(CLUSTER, NODE, history);

        // Assess
        expect(before).toEqual({ faults: [], reboots: [], replacements: [] });
        expect(await ledger.getNodeHistory(CLUSTER, NODE)).toEqual(history);
      });
    });

    describe('incidents', () => {
      it('creates an incident once: a second create with the same id changes nothing', async () => {
        // Prepare
        const ledger = await makeLedger();
        const original = incident('inc-a', T0, { nodeName: undefined });

        // Act
        await ledger.createIncident(original);
        await ledger.createIncident(incident('inc-a', at(1), { status: 'skipped' }));

        // Assess
        const { nodeName: _omitted, ...stored } = original;
        expect(await ledger.getIncident(CLUSTER, 'inc-a')).toEqual(stored);
      });

      it('appends actions in order and merges fields', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.createIncident(incident('inc-a', T0));

        // Act
        await ledger.updateIncident(CLUSTER, 'inc-a', {
          actions: [
            { type: 'quarantined', at: at(1), detail: { taint: 'hyperpod-resilience.io/quarantine' } },
          ],
        });
        await ledger.updateIncident(CLUSTER, 'inc-a', {
          actions: [
            { type: 'remediation-requested', at: at(2) },
            { type: 'node-ready', at: at(9) },
          ],
          fields: {
            status: 'resolved',
            outcome: 'rebooted',
            endedAt: at(10),
            decision: { action: 'reboot' },
          },
        });

        // Assess
        const stored = await ledger.getIncident(CLUSTER, 'inc-a');
        expect(stored?.actions.map((action) => action.type)).toEqual([
          'admitted',
          'quarantined',
          'remediation-requested',
          'node-ready',
        ]);
        expect(stored?.actions[1]?.detail).toEqual({ taint: 'hyperpod-resilience.io/quarantine' });
        expect(stored).toMatchObject({
          incidentId: 'inc-a',
          clusterName: CLUSTER,
          status: 'resolved',
          outcome: 'rebooted',
          endedAt: at(10),
          decision: { action: 'reboot' },
          startedAt: T0,
        });
      });

      it('refuses to update an incident that was never created', async () => {
        // Prepare
        const ledger = await makeLedger();

        // Act
        const error = await ledger
          .updateIncident(CLUSTER, 'inc-missing', { actions: [{ type: 'quarantined', at: T0 }] })
          .catch((e: unknown) => e);

        // Assess
        expect(error).toMatchObject({ name: ErrorNames.InvalidInput });
        expect(await ledger.getIncident(CLUSTER, 'inc-missing')).toBeUndefined();
      });

      it('lists the incidents of a cluster newest first, up to the limit', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.createIncident(incident('inc-b', at(20)));
        await ledger.createIncident(incident('inc-a', at(10)));
        await ledger.createIncident(incident('inc-c', at(30)));
        await ledger.createIncident({ ...incident('inc-x', at(40)), clusterName: 'other' });

        // Act
        const all = await ledger.listIncidents(CLUSTER);
        const newestTwo = await ledger.listIncidents(CLUSTER, { limit: 2 });

        // Assess
        expect(all.map((record) => record.incidentId)).toEqual(['inc-c', 'inc-b', 'inc-a']);
        expect(newestTwo.map((record) => record.incidentId)).toEqual(['inc-c', 'inc-b']);
        expect(all[0]).toEqual(incident('inc-c', at(30)));
      });

      it('lists the incidents of every cluster newest first, up to the limit, and nothing else', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.createIncident(incident('inc-a', at(10)));
        await ledger.createIncident({ ...incident('inc-x', at(40)), clusterName: 'other' });
        await ledger.createIncident(incident('inc-c', at(30)));
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-c',
          now: at(30),
          ttlMinutes: 30,
        });
        await ledger.putClusterState('other', { version: 0, remediations: [] }, 0);

        // Act
        const all = await ledger.listAllIncidents();
        const newestTwo = await ledger.listAllIncidents({ limit: 2 });

        // Assess
        expect(all.map((record) => [record.clusterName, record.incidentId])).toEqual([
          ['other', 'inc-x'],
          [CLUSTER, 'inc-c'],
          [CLUSTER, 'inc-a'],
        ]);
        expect(newestTwo.map((record) => record.incidentId)).toEqual(['inc-x', 'inc-c']);
        expect(all[1]).toEqual(incident('inc-c', at(30)));
      });

      it('lists only the open incidents of a cluster, newest first, following their status both ways', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.createIncident(incident('inc-a', at(10)));
        await ledger.createIncident(incident('inc-b', at(20)));
        await ledger.createIncident({ ...incident('inc-s', at(25)), status: 'skipped', endedAt: at(25) });
        await ledger.createIncident(incident('inc-c', at(30)));
        await ledger.createIncident({ ...incident('inc-x', at(40)), clusterName: 'other' });
        await ledger.updateIncident(CLUSTER, 'inc-b', { fields: { status: 'resolved', endedAt: at(50) } });
        await ledger.updateIncident(CLUSTER, 'inc-c', {
          fields: { status: 'needs-attention', endedAt: at(50) },
        });
        await ledger.updateIncident(CLUSTER, 'inc-c', { fields: { status: 'open' } });

        // Act
        const open = await ledger.listOpenIncidents(CLUSTER);

        // Assess
        expect(open.map((record) => record.incidentId)).toEqual(['inc-c', 'inc-a']);
        expect(open[1]).toEqual(incident('inc-a', at(10)));
        expect(await ledger.getIncident(CLUSTER, 'inc-b')).toEqual({
          ...incident('inc-b', at(20)),
          status: 'resolved',
          endedAt: at(50),
        });
      });

      it('lists the incidents of a cluster that started in a window, newest first, whatever their status', async () => {
        // Prepare
        const ledger = await makeLedger();
        await ledger.createIncident(incident('inc-old', at(10)));
        await ledger.createIncident(incident('inc-a', at(20)));
        await ledger.createIncident({ ...incident('inc-s', at(30)), status: 'skipped', endedAt: at(30) });
        await ledger.createIncident({ ...incident('inc-x', at(40)), clusterName: 'other' });
        await ledger.acquireLease({
          clusterName: CLUSTER,
          instanceId: NODE,
          incidentId: 'inc-a',
          now: at(20),
          ttlMinutes: 30,
        });

        // Act
        const window = await ledger.listIncidentsSince(CLUSTER, at(20));

        // Assess
        expect(window.map((record) => record.incidentId)).toEqual(['inc-s', 'inc-a']);
        expect(window[1]).toEqual(incident('inc-a', at(20)));
      });

      it('returns undefined for an unknown incident', async () => {
        // Prepare
        const ledger = await makeLedger();

        // Act
        const record = await ledger.getIncident(CLUSTER, 'nope');

        // Assess
        expect(record).toBeUndefined();
      });
    });
  });
};

export { ledgerContract };
