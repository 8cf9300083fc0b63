import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '#adapters/ports.ts';
import { DEFAULT_MASS_FINDING_LIMITS } from '#contracts/config/policy.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  believedUpTo,
  burstReporters,
  disagreementRecordId,
  judgeMassFinding,
  splitMassFindings,
} from '#domain/mass-findings.ts';
import { findSweepFindings, type SweepInventory, type SweepSettings } from '#domain/sweep-findings.ts';
import { named } from './fixtures.ts';

const DEFAULTS = { maxSharePercent: 50, minNodes: 3 };
const ids = (n: number, prefix = 'i-0a1b2c3d4e5f6') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);

describe('Constant: DEFAULT_MASS_FINDING_LIMITS', () => {
  it('distrusts a finding on more than half of the cluster once it covers at least 3 nodes, bursts within 10 min', () => {
    // Assess
    expect(DEFAULT_MASS_FINDING_LIMITS).toEqual({ maxSharePercent: 50, minNodes: 3, burstWindowMinutes: 10 });
  });
});

describe('Function: believedUpTo', () => {
  it.each(
    named([
      {
        case: 'half of 4 nodes is still believed: exactly at the threshold',
        fleet: 4,
        share: 50,
        min: 3,
        up: 2,
      },
      { case: 'more than half of 5 nodes is 3: 2.5 rounds down to 2', fleet: 5, share: 50, min: 3, up: 2 },
      { case: 'half of 100 nodes: 50 believed, 51 not', fleet: 100, share: 50, min: 3, up: 50 },
      { case: 'float noise: 7% of 100 is 7, not 6', fleet: 100, share: 7, min: 1, up: 7 },
      { case: 'float noise: 29% of 100 is 29, not 28', fleet: 100, share: 29, min: 1, up: 29 },
      { case: 'a 2-node cluster is never held below minNodes 3', fleet: 2, share: 50, min: 3, up: 2 },
      { case: 'a 1-node cluster is never held below minNodes 3', fleet: 1, share: 50, min: 3, up: 2 },
      { case: 'minNodes wins over a small share on a mid-size cluster', fleet: 10, share: 10, min: 3, up: 2 },
      { case: '0% with minNodes 1 believes no finding at all', fleet: 10, share: 0, min: 1, up: 0 },
      { case: '100% never distrusts a finding on the fleet', fleet: 10, share: 100, min: 3, up: 10 },
      { case: 'an empty fleet still believes up to minNodes − 1', fleet: 0, share: 50, min: 3, up: 2 },
    ] as const),
  )('%s', (_case, { fleet, share, min, up }) => {
    // Act & Assess
    expect(believedUpTo(fleet, { maxSharePercent: share, minNodes: min })).toBe(up);
  });
});

