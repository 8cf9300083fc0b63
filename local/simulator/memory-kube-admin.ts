/**
 * In-memory SimKubeAdmin for simulator unit tests: Node objects shaped like the ones a
 * kube-apiserver returns (providerID, Ready condition, accelerator capacity/allocatable, bootID), plus a
 * history of every call so tests can assert the order of lifecycle steps.
 */
import { randomUUID } from 'node:crypto';
import type { KubeNode, Taint } from '#domain/kube-types.ts';
import { devicePluginResources } from '#local/simulator/device-plugins.ts';
import { hyperpodNodeLabels, hyperpodProviderId } from '#local/simulator/hyperpod-node-shape.ts';
import type { SimKubeAdmin, SimNodeSpec } from '#local/simulator/kube-admin.ts';

export type KubeAdminCall =
  | { op: 'createNode'; name: string; at: number }
  | { op: 'deleteNode'; name: string; at: number }
  | { op: 'setNodeReady'; name: string; ready: boolean; bootId?: string; at: number }
  | { op: 'setNodeLabels'; name: string; labels: Record<string, string | null>; at: number }
  | { op: 'setNodeTaint'; name: string; taint: Taint; present: boolean; at: number }
  | { op: 'setGpuAllocatable'; name: string; gpus: number; at: number };

export class MemoryKubeAdmin implements SimKubeAdmin {
  readonly nodes = new Map<string, KubeNode>();
  readonly history: KubeAdminCall[] = [];
  private resourceVersion = 1;

  async createNode(spec: SimNodeSpec): Promise<void> {
    this.history.push({ op: 'createNode', name: spec.name, at: Date.now() });
    if (this.nodes.has(spec.name)) return;
    const now = new Date().toISOString();
    const devices = devicePluginResources(spec.instanceType, spec.gpus);
    this.nodes.set(spec.name, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: spec.name,
        uid: randomUUID(),
        resourceVersion: String(this.resourceVersion++),
        creationTimestamp: now,
        labels: { ...hyperpodNodeLabels(spec), ...spec.labels },
      },
      spec: { providerID: hyperpodProviderId(spec) },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastTransitionTime: now,
            lastHeartbeatTime: now,
          },
        ],
        capacity: { cpu: '192', memory: '2097152Mi', pods: '110', ...devices },
        allocatable: { cpu: '191', memory: '2000000Mi', pods: '110', ...devices },
        nodeInfo: {
          bootID: spec.bootId,
          machineID: randomUUID().replaceAll('-', ''),
          systemUUID: randomUUID(),
        },
      },
    });
  }

  async deleteNode(name: string): Promise<void> {
    this.history.push({ op: 'deleteNode', name, at: Date.now() });
    this.nodes.delete(name);
  }

  async setNodeReady(name: string, ready: boolean, options: { bootId?: string } = {}): Promise<void> {
    this.history.push({
      op: 'setNodeReady',
      name,
      ready,
      ...(options.bootId ? { bootId: options.bootId } : {}),
      at: Date.now(),
    });
    const node = this.mustGet(name);
    const now = new Date().toISOString();
    node.status ??= {};
    const status = node.status;
    const others = (status.conditions ?? []).filter((c) => c.type !== 'Ready');
    const previous = status.conditions?.find((c) => c.type === 'Ready');
    const value = ready ? 'True' : 'Unknown';
    status.conditions = [
      ...others,
      {
        type: 'Ready',
        status: value,
        reason: ready ? 'KubeletReady' : 'NodeStatusUnknown',
        message: ready ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.',
        lastTransitionTime: previous?.status === value ? previous.lastTransitionTime : now,
        lastHeartbeatTime: now,
      },
    ];
    if (options.bootId) status.nodeInfo = { ...status.nodeInfo, bootID: options.bootId };
    this.touch(node);
  }

  async setNodeLabels(name: string, labels: Record<string, string | null>): Promise<void> {
    this.history.push({ op: 'setNodeLabels', name, labels: { ...labels }, at: Date.now() });
    const node = this.mustGet(name);
    node.metadata.labels ??= {};
    const current = node.metadata.labels;
    for (const [key, value] of Object.entries(labels)) {
      if (value === null) delete current[key];
      else current[key] = value;
    }
    this.touch(node);
  }

  async setNodeTaint(name: string, taint: Taint, present: boolean): Promise<void> {
    this.history.push({ op: 'setNodeTaint', name, taint: { ...taint }, present, at: Date.now() });
    const node = this.mustGet(name);
    node.spec ??= {};
    const others = (node.spec.taints ?? []).filter(
      (t) => !(t.key === taint.key && t.effect === taint.effect),
    );
    node.spec.taints = present ? [...others, { ...taint }] : others;
    if (node.spec.taints.length === 0) delete node.spec.taints;
    this.touch(node);
  }

  async setGpuAllocatable(name: string, gpus: number): Promise<void> {
    this.history.push({ op: 'setGpuAllocatable', name, gpus, at: Date.now() });
    const node = this.mustGet(name);
    node.status ??= {};
    const status = node.status;
    const type = node.metadata.labels?.['node.kubernetes.io/instance-type'] ?? '';
    status.allocatable = { ...status.allocatable, ...devicePluginResources(type, gpus) };
    this.touch(node);
  }

  async getNode(name: string): Promise<KubeNode | undefined> {
    const node = this.nodes.get(name);
    return node ? structuredClone(node) : undefined;
  }

  async listNodes(): Promise<KubeNode[]> {
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }

  /** Synchronous read for assertions. */
  peek(name: string): KubeNode | undefined {
    return this.nodes.get(name);
  }

  private mustGet(name: string): KubeNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`nodes "${name}" not found`);
    return node;
  }

  private touch(node: KubeNode): void {
    node.metadata.resourceVersion = String(this.resourceVersion++);
  }
}

export const createMemoryKubeAdmin = (): MemoryKubeAdmin => new MemoryKubeAdmin();
