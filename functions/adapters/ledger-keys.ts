/**
 * Item keys and expiry arithmetic of the ledger table, shared by the DynamoDB ledger and its
 * in-memory twin (test/fakes/memory-ledger.ts) so both agree to the second.
 *
 * One table, `pk` = `CLUSTER#<cluster>`, `sk` per item kind:
 * `SIGHTING#<instanceId>#<faultClass>`, `LEASE#<instanceId>`, `SPARE#<instanceId>` (a spare's claim), `STATE`, `NODE#<instanceId>`,
 * `INCIDENT#<incidentId>`. Expiring items carry `expiresAt` in epoch seconds (the table's TTL
 * attribute). DynamoDB deletes expired items only eventually, so every read and condition
 * treats an item with `expiresAt <= now` as absent.
 */
import { InvalidInputError } from '#contracts/errors.ts';

const ledgerKeys = {
  pk: (clusterName: string) => `CLUSTER#${clusterName}`,
  sighting: (instanceId: string, faultClass: string) => `SIGHTING#${instanceId}#${faultClass}`,
  sightingPrefix: 'SIGHTING#',
  lease: (instanceId: string) => `LEASE#${instanceId}`,
  leasePrefix: 'LEASE#',
  spareClaim: (instanceId: string) => `SPARE#${instanceId}`,
  spareClaimPrefix: 'SPARE#',
  state: 'STATE',
  node: (instanceId: string) => `NODE#${instanceId}`,
  incident: (incidentId: string) => `INCIDENT#${incidentId}`,
  incidentPrefix: 'INCIDENT#',
} as const;

const toMs = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new InvalidInputError(`not an ISO time: ${JSON.stringify(iso)}`);
  return ms;
};

/** `now` in epoch seconds, rounded down: an item expires once its second has been reached. */
const epochSeconds = (now: string): number => Math.floor(toMs(now) / 1000);

/** Expiry `minutes` after `now`, in epoch seconds, rounded up so an item never lives shorter. */
const expiryEpochSeconds = (now: string, minutes: number): number =>
  Math.ceil((toMs(now) + minutes * 60_000) / 1000);

/** ISO time `minutes` after `now` (what listLeases reports). */
const addMinutes = (now: string, minutes: number): string =>
  new Date(toMs(now) + minutes * 60_000).toISOString();

/** An item with `expiresAt` (epoch seconds) is live at `now` while `expiresAt > now`. */
const isLive = (expiresAt: number | undefined, now: string): boolean =>
  expiresAt !== undefined && expiresAt > epochSeconds(now);

/** Incident order of listIncidents: newest `startedAt` first (compared as times), then by id. */
const newestFirst = (
  a: { startedAt: string; incidentId: string },
  b: { startedAt: string; incidentId: string },
): number =>
  (Date.parse(b.startedAt) || 0) - (Date.parse(a.startedAt) || 0) || b.incidentId.localeCompare(a.incidentId);

/** Plain JSON copy without `undefined` values (DynamoDB cannot store them). */
const toStorable = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export { addMinutes, epochSeconds, expiryEpochSeconds, isLive, ledgerKeys, newestFirst, toStorable };
