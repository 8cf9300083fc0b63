/**
 * In-memory HyperPod (ClusterNodes port) wired to a FakeKubeApi, for state-machine integration
 * tests: reboot gives the node a new boot id, replace swaps in a new instance whose node joins
 * Ready. Per-node SageMaker failure codes can be scripted. The wire-level simulator lives in
 * local/simulator and is exercised by e2e tests.
 */
import type { BatchNodeActionResult, ClusterInfo, ClusterNode, ClusterNodes } from '#adapters/ports.ts';
import { UnknownClusterError } from '#contracts/errors.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import type { FakeKubeApi } from './fake-kube-api.ts';

export interface FakeHyperPod {
  clusterNodes: ClusterNodes;
  instances: Map<string, ClusterNode>;
  calls: { op: 'reboot' | 'replace'; instanceIds: string[] }[];
  /** What a reboot does to the node: fix it (default) or leave GPUs missing. */
  rebootEffect: 'fixes' | 'gpus-still-missing';
  /**
   * The next reboot/replace of this instance fails per node with this code. With `actAnyway`
   * someone else (HyperPod's own recovery) performs that action although our call failed.
   */
  failNode(
    instanceId: string,
    code: string,
    options?: {
      count?: number;
      actAnyway?: 'reboot' | 'replace';
      /** `InstanceStatus.Status` the node shows while the failures last (back to Running after). */
      whileStatus?: string;
    },
  ): void;
  /** Whether a replacement keeps the old NodeLogicalId (not documented either way; default true). */
  logicalIdSurvivesReplacement: boolean;
  /**
   * NodeRecovery=Automatic: HyperPod reboots/replaces a node whose `node-health-status` label is
   * `UnschedulablePendingReboot`/`…Replacement` (and on nothing else we do), one reconcile after
   * it first saw the label. Runs on every DescribeClusterNode unless `automaticRecovery` is false
   * (HyperPod does not start).
   */
  reconcile(): ('reboot' | 'replace')[];
  automaticRecovery: boolean;
  /** Replaces the instance at once, as a recovery we did not request would (not recorded as our call). */
  replaceNow(instanceId: string): void;
  /** What HyperPod's automatic recovery did (not our API calls). */
  hyperpodActions: { op: 'reboot' | 'replace'; instanceId: string }[];
  /** Called after each successful or scripted action (tests inject trouble midway). */
  afterAction?: (op: 'reboot' | 'replace', instanceId: string) => void;
  addInstance(input: { instanceId: string; group?: string; gpus?: number; instanceType?: string }): void;
  /** StartClusterHealthCheck calls. */
  healthChecks: { instanceIds: string[]; checks: string[] }[];
  /** Outcome of the next deep health check per instance (default pass). */
  deepCheckOutcome: Map<string, 'pass' | 'fail'>;
  /** describeNode answers DeepHealthCheckInProgress this many times before the check ends (default 1). */
  deepCheckPolls: number;
}

/** The cluster of the unit and integration harnesses (test/unit/tasks/helpers.ts, test/integration/harness.ts). */
const DEFAULT_CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
const HEALTH_LABEL = 'sagemaker.amazonaws.com/node-health-status';

let sequence = 0x100;
const newInstanceId = () => `i-0fa4e${(sequence++).toString(16).padStart(12, '0')}`;

export const gpuNode = (
  instanceId: string,
  options: { gpus?: number; allocatable?: number; bootId?: string; clusterArn?: string } = {},
): KubeNode => ({
  metadata: {
    name: `hyperpod-${instanceId}`,
    labels: {
      'node.kubernetes.io/instance-type': 'ml.p5.48xlarge',
      'sagemaker.amazonaws.com/node-health-status': 'Schedulable',
      'sagemaker.amazonaws.com/instance-group-name': 'workers',
    },
    annotations: {},
  },
  // A HyperPod node's providerID: aws:///<az-id>/sagemaker/cluster/hyperpod-<cluster-id>-<instance-id>.
  spec: {
    providerID: `aws:///usw2-az1/sagemaker/cluster/hyperpod-${(options.clusterArn ?? DEFAULT_CLUSTER_ARN).split('/').pop()}-${instanceId}`,
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    capacity: { 'nvidia.com/gpu': String(options.gpus ?? 8) },
    allocatable: { 'nvidia.com/gpu': String(options.allocatable ?? options.gpus ?? 8) },
    nodeInfo: { bootID: options.bootId ?? `boot-${instanceId}-0` },
  },
});

/**
 * A Trainium node as the Neuron device plugin shows it: `aws.amazon.com/neuron` per device and
 * `aws.amazon.com/neuroncore` per core (docs/facts/accelerators.md accelerators.neuron-resources;
 * trn1: 16 devices of 2 cores, accelerators.trn1-counts).
 */
