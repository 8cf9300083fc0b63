import { describe, expect, it } from 'vitest';
import {
  buildQuickCheckJob,
  type QuickCheckJobInput,
  quickCheckJobName,
  renderCheckScript,
  stableHash,
} from '#domain/health-check-job.ts';

const CHECKS = [
  { name: 'gpu-count', command: 'echo "{\\"count\\":8}"', timeoutSeconds: 60 },
  { name: 'dcgm-diag', command: 'dcgmi diag -r 2', timeoutSeconds: 600 },
];

const input = (extra: Partial<QuickCheckJobInput> = {}): QuickCheckJobInput => ({
  name: quickCheckJobName('inc-1#1#i-0123456789abcdef0'),
  namespace: 'hyperpod-resilience',
  nodeName: 'hyperpod-i-0123456789abcdef0',
  instanceId: 'i-0123456789abcdef0',
  purpose: 'verify',
  incidentId: 'inc-1',
  image:
    'registry.example.com/checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  imagePullPolicy: 'IfNotPresent',
  checks: CHECKS,
  timeoutSeconds: 1200,
  ttlSecondsAfterFinished: 3600,
  privileged: false,
  runAsUser: 65532,
  compute: { cpu: '4', memory: '16Gi' },
  accelerator: { resource: 'nvidia.com/gpu', devices: 8 },
  efaDevices: 0,
  expectations: { gpus: 8, efaDevices: 32, ncclBusBandwidthGBps: 350 },
  ...extra,
});

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the manifest freely
type PodSpec = Record<string, any>;
const podSpec = (job: ReturnType<typeof buildQuickCheckJob>): PodSpec =>
  (job.spec!.template as { spec: PodSpec }).spec;

