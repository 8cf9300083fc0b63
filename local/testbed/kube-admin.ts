/**
 * SimKubeAdmin against the real test-bed kube-apiserver (admin token, @kubernetes/client-node):
 * the node lifecycle the HyperPod simulator plays on the Kubernetes side.
 *
 * kwok manages nodes annotated `kwok.x-k8s.io/node=fake` (leases, Ready, pods). NotReady is held
 * by our kwok stage `sim-node-not-ready` (annotation `sim.test/node-ready: "false"`, see
 * kwok-stages.ts): kwok keeps managing the node, so the result is deterministic and works in tier 0
 * too, where this module also writes the condition itself. Removing the kwok annotation instead
 * does NOT stop kwok: its informer filters the update away, so the lease keeps being renewed and an
 * already scheduled heartbeat would set Ready=True again later.
 */
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
} from '@kubernetes/client-node';
import type { KubeNode } from '#domain/kube-types.ts';
import { poll } from '#local/poll.ts';
import { devicePluginLabels, devicePluginResources } from '#local/simulator/device-plugins.ts';
import { hyperpodNodeLabels, hyperpodProviderId } from '#local/simulator/hyperpod-node-shape.ts';
import type { SimKubeAdmin, SimNodeSpec } from '#local/simulator/kube-admin.ts';
import type { ControlPlane } from './control-plane.ts';
import { KWOK_NODE_ANNOTATION } from './control-plane.ts';
import { SIM_NODE_READY } from './kwok-stages.ts';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/** A KubeConfig for the test bed with a bearer token (admin by default). */
export function testbedKubeConfig(cp: Pick<ControlPlane, 'server' | 'caData'>, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'testbed', server: cp.server, caData: cp.caData, skipTLSVerify: false }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'testbed', cluster: 'testbed', user: 'user' }],
    currentContext: 'testbed',
  });
  return kc;
}

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export function isApiStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** Plain JSON (timestamps as strings), as our domain types expect. */
const plain = <T>(obj: unknown): T => JSON.parse(JSON.stringify(obj)) as T;

/** The Node object of a simulated HyperPod instance (status is accepted on create). */
export function simNodeManifest(spec: SimNodeSpec): V1Node {
  const resources = {
    cpu: '192',
    memory: '2Ti',
    pods: '110',
    ...devicePluginResources(spec.instanceType, spec.gpus),
  };
  const now = new Date();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        ...hyperpodNodeLabels(spec),
        ...devicePluginLabels(spec.instanceType, spec.gpus),
        ...spec.labels,
      },
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
    },
    spec: { providerID: hyperpodProviderId(spec) },
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      conditions: [
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: spec.name },
      ],
      nodeInfo: {
        bootID: spec.bootId,
        machineID: spec.instanceId
          .replace(/[^0-9a-f]/g, '')
          .padEnd(32, '0')
          .slice(0, 32),
        systemUUID: spec.instanceId,
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Amazon Linux 2023 (simulated)',
        kernelVersion: '6.1.0-sim',
        containerRuntimeVersion: 'containerd://1.7.0-sim',
        kubeletVersion: 'v1.36.3-kwok',
        kubeProxyVersion: '',
      },
    },
  };
}

export interface TestbedKubeAdmin extends SimKubeAdmin {
  readonly core: CoreV1Api;
}

