import { describe, expect, it } from 'vitest';
import { ACCELERATOR_TABLE } from '#contracts/accelerator-table.ts';
import {
  acceleratorRequests,
  acceleratorShortfall,
  deviceResourceOf,
  expectedDevicesOf,
  readAccelerators,
  requestsAccelerators,
  vendorOf,
} from '#domain/accelerators.ts';
import type { KubeNode } from '#domain/kube-types.ts';

const node = (
  capacity: Record<string, string>,
  allocatable: Record<string, string> = capacity,
): KubeNode => ({
  metadata: { name: 'hyperpod-i-0123456789abcdef0' },
  status: { capacity, allocatable },
});

describe('Table: ACCELERATOR_TABLE', () => {
  it.each([
    // NVIDIA: https://aws.amazon.com/ec2/instance-types/p5/ and siblings (docs/facts/accelerators.md accelerators.nvidia-counts)
    { type: 'ml.p4d.24xlarge', vendor: 'nvidia', devices: 8, efa: 4 },
    { type: 'ml.p4de.24xlarge', vendor: 'nvidia', devices: 8, efa: 4 },
    { type: 'ml.p5.48xlarge', vendor: 'nvidia', devices: 8, efa: 32 },
    { type: 'ml.p5e.48xlarge', vendor: 'nvidia', devices: 8, efa: 32 },
    { type: 'ml.p5en.48xlarge', vendor: 'nvidia', devices: 8, efa: 16 },
    { type: 'ml.p6-b200.48xlarge', vendor: 'nvidia', devices: 8, efa: 8 },
    { type: 'ml.g5.12xlarge', vendor: 'nvidia', devices: 4, efa: 0 },
    { type: 'ml.g5.24xlarge', vendor: 'nvidia', devices: 4, efa: 0 },
    { type: 'ml.g5.48xlarge', vendor: 'nvidia', devices: 8, efa: 0 },
    { type: 'ml.g6.12xlarge', vendor: 'nvidia', devices: 4, efa: 0 },
    { type: 'ml.g6.48xlarge', vendor: 'nvidia', devices: 8, efa: 0 },
    { type: 'ml.g6e.12xlarge', vendor: 'nvidia', devices: 4, efa: 0 },
    { type: 'ml.g6e.48xlarge', vendor: 'nvidia', devices: 8, efa: 0 },
    // AWS Neuron docs, Trn1/Trn1n architecture: "Trn1.32xlarge - 16" Trainium devices, "each Trainium
    // include 2 x NeuronCore-v2"; setup-trn1-multi-node-execution: "trn1.32xlarge has 8 EFA devices,
    // trn1n.32xlarge has 16 EFA devices" (accelerators.trn1-counts, accelerators.efa-counts).
    { type: 'ml.trn1.32xlarge', vendor: 'neuron', devices: 16, cores: 32, efa: 8 },
    { type: 'ml.trn1n.32xlarge', vendor: 'neuron', devices: 16, cores: 32, efa: 16 },
    // Trainium2: "Every Trainium2 device contains eight physical NeuronCore-v3"; the advertised
    // NeuronCore count depends on the Logical NeuronCore configuration and the EFA count is not
    // published on the pages we read: neither is judged (accelerators.trn2-counts).
    { type: 'ml.trn2.48xlarge', vendor: 'neuron', devices: 16, cores: undefined, efa: 0 },
  ])('describes $type: $devices $vendor devices, $efa EFA', ({ type, vendor, devices, cores, efa }) => {
    // Act
    const row = ACCELERATOR_TABLE[type];

    // Assess
    expect(row).toBeDefined();
    expect(vendorOf(row!)).toBe(vendor);
    expect(expectedDevicesOf(row!)).toBe(devices);
    expect(row!.neuronCores).toBe(cores);
    expect(row!.efaDevices ?? 0).toBe(efa);
    expect(deviceResourceOf(row!)).toBe(vendor === 'neuron' ? 'aws.amazon.com/neuron' : 'nvidia.com/gpu');
  });

  it('gives every NVIDIA row a GPU count and no Neuron field, and every Neuron row the reverse', () => {
    // Assess
    for (const [type, row] of Object.entries(ACCELERATOR_TABLE)) {
      if (vendorOf(row) === 'neuron') {
        expect(row.gpus ?? 0, type).toBe(0);
        expect(row.ncclBusBandwidthGBps, type).toBeUndefined();
      } else {
        expect(row.gpus, type).toBeGreaterThan(0);
        expect(row.neuronCores, type).toBeUndefined();
        expect(row.nccomBusBandwidthGBps, type).toBeUndefined();
      }
    }
  });
});

