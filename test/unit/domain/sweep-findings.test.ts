import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '#adapters/ports.ts';
import type { KubeNode, KubeObject } from '#domain/kube-types.ts';
import {
  findSweepFindings,
  idleCheckExecutionName,
  incidentsNamedOnCluster,
  recoveryExecutionName,
  type SweepInventory,
  type SweepSettings,
} from '#domain/sweep-findings.ts';
import type { WorkloadRef } from '#domain/types.ts';

const NOW = '2026-11-29T10:00:00.000Z';
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString();
const ID = (n: number) => `i-0a1b2c3d4e5f6${String(n).padStart(4, '0')}`;
const HEALTH = 'sagemaker.amazonaws.com/node-health-status';
const DHC = 'sagemaker.amazonaws.com/deep-health-check-status';
const TAINT = 'hyperpod-resilience.io/quarantine';
const CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
/** A HyperPod node's providerID (docs/facts/node-identity.md): aws:///<az-id>/sagemaker/cluster/hyperpod-<cluster-id>-<instance-id>. */
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
  maxRecoveries: 20,
  maxRepairs: 20,
  idleChecks: { enabled: false, periodHours: 24, maxPerSweep: 2 },
  optOutLabel: 'hyperpod-resilience.io/opt-out',
  instanceTypes: {
    'ml.p5.48xlarge': { gpus: 8 },
    'ml.trn1.32xlarge': { neuronDevices: 16, neuronCores: 32, efaDevices: 8 },
  },
};

/** A trn1 node as the Neuron device plugin shows it (docs/facts/accelerators.md accelerators.neuron-resources). */
const trnNode = (n: number, extra: { devices?: number; cores?: number } = {}): KubeNode => {
  const base = node(n, { labels: { 'node.kubernetes.io/instance-type': 'ml.trn1.32xlarge' } });
  return {
    ...base,
    status: {
      ...base.status,
      capacity: { 'aws.amazon.com/neuron': '16', 'aws.amazon.com/neuroncore': '32' },
      allocatable: {
        'aws.amazon.com/neuron': String(extra.devices ?? 16),
        'aws.amazon.com/neuroncore': String(extra.cores ?? 32),
      },
    },
  };
};

const instance = (n: number, extra: Partial<ClusterNode> = {}): ClusterNode => ({
  instanceId: ID(n),
  instanceGroupName: 'workers',
  instanceType: 'ml.p5.48xlarge',
  status: 'Running',
  launchTime: minutesAgo(600),
  ...extra,
});

const node = (
  n: number,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ready?: { status: string; since?: string; reason?: string };
    allocatable?: number;
    capacity?: number;
    taints?: { key: string; value?: string; effect: string }[];
    unschedulable?: boolean;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    deleting?: boolean;
    providerID?: string | null;
  } = {},
): KubeNode => ({
  metadata: {
    name: `hyperpod-${ID(n)}`,
    labels: {
      'node.kubernetes.io/instance-type': 'ml.p5.48xlarge',
      [HEALTH]: 'Schedulable',
      ...extra.labels,
    },
    annotations: { ...extra.annotations },
    ...(extra.deleting ? { deletionTimestamp: minutesAgo(1) } : {}),
  },
  spec: {
    ...(extra.providerID === null ? {} : { providerID: extra.providerID ?? PROVIDER_ID(n) }),
    ...(extra.taints ? { taints: extra.taints } : {}),
    ...(extra.unschedulable ? { unschedulable: true } : {}),
  },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: extra.ready?.status ?? 'True',
        ...(extra.ready?.reason ? { reason: extra.ready.reason } : {}),
        lastTransitionTime: extra.ready?.since ?? minutesAgo(600),
      },
      ...(extra.conditions ?? []),
    ],
    capacity: { 'nvidia.com/gpu': String(extra.capacity ?? 8) },
    allocatable: { 'nvidia.com/gpu': String(extra.allocatable ?? extra.capacity ?? 8) },
    nodeInfo: { bootID: `boot-${n}` },
  },
});

const inventory = (extra: Partial<SweepInventory> = {}): SweepInventory => ({
  clusterName: 'ml-cluster',
  clusterArn: CLUSTER_ARN,
  nodeRecovery: 'None',
  instances: [instance(1)],
  kubeNodes: [node(1)],
  suspended: [],
  incidents: [],
  leases: [],
  ...extra,
});

