/**
 * Readings of a node against the accelerator table (contracts/accelerator-table.ts): which
 * extended resource its device plugin advertises, how many devices (and, for Neuron, NeuronCores)
 * it shows, and what is missing. NVIDIA GPU and AWS Neuron (Trainium) instance types
 * are peers: readiness after a repair, the sweep's `accelerators-missing` finding, the quick-check
 * Job's resource requests and the local simulator all read the one table
 * (docs/facts/accelerators.md).
 */
import {
  ACCELERATOR_DEVICE_RESOURCES,
  type AcceleratorVendor,
  EFA_RESOURCE,
  type InstanceAccelerators,
  LEGACY_NEURON_DEVICE_RESOURCE,
  NEURON_CORE_RESOURCE,
  NEURON_DEVICE_RESOURCE,
  NVIDIA_GPU_RESOURCE,
} from '#contracts/accelerator-table.ts';
import type { KubeNode } from '#domain/kube-types.ts';

/** The vendor of a row: a row that counts Neuron devices is Neuron, every other one NVIDIA. */
export const vendorOf = (row: InstanceAccelerators): AcceleratorVendor =>
  row.neuronDevices !== undefined ? 'neuron' : 'nvidia';

/** The resource whose count a row's devices are judged by. */
export const deviceResourceOf = (row: InstanceAccelerators): string =>
  vendorOf(row) === 'neuron' ? NEURON_DEVICE_RESOURCE : NVIDIA_GPU_RESOURCE;

/** Whole devices a row expects (GPUs or Neuron devices). */
export const expectedDevicesOf = (row: InstanceAccelerators): number => row.neuronDevices ?? row.gpus ?? 0;

const quantity = (value: string | undefined): number => {
  const n = Number(value ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
};

/** What a node shows of its accelerators, compared with what its instance type should have. */
export interface AcceleratorReading {
  vendor: AcceleratorVendor;
  /** The extended resource read (the GPU resource, `aws.amazon.com/neuron`, …). */
  resource: string;
  /** Devices the node should have: the instance type's count, else its own capacity. */
  expected: number;
  allocatable: number;
  capacity: number;
  /** NeuronCores the node should have and has allocatable (Neuron, when known). */
  cores?: { expected?: number; allocatable: number; capacity: number };
  /** A word for people: `GPUs` or `Neuron devices`. */
  noun: string;
}

/**
 * Which device resource a node without a known instance type advertises: the first of the
 * known device resources present in its capacity, else NVIDIA's (the node then has none).
 */
const advertisedResource = (node: KubeNode): string =>
  ACCELERATOR_DEVICE_RESOURCES.find((r) => node.status?.capacity?.[r] !== undefined) ?? NVIDIA_GPU_RESOURCE;

/**
 * Reads a node's accelerators against its instance type's row. A type without a row is judged
 * against the node's own capacity of whichever device resource it advertises; a Neuron node
 * still on the pre-2.20 `aws.amazon.com/neurondevice` name is read under that name.
 *
 * @example
 * readAccelerators(node, ACCELERATOR_TABLE['ml.trn1.32xlarge']);
 * // → { vendor: 'neuron', resource: 'aws.amazon.com/neuron', expected: 16, allocatable: 16, capacity: 16,
 * //     cores: { expected: 32, allocatable: 32, capacity: 32 }, noun: 'Neuron devices' }
 */
export const readAccelerators = (node: KubeNode, row?: InstanceAccelerators): AcceleratorReading => {
  const capacityOf = (r: string) => quantity(node.status?.capacity?.[r]);
  const allocatableOf = (r: string) => quantity(node.status?.allocatable?.[r]);
  let resource = row ? deviceResourceOf(row) : advertisedResource(node);
  if (
    resource === NEURON_DEVICE_RESOURCE &&
    node.status?.capacity?.[NEURON_DEVICE_RESOURCE] === undefined &&
    node.status?.capacity?.[LEGACY_NEURON_DEVICE_RESOURCE] !== undefined
  ) {
    resource = LEGACY_NEURON_DEVICE_RESOURCE;
  }
  const vendor: AcceleratorVendor = resource === NVIDIA_GPU_RESOURCE ? 'nvidia' : 'neuron';
  const capacity = capacityOf(resource);
  const reading: AcceleratorReading = {
    vendor,
    resource,
    expected: row ? expectedDevicesOf(row) : capacity,
    allocatable: allocatableOf(resource),
    capacity,
    noun: vendor === 'neuron' ? 'Neuron devices' : 'GPUs',
  };
  if (vendor === 'neuron') {
    reading.cores = {
      ...(row?.neuronCores !== undefined ? { expected: row.neuronCores } : {}),
      allocatable: allocatableOf(NEURON_CORE_RESOURCE),
      capacity: capacityOf(NEURON_CORE_RESOURCE),
    };
  }
  return reading;
};

/**
 * Why a node is short of accelerators, or undefined when it has all it should. Devices first;
 * NeuronCores only where the type's count is published and the node advertises the resource at all.
 *
 * @example
 * acceleratorShortfall(readAccelerators(node, ACCELERATOR_TABLE['ml.p5.48xlarge'])); // 'only 7 of 8 GPUs allocatable'
 */
export const acceleratorShortfall = (reading: AcceleratorReading): string | undefined => {
  if (reading.allocatable < reading.expected) {
    return `only ${reading.allocatable} of ${reading.expected} ${reading.noun} allocatable`;
  }
  const cores = reading.cores;
  if (cores?.expected !== undefined && cores.capacity > 0 && cores.allocatable < cores.expected) {
    return `only ${cores.allocatable} of ${cores.expected} NeuronCores allocatable`;
  }
  return undefined;
};

/**
 * The accelerator resources a pod requests (limits, else requests): a pod asking for any of them
 * occupies the node's accelerators.
 *
 * @example
 * requestsAccelerators({ limits: { 'aws.amazon.com/neuroncore': '32' } }); // true
 */
export const requestsAccelerators = (resources?: {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}): boolean =>
  [...ACCELERATOR_DEVICE_RESOURCES, NEURON_CORE_RESOURCE].some(
    (r) => quantity(resources?.limits?.[r] ?? resources?.requests?.[r]) > 0,
  );

/**
 * The extended resources a quick-check Job requests to own the whole node's accelerators: all
 * its devices (GPUs, or Neuron devices — every core of a device comes with it) and the EFA
 * devices it asks for. Never both Neuron resources: one pod asking for devices and cores would
 * be counted twice by the device plugin's allocator.
 *
 * @example
 * acceleratorRequests({ resource: 'aws.amazon.com/neuron', devices: 16, efaDevices: 8 });
 * // → { 'aws.amazon.com/neuron': '16', 'vpc.amazonaws.com/efa': '8' }
 */
export const acceleratorRequests = (input: {
  resource: string;
  devices: number;
  efaDevices: number;
}): Record<string, string> => {
  const resources: Record<string, string> = {};
  if (input.devices > 0) resources[input.resource] = String(input.devices);
  if (input.efaDevices > 0) resources[EFA_RESOURCE] = String(input.efaDevices);
  return resources;
};
