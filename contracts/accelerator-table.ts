/**
 * The accelerator table as data (the config's `healthChecks.instanceTypes` defaults are this
 * table, so it lives with the contracts; the readings of nodes against it are in
 * functions/domain/accelerators.ts). NVIDIA GPU and AWS Neuron (Trainium) instance types are peers.
 *
 * | Vendor | Resource the device plugin advertises | docs/facts/accelerators.md |
 * |---|---|---|
 * | NVIDIA | `nvidia.com/gpu` (one per GPU) | accelerators.nvidia-resource |
 * | Neuron | `aws.amazon.com/neuron` (one per Neuron device) and `aws.amazon.com/neuroncore` (one per NeuronCore) | accelerators.neuron-resources |
 *
 * Counts are AWS's published figures; where a figure is not published (the NeuronCore count a
 * trn2 node advertises depends on its Logical NeuronCore configuration, the trn2 EFA count) the
 * row leaves it out and nothing is judged against it. Bandwidth floors are our proposal.
 */
export type AcceleratorVendor = 'nvidia' | 'neuron';

/** NVIDIA's device plugin: one unit per GPU (docs/facts/accelerators.md accelerators.nvidia-resource). */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';
/** The Neuron device plugin: one unit per Neuron device (docs/facts/accelerators.md accelerators.neuron-resources). */
export const NEURON_DEVICE_RESOURCE = 'aws.amazon.com/neuron';
/** The Neuron device plugin: one unit per NeuronCore. */
export const NEURON_CORE_RESOURCE = 'aws.amazon.com/neuroncore';
/** The Neuron device plugin's device resource before Neuron 2.20 (accelerators.neuron-resources). */
export const LEGACY_NEURON_DEVICE_RESOURCE = 'aws.amazon.com/neurondevice';
/** The EFA device plugin: one unit per EFA interface. */
export const EFA_RESOURCE = 'vpc.amazonaws.com/efa';

/** Every resource that counts a whole accelerator device, in the order a node is read. */
export const ACCELERATOR_DEVICE_RESOURCES: readonly string[] = [
  NVIDIA_GPU_RESOURCE,
  NEURON_DEVICE_RESOURCE,
  LEGACY_NEURON_DEVICE_RESOURCE,
];

/**
 * What one instance type shows when healthy: the shape of a row of `healthChecks.instanceTypes`
 * in the configuration (contracts/config/health-checks.ts), whose defaults are this table.
 */
export interface InstanceAccelerators {
  /** NVIDIA GPUs (`nvidia.com/gpu`); 0 or absent on a Neuron type. */
  gpus?: number;
  /** Neuron devices (`aws.amazon.com/neuron`); present only on a Neuron type. */
  neuronDevices?: number;
  /** NeuronCores (`aws.amazon.com/neuroncore`); absent = not published for the type, not judged. */
  neuronCores?: number;
  /** EFA devices (`vpc.amazonaws.com/efa`); 0 = not judged. */
  efaDevices?: number;
  /** Single-node NCCL `all_reduce_perf` bus-bandwidth floor (GB/s), NVIDIA only; absent = not judged. */
  ncclBusBandwidthGBps?: number;
  /** Single-node `nccom-test` all-reduce bus-bandwidth floor (GB/s), Neuron only; absent = not judged. */
  nccomBusBandwidthGBps?: number;
}

/**
 * The built-in table (docs/facts/accelerators.md: accelerators.nvidia-counts,
 * accelerators.trn1-counts, accelerators.trn2-counts, accelerators.efa-counts,
 * accelerators.bandwidth-floors).
 */
export const ACCELERATOR_TABLE: Readonly<Record<string, InstanceAccelerators>> = {
  'ml.p4d.24xlarge': { gpus: 8, efaDevices: 4, ncclBusBandwidthGBps: 180 },
  'ml.p4de.24xlarge': { gpus: 8, efaDevices: 4, ncclBusBandwidthGBps: 180 },
  'ml.p5.48xlarge': { gpus: 8, efaDevices: 32, ncclBusBandwidthGBps: 350 },
  'ml.p5e.48xlarge': { gpus: 8, efaDevices: 32, ncclBusBandwidthGBps: 350 },
  'ml.p5en.48xlarge': { gpus: 8, efaDevices: 16, ncclBusBandwidthGBps: 350 },
  'ml.p6-b200.48xlarge': { gpus: 8, efaDevices: 8, ncclBusBandwidthGBps: 600 },
  'ml.g5.12xlarge': { gpus: 4 },
  'ml.g5.24xlarge': { gpus: 4 },
  'ml.g5.48xlarge': { gpus: 8 },
  'ml.g6.12xlarge': { gpus: 4 },
  'ml.g6.48xlarge': { gpus: 8 },
  'ml.g6e.12xlarge': { gpus: 4 },
  'ml.g6e.48xlarge': { gpus: 8 },
  'ml.trn1.32xlarge': { neuronDevices: 16, neuronCores: 32, efaDevices: 8, nccomBusBandwidthGBps: 50 },
  'ml.trn1n.32xlarge': { neuronDevices: 16, neuronCores: 32, efaDevices: 16, nccomBusBandwidthGBps: 50 },
  'ml.trn2.48xlarge': { neuronDevices: 16, nccomBusBandwidthGBps: 100 },
};
