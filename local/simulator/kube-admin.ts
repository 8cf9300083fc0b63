/**
 * What the HyperPod simulator does to the Kubernetes side of a simulated cluster: the node
 * lifecycle a real HyperPod cluster shows (nodes join, go NotReady during a reboot, vanish on
 * replacement, lose GPUs). Implemented in memory for simulator unit tests
 * (local/simulator/memory-kube-admin.ts) and against the real test-bed kube-apiserver with kwok
 * (local/testbed/kube-admin.ts).
 */
import type { KubeNode, Taint } from '#domain/kube-types.ts';

export interface SimNodeSpec {
  name: string;
  instanceId: string;
  instanceType: string;
  instanceGroupName: string;
  clusterName: string;
  /** Accelerator devices (GPUs, or Neuron devices on trn types) as capacity and allocatable (device-plugins.ts). */
  gpus: number;
  bootId: string;
  /** The 12-character HyperPod cluster id (last segment of the cluster ARN), part of `spec.providerID`. */
  clusterId: string;
  region: string;
  /** AZ name (`topology.kubernetes.io/zone`). */
  availabilityZone: string;
  /** AZ id (`usw2-az1`): the zone part of a HyperPod node's `spec.providerID`. */
  availabilityZoneId: string;
  /** Labels beyond the ones every HyperPod node carries (local/simulator/hyperpod-node-shape.ts). */
  labels?: Record<string, string>;
}

export interface SimKubeAdmin {
  /** Creates a Ready node (idempotent: an existing node of that name is left as is). */
  createNode(node: SimNodeSpec): Promise<void>;
  /** Deletes the node and force-deletes the pods bound to it (the instance is gone). Idempotent. */
  deleteNode(name: string): Promise<void>;
  /** Ready=True/False; a new bootId (after a reboot) is written to `status.nodeInfo.bootID`. */
  setNodeReady(name: string, ready: boolean, options?: { bootId?: string }): Promise<void>;
  /** Merge labels; a null value removes the label. */
  setNodeLabels(name: string, labels: Record<string, string | null>): Promise<void>;
  /**
   * Adds (`present`) or removes one taint, matched by key and effect; every other taint (ours,
   * Kubernetes' own) stays. Idempotent.
   */
  setNodeTaint(name: string, taint: Taint, present: boolean): Promise<void>;
  /** Lowers or restores the allocatable accelerator devices (and, on Neuron, their cores). */
  setGpuAllocatable(name: string, gpus: number): Promise<void>;
  getNode(name: string): Promise<KubeNode | undefined>;
  listNodes(): Promise<KubeNode[]>;
}
