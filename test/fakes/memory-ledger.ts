/**
 * In-memory Ledger with the semantics of the DynamoDB ledger (same keys and expiry arithmetic
 * from ledger-keys.ts; values copied in and out as JSON, as DynamoDB serializes them). The
 * shared contract suite (test/unit/adapters/ledger-contract.ts) runs against both.
 */
import {
  addMinutes,
  expiryEpochSeconds,
  isLive,
  ledgerKeys,
  newestFirst,
  toStorable,
} from '#adapters/ledger-keys.ts';
import type { ClusterGuardState, IncidentRecord, Ledger, NodeHistory } from '#adapters/ports.ts';
import { ConcurrentUpdateError, InvalidInputError } from '#contracts/errors.ts';

type Item = Record<string, unknown>;

const PROTECTED_INCIDENT_FIELDS = new Set(['pk', 'sk', 'incidentId', 'clusterName', 'actions']);

const createMemoryLedger = (): Ledger & { dump(): Record<string, Record<string, unknown>> } => {
  const table = new Map<string, Map<string, Item>>();

  const partition = (clusterName: string): Map<string, Item> => {
    const pk = ledgerKeys.pk(clusterName);
    let items = table.get(pk);
    if (!items) {
      items = new Map();
      table.set(pk, items);
    }
    return items;
  };
  const read = (clusterName: string, sk: string): Item | undefined => {
    const item = partition(clusterName).get(sk);
    return item ? toStorable(item) : undefined;
  };
  const write = (clusterName: string, sk: string, item: Item): void => {
    partition(clusterName).set(sk, toStorable(item));
  };
  const expired = (item: Item | undefined, now: string): boolean =>
    item !== undefined && !isLive(item.expiresAt as number | undefined, now);

  return {
    async recordSighting({ clusterName, instanceId, faultClass, incidentId, now, windowMinutes }) {
      const sk = ledgerKeys.sighting(instanceId, faultClass);
      const existing = read(clusterName, sk);
      if (!existing || expired(existing, now)) {
        write(clusterName, sk, {
          clusterName,
          instanceId,
          faultClass,
          incidentId,
          firstSeenAt: now,
          expiresAt: expiryEpochSeconds(now, windowMinutes),
        });
        return { firstSighting: true, firstIncidentId: incidentId };
      }
      const firstIncidentId = existing.incidentId as string;
      return { firstSighting: firstIncidentId === incidentId, firstIncidentId };
    },

    async listSightings(clusterName, faultClass, now) {
      return [...partition(clusterName).entries()]
        .filter(
          ([sk, item]) =>
            sk.startsWith(ledgerKeys.sightingPrefix) && item.faultClass === faultClass && !expired(item, now),
        )
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, item]) => ({
          instanceId: item.instanceId as string,
          incidentId: item.incidentId as string,
          firstSeenAt: item.firstSeenAt as string,
        }));
    },

    async acquireLease({ clusterName, instanceId, incidentId, now, ttlMinutes }) {
      const sk = ledgerKeys.lease(instanceId);
      const existing = read(clusterName, sk);
      if (existing && !expired(existing, now) && existing.incidentId !== incidentId) {
        return { acquired: false, heldBy: existing.incidentId as string };
      }
      write(clusterName, sk, {
        instanceId,
        incidentId,
        acquiredAt: now,
        leaseExpiresAt: addMinutes(now, ttlMinutes),
        expiresAt: expiryEpochSeconds(now, ttlMinutes),
      });
      return { acquired: true };
    },

    async releaseLease({ clusterName, instanceId, incidentId }) {
      const sk = ledgerKeys.lease(instanceId);
      if (read(clusterName, sk)?.incidentId === incidentId) partition(clusterName).delete(sk);
    },

    async listLeases(clusterName, now) {
      return [...partition(clusterName).entries()]
        .filter(([sk, item]) => sk.startsWith(ledgerKeys.leasePrefix) && !expired(item, now))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, item]) => ({
          instanceId: item.instanceId as string,
          incidentId: item.incidentId as string,
          expiresAt: item.leaseExpiresAt as string,
        }));
    },

    async claimSpare({ clusterName, instanceId, incidentId, now, ttlMinutes }) {
      const sk = ledgerKeys.spareClaim(instanceId);
      const existing = read(clusterName, sk);
      if (existing && !expired(existing, now) && existing.incidentId !== incidentId) {
        return { claimed: false, heldBy: existing.incidentId as string };
      }
      write(clusterName, sk, {
        instanceId,
        incidentId,
        claimedAt: now,
        claimExpiresAt: addMinutes(now, ttlMinutes),
        expiresAt: expiryEpochSeconds(now, ttlMinutes),
      });
      return { claimed: true };
    },

    async releaseSpare({ clusterName, instanceId, incidentId }) {
      const sk = ledgerKeys.spareClaim(instanceId);
      if (read(clusterName, sk)?.incidentId === incidentId) partition(clusterName).delete(sk);
    },

    async listSpareClaims(clusterName, now) {
      return [...partition(clusterName).entries()]
        .filter(([sk, item]) => sk.startsWith(ledgerKeys.spareClaimPrefix) && !expired(item, now))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, item]) => ({
          instanceId: item.instanceId as string,
          incidentId: item.incidentId as string,
          claimedAt: item.claimedAt as string,
          expiresAt: item.claimExpiresAt as string,
        }));
    },

    async getClusterState(clusterName) {
      const item = read(clusterName, ledgerKeys.state) as ClusterGuardState | undefined;
      return item ? { ...item, remediations: item.remediations ?? [] } : { version: 0, remediations: [] };
    },

    async putClusterState(clusterName, state, expectedVersion) {
      const current = read(clusterName, ledgerKeys.state);
      const matches = expectedVersion === 0 ? current === undefined : current?.version === expectedVersion;
      if (!matches) {
        throw new ConcurrentUpdateError(
          `cluster state of ${clusterName} changed since version ${expectedVersion} was read`,
          { details: { clusterName, expectedVersion } },
        );
      }
      write(clusterName, ledgerKeys.state, { ...state, version: expectedVersion + 1 });
    },

    async getNodeHistory(clusterName, instanceId) {
      const history = (read(clusterName, ledgerKeys.node(instanceId)) ?? {}) as Partial<NodeHistory>;
      return {
        ...history,
        faults: history.faults ?? [],
        reboots: history.reboots ?? [],
        replacements: history.replacements ?? [],
      };
    },

    async putNodeHistory(clusterName, instanceId, history) {
      write(clusterName, ledgerKeys.node(instanceId), { ...history });
    },

    async createIncident(record) {
      const sk = ledgerKeys.incident(record.incidentId);
      if (!read(record.clusterName, sk)) write(record.clusterName, sk, { ...record });
    },

    async updateIncident(clusterName, incidentId, update) {
      const sk = ledgerKeys.incident(incidentId);
      const fields = Object.entries(update.fields ?? {}).filter(
        ([name, value]) => value !== undefined && !PROTECTED_INCIDENT_FIELDS.has(name),
      );
      if (!update.actions?.length && fields.length === 0) return;
      const current = read(clusterName, sk) as IncidentRecord | undefined;
      if (!current)
        throw new InvalidInputError(`incident ${incidentId} of cluster ${clusterName} does not exist`);
      write(clusterName, sk, {
        ...current,
        ...Object.fromEntries(fields),
        actions: [...(current.actions ?? []), ...(update.actions ?? [])],
      });
    },

    async getIncident(clusterName, incidentId) {
      return read(clusterName, ledgerKeys.incident(incidentId)) as IncidentRecord | undefined;
    },

    async listIncidents(clusterName, options = {}) {
      const incidents = [...partition(clusterName).entries()]
        .filter(([sk]) => sk.startsWith(ledgerKeys.incidentPrefix))
        .map(([, item]) => toStorable(item) as unknown as IncidentRecord)
        .sort(newestFirst);
      return options.limit === undefined ? incidents : incidents.slice(0, options.limit);
    },

    async listIncidentsSince(clusterName, since) {
      return [...partition(clusterName).entries()]
        .filter(([sk]) => sk.startsWith(ledgerKeys.incidentPrefix))
        .map(([, item]) => toStorable(item) as unknown as IncidentRecord)
        .filter((incident) => incident.startedAt >= since)
        .sort(newestFirst);
    },

    async listOpenIncidents(clusterName) {
      return [...partition(clusterName).entries()]
        .filter(([sk]) => sk.startsWith(ledgerKeys.incidentPrefix))
        .map(([, item]) => toStorable(item) as unknown as IncidentRecord)
        .filter((incident) => incident.status === 'open')
        .sort(newestFirst);
    },

    async listAllIncidents(options = {}) {
      const incidents = [...table.values()]
        .flatMap((items) => [...items.entries()])
        .filter(([sk]) => sk.startsWith(ledgerKeys.incidentPrefix))
        .map(([, item]) => toStorable(item) as unknown as IncidentRecord)
        .sort(newestFirst);
      return options.limit === undefined ? incidents : incidents.slice(0, options.limit);
    },

    dump() {
      const out: Record<string, Record<string, unknown>> = {};
      for (const [pk, items] of table) {
        for (const [sk, item] of items) out[`${pk} ${sk}`] = toStorable(item);
      }
      return out;
    },
  };
};

export { createMemoryLedger };