describe('Function: readAccelerators', () => {
  it.each([
    {
      case: 'a GPU node against its row',
      node: node({ 'nvidia.com/gpu': '8' }, { 'nvidia.com/gpu': '7' }),
      row: ACCELERATOR_TABLE['ml.p5.48xlarge'],
      reading: { vendor: 'nvidia', resource: 'nvidia.com/gpu', expected: 8, allocatable: 7, capacity: 8 },
    },
    {
      // The Neuron device plugin advertises aws.amazon.com/neuron and aws.amazon.com/neuroncore.
      case: 'a Trainium node against its row, cores included',
      node: node({ 'aws.amazon.com/neuron': '16', 'aws.amazon.com/neuroncore': '32' }),
      row: ACCELERATOR_TABLE['ml.trn1.32xlarge'],
      reading: {
        vendor: 'neuron',
        resource: 'aws.amazon.com/neuron',
        expected: 16,
        allocatable: 16,
        cores: { expected: 32, allocatable: 32, capacity: 32 },
        noun: 'Neuron devices',
      },
    },
    {
      // Before Neuron 2.20 the device resource was named 'neurondevice'.
      case: 'a Trainium node still on the pre-2.20 device resource name',
      node: node({ 'aws.amazon.com/neurondevice': '16' }),
      row: ACCELERATOR_TABLE['ml.trn1.32xlarge'],
      reading: { vendor: 'neuron', resource: 'aws.amazon.com/neurondevice', expected: 16, allocatable: 16 },
    },
    {
      case: 'a node of an unlisted type by the resource it advertises',
      node: node({ 'aws.amazon.com/neuron': '1', 'aws.amazon.com/neuroncore': '2' }),
      row: undefined,
      reading: { vendor: 'neuron', resource: 'aws.amazon.com/neuron', expected: 1, cores: { capacity: 2 } },
    },
    {
      case: 'a node without accelerators as a GPU node with none',
      node: { metadata: { name: 'cpu' } } as KubeNode,
      row: undefined,
      reading: { vendor: 'nvidia', resource: 'nvidia.com/gpu', expected: 0, allocatable: 0, capacity: 0 },
    },
    {
      case: 'a row that names no accelerator as expecting none',
      node: node({ 'nvidia.com/gpu': '2' }),
      row: { efaDevices: 0 },
      reading: { vendor: 'nvidia', expected: 0, allocatable: 2 },
    },
    {
      case: 'garbage and negative quantities as zero',
      node: node({ 'nvidia.com/gpu': 'lots' }, { 'nvidia.com/gpu': '-3' }),
      row: ACCELERATOR_TABLE['ml.g5.12xlarge'],
      reading: { expected: 4, allocatable: 0, capacity: 0 },
    },
  ])('reads $case', ({ node: n, row, reading }) => {
    // Act
    const result = readAccelerators(n, row);

    // Assess
    expect(result).toMatchObject(reading);
  });
});

