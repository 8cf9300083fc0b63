/**
 * Property tests of the sweep's findings under reordered inventories and overlapping sweeps
 * (fast-check, fixed seed): the findings do not depend on the order the APIs list things in, two
 * sweeps within one retry bucket name the same executions (so one recovery starts), and a node
 * in flight (leased or held by an open incident) is never started again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import { findSweepFindings, type SweepInventory, type SweepSettings } from '#domain/sweep-findings.ts';

const RUNS = { seed: 15, numRuns: 200 };
const NOW = '2026-11-29T10:00:00.000Z';
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();
const ID = (n: number) => `i-0a1b2c3d4e5f6${String(n).padStart(4, '0')}`;
const CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
/** A HyperPod node's providerID (docs/facts/node-identity.md). */
const PROVIDER_ID = (n: number) => `aws:///usw2-az1/sagemaker/cluster/hyperpod-abcdef123456-${ID(n)}`;

const SETTINGS: SweepSettings = {
  rateMinutes: 5,
  notReadyMinutes: 10,
  gpuGraceMinutes: 5,
  nodeJoinGraceMinutes: 20,
  staleGraceMinutes: 15,
  incidentDeadlineMinutes: 420,
  staleSuspensionMinutes: 420,
  findingRetryMinutes: 60,
  maxRecoveries: 50,
  maxRepairs: 50,
  idleChecks: { enabled: false, periodHours: 24, maxPerSweep: 2 },
  optOutLabel: 'hyperpod-resilience.io/opt-out',
  instanceTypes: { 'ml.p5.48xlarge': { gpus: 8 } },
};

const nodeStateArb = fc.record({
  state: fc.constantFrom('healthy', 'not-ready', 'gpus-missing', 'pending-reboot', 'failed-instance'),
  inFlight: fc.constantFrom('none', 'lease', 'open-incident'),
});

const build = (states: { state: string; inFlight: string }[]): SweepInventory => {
  const instances: ClusterNode[] = states.map((s, n) => ({
    instanceId: ID(n),
    instanceGroupName: 'workers',
    instanceType: 'ml.p5.48xlarge',
    status: s.state === 'failed-instance' ? 'Failure' : 'Running',
    launchTime: minutesAgo(600),
  }));
  const kubeNodes: KubeNode[] = states.map((s, n) => ({
    metadata: {
      name: `hyperpod-${ID(n)}`,
      labels: {
        'node.kubernetes.io/instance-type': 'ml.p5.48xlarge',
        'sagemaker.amazonaws.com/node-health-status':
          s.state === 'pending-reboot' ? 'UnschedulablePendingReboot' : 'Schedulable',
      },
      annotations: {},
    },
    spec: { providerID: PROVIDER_ID(n) },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: s.state === 'not-ready' ? 'False' : 'True',
          lastTransitionTime: minutesAgo(s.state === 'not-ready' ? 30 : 600),
        },
      ],
      capacity: { 'nvidia.com/gpu': '8' },
      allocatable: { 'nvidia.com/gpu': s.state === 'gpus-missing' ? '6' : '8' },
      nodeInfo: { bootID: `boot-${n}` },
    },
  }));
  return {
    clusterName: 'ml-cluster',
    clusterArn: CLUSTER_ARN,
    nodeRecovery: 'None',
    instances,
    kubeNodes,
    suspended: [],
    incidents: states.flatMap((s, n) =>
      s.inFlight === 'open-incident'
        ? [{ incidentId: `inc-${n}`, status: 'open', startedAt: minutesAgo(5), instanceId: ID(n) }]
        : [],
    ),
    leases: states.flatMap((s, n) =>
      s.inFlight === 'lease' ? [{ instanceId: ID(n), incidentId: `inc-${n}` }] : [],
    ),
  };
};

const reversed = (inv: SweepInventory): SweepInventory => ({
  ...inv,
  instances: [...inv.instances].reverse(),
  kubeNodes: [...inv.kubeNodes].reverse(),
  incidents: [...inv.incidents].reverse(),
  leases: [...inv.leases].reverse(),
});

const names = (inv: SweepInventory, now: string) =>
  findSweepFindings(inv, SETTINGS, now)
    .recoveries.map((r) => r.executionName)
    .sort();

describe('Properties: sweep findings', () => {
  it('finds the faults the generator builds (the properties below are not vacuous)', () => {
    const healthy = { state: 'healthy', inFlight: 'none' };
    const findings = findSweepFindings(
      build([
        { state: 'not-ready', inFlight: 'none' },
        { state: 'failed-instance', inFlight: 'none' },
        healthy,
        healthy,
        healthy,
      ]),
      SETTINGS,
      NOW,
    );
    expect(findings.recoveries.map((r) => r.instanceId).sort()).toEqual([ID(0), ID(1)]);
  });

  it('finds the same recoveries whatever order the inventory lists come in, and names them alike in overlapping sweeps', () => {
    fc.assert(
      fc.property(fc.array(nodeStateArb, { minLength: 1, maxLength: 12 }), (states) => {
        const inventory = build(states);
        const first = names(inventory, NOW);
        expect(names(reversed(inventory), NOW)).toEqual(first);
        // A second sweep one minute later (same retry bucket unless the hour turns) starts nothing new.
        const later = new Date(Date.parse(NOW) + 60_000).toISOString();
        expect(names(inventory, later)).toEqual(first);
      }),
      RUNS,
    );
  });

  it('never starts a recovery of a node that is in flight', () => {
    fc.assert(
      fc.property(fc.array(nodeStateArb, { minLength: 1, maxLength: 12 }), (states) => {
        const findings = findSweepFindings(build(states), SETTINGS, NOW);
        for (const r of findings.recoveries) {
          const n = Number(r.instanceId.slice(-4));
          expect(states[n]?.inFlight).toBe('none');
        }
        expect(findings.recoveries.length).toBeLessThanOrEqual(SETTINGS.maxRecoveries);
      }),
      RUNS,
    );
  });
});
