/**
 * The health sweep keeps a hot-spare pool (functions/domain/spare-pool.ts, docs/design/hot-spares.md):
 * the health-sweep ASL run by aws-local-stepfunctions with the real tasks and in-memory ports.
 */
import { describe, expect, it } from 'vitest';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  SPARE_SINCE_ANNOTATION,
  SPARE_STATE_LABEL,
  SPARE_TAINT_KEY,
  SPARE_VERIFIED_ANNOTATION,
} from '#domain/spares.ts';
import { SPARE_POOL_REQUESTER } from '#functions/tasks/spare-pool-upkeep.ts';
import { LocalExecutions, runHealthCheck, runHealthSweep } from '#local/runner.ts';
import { passingVerdict } from '#local/simulated-health-checks.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeName } from './harness.ts';
import { QUICK_CHECKS_ON, simulateCheckPods } from './health-harness.ts';

const [NODE_A, NODE_B, NODE_C, NODE_D] = INSTANCES as [string, string, string, string];
type Harness = ReturnType<typeof makeHarness>;

const sweep = async (h: Harness, executions = new LocalExecutions()) => {
  const report = await runHealthSweep({}, h.deps, { executions });
  const started = await executions.settled();
  return { report, started, output: report.output as Record<string, unknown> };
};

const node = (h: Harness, instanceId: string): KubeNode => h.kube.nodes.get(nodeName(instanceId))!;
const state = (h: Harness, instanceId: string) => node(h, instanceId).metadata.labels?.[SPARE_STATE_LABEL];
const spareTaint = (h: Harness, instanceId: string) =>
  node(h, instanceId).spec?.taints?.find((t) => t.key === SPARE_TAINT_KEY);

/** A DaemonSet pod (controller ownerReference kind DaemonSet) on the node: it does not keep the node from the pool. */
const addDaemonSetPod = (h: Harness, instanceId: string) =>
  h.kube.addPod({
    metadata: {
      name: `node-exporter-${instanceId}`,
      namespace: 'kube-system',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'uid-ds', controller: true },
      ],
    },
    spec: { nodeName: nodeName(instanceId) },
    status: { phase: 'Running' },
  });

const summaryOf = (output: Record<string, unknown>) =>
  (output.summary as { spares?: Record<string, unknown>[] }[])[0]?.spares;

