/**
 * The wire chaos set (local/chaos/wire-campaign.ts) on fixed seeds: each campaign runs on its own
 * local environment (SDK clients → simulator over HTTP, our Kubernetes REST client → a real
 * kube-apiserver under each Lambda's RBAC, dynalite ledger) and must keep every invariant.
 */
import { describe, expect, it } from 'vitest';
import { drawWireCampaign, runWireCampaign } from '#local/chaos/wire-campaign.ts';

const log = (line: string) => process.stderr.write(`[chaos-wire] ${line}\n`);

describe('Wire chaos campaigns (real adapters, simulator, kube-apiserver, dynalite)', () => {
  it('seed 1 keeps every invariant with the kube-apiserver killed and restarted mid-incident', async () => {
    // Prepare
    const spec = drawWireCampaign(1, { restart: true });

    // Act
    const result = await runWireCampaign(spec, { log });

    // Assess
    expect(result.violations).toEqual([]);
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
    expect(result.faults).toMatchObject({ 'concurrent-sweep': 1, 'manual-execution': 1 });
    expect(Object.keys(result.incidents)).not.toContain('open');
  }, 120_000);
});
