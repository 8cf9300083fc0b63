/**
 * How the wire chaos observer (local/chaos/wire-observer.ts) reads watch events: an apiserver that
 * can no longer serve the watch is a gap in the history, never an object to count.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/kube-types.ts';
import { QUARANTINED_BY_ANNOTATION } from '#domain/quarantine.ts';
import { readWatchEvent, WireObserver } from '#local/chaos/wire-observer.ts';
import type { ControlPlane } from '#local/testbed/control-plane.ts';

// The ERROR event's object that kube-apiserver v1.36.3 sent the observer after its restart
// (observed in the test bed, wire seed 137; docs/FACTS.md chaos.apiserver-watch-cache).
const EXPIRED = JSON.parse(
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 331 (336)","reason":"Expired","code":410}',
);

const node = (name: string, holder?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    resourceVersion: '1',
    annotations: holder ? { [QUARANTINED_BY_ANNOTATION]: holder } : {},
  },
});

describe('The wire observer reading watch events', () => {
  it('reads the 410 Expired status an apiserver sends for a too old resourceVersion as an expired watch', () => {
    expect(readWatchEvent('ERROR', EXPIRED)).toEqual({
      kind: 'expired',
      detail: 'Expired: too old resource version: 331 (336)',
    });
  });

  it('reads any other error event as an error, never as an object', () => {
    const status = { kind: 'Status', metadata: {}, code: 500, reason: 'InternalError', message: 'etcd down' };
    expect(readWatchEvent('ERROR', status)).toEqual({ kind: 'error', detail: 'InternalError: etcd down' });
    expect(readWatchEvent('MODIFIED', { metadata: {} }).kind).toBe('error');
    expect(readWatchEvent('MODIFIED', undefined).kind).toBe('error');
  });

  it('reads a node event as the node', () => {
    const n = node('hyperpod-i-a', 'inc-1');
    expect(readWatchEvent('MODIFIED', n)).toEqual({ kind: 'object', object: n });
  });

  it('counts a quarantine write for each incident that takes the node, and again when one takes it back', () => {
    const observer = new WireObserver({} as ControlPlane);
    for (const holder of ['inc-1', 'inc-1', undefined, 'inc-2', 'inc-1'])
      observer.onNode(node('hyperpod-i-a', holder));
    expect(observer.quarantineWrites.map((w) => w.incidentId)).toEqual(['inc-1', 'inc-2', 'inc-1']);
  });
});