describe('Health sweep: hot-spare pool upkeep', () => {
  it('fills the pool from idle nodes only, verifies each new spare by a quick check and reports the pool below target', async () => {
    // Prepare: a job on A (never taken), only a DaemonSet pod on B; room for four checks at once.
    const h = makeHarness({
      policy: { maxParallel: { absolute: 4, percent: 100 } },
      healthChecks: QUICK_CHECKS_ON,
      spares: { pools: [{ cluster: CLUSTER.name, instanceGroup: 'workers', count: 4 }] },
    });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    addDaemonSetPod(h, NODE_B);
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const { started, output } = await sweep(h);

    // Assess: B, C, D are verified spares; A keeps its job and stays out of the pool.
    expect(state(h, NODE_A)).toBeUndefined();
    expect(spareTaint(h, NODE_A)).toBeUndefined();
    for (const id of [NODE_B, NODE_C, NODE_D]) {
      expect(state(h, id)).toBe('ready');
      expect(spareTaint(h, id)).toEqual({ key: SPARE_TAINT_KEY, value: 'pool', effect: 'NoSchedule' });
      expect(node(h, id).metadata.annotations?.[SPARE_VERIFIED_ANNOTATION]).toBe('quick-check-passed');
      expect(node(h, id).metadata.annotations?.[SPARE_SINCE_ANNOTATION]).toBeDefined();
    }
    expect(started.map((s) => [s.machine, s.status, s.executionName.startsWith('spare-check-')])).toEqual([
      ['health-check', 'SUCCEEDED', true],
      ['health-check', 'SUCCEEDED', true],
      ['health-check', 'SUCCEEDED', true],
    ]);
    expect(summaryOf(output)).toEqual([
      {
        instanceGroup: 'workers',
        target: 4,
        ready: 0,
        verifying: 0,
        promoted: 0,
        unavailable: 0,
        taking: 3,
        releasing: 0,
        checks: 3,
        missing: 1,
        finding: 'spare-pool-below-target',
      },
    ]);
    expect(h.metrics).toContainEqual({
      name: 'SparePoolBelowTarget',
      dimensions: { clusterName: CLUSTER.name, instanceGroup: 'workers' },
      value: 1,
    });
  });

  it('marks new spares ready and not verified at once when quick checks are off, then releases the surplus', async () => {
    // Prepare
    const h = makeHarness({
      spares: { pools: [{ cluster: CLUSTER.name, instanceGroup: 'workers', count: 3 }] },
    });
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);

    // Act: fill, then the target drops to one.
    const first = await sweep(h);
    const taken = [NODE_B, NODE_C, NODE_D].map((id) => [
      state(h, id),
      node(h, id).metadata.annotations?.[SPARE_VERIFIED_ANNOTATION],
    ]);
    h.deps.config.spares.pools[0]!.count = 1;
    const second = await sweep(h);

    // Assess
    expect(first.started).toEqual([]);
    expect(taken).toEqual([
      ['ready', 'not-verified'],
      ['ready', 'not-verified'],
      ['ready', 'not-verified'],
    ]);
    expect(summaryOf(second.output)).toMatchObject([
      { target: 1, ready: 3, releasing: 2, taking: 0, missing: 0 },
    ]);
    // The oldest spare stays; the two taken after it go back to general scheduling, untainted.
    expect(state(h, NODE_B)).toBe('ready');
    for (const id of [NODE_C, NODE_D]) {
      expect(state(h, id)).toBeUndefined();
      expect(spareTaint(h, id)).toBeUndefined();
      expect(node(h, id).metadata.annotations?.[SPARE_SINCE_ANNOTATION]).toBeUndefined();
    }
    expect(state(h, NODE_A)).toBeUndefined();
  });

  it('sends a new spare whose quick check fails to node-recovery instead of the pool', async () => {
    // Prepare
    const h = makeHarness({
      policy: { maxParallel: { absolute: 4, percent: 100 } },
      healthChecks: QUICK_CHECKS_ON,
      spares: { pools: [{ cluster: CLUSTER.name, instanceGroup: 'workers', count: 1 }] },
    });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check, ['dcgm-diag']), exitCode: 1 }));

    // Act
    const { started } = await sweep(h);

    // Assess: the check failed and node-recovery took the node (the normal path of a failed
    // check); it never became a ready spare.
    expect(started.map((s) => [s.machine, s.status])).toContainEqual(['health-check', 'FAILED']);
    expect(started.some((s) => s.machine === 'node-recovery')).toBe(true);
    expect(h.kube.nodes.get(nodeName(NODE_A))?.metadata.labels?.[SPARE_STATE_LABEL]).not.toBe('ready');
  });

  it('starts no more spare checks than the in-flight limit leaves free: the others stay verifying for a later sweep', async () => {
    // Prepare: one operation at a time on this cluster.
    const h = makeHarness({
      policy: { maxParallel: { absolute: 1, percent: 100 } },
      healthChecks: QUICK_CHECKS_ON,
      spares: { pools: [{ cluster: CLUSTER.name, instanceGroup: 'workers', count: 3 }] },
    });
    simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const { started } = await sweep(h);

    // Assess
    expect(started.map((s) => [s.machine, s.status])).toEqual([['health-check', 'SUCCEEDED']]);
    expect([NODE_A, NODE_B, NODE_C].map((id) => state(h, id))).toEqual(['ready', 'verifying', 'verifying']);
    expect(state(h, NODE_D)).toBeUndefined();
  });

  it('never runs a spare check on a node that is not a verifying spare (a take kept because work landed on it)', async () => {
    // Prepare: a spare check asked for a plain node, as when the sweep's take of it was kept.
    const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
    const jobs = simulateCheckPods(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const report = await runHealthCheck(
      {
        clusterName: CLUSTER.name,
        instanceId: NODE_A,
        reason: 'quick check of a new hot spare',
        requestedBy: SPARE_POOL_REQUESTER,
      },
      h.deps,
      { executionName: 'spare-check-refused' },
    );

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('ActionRefusedError');
    expect(report.error?.cause).toContain(`${nodeName(NODE_A)} is not a verifying spare`);
    expect(jobs).toEqual([]);
    expect(await h.ledger.listLeases(CLUSTER.name, '2026-11-29T10:00:00.000Z')).toEqual([]);
  });
});