const quarantined = (
  n: number,
  holder: string | undefined,
  at: string,
  extra: Parameters<typeof node>[1] = {},
) =>
  node(n, {
    ...extra,
    unschedulable: true,
    taints: [{ key: TAINT, value: 'xid-79', effect: 'NoSchedule' }],
    annotations: {
      ...(holder ? { 'hyperpod-resilience.io/quarantined-by': holder } : {}),
      'hyperpod-resilience.io/quarantined-at': at,
    },
  });

const suspendedJob = (holders: string[], at: string): { ref: WorkloadRef; object: KubeObject } => ({
  ref: { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', namespace: 'ml', name: 'llama' },
  object: {
    metadata: {
      name: 'llama',
      namespace: 'ml',
      labels: { 'hyperpod-resilience.io/suspended': 'true' },
      annotations: {
        'hyperpod-resilience.io/suspended-by': JSON.stringify(holders),
        'hyperpod-resilience.io/suspended-at': at,
      },
    },
  },
});

describe('Function: incidentsNamedOnCluster', () => {
  it('names each holder of our quarantines and suspensions once, sorted, and nothing for untouched nodes', () => {
    // Prepare
    const nodes = [quarantined(1, 'inc-b', minutesAgo(5)), quarantined(2, 'inc-a', minutesAgo(5)), node(3)];
    const suspended = [suspendedJob(['inc-c', 'inc-a'], minutesAgo(5))];

    // Act
    const ids = incidentsNamedOnCluster(nodes, suspended);

    // Assess
    expect(ids).toEqual(['inc-a', 'inc-b', 'inc-c']);
  });
});

describe('Function: findSweepFindings', () => {
  it('finds nothing on a healthy cluster', () => {
    // Act
    const result = findSweepFindings(inventory(), SETTINGS, NOW);

    // Assess
    expect(result).toEqual({
      recoveries: [],
      repairs: [],
      idleChecks: [],
      dropped: { recoveries: 0, repairs: 0 },
      counts: { instances: 1, kubeNodes: 1, inFlight: 0, optedOut: 0, transitioning: 0 },
    });
  });

  it('finds no missing node on a healthy cluster whose nodes carry real HyperPod providerIDs', () => {
    // Prepare: providerIDs observed on a live HyperPod cluster (docs/facts/node-identity.md,
    // identity.provider-id-hyperpod), copied literally; the cluster ARN ends in their cluster id.
    const observed = [
      ['i-0f190b8fa232cef49', 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49'],
      ['i-00f3cbe8dfee6b675', 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-00f3cbe8dfee6b675'],
    ] as const;
    const inv = inventory({
      clusterArn: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/tqci9uwuwqiz',
      instances: observed.map(([instanceId]) => ({ ...instance(1), instanceId })),
      kubeNodes: observed.map(([instanceId, providerID]) => {
        const n = node(1, { providerID });
        return { ...n, metadata: { ...n.metadata, name: `hyperpod-${instanceId}` } };
      }),
    });

    // Act
    const result = findSweepFindings(inv, SETTINGS, NOW);

    // Assess
    expect(result.recoveries).toEqual([]);
    expect(result.counts).toMatchObject({ instances: 2, kubeNodes: 2 });
  });

  it.each([
    {
      case: 'SageMaker reports the instance Failure',
      inv: {
        instances: [instance(1, { status: 'Failure', statusMessage: 'Instance failed health checks.' })],
      },
      kind: 'instance-failure',
      detail: 'SageMaker InstanceStatus=Failure: Instance failed health checks.',
    },
    {
      case: 'a failed instance without a Kubernetes node or message',
      inv: { instances: [instance(1, { status: 'Failure' })], kubeNodes: [] },
      kind: 'instance-failure',
      detail: 'SageMaker InstanceStatus=Failure',
    },
    {
      case: 'HyperPod labels the node UnschedulablePendingReboot while NodeRecovery=None',
      inv: { kubeNodes: [node(1, { labels: { [HEALTH]: 'UnschedulablePendingReboot' } })] },
      kind: 'hyperpod-labels',
      detail: `${HEALTH}=UnschedulablePendingReboot, ${DHC}=unset with NodeRecovery=None`,
    },
    {
      case: 'the deep health check failed while NodeRecovery=None',
      inv: { kubeNodes: [node(1, { labels: { [DHC]: 'Failed' } })] },
      kind: 'hyperpod-labels',
      detail: `${HEALTH}=Schedulable, ${DHC}=Failed with NodeRecovery=None`,
    },
    {
      case: 'the node is NotReady longer than the threshold',
      inv: {
        kubeNodes: [
          node(1, { ready: { status: 'False', since: minutesAgo(11), reason: 'KubeletNotReady' } }),
        ],
      },
      kind: 'not-ready',
      detail: 'Ready=False for 11 min (KubeletNotReady) while SageMaker says Running',
    },
    {
      case: 'the node has no Ready condition at all',
      inv: { kubeNodes: [{ ...node(1), status: { capacity: {}, allocatable: {} } }] },
      kind: 'not-ready',
      detail: 'Ready=missing for an unknown time (no reason) while SageMaker says Running',
    },
    {
      case: 'a GPU vanished from allocatable',
      inv: { kubeNodes: [node(1, { allocatable: 7 })] },
      kind: 'accelerators-missing',
      detail: 'only 7 of 8 GPUs allocatable (ml.p5.48xlarge)',
    },
    {
      case: 'an unlisted instance type is short of its own capacity',
      inv: {
        instances: [instance(1, { instanceType: 'ml.p5.4xlarge' })],
        kubeNodes: [
          node(1, {
            capacity: 1,
            allocatable: 0,
            labels: { 'node.kubernetes.io/instance-type': 'ml.p5.4xlarge' },
          }),
        ],
      },
      kind: 'accelerators-missing',
      detail: 'only 0 of 1 GPUs allocatable (ml.p5.4xlarge)',
    },
    {
      case: 'the instance type comes from the node label when SageMaker omits it',
      inv: {
        instances: [instance(1, { instanceType: undefined })],
        kubeNodes: [node(1, { allocatable: 6 })],
      },
      kind: 'accelerators-missing',
      detail: 'only 6 of 8 GPUs allocatable (ml.p5.48xlarge)',
    },
    {
      case: 'a Running instance has had no Kubernetes node since long after launch',
      inv: { kubeNodes: [], instances: [instance(1, { launchTime: minutesAgo(25) })] },
      kind: 'missing-node',
      detail: 'instance Running for 25 min without a Kubernetes node',
    },
    {
      case: 'a Running instance without node and launch time',
      inv: { kubeNodes: [], instances: [instance(1, { launchTime: undefined })] },
      kind: 'missing-node',
      detail: 'instance Running for an unknown time without a Kubernetes node',
    },
    {
      case: 'the node carries the plain EKS providerID (a non-HyperPod node group)',
      inv: { kubeNodes: [node(1, { providerID: `aws:///us-west-2a/${ID(1)}`, allocatable: 7 })] },
      kind: 'accelerators-missing',
      detail: 'only 7 of 8 GPUs allocatable (ml.p5.48xlarge)',
    },
    {
      case: 'its only node is one of another HyperPod cluster or carries an unproven instance-id label',
      inv: {
        kubeNodes: [
          node(1, { providerID: `aws:///usw2-az1/sagemaker/cluster/hyperpod-zyxwvu987654-${ID(1)}` }),
          node(1, { providerID: null, labels: { 'sagemaker.amazonaws.com/instance-id': ID(1) } }),
        ],
        instances: [instance(1, { launchTime: minutesAgo(25) })],
      },
      kind: 'missing-node',
      detail: 'instance Running for 25 min without a Kubernetes node',
    },
  ])('finds $kind when $case', ({ inv, kind, detail }) => {
    // Act
    const { recoveries } = findSweepFindings(inventory(inv as Partial<SweepInventory>), SETTINGS, NOW);

    // Assess
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]).toMatchObject({ kind, instanceId: ID(1), detail });
    expect(recoveries[0]?.executionName).toMatch(new RegExp(`^sweep-${kind}-${ID(1)}-[0-9a-f]{16}$`));
  });

  it.each([
    {
      case: 'a failed deep health check on a node without a health label, conditions or boot id',
      node: (() => {
        const n = node(1, { labels: { [DHC]: 'Failed' } });
        delete n.metadata.labels?.[HEALTH];
        return { ...n, status: { ...n.status, conditions: undefined, nodeInfo: undefined } } as KubeNode;
      })(),
      instance: instance(1),
      finding: {
        kind: 'hyperpod-labels',
        detail: `${HEALTH}=unset, ${DHC}=Failed with NodeRecovery=None`,
        evidenceKey: '//Failed',
      },
    },
    {
      case: 'a node reporting no GPU resources at all',
      node: { ...node(1), status: { conditions: [{ type: 'Ready', status: 'True' }] } } as KubeNode,
      instance: instance(1),
      finding: { kind: 'accelerators-missing', detail: 'only 0 of 8 GPUs allocatable (ml.p5.48xlarge)' },
    },
    {
      case: 'no instance type anywhere: the node is judged against its own capacity',
      node: (() => {
        const n = node(1, { capacity: 4, allocatable: 3 });
        delete n.metadata.labels?.['node.kubernetes.io/instance-type'];
        return n;
      })(),
      instance: instance(1, { instanceType: undefined }),
      finding: { kind: 'accelerators-missing', detail: 'only 3 of 4 GPUs allocatable' },
    },
    {
      // The Neuron node problem detector's condition (docs/facts/accelerators.md neuron.npd-conditions)
      // travels with HyperPod's pending label, so node-recovery classifies the Neuron error.
      case: 'a pending label on a Trainium node with the Neuron NPD condition it carries',
      node: node(1, {
        labels: {
          'node.kubernetes.io/instance-type': 'ml.trn1.32xlarge',
          [HEALTH]: 'UnschedulablePendingReboot',
        },
        conditions: [
          {
            type: 'NeuronHealth',
            status: 'True',
            reason: 'NeuronHasError_DMA_ERROR',
            message: 'Neuron has error',
          },
        ],
      }),
      instance: instance(1, { instanceType: 'ml.trn1.32xlarge' }),
      finding: {
        kind: 'hyperpod-labels',
        conditions: [
          {
            type: 'NeuronHealth',
            status: 'True',
            reason: 'NeuronHasError_DMA_ERROR',
            message: 'Neuron has error',
          },
        ],
      },
    },
    {
      case: 'a Trainium node short of Neuron devices',
      node: trnNode(1, { devices: 15, cores: 30 }),
      instance: instance(1, { instanceType: 'ml.trn1.32xlarge' }),
      finding: {
        kind: 'accelerators-missing',
        detail: 'only 15 of 16 Neuron devices allocatable (ml.trn1.32xlarge)',
        evidenceKey: 'boot-1/15/30',
      },
    },
    {
      case: 'a Trainium node with every device but fewer NeuronCores',
      node: trnNode(1, { cores: 31 }),
      instance: instance(1, { instanceType: 'ml.trn1.32xlarge' }),
      finding: {
        kind: 'accelerators-missing',
        detail: 'only 31 of 32 NeuronCores allocatable (ml.trn1.32xlarge)',
      },
    },
    {
      case: 'a failed instance with neither launch time nor message',
      node: node(1),
      instance: instance(1, { status: 'Failure', launchTime: undefined }),
      finding: { kind: 'instance-failure', evidenceKey: '/' },
    },
  ])('reads $case', ({ node: n, instance: i, finding }) => {
    // Act
    const { recoveries } = findSweepFindings(inventory({ instances: [i], kubeNodes: [n] }), SETTINGS, NOW);

    // Assess
    expect(recoveries).toEqual([expect.objectContaining(finding)]);
  });

  it('finds nothing on a healthy Trainium node beside a GPU node (a mixed cluster)', () => {
    // Act
    const { recoveries } = findSweepFindings(
      inventory({
        instances: [instance(1), instance(2, { instanceType: 'ml.trn1.32xlarge' })],
        kubeNodes: [node(1), trnNode(2)],
      }),
      SETTINGS,
      NOW,
    );

    // Assess
    expect(recoveries).toEqual([]);
  });

  it.each([
    {
      case: 'NotReady only briefly',
      inv: { kubeNodes: [node(1, { ready: { status: 'Unknown', since: minutesAgo(9) } })] },
    },
    {
      case: 'GPUs missing right after the node turned Ready (PR #425 false positive)',
      inv: { kubeNodes: [node(1, { allocatable: 7, ready: { status: 'True', since: minutesAgo(3) } })] },
    },
    {
      case: 'HyperPod labels while HyperPod recovers nodes itself',
      inv: {
        nodeRecovery: 'Automatic',
        kubeNodes: [node(1, { labels: { [HEALTH]: 'UnschedulablePendingReplacement' } })],
      },
    },
    {
      case: 'a new instance still within its join grace',
      inv: { kubeNodes: [], instances: [instance(1, { launchTime: minutesAgo(5) })] },
    },
    {
      case: 'a replacement waiting for capacity',
      inv: {
        instances: [
          instance(1, { status: 'Failure', statusMessage: 'We currently do not have sufficient capacity' }),
        ],
      },
    },
    {
      case: 'an instance in a deep health check',
      inv: {
        instances: [instance(1, { status: 'DeepHealthCheckInProgress' })],
        kubeNodes: [node(1, { ready: { status: 'False', since: minutesAgo(60) } })],
      },
    },
    {
      case: 'a node that opted out',
      inv: { kubeNodes: [node(1, { allocatable: 0, labels: { 'hyperpod-resilience.io/opt-out': 'true' } })] },
    },
    {
      case: 'a GPU-less node of an unlisted type',
      inv: {
        instances: [instance(1, { instanceType: 'ml.m5.large' })],
        kubeNodes: [node(1, { capacity: 0 })],
      },
    },
    {
      case: 'a node being deleted next to its live successor object',
      inv: { kubeNodes: [node(1), node(1, { deleting: true, allocatable: 0 })] },
    },
    {
      case: 'Kubernetes nodes that are not HyperPod instances',
      inv: { instances: [], kubeNodes: [node(1, { providerID: 'kind://docker/n1', allocatable: 0 })] },
    },
  ])('raises nothing for $case', ({ inv }) => {
    // Act
    const { recoveries } = findSweepFindings(inventory(inv as Partial<SweepInventory>), SETTINGS, NOW);

    // Assess
    expect(recoveries).toEqual([]);
  });

  it('counts opted-out, transitioning and in-flight nodes', () => {
    // Prepare
    const inv = inventory({
      instances: [
        instance(1),
        instance(2, { status: 'Pending' }),
        instance(3),
        instance(4, { status: 'Failure', statusMessage: 'insufficient capacity' }),
      ],
      kubeNodes: [
        node(1, { labels: { 'hyperpod-resilience.io/opt-out': 'yes' } }),
        node(3, { allocatable: 0 }),
      ],
      leases: [{ instanceId: ID(3), incidentId: 'inc-3' }],
    });

    // Act
    const { counts, recoveries } = findSweepFindings(inv, SETTINGS, NOW);

    // Assess
    expect(recoveries).toEqual([]);
    expect(counts).toEqual({ instances: 4, kubeNodes: 2, inFlight: 1, optedOut: 1, transitioning: 2 });
  });

  it.each([
    {
      case: 'a lease of an incident without a record yet',
      leases: [{ instanceId: ID(1), incidentId: 'inc-new' }],
      incidents: [],
    },
    {
      case: 'an open incident within its deadline',
      leases: [],
      incidents: [{ incidentId: 'inc-1', status: 'open', startedAt: minutesAgo(30), instanceId: ID(1) }],
    },
  ])('skips a faulty node with $case in flight', ({ leases, incidents }) => {
    // Act
    const result = findSweepFindings(
      inventory({ kubeNodes: [node(1, { allocatable: 0 })], leases, incidents }),
      SETTINGS,
      NOW,
    );

    // Assess
    expect(result.recoveries).toEqual([]);
    expect(result.counts.inFlight).toBe(1);
  });

  it('recovers a node whose lease belongs to an incident that ended', () => {
    // Act
    const result = findSweepFindings(
      inventory({
        kubeNodes: [node(1, { allocatable: 0 })],
        leases: [{ instanceId: ID(1), incidentId: 'inc-done' }],
        incidents: [{ incidentId: 'inc-done', status: 'resolved', startedAt: minutesAgo(60) }],
      }),
      SETTINGS,
      NOW,
    );

    // Assess
    expect(result.recoveries.map((r) => r.kind)).toEqual(['accelerators-missing']);
  });

  it('sends HyperPod evidence (and only that) with a label finding', () => {
    // Prepare
    const labelled = node(1, {
      labels: {
        [HEALTH]: 'UnschedulablePendingReboot',
        'sagemaker.amazonaws.com/fault-types': 'NvidiaErrorReboot',
        team: 'a',
      },
      annotations: { 'sagemaker.amazonaws.com/fault-details': '{"reason":"Xid 79"}', other: 'x' },
      conditions: [
        { type: 'NvidiaErrorReboot', status: 'True', reason: 'XidHardwareFailure', message: 'Xid 79' },
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Bare', status: 'True' },
      ],
    });

    // Act
    const [finding] = findSweepFindings(inventory({ kubeNodes: [labelled] }), SETTINGS, NOW).recoveries;

    // Assess
    expect(finding).toMatchObject({
      labels: {
        [HEALTH]: 'UnschedulablePendingReboot',
        'sagemaker.amazonaws.com/fault-types': 'NvidiaErrorReboot',
      },
      annotations: { 'sagemaker.amazonaws.com/fault-details': '{"reason":"Xid 79"}' },
      conditions: [
        { type: 'NvidiaErrorReboot', status: 'True', reason: 'XidHardwareFailure', message: 'Xid 79' },
        { type: 'Bare', status: 'True' },
      ],
    });
    expect(finding?.labels).not.toHaveProperty('team');
  });

  it('keeps the strongest findings first and drops what exceeds the cap', () => {
    // Prepare
    const inv = inventory({
      instances: [instance(1), instance(2), instance(3, { status: 'Failure' }), instance(4)],
      kubeNodes: [
        node(1, { allocatable: 7 }),
        node(2, { ready: { status: 'False', since: minutesAgo(30) } }),
        node(4, { allocatable: 4 }),
      ],
    });

    // Act
    const result = findSweepFindings(inv, { ...SETTINGS, maxRecoveries: 2 }, NOW);

    // Assess
    expect(result.recoveries.map((r) => [r.kind, r.instanceId])).toEqual([
      ['instance-failure', ID(3)],
      ['not-ready', ID(2)],
    ]);
    expect(result.dropped).toEqual({ recoveries: 2, repairs: 0 });
  });

  describe('stale state', () => {
    it.each([
      {
        case: 'its incident ended',
        node: quarantined(1, 'inc-old', minutesAgo(2)),
        incidents: [{ incidentId: 'inc-old', status: 'resolved', startedAt: minutesAgo(60) }],
        detail: 'quarantined by incident inc-old, which is no longer in flight',
      },
      {
        case: 'its incident is past the deadline',
        node: quarantined(1, 'inc-crashed', minutesAgo(400)),
        incidents: [{ incidentId: 'inc-crashed', status: 'open', startedAt: minutesAgo(421) }],
        detail: 'quarantined by incident inc-crashed, which is no longer in flight',
      },
      {
        case: 'its incident has no record, past the grace period',
        node: quarantined(1, 'inc-ghost', minutesAgo(16)),
        incidents: [],
        detail: 'quarantined by incident inc-ghost, which is no longer in flight',
      },
      {
        case: 'our taint has no owner and no time',
        node: {
          ...quarantined(1, undefined, ''),
          metadata: { name: `hyperpod-${ID(1)}`, annotations: {} },
        } as KubeNode,
        incidents: [],
        detail: 'our quarantine taint without an owning incident',
      },
    ])('lifts our quarantine when $case', ({ node: n, incidents, detail }) => {
      // Act
      const { repairs } = findSweepFindings(inventory({ kubeNodes: [n, node(2)], incidents }), SETTINGS, NOW);

      // Assess
      expect(repairs.filter((r) => r.kind === 'stale-quarantine')).toEqual([
        expect.objectContaining({ kind: 'stale-quarantine', nodeName: `hyperpod-${ID(1)}`, detail }),
      ]);
    });

    it.each([
      {
        case: 'its incident is in flight',
        incidents: [{ incidentId: 'inc-1', status: 'open', startedAt: minutesAgo(30) }],
        at: minutesAgo(29),
        allocatable: 8,
      },
      {
        case: 'its incident is unknown but the quarantine is fresh',
        incidents: [],
        at: minutesAgo(14),
        allocatable: 8,
      },
      {
        case: 'the node still looks faulty (its recovery comes first)',
        incidents: [],
        at: minutesAgo(60),
        allocatable: 6,
      },
    ])('keeps our quarantine while $case', ({ incidents, at, allocatable }) => {
      // Act
      const { repairs } = findSweepFindings(
        inventory({ kubeNodes: [quarantined(1, 'inc-1', at, { allocatable }), node(2)], incidents }),
        SETTINGS,
        NOW,
      );

      // Assess
      expect(repairs).toEqual([]);
    });

    it('lifts our quarantine from a node that names no instance', () => {
      // Act
      const { repairs } = findSweepFindings(
        inventory({ kubeNodes: [node(1), quarantined(2, 'inc-gone', minutesAgo(60), { providerID: null })] }),
        SETTINGS,
        NOW,
      );

      // Assess
      expect(repairs).toEqual([
        {
          kind: 'stale-quarantine',
          nodeName: `hyperpod-${ID(2)}`,
          holder: 'inc-gone',
          detail: 'quarantined by incident inc-gone, which is no longer in flight',
        },
      ]);
    });

    it('closes an incident past its deadline', () => {
      // Act
      const { repairs } = findSweepFindings(
        inventory({
          incidents: [
            { incidentId: 'inc-late', status: 'open', startedAt: minutesAgo(500), instanceId: ID(1) },
            { incidentId: 'inc-nodeless', status: 'open', startedAt: minutesAgo(500) },
            { incidentId: 'inc-fine', status: 'open', startedAt: minutesAgo(10) },
            { incidentId: 'inc-closed', status: 'resolved', startedAt: minutesAgo(900) },
          ],
        }),
        SETTINGS,
        NOW,
      );

      // Assess
      expect(repairs).toEqual([
        {
          kind: 'incident-overdue',
          incidentId: 'inc-late',
          instanceId: ID(1),
          startedAt: minutesAgo(500),
          detail: 'incident open for 500 min, beyond the 420 min deadline of its execution',
        },
        expect.objectContaining({ kind: 'incident-overdue', incidentId: 'inc-nodeless' }),
      ]);
    });

    it.each([
      {
        case: 'the holder ended',
        holders: ['inc-a'],
        incidents: [{ incidentId: 'inc-a', status: 'resolved', startedAt: minutesAgo(60) }],
        leases: [],
        at: minutesAgo(50),
        stale: ['inc-a'],
      },
      {
        case: 'one of two holders ended',
        holders: ['inc-a', 'inc-b'],
        incidents: [
          { incidentId: 'inc-a', status: 'needs-attention', startedAt: minutesAgo(60) },
          { incidentId: 'inc-b', status: 'open', startedAt: minutesAgo(5) },
        ],
        leases: [],
        at: minutesAgo(50),
        stale: ['inc-a'],
      },
      {
        case: 'a holder without a record is older than any execution',
        holders: ['inc-x'],
        incidents: [],
        leases: [],
        at: minutesAgo(421),
        stale: ['inc-x'],
      },
      {
        case: 'a holder without a record still holds a lease',
        holders: ['inc-x'],
        incidents: [],
        leases: [{ instanceId: ID(1), incidentId: 'inc-x' }],
        at: minutesAgo(421),
        stale: [],
      },
      {
        case: 'our label carries no readable holder (everyone is released)',
        holders: [],
        incidents: [],
        leases: [],
        at: minutesAgo(1),
        stale: [],
        repaired: true,
      },
      {
        case: 'every holder is in flight',
        holders: ['inc-b'],
        incidents: [{ incidentId: 'inc-b', status: 'open', startedAt: minutesAgo(5) }],
        leases: [],
        at: minutesAgo(4),
        stale: [],
      },
    ])('resumes a suspended job when $case', ({ holders, incidents, leases, at, stale, ...rest }) => {
      // Act
      const { repairs } = findSweepFindings(
        inventory({ suspended: [suspendedJob(holders, at)], incidents, leases }),
        SETTINGS,
        NOW,
      );

      // Assess
      const suspension = repairs.filter((r) => r.kind === 'stale-suspension');
      const repaired = stale.length > 0 || 'repaired' in rest;
      expect(suspension.map((r) => (r.kind === 'stale-suspension' ? r.holders : []))).toEqual(
        repaired ? [stale] : [],
      );
    });

    it('caps repairs per sweep', () => {
      // Act
      const result = findSweepFindings(
        inventory({
          incidents: [1, 2, 3].map((n) => ({
            incidentId: `inc-${n}`,
            status: 'open',
            startedAt: minutesAgo(600),
          })),
        }),
        { ...SETTINGS, maxRepairs: 2 },
        NOW,
      );

      // Assess
      expect(result.repairs).toHaveLength(2);
      expect(result.dropped.repairs).toBe(1);
    });
  });

  describe('idle quick checks', () => {
    const idle = { ...SETTINGS, idleChecks: { enabled: true, periodHours: 24, maxPerSweep: 2 } };
    const fleet = [1, 2, 3, 4, 5];

    it('chooses idle nodes only: schedulable, Ready, without GPU pods, quarantine or findings', () => {
      // Prepare
      const inv = inventory({
        instances: fleet.map((n) => instance(n)),
        kubeNodes: [
          node(1),
          node(2, { unschedulable: true }),
          node(3, { allocatable: 7 }),
          node(4, { labels: { [HEALTH]: 'Unschedulable' } }),
          node(5),
        ],
        busyNodes: new Set([`hyperpod-${ID(5)}`]),
      });

      // Act
      const { idleChecks } = findSweepFindings(
        inv,
        { ...idle, idleChecks: { ...idle.idleChecks, maxPerSweep: 10 } },
        NOW,
      );

      // Assess
      expect(idleChecks).toEqual([
        {
          instanceId: ID(1),
          nodeName: `hyperpod-${ID(1)}`,
          executionName: idleCheckExecutionName(ID(1), NOW, 24),
        },
      ]);
    });

    it('treats a foreign taint and missing labels as idle, but not our quarantine', () => {
      // Prepare
      const bare = node(2, { taints: [{ key: 'example.com/maintenance', effect: 'PreferNoSchedule' }] });
      const inv = inventory({
        instances: [instance(1), instance(2), instance(3)],
        kubeNodes: [
          { ...node(1), metadata: { name: `hyperpod-${ID(1)}` } },
          bare,
          quarantined(3, 'inc-live', minutesAgo(1)),
        ],
        incidents: [{ incidentId: 'inc-live', status: 'open', startedAt: minutesAgo(1) }],
        busyNodes: new Set(),
      });

      // Act
      const { idleChecks } = findSweepFindings(
        inv,
        { ...idle, idleChecks: { ...idle.idleChecks, maxPerSweep: 10 } },
        NOW,
      );

      // Assess
      expect(idleChecks.map((c) => c.instanceId).sort()).toEqual([ID(1), ID(2)]);
    });

    it('walks the idle nodes a few per sweep so that every node gets its turn within the period', () => {
      // Prepare
      const inv = inventory({
        instances: fleet.map((n) => instance(n)),
        kubeNodes: fleet.map((n) => node(n)),
        busyNodes: new Set(),
      });
      const sweeps = [0, 5, 10].map((m) => new Date(Date.parse(NOW) + m * 60_000).toISOString());

      // Act
      const chosen = sweeps.flatMap((at) =>
        findSweepFindings(inv, idle, at).idleChecks.map((c) => c.instanceId),
      );

      // Assess
      expect(chosen).toHaveLength(6);
      expect(new Set(chosen).size).toBe(5);
    });

    it.each([
      { case: 'idle checks are off', settings: SETTINGS, busy: new Set<string>() },
      { case: 'the pod list was not read', settings: idle, busy: undefined },
    ])('chooses no idle node when $case', ({ settings, busy }) => {
      // Act
      const { idleChecks } = findSweepFindings(
        inventory({ ...(busy ? { busyNodes: busy } : {}) }),
        settings,
        NOW,
      );

      // Assess
      expect(idleChecks).toEqual([]);
    });
  });
});

describe('Function: recoveryExecutionName', () => {
  it('is the same for the same evidence within a retry bucket and new after it', () => {
    // Prepare
    const name = (now: string, evidence = 'boot-1/7') =>
      recoveryExecutionName('accelerators-missing', ID(1), evidence, now, 60);

    // Assess
    expect(name('2026-11-29T10:05:00Z')).toBe(name('2026-11-29T10:55:00Z'));
    expect(name('2026-11-29T10:05:00Z')).not.toBe(name('2026-11-29T11:05:00Z'));
    expect(name('2026-11-29T10:05:00Z')).not.toBe(name('2026-11-29T10:05:00Z', 'boot-2/7'));
    expect(name('2026-11-29T10:05:00Z').length).toBeLessThanOrEqual(80);
  });
});
