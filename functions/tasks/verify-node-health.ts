/**
 * What the Kubernetes API alone says about a node before a health check runs on it: the node
 * exists and every accelerator its instance type has (GPUs or Neuron devices,
 * functions/domain/accelerators.ts) is allocatable. StartQuickCheck runs this first (a node short
 * of accelerators fails at once, no Job needed) and, with quick checks disabled, it is all the
 * verification there is — reported honestly as `not-verified`, never as `passed`.
 */
import type { KubeApi } from '#adapters/ports.ts';
import { EFA_RESOURCE } from '#contracts/accelerator-table.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import type { InstanceTypeHealth } from '#contracts/config/health-checks.ts';
import { type AcceleratorReading, acceleratorShortfall, readAccelerators } from '#domain/accelerators.ts';
import type { KubeNode } from '#domain/kube-types.ts';

export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

export interface NodeResources {
  node: KubeNode;
  instanceType?: string;
  /** The instance type's row of the config, if listed. */
  typeHealth?: InstanceTypeHealth;
  /** The node's accelerators against the type's row (else its own capacity). */
  accelerators: AcceleratorReading;
  /** EFA devices the node advertises (`vpc.amazonaws.com/efa` capacity). */
  efaCapacity: number;
}

export type NodeInspection =
  | { status: 'missing'; reason: string }
  | { status: 'short'; reason: string; resources: NodeResources }
  | { status: 'ok'; reason: string; resources: NodeResources };

/** Reads the node and compares its allocatable accelerators with what its instance type should have. */
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
  const accelerators = readAccelerators(node, typeHealth);
  const resources: NodeResources = {
    node,
    ...(type ? { instanceType: type } : {}),
    ...(typeHealth ? { typeHealth } : {}),
    accelerators,
    efaCapacity: Number(node.status?.capacity?.[EFA_RESOURCE] ?? 0),
  };
  const shortfall = acceleratorShortfall(accelerators);
  if (shortfall) return { status: 'short', reason: shortfall, resources };
  return {
    status: 'ok',
    reason: `node Ready with ${accelerators.allocatable}/${accelerators.expected} ${accelerators.noun} allocatable`,
    resources,
  };
};