describe('Function: acceleratorShortfall', () => {
  it.each([
    {
      case: 'missing GPUs',
      node: node({ 'nvidia.com/gpu': '8' }, { 'nvidia.com/gpu': '7' }),
      row: ACCELERATOR_TABLE['ml.p5.48xlarge'],
      shortfall: 'only 7 of 8 GPUs allocatable',
    },
    {
      case: 'missing Neuron devices',
      node: node({ 'aws.amazon.com/neuron': '16' }, { 'aws.amazon.com/neuron': '14' }),
      row: ACCELERATOR_TABLE['ml.trn1n.32xlarge'],
      shortfall: 'only 14 of 16 Neuron devices allocatable',
    },
    {
      case: 'missing NeuronCores where the type publishes the count',
      node: node(
        { 'aws.amazon.com/neuron': '16', 'aws.amazon.com/neuroncore': '32' },
        { 'aws.amazon.com/neuron': '16', 'aws.amazon.com/neuroncore': '30' },
      ),
      row: ACCELERATOR_TABLE['ml.trn1.32xlarge'],
      shortfall: 'only 30 of 32 NeuronCores allocatable',
    },
    {
      case: 'nothing when a trn2 node shows any NeuronCore count (not published: LNC decides)',
      node: node({ 'aws.amazon.com/neuron': '16', 'aws.amazon.com/neuroncore': '64' }),
      row: ACCELERATOR_TABLE['ml.trn2.48xlarge'],
      shortfall: undefined,
    },
    {
      case: 'nothing when the node advertises no NeuronCore resource at all',
      node: node({ 'aws.amazon.com/neuron': '16' }),
      row: ACCELERATOR_TABLE['ml.trn1.32xlarge'],
      shortfall: undefined,
    },
    {
      case: 'nothing on a healthy GPU node',
      node: node({ 'nvidia.com/gpu': '4' }),
      row: ACCELERATOR_TABLE['ml.g6e.12xlarge'],
      shortfall: undefined,
    },
  ])('reports $case', ({ node: n, row, shortfall }) => {
    // Act
    const result = acceleratorShortfall(readAccelerators(n, row));

    // Assess
    expect(result).toBe(shortfall);
  });
});

describe('Function: requestsAccelerators', () => {
  type Resources = { limits?: Record<string, string>; requests?: Record<string, string> } | undefined;
  it.each<{ case: string; resources: Resources; wants: boolean }>([
    { case: 'GPU limits', resources: { limits: { 'nvidia.com/gpu': '1' } }, wants: true },
    {
      case: 'NeuronCore requests',
      resources: { requests: { 'aws.amazon.com/neuroncore': '32' } },
      wants: true,
    },
    { case: 'Neuron device limits', resources: { limits: { 'aws.amazon.com/neuron': '16' } }, wants: true },
    { case: 'CPU only', resources: { limits: { cpu: '4' } }, wants: false },
    { case: 'a zero GPU limit', resources: { limits: { 'nvidia.com/gpu': '0' } }, wants: false },
    { case: 'no resources', resources: undefined, wants: false },
  ])('says $wants for $case', ({ resources, wants }) => {
    // Act & Assess
    expect(requestsAccelerators(resources)).toBe(wants);
  });
});

describe('Function: acceleratorRequests', () => {
  it.each([
    {
      case: 'every GPU and the EFA devices',
      input: { resource: 'nvidia.com/gpu', devices: 8, efaDevices: 32 },
      requests: { 'nvidia.com/gpu': '8', 'vpc.amazonaws.com/efa': '32' },
    },
    {
      case: 'every Neuron device, never NeuronCores as well',
      input: { resource: 'aws.amazon.com/neuron', devices: 16, efaDevices: 0 },
      requests: { 'aws.amazon.com/neuron': '16' },
    },
    {
      case: 'nothing on a node without accelerators',
      input: { resource: 'nvidia.com/gpu', devices: 0, efaDevices: 0 },
      requests: {},
    },
  ])('requests $case', ({ input, requests }) => {
    // Act & Assess
    expect(acceleratorRequests(input)).toEqual(requests);
  });
});
