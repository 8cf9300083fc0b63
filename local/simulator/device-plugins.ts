/**
 * What the accelerator device plugins advertise on a simulated node: NVIDIA's one
 * `nvidia.com/gpu` per GPU, the Neuron device plugin's `aws.amazon.com/neuron` per Neuron device
 * and `aws.amazon.com/neuroncore` per NeuronCore (docs/facts/accelerators.md
 * accelerators.nvidia-resource, accelerators.neuron-resources). Written from those sources, not
 * from our accelerator table: the simulator imitates the world, never our code.
 */

const NVIDIA_GPU = 'nvidia.com/gpu';
const NEURON_DEVICE = 'aws.amazon.com/neuron';
const NEURON_CORE = 'aws.amazon.com/neuroncore';

/**
 * Neuron instance types: devices per node and NeuronCores per device as the plugin counts them.
 * trn1/trn1n: 16 Trainium devices of 2 NeuronCore-v2 (accelerators.trn1-counts). trn2: 16
 * Trainium2 devices of 8 physical cores; the simulator advertises 4 per device, as with the
 * default Logical NeuronCore configuration of 2 (accelerators.trn2-counts: not published, and
 * the product never judges it).
 */
const NEURON_TYPES: Readonly<Record<string, { devices: number; coresPerDevice: number }>> = {
  'ml.trn1.2xlarge': { devices: 1, coresPerDevice: 2 },
  'ml.trn1.32xlarge': { devices: 16, coresPerDevice: 2 },
  'ml.trn1n.32xlarge': { devices: 16, coresPerDevice: 2 },
  'ml.trn2.48xlarge': { devices: 16, coresPerDevice: 4 },
};

/** True for a Neuron (Trainium) instance type the simulator knows. */
export const isNeuronType = (instanceType: string): boolean => Object.hasOwn(NEURON_TYPES, instanceType);

/** Neuron devices of a type (0 for any other type). */
export const neuronDevicesForType = (instanceType: string): number =>
  isNeuronType(instanceType) ? (NEURON_TYPES[instanceType]?.devices ?? 0) : 0;

/**
 * The extended resources a node of this type shows with `devices` accelerator devices working:
 * GPUs on NVIDIA types, Neuron devices and their cores on Neuron types.
 *
 * @example
 * devicePluginResources('ml.trn1.32xlarge', 15); // { 'aws.amazon.com/neuron': '15', 'aws.amazon.com/neuroncore': '30' }
 */
export const devicePluginResources = (instanceType: string, devices: number): Record<string, string> => {
  const neuron = isNeuronType(instanceType) ? NEURON_TYPES[instanceType] : undefined;
  if (neuron) {
    return { [NEURON_DEVICE]: String(devices), [NEURON_CORE]: String(devices * neuron.coresPerDevice) };
  }
  return { [NVIDIA_GPU]: String(devices) };
};

/** The labels the device plugins' companions put on a node (NVIDIA's GPU feature discovery). */
export const devicePluginLabels = (instanceType: string, devices: number): Record<string, string> =>
  isNeuronType(instanceType) ? {} : { [`${NVIDIA_GPU}.present`]: devices > 0 ? 'true' : 'false' };

/**
 * What a training pod on a node of this type requests for `count` accelerators: GPUs, or
 * NeuronCores on Neuron types (how Neuron training pods are usually sized).
 */
export const podAcceleratorRequest = (instanceType: string, count: number): Record<string, string> =>
  isNeuronType(instanceType) ? { [NEURON_CORE]: String(count) } : { [NVIDIA_GPU]: String(count) };

/** Accelerator devices allocatable on a node, whichever plugin advertises them. */
export const allocatableDevices = (allocatable: Record<string, string> | undefined): number =>
  Number(allocatable?.[NVIDIA_GPU] ?? allocatable?.[NEURON_DEVICE] ?? 0);
