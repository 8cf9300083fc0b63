/**
 * The wire chaos campaigns' observer (wire-campaign.ts): a watch on the kube-apiserver's nodes and
 * one namespace's Jobs that counts every quarantine write and every write to a Job's suspend
 * switch or our annotations, as the apiserver reports them.
 *
 * Seeing every write across a kube-apiserver restart: the restarted apiserver's watch cache starts
 * at etcd's revision of its start, so a watch resumed from an older resourceVersion (the node's
 * last event, followed by writes to other resources) is answered `410 Expired` ("too old resource
 * version") — the observer used to retry that forever and saw no node write after the restart
 * (wire seeds 137, 140, 143, 144, 152: "the ledger says quarantine …, nobody wrote it"). The
 * campaign's apiserver therefore serves node and Job watches from etcd (WIRE_OBSERVER_APISERVER_ARGS;
 * docs/FACTS.md chaos.apiserver-watch-cache), whose history holds every revision until compaction
 * (every 5 min; a campaign lasts under a minute). A watch that still expires, or an event the
 * observer cannot read, is a gap: the campaign cannot be judged and is not counted clean.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeObject } from '#domain/kube-types.ts';
import { QUARANTINED_BY_ANNOTATION } from '#domain/quarantine.ts';
import { suspendedIncidentIds } from '#domain/workload-suspension.ts';
import type { ControlPlane } from '#local/testbed/control-plane.ts';
import { testbedKubeConfig } from '#local/testbed/kube-admin.ts';
import type { ObservedWorld } from './invariants.ts';

/** Node and Job watches served from etcd, not the watch cache: a resume after a restart sees every revision. */
export const WIRE_OBSERVER_APISERVER_ARGS = ['--watch-cache-sizes=nodes#0,jobs.batch#0'];

/** One watch event as the observer reads it: an object, or the apiserver saying the watch is over. */
export type WatchEventReading =
  | { kind: 'object'; object: KubeObject }
  | { kind: 'expired'; detail: string }
  | { kind: 'error'; detail: string };

/**
 * Reads one watch event. The apiserver ends a watch it cannot serve from the requested
 * resourceVersion with an `ERROR` event carrying a `Status` with code 410 (reason `Expired`, any
 * 410 counts); the client must list again, and every change before the list is lost
 * to it (docs/FACTS.md chaos.apiserver-watch-cache). Any other `ERROR`, or an object without a
 * name, is an error: never an object to count.
 *
 * @example
 * readWatchEvent('ERROR', { kind: 'Status', metadata: {}, code: 410, reason: 'Expired', message: 'too old resource version: 331 (336)' });
 * // → { kind: 'expired', detail: 'Expired: too old resource version: 331 (336)' }
 */
export const readWatchEvent = (phase: string, object: unknown): WatchEventReading => {
  const o = (object ?? {}) as { kind?: unknown; code?: unknown; reason?: unknown; message?: unknown };
  if (phase === 'ERROR' || o.kind === 'Status') {
    const detail = `${String(o.reason ?? 'no reason')}: ${String(o.message ?? JSON.stringify(object))}`;
    return o.code === 410 ? { kind: 'expired', detail } : { kind: 'error', detail };
  }
  const name = (object as KubeObject | undefined)?.metadata?.name;
  return typeof name === 'string' && name !== ''
    ? { kind: 'object', object: object as KubeObject }
    : { kind: 'error', detail: `${phase} event without an object name: ${JSON.stringify(object)}` };
};

/** Counts each change of a Job's suspend switch and our annotations, and each quarantine write, as the apiserver reports them. */
export class WireObserver {
  /** What the observer may have missed (an expired watch, an unreadable event): the campaign cannot be judged. */
  readonly gaps: string[] = [];
  readonly jobs = new Map<
    string,
    { suspended?: boolean; suspends: number; resumes: number; writes: number; holders: string }
  >();
  readonly quarantineWrites: ObservedWorld['quarantineWrites'] = [];
  readonly nodeHolders = new Map<string, string | undefined>();
  private readonly stops: (() => void)[] = [];
  private stopped = false;
  reconnects = 0;

  constructor(private readonly controlPlane: ControlPlane) {}

  async start(namespace: string): Promise<void> {
    await this.follow('/api/v1/nodes', (node) => this.onNode(node));
    await this.follow(`/apis/batch/v1/namespaces/${namespace}/jobs`, (job) => this.onJob(job));
  }

  onNode(node: KubeObject): void {
    const name = node.metadata.name;
    const holder = node.metadata.annotations?.[QUARANTINED_BY_ANNOTATION];
    if (holder && this.nodeHolders.get(name) !== holder)
      this.quarantineWrites.push({ nodeName: name, incidentId: holder });
    this.nodeHolders.set(name, holder);
  }

  onJob(job: KubeObject): void {
    const key = `Job/${job.metadata.namespace}/${job.metadata.name}`;
    const suspended = (job.spec as { suspend?: boolean } | undefined)?.suspend === true;
    const holders = suspendedIncidentIds(job).join(',');
    const seen = this.jobs.get(key);
    if (!seen) {
      this.jobs.set(key, { suspended, suspends: 0, resumes: 0, writes: 0, holders });
      return;
    }
    if (seen.suspended !== suspended) {
      seen.writes += 1;
      if (suspended) seen.suspends += 1;
      else seen.resumes += 1;
    } else if (seen.holders !== holders) seen.writes += 1;
    seen.suspended = suspended;
    seen.holders = holders;
  }

  /** A watch that resumes from the last resourceVersion when the stream ends (the apiserver restarts). */
  private async follow(path: string, onObject: (object: KubeObject) => void): Promise<void> {
    let resourceVersion: string | undefined;
    const cp = this.controlPlane;
    const open = async (): Promise<void> => {
      const watch = new Watch(testbedKubeConfig(cp, cp.adminToken));
      const controller = await watch.watch(
        path,
        { allowWatchBookmarks: false, ...(resourceVersion ? { resourceVersion } : {}) },
        (phase: string, object: unknown) => {
          // The client swallows what this callback throws: catch it here and count it as a gap.
          try {
            const event = readWatchEvent(phase, object);
            if (event.kind === 'object') {
              resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
              onObject(event.object);
              return;
            }
            this.gaps.push(`${path}: ${event.detail}`);
            // Retrying from the same resourceVersion expires forever: start over from the current
            // state (each object comes again as ADDED), having recorded that changes may be lost.
            if (event.kind === 'expired') resourceVersion = undefined;
          } catch (err) {
            this.gaps.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
          }
        },
        () => {
          if (this.stopped) return;
          this.reconnects += 1;
          void reopen();
        },
      );
      this.stops.push(() => controller.abort());
    };
    // One reopen loop per stream: retries until the apiserver answers again.
    const reopen = async (): Promise<void> => {
      while (!this.stopped) {
        await new Promise((r) => setTimeout(r, 250));
        try {
          await open();
          return;
        } catch {
          // the apiserver is still down
        }
      }
    };
    await open();
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops) stop();
  }
}