export const neuronNode = (
  instanceId: string,
  instanceType: string,
  options: { devices?: number; allocatable?: number; clusterArn?: string } = {},
): KubeNode => {
  const node = gpuNode(instanceId, { clusterArn: options.clusterArn });
  const devices = options.devices ?? 16;
  const allocatable = options.allocatable ?? devices;
  return {
    ...node,
    metadata: {
      ...node.metadata,
      labels: { ...node.metadata.labels, 'node.kubernetes.io/instance-type': instanceType },
    },
    status: {
      ...node.status,
      capacity: {
        'aws.amazon.com/neuron': String(devices),
        'aws.amazon.com/neuroncore': String(devices * 2),
      },
      allocatable: {
        'aws.amazon.com/neuron': String(allocatable),
        'aws.amazon.com/neuroncore': String(allocatable * 2),
      },
    },
  };
};

export const createFakeHyperPod = (input: {
  clusterName: string;
  clusterArn: string;
  eksClusterName: string;
  nodeRecovery?: 'Automatic' | 'None';
  kube: FakeKubeApi;
  /** The test's clock: replacement instances launch "now". */
  now?: () => string;
}): FakeHyperPod => {
  const instances = new Map<string, ClusterNode>();
  const calls: FakeHyperPod['calls'] = [];
  const scriptedFailures = new Map<
    string,
    { code: string; count: number; actAnyway?: 'reboot' | 'replace'; whileStatus?: string }
  >();
  const boots = new Map<string, number>();
  const hyperpodActions: FakeHyperPod['hyperpodActions'] = [];
  const seenPending = new Set<string>();
  const deepChecksLeft = new Map<string, number>();
  const setDeepCheckLabels = (id: string, labels: Record<string, string>) => {
    const node = input.kube.nodes.get(`hyperpod-${id}`);
    if (node) node.metadata.labels = { ...node.metadata.labels, ...labels };
  };
  const advanceDeepCheck = (id: string) => {
    const instance = instances.get(id);
    const left = deepChecksLeft.get(id);
    if (!instance || left === undefined) return;
    if (left > 0) {
      deepChecksLeft.set(id, left - 1);
      return;
    }
    deepChecksLeft.delete(id);
    instance.status = 'Running';
    const failed = fake.deepCheckOutcome.get(id) === 'fail';
    fake.deepCheckOutcome.delete(id);
    setDeepCheckLabels(
      id,
      failed
        ? {
            'sagemaker.amazonaws.com/deep-health-check-status': 'Failed',
            'sagemaker.amazonaws.com/node-health-status': 'UnschedulablePendingReplacement',
          }
        : {
            'sagemaker.amazonaws.com/deep-health-check-status': 'Passed',
            'sagemaker.amazonaws.com/node-health-status': 'Schedulable',
          },
    );
  };
  const known = (name: string) => {
    if (name !== input.clusterName && name !== input.clusterArn)
      throw new UnknownClusterError(`no cluster ${name}`);
  };

  const act = (op: 'reboot' | 'replace', ids: string[]): BatchNodeActionResult => {
    calls.push({ op, instanceIds: [...ids] });
    const result: BatchNodeActionResult = { successful: [], failed: [] };
    for (const id of ids) {
      const failure = scriptedFailures.get(id);
      if (failure && failure.count > 0) {
        failure.count -= 1;
        result.failed.push({ instanceId: id, code: failure.code, message: `scripted ${failure.code}` });
        if (failure.actAnyway) perform(failure.actAnyway, id);
        const instance = instances.get(id);
        if (failure.count === 0 && failure.whileStatus && instance) instance.status = 'Running';
        continue;
      }
      if (!instances.has(id)) {
        result.failed.push({ instanceId: id, code: 'InstanceIdNotFound', message: 'not in cluster' });
        continue;
      }
      result.successful.push(id);
      perform(op, id);
    }
    return result;
  };

  const perform = (op: 'reboot' | 'replace', id: string): void => {
    const instance = instances.get(id);
    if (!instance) return;
    {
      const nodeName = `hyperpod-${id}`;
      if (op === 'reboot') {
        const boot = (boots.get(id) ?? 0) + 1;
        boots.set(id, boot);
        const node = input.kube.nodes.get(nodeName);
        if (node) {
          // Back up and healthy: HyperPod sets the node Schedulable again.
          if (node.metadata.labels?.[HEALTH_LABEL]?.startsWith('UnschedulablePending'))
            node.metadata.labels = { ...node.metadata.labels, [HEALTH_LABEL]: 'Schedulable' };
          node.status = {
            ...node.status,
            nodeInfo: { bootID: `boot-${id}-${boot}` },
            allocatable:
              fake.rebootEffect === 'fixes' ? { ...node.status?.capacity } : { ...node.status?.allocatable },
          };
          node.metadata.resourceVersion = `${node.metadata.resourceVersion}-r${boot}`;
        }
      } else {
        instances.delete(id);
        input.kube.nodes.delete(nodeName);
        for (const [key, pod] of input.kube.pods)
          if (pod.spec?.nodeName === nodeName) input.kube.pods.delete(key);
        const replacementId = newInstanceId();
        instances.set(replacementId, {
          ...instance,
          nodeLogicalId: fake.logicalIdSurvivesReplacement
            ? instance.nodeLogicalId
            : `logical-${replacementId}`,
          instanceId: replacementId,
          status: 'Running',
          launchTime: input.now?.() ?? new Date().toISOString(),
        });
        input.kube.addNode(gpuNode(replacementId, { clusterArn: input.clusterArn }));
      }
    }
    fake.afterAction?.(op, id);
  };

  const clusterNodes: ClusterNodes = {
    async describeCluster(name): Promise<ClusterInfo> {
      known(name);
      return {
        name: input.clusterName,
        arn: input.clusterArn,
        status: 'InService',
        nodeRecovery: input.nodeRecovery ?? 'None',
        eksClusterName: input.eksClusterName,
        instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', currentCount: instances.size }],
      };
    },
    async listNodes(name, filter) {
      known(name);
      return [...instances.values()].filter(
        (n) =>
          (!filter?.instanceGroupNameContains ||
            n.instanceGroupName.includes(filter.instanceGroupNameContains)) &&
          (!filter?.creationTimeAfter || !n.launchTime || n.launchTime >= filter.creationTimeAfter),
      );
    },
    async describeNode(name, instanceId) {
      known(name);
      if (fake.automaticRecovery) fake.reconcile();
      advanceDeepCheck(instanceId);
      const instance = instances.get(instanceId);
      return instance ? { ...instance } : undefined;
    },
    async startHealthCheck(name, targets) {
      known(name);
      for (const target of targets) {
        fake.healthChecks.push({
          instanceIds: [...target.instanceIds],
          checks: [...target.deepHealthChecks],
        });
        for (const id of target.instanceIds) {
          const instance = instances.get(id);
          if (instance?.status !== 'Running') continue;
          instance.status = 'DeepHealthCheckInProgress';
          deepChecksLeft.set(id, fake.deepCheckPolls);
          setDeepCheckLabels(id, {
            'sagemaker.amazonaws.com/deep-health-check-status': 'InProgress',
            'sagemaker.amazonaws.com/node-health-status': 'Unschedulable',
          });
        }
      }
    },
    async rebootNodes(name, ids) {
      known(name);
      return act('reboot', ids);
    },
    async replaceNodes(name, ids) {
      known(name);
      return act('replace', ids);
    },
  };

  const fake: FakeHyperPod = {
    clusterNodes,
    instances,
    calls,
    rebootEffect: 'fixes',
    healthChecks: [],
    deepCheckOutcome: new Map(),
    deepCheckPolls: 1,
    failNode(instanceId, code, options = {}) {
      scriptedFailures.set(instanceId, {
        code,
        count: options.count ?? 1,
        actAnyway: options.actAnyway,
        whileStatus: options.whileStatus,
      });
      const instance = instances.get(instanceId);
      if (options.whileStatus && instance) instance.status = options.whileStatus;
    },
    logicalIdSurvivesReplacement: true,
    automaticRecovery: (input.nodeRecovery ?? 'None') === 'Automatic',
    reconcile() {
      const acted: ('reboot' | 'replace')[] = [];
      if ((input.nodeRecovery ?? 'None') !== 'Automatic') return acted;
      for (const [id, instance] of [...instances]) {
        if (instance.status !== 'Running') continue;
        const label = input.kube.nodes.get(`hyperpod-${id}`)?.metadata.labels?.[HEALTH_LABEL];
        const op =
          label === 'UnschedulablePendingReboot'
            ? 'reboot'
            : label === 'UnschedulablePendingReplacement'
              ? 'replace'
              : undefined;
        if (!op) {
          seenPending.delete(id);
          continue;
        }
        // HyperPod takes a moment: it acts on the label at the reconcile after the one that saw it.
        if (!seenPending.has(id)) {
          seenPending.add(id);
          continue;
        }
        seenPending.delete(id);
        hyperpodActions.push({ op, instanceId: id });
        perform(op, id);
        acted.push(op);
      }
      return acted;
    },
    hyperpodActions,
    replaceNow(instanceId) {
      perform('replace', instanceId);
    },
    addInstance({ instanceId, group = 'workers', gpus = 8, instanceType = 'ml.p5.48xlarge' }) {
      instances.set(instanceId, {
        instanceId,
        instanceGroupName: group,
        instanceType,
        nodeLogicalId: `logical-${instanceId}`,
        status: 'Running',
        launchTime: '2026-11-01T00:00:00.000Z',
      });
      input.kube.addNode(
        instanceType.startsWith('ml.trn')
          ? neuronNode(instanceId, instanceType, { clusterArn: input.clusterArn })
          : gpuNode(instanceId, { gpus, clusterArn: input.clusterArn }),
      );
    },
  };
  return fake;
};
