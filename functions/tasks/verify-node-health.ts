/**
 * What the Kubernetes API alone says about a node before a health check runs on it: the node
 * exists and every GPU its instance type has is allocatable. StartQuickCheck runs this first (a
 * node short of GPUs fails at once, no Job needed) and, with quick checks disabled, it is all the
 * verification there is — reported honestly as `not-verified`, never as `passed`.
 */
import type { KubeApi } from '#adapters/ports.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import type { InstanceTypeHealth } from '#contracts/config/health-checks.ts';
import { EFA_RESOURCE, GPU_RESOURCE } from '#domain/health-check-job.ts';
import type { KubeNode } from '#domain/kube-types.ts';

export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

export interface NodeResources {
  node: KubeNode;
  instanceType?: string;
  /** The instance type's row of the config, if listed. */
  typeHealth?: InstanceTypeHealth;
  /** GPUs the node should have: the instance type's count, else its own capacity. */
  expectedGpus: number;
  allocatableGpus: number;
  /** EFA devices the node advertises (`vpc.amazonaws.com/efa` capacity). */
  efaCapacity: number;
}

export type NodeInspection =
  | { status: 'missing'; reason: string }
  | { status: 'short'; reason: string; resources: NodeResources }
  | { status: 'ok'; reason: string; resources: NodeResources };

/** Reads the node and compares its allocatable GPUs with what its instance type should have. */
export const inspectNodeResources = async (
  kube: KubeApi,
  nodeName: string,
  config: AppConfig,
  instanceType?: string,
): Promise<NodeInspection> => {
  const node = await kube.getNode(nodeName);
  if (!node) return { status: 'missing', reason: `node ${nodeName} disappeared` };
  const type = instanceType ?? node.metadata.labels?.[INSTANCE_TYPE_LABEL];
  const typeHealth = type ? config.healthChecks.instanceTypes[type] : undefined;
  const capacity = Number(node.status?.capacity?.[GPU_RESOURCE] ?? 0);
  const resources: NodeResources = {
    node,
    ...(type ? { instanceType: type } : {}),
    ...(typeHealth ? { typeHealth } : {}),
    expectedGpus: typeHealth?.gpus ?? capacity,
    allocatableGpus: Number(node.status?.allocatable?.[GPU_RESOURCE] ?? 0),
    efaCapacity: Number(node.status?.capacity?.[EFA_RESOURCE] ?? 0),
  };
  if (resources.allocatableGpus < resources.expectedGpus) {
    return {
      status: 'short',
      reason: `only ${resources.allocatableGpus} of ${resources.expectedGpus} GPUs allocatable`,
      resources,
    };
  }
  return {
    status: 'ok',
    reason: `node Ready with ${resources.allocatableGpus}/${resources.expectedGpus} GPUs allocatable`,
    resources,
  };
};