describe('Function: judgeMassFinding', () => {
  it.each(
    named([
      { case: 'exactly at the threshold (2 of 4) is believed', count: 2, fleet: 4, held: false },
      { case: 'one above the threshold (3 of 4) is distrusted', count: 3, fleet: 4, held: true },
      { case: 'small cluster: 1 bad node of 2 is believed', count: 1, fleet: 2, held: false },
      {
        case: 'small cluster: both nodes of 2 are believed (under minNodes)',
        count: 2,
        fleet: 2,
        held: false,
      },
      { case: 'small cluster: all 3 nodes of 3 are distrusted', count: 3, fleet: 3, held: true },
      { case: 'rounding: 3 of 5 (60%) is distrusted', count: 3, fleet: 5, held: true },
      { case: '50 of 100 is believed', count: 50, fleet: 100, held: false },
      { case: '51 of 100 is distrusted', count: 51, fleet: 100, held: true },
      { case: 'nothing found is believed', count: 0, fleet: 4, held: false },
    ] as const),
  )('%s', (_case, { count, fleet, held }) => {
    // Act
    const verdict = judgeMassFinding('missing-node', ids(count), fleet, DEFAULTS);

    // Assess
    expect(verdict !== undefined).toBe(held);
  });

  it('counts a node reported several times once', () => {
    // Prepare: one flapping node and one other, on a 4-node cluster
    const [a, b] = ids(2) as [string, string];

    // Act
    const verdict = judgeMassFinding('accelerators-missing', [a, a, a, b], 4, DEFAULTS);

    // Assess
    expect(verdict).toBeUndefined();
  });

  it('raises an unknown or stale fleet size to the number of nodes reporting', () => {
    // Act
    const verdict = judgeMassFinding('recoverable', ids(4), 0, DEFAULTS);

    // Assess
    expect(verdict).toMatchObject({ count: 4, fleetSize: 4, sharePercent: 100 });
  });

  it('records kind, count, share, threshold and up to five sorted sample nodes', () => {
    // Prepare
    const reported = ids(8).reverse();

    // Act
    const verdict = judgeMassFinding('missing-node', reported, 12, DEFAULTS);

    // Assess
    expect(verdict).toEqual({
      kind: 'missing-node',
      count: 8,
      fleetSize: 12,
      sharePercent: 66.7,
      thresholdPercent: 50,
      minNodes: 3,
      believedUpTo: 6,
      sampleInstanceIds: ids(5),
      detail:
        'missing-node on 8 of 12 nodes (66.7%) at once: more than 50% and at least 3 nodes is more likely a ' +
        `detector fault than a fleet fault; no recovery started (e.g. ${ids(5).join(', ')}, …)`,
    });
  });
});

describe('Function: splitMassFindings', () => {
  const f = (kind: string, instanceId: string) => ({ kind, instanceId });

  it('holds only the kind on too much of the cluster; other kinds proceed in their order', () => {
    // Prepare: 4 nodes, 3 missing-node, 1 instance-failure
    const [a, b, c, d] = ids(4) as [string, string, string, string];
    const findings = [
      f('instance-failure', d),
      f('missing-node', a),
      f('missing-node', b),
      f('missing-node', c),
    ];

    // Act
    const { believed, disagreements } = splitMassFindings(findings, 4, DEFAULTS);

    // Assess
    expect(believed).toEqual([f('instance-failure', d)]);
    expect(disagreements.map((x) => [x.kind, x.count])).toEqual([['missing-node', 3]]);
  });

  it('judges each kind on its own: two kinds under the threshold each both proceed', () => {
    // Prepare: 10 nodes, 4 not-ready and 4 accelerators-missing (80% of the cluster in trouble, 40% per kind)
    const findings = [
      ...ids(4).map((id) => f('not-ready', id)),
      ...ids(4, 'i-0b1b2c3d4e5f6').map((id) => f('accelerators-missing', id)),
    ];

    // Act
    const { believed, disagreements } = splitMassFindings(findings, 10, DEFAULTS);

    // Assess
    expect(believed).toHaveLength(8);
    expect(disagreements).toEqual([]);
  });

  it('holds every kind that is over the threshold, each with its own record', () => {
    // Prepare: 6 nodes of 10 not-ready, and (another view) 6 of 10 accelerators-missing
    const findings = [
      ...ids(6).map((id) => f('not-ready', id)),
      ...ids(6, 'i-0b1b2c3d4e5f6').map((id) => f('accelerators-missing', id)),
    ];

    // Act
    const { believed, disagreements } = splitMassFindings(findings, 10, DEFAULTS);

    // Assess
    expect(believed).toEqual([]);
    expect(disagreements.map((x) => x.kind)).toEqual(['not-ready', 'accelerators-missing']);
  });
});

