/**
 * The quick health-check Job: a batch/v1 Job in our own namespace, pinned to the node
 * (`spec.nodeName`), tolerating our quarantine taint and HyperPod's node-health-status taint,
 * requesting all the node's accelerators — GPUs or Neuron devices, functions/domain/accelerators.ts —
 * (and its EFA devices when the node advertises them), running the
 * checks the configuration lists — image, commands and thresholds from config, never from an
 * event — and writing one compact JSON verdict as its termination message (health-verdict.ts).
 * The Job cleans itself up (`ttlSecondsAfterFinished`) and cannot outlive its deadline
 * (`activeDeadlineSeconds`, `backoffLimit: 0`).
 *
 * Security profile (README "Security review checklist"): by default the pod meets the Kubernetes
 * `restricted` Pod Security Standard — a non-root user, no privilege escalation, every capability
 * dropped, the runtime's default seccomp profile, a read-only root filesystem (scratch space on an
 * emptyDir at /tmp) — with CPU and memory requests equal to limits beside the accelerators. Whether
 * every check tool works so on a GPU/Neuron node is unverified (docs/facts/health-check-pod.md
 * pod.checks-as-non-root): `privileged: true` in the config is the switch back to a privileged
 * container, off by default.
 */
import { acceleratorRequests } from '#domain/accelerators.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { SPARE_TAINT_KEY } from '#domain/spares.ts';

/** On the Job and its pod: the Job's name, to find the pod by label selector. */
export const HEALTH_CHECK_LABEL = 'hyperpod-resilience.io/health-check';
/** On the Job and its pod: the EC2 instance checked. */
export const HEALTH_CHECK_INSTANCE_LABEL = 'hyperpod-resilience.io/instance-id';
export const HEALTH_CHECK_NODE_ANNOTATION = 'hyperpod-resilience.io/node';
export const HEALTH_CHECK_PURPOSE_ANNOTATION = 'hyperpod-resilience.io/purpose';
export const HEALTH_CHECK_INCIDENT_ANNOTATION = 'hyperpod-resilience.io/incident';
export const HEALTH_CHECK_CONTAINER = 'health-check';
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** Writable scratch space of the restricted profile (its root filesystem is read-only). */
export const SCRATCH_PATH = '/tmp';
/** HyperPod taints nodes under deep health checks (and HMA faulty ones) with this key (docs/FACTS.md taints.deep-health-check). */
export const HYPERPOD_HEALTH_TAINT_KEY = 'sagemaker.amazonaws.com/node-health-status';

export type HealthCheckPurpose = 'verify' | 'manual' | 'idle' | 'spare';

/** What the checks are judged against; handed to them as `HPR_*` environment variables. */
export interface QuickCheckExpectations {
  gpus: number;
  efaDevices: number;
  ncclBusBandwidthGBps?: number;
  neuronDevices?: number;
  neuronCores?: number;
  nccomBusBandwidthGBps?: number;
}

export interface QuickCheckSpec {
  name: string;
  command: string;
  timeoutSeconds: number;
}

export interface QuickCheckJobInput {
  /** From {@link quickCheckJobName}. */
  name: string;
  namespace: string;
  nodeName: string;
  instanceId: string;
  purpose: HealthCheckPurpose;
  incidentId?: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  checks: readonly QuickCheckSpec[];
  timeoutSeconds: number;
  ttlSecondsAfterFinished: number;
  serviceAccountName?: string;
  priorityClassName?: string;
  /** The privileged profile (a privileged container, as the image's user); off: the restricted profile. */
  privileged: boolean;
  /** The non-root user (and group) the restricted profile runs as. */
  runAsUser: number;
  /** CPU and memory, requested and limited alike (Kubernetes quantities). */
  compute: { cpu: string; memory: string };
  /** All the node's accelerators: the device resource it advertises and how many to request. */
  accelerator: { resource: string; devices: number };
  /** EFA devices to request (0: none; only when the node advertises the resource). */
  efaDevices: number;
  expectations: QuickCheckExpectations;
}

/**
 * 16 hex digits of two FNV-1a 32-bit hashes: short, stable, dependency-free names. Not a
 * security function.
 *
 * @example
 * stableHash('inc-1-1'); // e.g. '3f1c…' (always the same for the same text)
 */
export const stableHash = (text: string): string => {
  const fnv = (seed: number): string => {
    let hash = seed >>> 0;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, '0');
  };
  return `${fnv(0x811c9dc5)}${fnv(0x050c5d1f)}`;
};

/**
 * The Job name for one check: deterministic (a retried start finds the same Job), a valid
 * DNS label and label value (≤ 63 characters).
 *
 * @example
 * quickCheckJobName('hpr-incident-1-attempt-2'); // 'hpr-qc-<16 hex>'
 */
export const quickCheckJobName = (checkId: string): string => `hpr-qc-${stableHash(checkId)}`;

const shellWord = /^[a-z][a-z0-9-]*$/;

/**
 * The POSIX shell that runs the configured checks in order and writes the verdict. Check
 * commands come in through environment variables (`HPR_CHECK_<i>`), so no command text is ever
 * spliced into the script; names are validated words. A check passes when its command exits 0
 * within its timeout; its last stdout line is kept as metrics when it looks like one JSON
 * object of at most 512 characters.
 *
 * @example
 * renderCheckScript([{ name: 'gpu-count', command: '…', timeoutSeconds: 60 }]);
 * // → 'set -u\n…run_check gpu-count "$HPR_CHECK_0" 60\n…'
 */