describe('Function: stableHash', () => {
  it('gives the same 16 hex digits for the same text and different ones for different text', () => {
    // Assess
    expect(stableHash('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(stableHash('a')).toBe(stableHash('a'));
    expect(stableHash('a')).not.toBe(stableHash('b'));
  });
});

describe('Function: quickCheckJobName', () => {
  it('is a DNS label short enough for a label value', () => {
    // Act
    const name = quickCheckJobName(`${'x'.repeat(300)}#1#i-0123456789abcdef0`);

    // Assess
    expect(name).toMatch(/^hpr-qc-[0-9a-f]{16}$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });
});

describe('Function: buildQuickCheckJob', () => {
  it('pins a one-shot, self-cleaning Job to the node in our namespace', () => {
    // Act
    const job = buildQuickCheckJob(input());

    // Assess
    expect(job.metadata).toMatchObject({
      namespace: 'hyperpod-resilience',
      labels: {
        'app.kubernetes.io/managed-by': 'hyperpod-resilience',
        'hyperpod-resilience.io/health-check': job.metadata.name,
        'hyperpod-resilience.io/instance-id': 'i-0123456789abcdef0',
      },
      annotations: {
        'hyperpod-resilience.io/node': 'hyperpod-i-0123456789abcdef0',
        'hyperpod-resilience.io/purpose': 'verify',
        'hyperpod-resilience.io/incident': 'inc-1',
      },
    });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 1200,
      ttlSecondsAfterFinished: 3600,
    });
    const spec = podSpec(job);
    expect(spec).toMatchObject({
      nodeName: 'hyperpod-i-0123456789abcdef0',
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      tolerations: [
        { key: 'hyperpod-resilience.io/quarantine', operator: 'Exists' },
        { key: 'sagemaker.amazonaws.com/node-health-status', operator: 'Exists' },
        { key: 'hyperpod-resilience.io/spare', operator: 'Exists' },
      ],
    });
    expect((job.spec!.template as { metadata: { labels: object } }).metadata.labels).toEqual(
      job.metadata.labels,
    );
  });

  it('runs the configured image and checks, requests every GPU and writes the verdict as termination message', () => {
    // Act
    const [container] = podSpec(buildQuickCheckJob(input())).containers;

    // Assess
    expect(container).toMatchObject({
      name: 'health-check',
      image:
        'registry.example.com/checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      imagePullPolicy: 'IfNotPresent',
      resources: {
        limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '8' },
        requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '8' },
      },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
    expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(container.env).toEqual([
      { name: 'HPR_EXPECTED_GPUS', value: '8' },
      { name: 'HPR_EXPECTED_EFA', value: '32' },
      { name: 'HPR_NCCL_MIN_GBPS', value: '350' },
      { name: 'HPR_CHECK_0', value: CHECKS[0]?.command },
      { name: 'HPR_CHECK_1', value: CHECKS[1]?.command },
      { name: 'TMPDIR', value: '/tmp' },
      { name: 'HOME', value: '/tmp' },
    ]);
  });

  it('runs as a non-root user with no capabilities, no privilege escalation, seccomp RuntimeDefault and a read-only root filesystem', () => {
    // Act
    const spec = podSpec(buildQuickCheckJob(input()));
    const [container] = spec.containers;

    // Assess: the fields of the Kubernetes "restricted" Pod Security Standard
    // (docs/facts/health-check-pod.md pod.restricted-standard).
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      privileged: false,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toContainEqual({ name: 'scratch', mountPath: '/tmp' });
    expect(spec.volumes).toContainEqual({ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } });
    expect(container.resources.requests).toEqual(container.resources.limits);
  });

  it.each([
    {
      case: 'EFA devices, a service account, a priority class and privileges when configured',
      extra: {
        efaDevices: 32,
        serviceAccountName: 'checks',
        priorityClassName: 'system-node-critical',
        privileged: true,
      },
      assess: (spec: PodSpec) => {
        expect(spec.containers[0].resources.limits).toEqual({
          cpu: '4',
          memory: '16Gi',
          'nvidia.com/gpu': '8',
          'vpc.amazonaws.com/efa': '32',
        });
        expect(spec.securityContext).toBeUndefined();
        expect(spec).toMatchObject({
          serviceAccountName: 'checks',
          priorityClassName: 'system-node-critical',
        });
        expect(spec.containers[0].securityContext).toEqual({ privileged: true });
      },
    },
    {
      case: 'no GPU request and no NCCL floor on a node without GPUs',
      extra: {
        accelerator: { resource: 'nvidia.com/gpu', devices: 0 },
        incidentId: undefined,
        expectations: { gpus: 0, efaDevices: 0 },
      },
      assess: (spec: PodSpec) => {
        expect(spec.containers[0].resources.limits).toEqual({ cpu: '4', memory: '16Gi' });
        expect(spec.containers[0].env[2]).toEqual({ name: 'HPR_NCCL_MIN_GBPS', value: '' });
        expect(spec.serviceAccountName).toBeUndefined();
      },
    },
    {
      case: 'every Neuron device, the EFA devices and the Neuron expectations on a Trainium node',
      extra: {
        accelerator: { resource: 'aws.amazon.com/neuron', devices: 16 },
        efaDevices: 8,
        expectations: {
          gpus: 0,
          efaDevices: 8,
          neuronDevices: 16,
          neuronCores: 32,
          nccomBusBandwidthGBps: 50,
        },
      },
      assess: (spec: PodSpec) => {
        // Neuron device plugin resource names (docs/facts/accelerators.md accelerators.neuron-resources).
        expect(spec.containers[0].resources.limits).toEqual({
          cpu: '4',
          memory: '16Gi',
          'aws.amazon.com/neuron': '16',
          'vpc.amazonaws.com/efa': '8',
        });
        expect(spec.containers[0].resources.requests).toEqual(spec.containers[0].resources.limits);
        expect(spec.containers[0].resources.limits).not.toHaveProperty('aws.amazon.com/neuroncore');
        expect(spec.containers[0].env.slice(0, 6)).toEqual([
          { name: 'HPR_EXPECTED_GPUS', value: '0' },
          { name: 'HPR_EXPECTED_EFA', value: '8' },
          { name: 'HPR_NCCL_MIN_GBPS', value: '' },
          { name: 'HPR_EXPECTED_NEURON_DEVICES', value: '16' },
          { name: 'HPR_NEURON_CORES', value: '32' },
          { name: 'HPR_NCCOM_MIN_GBPS', value: '50' },
        ]);
      },
    },
    {
      case: 'empty NeuronCore and floor variables when the type publishes neither',
      extra: {
        accelerator: { resource: 'aws.amazon.com/neuron', devices: 16 },
        expectations: { gpus: 0, efaDevices: 0, neuronDevices: 16 },
      },
      assess: (spec: PodSpec) => {
        expect(spec.containers[0].env.slice(3, 6)).toEqual([
          { name: 'HPR_EXPECTED_NEURON_DEVICES', value: '16' },
          { name: 'HPR_NEURON_CORES', value: '' },
          { name: 'HPR_NCCOM_MIN_GBPS', value: '' },
        ]);
      },
    },
  ])('adds $case', ({ extra, assess }) => {
    // Act
    const job = buildQuickCheckJob(input(extra));

    // Assess
    assess(podSpec(job));
  });
});

describe('Function: renderCheckScript', () => {
  it('runs each check from its own environment variable, never splicing command text into the script', () => {
    // Act
    const script = renderCheckScript(CHECKS);

    // Assess
    expect(script).toContain('run_check gpu-count "$HPR_CHECK_0" 60');
    expect(script).toContain('run_check dcgm-diag "$HPR_CHECK_1" 600');
    expect(script).not.toContain('dcgmi');
    expect(script).toContain('> /dev/termination-log');
    expect(script.trimEnd().endsWith('exit "$failed"')).toBe(true);
  });

  it('refuses a check name that is not a plain word', () => {
    // Act
    const render = () => renderCheckScript([{ name: 'x; rm -rf /', command: 'true', timeoutSeconds: 5 }]);

    // Assess
    expect(render).toThrow('invalid check name');
  });
});