describe('Function: burstReporters', () => {
  const NOW = '2026-11-29T10:00:00.000Z';
  const ago = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

  it.each(
    named([
      { case: 'a report inside the window counts', firstSeenAt: ago(9), counted: true },
      { case: 'a report exactly one window old has left it', firstSeenAt: ago(10), counted: false },
      { case: 'a report dated after now (clock skew) still counts', firstSeenAt: ago(-1), counted: true },
      { case: 'an unreadable time never counts', firstSeenAt: 'yesterday', counted: false },
    ] as const),
  )('%s', (_case, { firstSeenAt, counted }) => {
    // Act
    const reporters = burstReporters([{ instanceId: 'i-other', firstSeenAt }], 'i-self', NOW, 10);

    // Assess
    expect(reporters).toEqual(counted ? ['i-other', 'i-self'] : ['i-self']);
  });

  it('counts the admitted node once even when its own sighting is listed', () => {
    // Act
    const reporters = burstReporters([{ instanceId: 'i-self', firstSeenAt: ago(1) }], 'i-self', NOW, 10);

    // Assess
    expect(reporters).toEqual(['i-self']);
  });
});

describe('Function: disagreementRecordId', () => {
  it('names one record per kind and window', () => {
    // Act
    const first = disagreementRecordId('missing-node', '2026-01-01T00:00:00.000Z', 60);
    const sameWindow = disagreementRecordId('missing-node', '2026-01-01T00:59:59.000Z', 60);
    const nextWindow = disagreementRecordId('missing-node', '2026-01-01T01:00:00.000Z', 60);

    // Assess
    expect(first).toBe('detector-disagreement-missing-node-490896');
    expect(sameWindow).toBe(first);
    expect(nextWindow).not.toBe(first);
  });
});

// ---------------------------------------------------------------- through the sweep's findings

const NOW = '2026-11-29T10:00:00.000Z';
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();

const SETTINGS: SweepSettings = {
  rateMinutes: 5,
  notReadyMinutes: 10,
  gpuGraceMinutes: 5,
  nodeJoinGraceMinutes: 20,
  staleGraceMinutes: 15,
  incidentDeadlineMinutes: 420,
  staleSuspensionMinutes: 420,
  findingRetryMinutes: 60,
  maxRecoveries: 20,
  maxRepairs: 20,
  idleChecks: { enabled: false, periodHours: 24, maxPerSweep: 2 },
  optOutLabel: 'hyperpod-resilience.io/opt-out',
  instanceTypes: { 'ml.p5.48xlarge': { gpus: 8 } },
  massFindings: DEFAULTS,
};

const instance = (instanceId: string): ClusterNode => ({
  instanceId,
  instanceGroupName: 'workers',
  instanceType: 'ml.p5.48xlarge',
  status: 'Running',
  launchTime: minutesAgo(600),
});

/** A healthy, Ready node with all 8 GPUs; `identity` says how (and whether) it names its instance. */
const kubeNode = (
  name: string,
  identity: { providerID?: string; labels?: Record<string, string> },
  gpus = 8,
): KubeNode => ({
  metadata: { name, labels: { 'node.kubernetes.io/instance-type': 'ml.p5.48xlarge', ...identity.labels } },
  spec: identity.providerID ? { providerID: identity.providerID } : {},
  status: {
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: minutesAgo(600) }],
    capacity: { 'nvidia.com/gpu': '8' },
    allocatable: { 'nvidia.com/gpu': String(gpus) },
    nodeInfo: { bootID: `boot-${name}` },
  },
});

const CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
/** HyperPod's providerID form (docs/facts/node-identity.md) for a node of CLUSTER_ARN. */
const hyperpodProviderId = (id: string) => `aws:///usw2-az1/sagemaker/cluster/hyperpod-abcdef123456-${id}`;

const inventory = (instances: ClusterNode[], kubeNodes: KubeNode[]): SweepInventory => ({
  clusterName: 'ml-cluster',
  clusterArn: CLUSTER_ARN,
  nodeRecovery: 'None',
  instances,
  kubeNodes,
  suspended: [],
  incidents: [],
  leases: [],
});

