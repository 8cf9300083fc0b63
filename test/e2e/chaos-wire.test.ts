/**
 * The wire chaos set (local/chaos/wire-campaign.ts) on fixed seeds: each campaign runs on its own
 * local environment (SDK clients → simulator over HTTP, our Kubernetes REST client → a real
 * kube-apiserver under each Lambda's RBAC, dynalite ledger) and must keep every invariant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUARANTINED_BY_ANNOTATION } from '#domain/quarantine.ts';
import { drawWireCampaign, runWireCampaign } from '#local/chaos/wire-campaign.ts';
import { WIRE_OBSERVER_APISERVER_ARGS, WireObserver } from '#local/chaos/wire-observer.ts';
import { pollUntil } from '#local/poll.ts';
import { type ControlPlane, startControlPlane } from '#local/testbed/control-plane.ts';

const log = (line: string) => process.stderr.write(`[chaos-wire] ${line}\n`);

describe('Wire chaos campaigns (real adapters, simulator, kube-apiserver, dynalite)', () => {
  it('seed 1 keeps every invariant with the kube-apiserver killed and restarted mid-incident', async () => {
    // Prepare
    const spec = drawWireCampaign(1, { restart: true });

    // Act
    const result = await runWireCampaign(spec, { log });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.observerGaps).toEqual([]);
    expect(result.faults['apiserver-restart']).toBe(1);
    expect(Object.keys(result.incidents)).not.toContain('open');
  }, 120_000);

  it('seed 2 keeps every invariant under throttling, 5xx, per-node failures, a capacity shortage and slow lifecycles', async () => {
    // Prepare
    const spec = drawWireCampaign(2, { restart: false });

    // Act
    const result = await runWireCampaign(spec, { log });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.observerGaps).toEqual([]);
    expect(result.faults).toMatchObject({
      'capacity-shortage': 1,
      'slow-lifecycle': 1,
      'sagemaker-node-failed': 2,
    });
    expect(Object.keys(result.incidents)).not.toContain('open');
  }, 120_000);

  it('seed 3 keeps every invariant with duplicate deliveries, a manual request and a concurrent sweep', async () => {
    // Prepare
    const spec = drawWireCampaign(3);

    // Act
    const result = await runWireCampaign(spec, { log });

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.observerGaps).toEqual([]);
    expect(result.faults).toMatchObject({ 'concurrent-sweep': 1, 'manual-execution': 1 });
    expect(Object.keys(result.incidents)).not.toContain('open');
  }, 120_000);
});

describe('The wire observer across a kube-apiserver restart', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ tier: 0, apiServerArgs: WIRE_OBSERVER_APISERVER_ARGS, log });
  }, 120_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it('sees a quarantine written after a restart whose watch cache starts past its last resourceVersion (wire seeds 137, 140, 143, 144, 152)', async () => {
    // Prepare: a node quarantined by one incident, seen by the watch; then writes elsewhere move
    // etcd's revision on, so the restarted apiserver's watch cache starts after the node's last event.
    await cp.kubectl(['create', 'namespace', 'observer']);
    await cp.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }),
    );
    const observer = new WireObserver(cp);
    await observer.start('observer');
    const annotate = (incident: string) =>
      cp.kubectl(['annotate', 'node', 'n1', '--overwrite', `${QUARANTINED_BY_ANNOTATION}=${incident}`]);
    const seen = (incident: string) =>
      observer.quarantineWrites.some((w) => w.nodeName === 'n1' && w.incidentId === incident);
    try {
      await annotate('inc-before');
      await pollUntil(() => seen('inc-before'), { what: 'the first quarantine seen', timeoutMs: 10_000 });
      for (let i = 0; i < 5; i++) await cp.kubectl(['create', 'configmap', `filler-${i}`, '-n', 'observer']);

      // Act: the apiserver restarts, then the sweep's incident quarantines the node.
      await cp.restartApiServer({ downMs: 500 });
      await annotate('sweep-hyperpod-labels-inc-after');

      // Assess
      await pollUntil(() => seen('sweep-hyperpod-labels-inc-after'), {
        what: 'the quarantine written after the restart seen',
        timeoutMs: 15_000,
      });
      expect(observer.gaps).toEqual([]);
    } finally {
      observer.stop();
    }
  }, 90_000);
});