export const renderCheckScript = (
  checks: readonly QuickCheckSpec[],
  terminationMessagePath: string = TERMINATION_MESSAGE_PATH,
): string => {
  for (const check of checks) {
    if (!shellWord.test(check.name)) throw new Error(`invalid check name ${JSON.stringify(check.name)}`);
  }
  return [
    'set -u',
    "verdict=''",
    'failed=0',
    'run_check() {',
    '  out=$(timeout "$3" sh -c "$2" 2>/dev/null); rc=$?',
    '  metrics=$(printf "%s\\n" "$out" | tail -n 1)',
    `  case "$metrics" in '{'*'}') ;; *) metrics='{}' ;; esac`,
    `  [ "\${#metrics}" -gt 512 ] && metrics='{}'`,
    '  if [ "$rc" -eq 0 ]; then pass=true; else pass=false; failed=1; fi',
    '  entry=$(printf \'{"name":"%s","pass":%s,"metrics":%s}\' "$1" "$pass" "$metrics")',
    '  if [ -z "$verdict" ]; then verdict=$entry; else verdict="$verdict,$entry"; fi',
    '}',
    ...checks.map((check, i) => `run_check ${check.name} "$HPR_CHECK_${i}" ${check.timeoutSeconds}`),
    `printf '{"v":1,"checks":[%s]}' "$verdict" > ${terminationMessagePath}`,
    'exit "$failed"',
    '',
  ].join('\n');
};

/**
 * The batch/v1 Job of one quick check.
 *
 * @example
 * buildQuickCheckJob({ name: quickCheckJobName('inc-1-1'), namespace: 'hyperpod-resilience',
 *   nodeName: 'hyperpod-i-0123456789abcdef0', instanceId: 'i-0123456789abcdef0', purpose: 'verify',
 *   image: 'example.com/checks@sha256:…', checks, accelerator: { resource: NVIDIA_GPU_RESOURCE, devices: 8 },
 *   efaDevices: 0, … }).spec.template.spec.nodeName;
 * // → 'hyperpod-i-0123456789abcdef0'
 */
export const buildQuickCheckJob = (input: QuickCheckJobInput): KubeObject => {
  const labels = {
    'app.kubernetes.io/name': 'hyperpod-resilience',
    'app.kubernetes.io/component': 'health-check',
    'app.kubernetes.io/managed-by': 'hyperpod-resilience',
    [HEALTH_CHECK_LABEL]: input.name,
    [HEALTH_CHECK_INSTANCE_LABEL]: input.instanceId,
  };
  const resources = {
    cpu: input.compute.cpu,
    memory: input.compute.memory,
    ...acceleratorRequests({
      resource: input.accelerator.resource,
      devices: input.accelerator.devices,
      efaDevices: input.efaDevices,
    }),
  };
  const seccompProfile = { type: 'RuntimeDefault' };
  const podSecurity = input.privileged
    ? {}
    : {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: input.runAsUser,
          runAsGroup: input.runAsUser,
          seccompProfile,
        },
      };
  const containerSecurity = input.privileged
    ? { privileged: true }
    : {
        privileged: false,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile,
      };
  const expected = input.expectations;
  const env = [
    { name: 'HPR_EXPECTED_GPUS', value: String(expected.gpus) },
    { name: 'HPR_EXPECTED_EFA', value: String(expected.efaDevices) },
    { name: 'HPR_NCCL_MIN_GBPS', value: String(expected.ncclBusBandwidthGBps ?? '') },
    ...(expected.neuronDevices !== undefined
      ? [
          { name: 'HPR_EXPECTED_NEURON_DEVICES', value: String(expected.neuronDevices) },
          { name: 'HPR_NEURON_CORES', value: String(expected.neuronCores ?? '') },
          { name: 'HPR_NCCOM_MIN_GBPS', value: String(expected.nccomBusBandwidthGBps ?? '') },
        ]
      : []),
    ...input.checks.map((check, i) => ({ name: `HPR_CHECK_${i}`, value: check.command })),
    // mktemp, shells and tools write here, not on the read-only root filesystem.
    { name: 'TMPDIR', value: SCRATCH_PATH },
    { name: 'HOME', value: SCRATCH_PATH },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels,
      annotations: {
        [HEALTH_CHECK_NODE_ANNOTATION]: input.nodeName,
        [HEALTH_CHECK_PURPOSE_ANNOTATION]: input.purpose,
        ...(input.incidentId ? { [HEALTH_CHECK_INCIDENT_ANNOTATION]: input.incidentId } : {}),
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.timeoutSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          nodeName: input.nodeName,
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          ...podSecurity,
          ...(input.serviceAccountName ? { serviceAccountName: input.serviceAccountName } : {}),
          ...(input.priorityClassName ? { priorityClassName: input.priorityClassName } : {}),
          tolerations: [
            { key: QUARANTINE_TAINT_KEY, operator: 'Exists' },
            { key: HYPERPOD_HEALTH_TAINT_KEY, operator: 'Exists' },
            // A new hot spare is checked under its pool taint (functions/domain/spare-pool.ts).
            { key: SPARE_TAINT_KEY, operator: 'Exists' },
          ],
          containers: [
            {
              name: HEALTH_CHECK_CONTAINER,
              image: input.image,
              imagePullPolicy: input.imagePullPolicy,
              command: ['/bin/sh', '-c', renderCheckScript(input.checks)],
              env,
              resources: { limits: resources, requests: { ...resources } },
              terminationMessagePath: TERMINATION_MESSAGE_PATH,
              terminationMessagePolicy: 'File',
              volumeMounts: [
                { name: 'dshm', mountPath: '/dev/shm' },
                { name: 'scratch', mountPath: SCRATCH_PATH },
              ],
              securityContext: containerSecurity,
            },
          ],
          // NCCL (and the Neuron collectives) need more shared memory than the container runtime's
          // 64 MiB default. A memory-backed emptyDir counts against the memory limit.
          volumes: [
            { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } },
            { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
};