describe('Function: findSweepFindings with mass findings', () => {
  it('starts no recovery when no Kubernetes node can be tied to any Running instance (issue 9)', () => {
    // Prepare: 8 healthy nodes the sweep cannot resolve — no providerID or label it can read, names
    // that are not `hyperpod-i-…` — so every Running instance looks `missing-node`.
    const fleet = ids(8);
    const nodes = fleet.map((_, i) => kubeNode(`ip-10-1-0-${i + 10}.us-west-2.compute.internal`, {}));

    // Act
    const result = findSweepFindings(inventory(fleet.map(instance), nodes), SETTINGS, NOW);

    // Assess
    expect(result.recoveries).toEqual([]);
    expect(result.dropped.recoveries).toBe(0);
    expect(result.disagreements).toEqual([
      expect.objectContaining({
        kind: 'missing-node',
        count: 8,
        fleetSize: 8,
        sharePercent: 100,
        thresholdPercent: 50,
        minNodes: 3,
        sampleInstanceIds: fleet.slice(0, 5),
        detail: expect.stringContaining('more likely a detector fault than a fleet fault'),
      }),
    ]);
  });

  it('still recovers SageMaker Failure instances while the missing-node kind is held', () => {
    // Prepare: 5 instances, 4 unresolvable nodes, 1 instance Failure
    const fleet = ids(5);
    const instances = fleet.map(instance);
    Object.assign(instances[4] as ClusterNode, {
      status: 'Failure',
      statusMessage: 'Instance failed health checks.',
    });
    const nodes = fleet.slice(0, 4).map((_, i) => kubeNode(`ip-10-1-0-${i + 10}.ec2.internal`, {}));

    // Act
    const result = findSweepFindings(inventory(instances, nodes), SETTINGS, NOW);

    // Assess
    expect(result.recoveries.map((r) => [r.kind, r.instanceId])).toEqual([['instance-failure', fleet[4]]]);
    expect(result.disagreements?.map((d) => [d.kind, d.count])).toEqual([['missing-node', 4]]);
  });

  it('judges the share before the per-sweep cap, so a held kind does not crowd out a believed one', () => {
    // Prepare: 10 resolvable nodes, 7 with GPUs missing (held) and the 3 others NotReady (believed)
    const fleet = ids(10);
    const nodes = fleet.map((id, i) => {
      const n = kubeNode(`hyperpod-${id}`, { providerID: hyperpodProviderId(id) }, i < 7 ? 7 : 8);
      if (i >= 7)
        n.status!.conditions = [{ type: 'Ready', status: 'False', lastTransitionTime: minutesAgo(30) }];
      return n;
    });

    // Act
    const result = findSweepFindings(
      inventory(fleet.map(instance), nodes),
      { ...SETTINGS, maxRecoveries: 3 },
      NOW,
    );

    // Assess
    expect(result.recoveries.map((r) => r.kind)).toEqual(['not-ready', 'not-ready', 'not-ready']);
    expect(result.dropped.recoveries).toBe(0);
    expect(result.disagreements?.map((d) => [d.kind, d.count])).toEqual([['accelerators-missing', 7]]);
  });

  it('applies the default limits when the settings name none (never "off")', () => {
    // Prepare
    const { massFindings: _none, ...withoutLimits } = SETTINGS;
    const fleet = ids(4);
    const nodes = fleet.map((_, i) => kubeNode(`ip-10-1-0-${i + 10}.ec2.internal`, {}));

    // Act
    const result = findSweepFindings(inventory(fleet.map(instance), nodes), withoutLimits, NOW);

    // Assess
    expect(result.recoveries).toEqual([]);
    expect(result.disagreements?.[0]).toMatchObject({ kind: 'missing-node', count: 4 });
  });

  it('believes a finding on few nodes of a small cluster (1 of 2 missing)', () => {
    // Prepare
    const fleet = ids(2);
    const nodes = [kubeNode(`hyperpod-${fleet[0]}`, { providerID: hyperpodProviderId(fleet[0] as string) })];

    // Act
    const result = findSweepFindings(inventory(fleet.map(instance), nodes), SETTINGS, NOW);

    // Assess
    expect(result.recoveries.map((r) => [r.kind, r.instanceId])).toEqual([['missing-node', fleet[1]]]);
    expect(result.disagreements).toBeUndefined();
  });
});