export function createKubeAdmin(
  cp: Pick<ControlPlane, 'server' | 'caData' | 'adminToken'>,
): TestbedKubeAdmin {
  const core = testbedKubeConfig(cp, cp.adminToken).makeApiClient(CoreV1Api);

  const read = async (name: string): Promise<V1Node | undefined> => {
    try {
      return await core.readNode({ name });
    } catch (err) {
      if (isApiStatus(err, 404)) return undefined;
      throw err;
    }
  };

  const readyCondition = (ready: boolean, now: string) => ({
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready
      ? 'kubelet is posting ready status'
      : `simulated: node is not ready (${SIM_NODE_READY}=false)`,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });

  return {
    core,

    async createNode(spec) {
      try {
        await core.createNode({ body: simNodeManifest(spec) });
      } catch (err) {
        if (!isApiStatus(err, 409)) throw err;
        return;
      }
      // TaintNodesByCondition admission adds node.kubernetes.io/not-ready:NoSchedule to every new
      // node; KCM removes it once it sees Ready. Wait so the node is schedulable on return.
      await poll(async () => !(await read(spec.name))?.spec?.taints?.some((t) => t.key === NOT_READY_TAINT), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    },

    async deleteNode(name) {
      try {
        await core.deleteNode({ name });
      } catch (err) {
        if (!isApiStatus(err, 404)) throw err;
      }
      // The instance is gone: no kubelet will confirm termination, so force-delete (grace 0).
      const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
      for (const pod of pods.items) {
        const podName = pod.metadata?.name;
        const namespace = pod.metadata?.namespace;
        if (!podName || !namespace) continue;
        try {
          await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 });
        } catch (err) {
          if (!isApiStatus(err, 404)) throw err;
        }
      }
    },

    async setNodeReady(name, ready, options) {
      const now = new Date().toISOString();
      if (!ready) {
        // Annotation first: from then on kwok's sim-node-not-ready stage holds Ready=False (it wins
        // over node-initialize), so our own status write below cannot be undone by kwok.
        await core.patchNode(
          { name, body: { metadata: { annotations: { [SIM_NODE_READY]: 'false' } } } },
          mergePatch,
        );
        const current = await read(name);
        const ready0 = current?.status?.conditions?.find((c) => c.type === 'Ready');
        const status: Record<string, unknown> = {};
        if (ready0?.status !== 'False') status.conditions = [readyCondition(false, now)];
        if (options?.bootId) status.nodeInfo = { bootID: options.bootId };
        if (Object.keys(status).length > 0)
          await core.patchNodeStatus({ name, body: { status } }, strategicMergePatch);
        return;
      }
      // bootID before the annotation goes: kwok's node-initialize renders nodeInfo from the object
      // it saw, so every object it can see after the annotation change already has the new bootID.
      if (options?.bootId) {
        await core.patchNodeStatus(
          { name, body: { status: { nodeInfo: { bootID: options.bootId } } } },
          mergePatch,
        );
      }
      await core.patchNode(
        { name, body: { metadata: { annotations: { [SIM_NODE_READY]: null } } } },
        mergePatch,
      );
      // kwok (tier 1) sets Ready=True now too; without kwok (tier 0) this write is the only one.
      const current = await read(name);
      const ready0 = current?.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready0?.status !== 'True') {
        await core.patchNodeStatus(
          { name, body: { status: { conditions: [readyCondition(true, now)] } } },
          strategicMergePatch,
        );
      }
    },

    async setNodeLabels(name, labels) {
      await core.patchNode({ name, body: { metadata: { labels } } }, mergePatch);
    },

    async setNodeTaint(name, taint, present) {
      // spec.taints has no merge key (a patch replaces the list): read, change, write back under
      // the read's resourceVersion, and retry when someone else (our quarantine) wrote between.
      for (let attempt = 0; ; attempt++) {
        const node = await read(name);
        if (!node) return;
        const current = node.spec?.taints ?? [];
        const others = current.filter((t) => !(t.key === taint.key && t.effect === taint.effect));
        const taints = present ? [...others, { ...taint }] : others;
        if (JSON.stringify(taints) === JSON.stringify(current)) return;
        try {
          await core.patchNode(
            {
              name,
              body: { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } },
            },
            mergePatch,
          );
          return;
        } catch (err) {
          if (!isApiStatus(err, 409) || attempt >= 4) throw err;
        }
      }
    },

    async setGpuAllocatable(name, gpus) {
      const node = await read(name);
      const type = node?.metadata?.labels?.['node.kubernetes.io/instance-type'] ?? '';
      await core.patchNodeStatus(
        { name, body: { status: { allocatable: devicePluginResources(type, gpus) } } },
        mergePatch,
      );
    },

    async getNode(name) {
      const node = await read(name);
      return node ? plain<KubeNode>(node) : undefined;
    },

    async listNodes() {
      const list = await core.listNode();
      return list.items.map((n) => plain<KubeNode>(n));
    },
  };
}
