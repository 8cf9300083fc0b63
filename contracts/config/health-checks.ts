/**
 * The `healthChecks` section: quick checks (a Kubernetes Job pinned to the node) and HyperPod's
 * deep health check, and what each instance type should show when healthy. Each default is
 * written once at its field; a section left out is parsed as `{}` (`prefault`).
 */
import * as z from 'zod';
import { ACCELERATOR_TABLE } from '#contracts/accelerator-table.ts';
import { MAX_POLLS_PER_WAIT, POLLS_MESSAGE } from '#contracts/config/policy.ts';

/** Our own namespace: health-check Jobs live here and nowhere else (the RBAC manifest creates it). */
export const HEALTH_CHECK_NAMESPACE = 'hyperpod-resilience';

/**
 * An image referenced by digest, `<repository>@sha256:<64 hex digits>`: a tag can be moved to
 * another image after review, a digest cannot (the OCI image spec's `sha256` digest is 64
 * lowercase hex digits; docs/facts/health-check-pod.md pod.image-digest).
 */
export const IMAGE_BY_DIGEST = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/;
const IMAGE_BY_DIGEST_MESSAGE =
  'must be referenced by digest, <repository>@sha256:<64 lowercase hex digits> (a tag can be moved to another image): ' +
  'e.g. resolve it with `docker buildx imagetools inspect <image:tag>`';

/** Kubernetes quantities of CPU (`4`, `500m`, `1.5`) and memory (`16Gi`, `512Mi`). */
const CPU_QUANTITY = /^(?:[1-9][0-9]*m|[0-9]+(?:\.[0-9]+)?)$/;
const MEMORY_QUANTITY = /^[1-9][0-9]*(?:Ki|Mi|Gi|Ti)?$/;

/** A quick-check name: it becomes part of the verdict and of an environment variable name. */
const CHECK_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * What one instance type should show when healthy (contracts/accelerator-table.ts: NVIDIA GPU
 * and AWS Neuron types are peers). Device counts are AWS's published figures; the collective
 * bus-bandwidth floors are our [proposal] (docs/facts/accelerators.md accelerators.bandwidth-floors):
 * tune them on your fleet.
 */
export const instanceTypeHealthSchema = z
  .object({
    /** NVIDIA GPUs of the type; absent on a Neuron type. */
    gpus: z.number().int().min(0).max(64).optional(),
    /** Neuron devices of the type: present = a Neuron (Trainium) type, judged by `aws.amazon.com/neuron`. */
    neuronDevices: z.number().int().min(0).max(64).optional(),
    /** NeuronCores the Neuron device plugin advertises; absent = not judged. */
    neuronCores: z.number().int().min(0).max(1024).optional(),
    /** EFA devices (`vpc.amazonaws.com/efa`) of the type; 0 = no EFA expected. */
    efaDevices: z.number().int().min(0).max(64).default(0),
    /** Minimum single-node NCCL all_reduce_perf bus bandwidth (GB/s); absent = not judged. */
    ncclBusBandwidthGBps: z.number().positive().max(100_000).optional(),
    /** Minimum single-node Neuron `nccom-test` all-reduce bus bandwidth (GB/s); absent = not judged. */
    nccomBusBandwidthGBps: z.number().positive().max(100_000).optional(),
  })
  .refine((row) => row.gpus !== undefined || row.neuronDevices !== undefined, {
    message: 'name the accelerators: gpus (NVIDIA) or neuronDevices (Neuron)',
  })
  .refine((row) => row.neuronDevices === undefined || !row.gpus, {
    message: 'a type has GPUs or Neuron devices, not both',
  });
export type InstanceTypeHealth = z.infer<typeof instanceTypeHealthSchema>;

export const DEFAULT_INSTANCE_TYPES: Readonly<Record<string, z.input<typeof instanceTypeHealthSchema>>> =
  ACCELERATOR_TABLE;

export const quickCheckSchema = z.object({
  /** Reported in the verdict under this name. */
  name: z.string().regex(CHECK_NAME, 'a check name: lowercase letters, digits, hyphens (1-32)'),
  /**
   * POSIX shell run in the check container. It prints ONE JSON object of metrics as its last
   * stdout line and exits 0 when the check passes. It sees `HPR_EXPECTED_GPUS`,
   * `HPR_EXPECTED_EFA` and `HPR_NCCL_MIN_GBPS` (empty when not judged) from the instance type,
   * and on Neuron nodes `HPR_EXPECTED_NEURON_DEVICES`, `HPR_NEURON_CORES` and `HPR_NCCOM_MIN_GBPS`.
   */
  command: z.string().min(1).max(2000),
  /** Seconds the command may take before it counts as failed. */
  timeoutSeconds: z.number().int().min(5).max(3600).default(600),
});
export type QuickCheck = z.infer<typeof quickCheckSchema>;

/**
 * Default checks (our proposal; docs/FACTS.md sagemaker.start-cluster-health-check for the deep checks): GPU count against the instance type,
 * DCGM diagnostics level 2 (≈ 2 min), single-node NCCL all-reduce bus bandwidth, EFA devices.
 * The image must provide nvidia-smi, dcgmi/nv-hostengine, nccl-tests' all_reduce_perf and sysfs.
 */
export const DEFAULT_QUICK_CHECKS: readonly z.input<typeof quickCheckSchema>[] = [
  {
    name: 'gpu-count',
    command:
      'n=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l); echo "{\\"count\\":$n}"; [ "$n" -eq "$HPR_EXPECTED_GPUS" ]',
    timeoutSeconds: 60,
  },
  {
    name: 'dcgm-diag',
    command:
      '(nv-hostengine -n >/dev/null 2>&1 || true); out=$(mktemp); dcgmi diag -r 2 > "$out" 2>&1; rc=$?; f=$(grep -c -w Fail "$out"); echo "{\\"level\\":2,\\"exitCode\\":$rc,\\"failures\\":$f}"; [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]',
    timeoutSeconds: 600,
  },
  {
    name: 'nccl-all-reduce',
    command:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'bw=$(all_reduce_perf -b 1G -e 4G -f 2 -g "$HPR_EXPECTED_GPUS" | awk \'/Avg bus bandwidth/ {print $NF}\'); echo "{\\"busBandwidthGBps\\":${bw:-0}}"; awk -v b="${bw:-0}" -v t="${HPR_NCCL_MIN_GBPS:-0}" \'BEGIN { exit !(b + 0 > 0 && b + 0 >= t + 0) }\'',
    timeoutSeconds: 600,
  },
  {
    name: 'efa',
    command:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'n=$(ls -d /sys/class/infiniband/*/ 2>/dev/null | wc -l); echo "{\\"devices\\":$n}"; [ "$n" -ge "${HPR_EXPECTED_EFA:-0}" ]',
    timeoutSeconds: 60,
  },
];

/**
 * Default checks on Neuron (Trainium) nodes, our proposal on documented tools
 * (docs/facts/accelerators.md accelerators.neuron-quick-checks): the Neuron device count
 * `neuron-ls` shows against the instance type, a small `nccom-test` all-reduce as runtime smoke
 * test, a single-node `nccom-test` all-reduce over every NeuronCore against the type's floor,
 * EFA devices. The image must provide neuron-ls and nccom-test (aws-neuronx-tools) and sysfs.
 */
export const DEFAULT_NEURON_QUICK_CHECKS: readonly z.input<typeof quickCheckSchema>[] = [
  {
    name: 'neuron-device-count',
    command:
      'n=$(neuron-ls | grep -cE \'^[|] +[0-9]+ +[|]\'); echo "{\\"count\\":$n}"; [ "$n" -eq "$HPR_EXPECTED_NEURON_DEVICES" ]',
    timeoutSeconds: 60,
  },
  {
    name: 'neuron-runtime',
    command: 'nccom-test -r 2 allr >/dev/null 2>&1; rc=$?; echo "{\\"exitCode\\":$rc}"; [ "$rc" -eq 0 ]',
    timeoutSeconds: 300,
  },
  {
    name: 'nccom-all-reduce',
    command:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'bw=$(nccom-test -r "$HPR_NEURON_CORES" allr | awk \'/Avg bus bandwidth/ {print $NF}\' | sed \'s|GB/s||\'); echo "{\\"busBandwidthGBps\\":${bw:-0}}"; awk -v b="${bw:-0}" -v t="${HPR_NCCOM_MIN_GBPS:-0}" \'BEGIN { exit !(b + 0 > 0 && b + 0 >= t + 0) }\'',
    timeoutSeconds: 600,
  },
  {
    name: 'efa',
    command:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'n=$(ls -d /sys/class/infiniband/*/ 2>/dev/null | wc -l); echo "{\\"devices\\":$n}"; [ "$n" -ge "${HPR_EXPECTED_EFA:-0}" ]',
    timeoutSeconds: 60,
  },
];

const DEEP_HEALTH_CHECKS = ['InstanceStress', 'InstanceConnectivity'] as const;

export const healthChecksSchema = z
  .object({
    /**
     * Quick checks: a short Kubernetes Job pinned to the node. Off by default: without a
     * configured image a node after reboot is reported `not-verified`, never `passed`.
     */
    quick: z
      .object({
        enabled: z.boolean().default(false),
        /** Fixed image, by digest (`…@sha256:<64 hex>`); never taken from an event. Required when enabled. */
        image: z.string().min(1).max(512).regex(IMAGE_BY_DIGEST, IMAGE_BY_DIGEST_MESSAGE).optional(),
        imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
        checks: z
          .array(quickCheckSchema)
          .min(1)
          .max(10)
          .prefault(() => [...DEFAULT_QUICK_CHECKS]),
        /** The checks run on Neuron (Trainium) nodes instead of `checks`. */
        neuronChecks: z
          .array(quickCheckSchema)
          .min(1)
          .max(10)
          .prefault(() => [...DEFAULT_NEURON_QUICK_CHECKS]),
        /** Whole Job (activeDeadlineSeconds); past it the check fails with a timeout. */
        timeoutSeconds: z
          .number()
          .int()
          .min(60)
          .max(4 * 3600)
          .default(1200),
        pollSeconds: z.number().int().min(1).max(600).default(15),
        /** Finished Jobs delete themselves after this long (the verdict is read before). */
        ttlSecondsAfterFinished: z
          .number()
          .int()
          .min(60)
          .max(7 * 24 * 3600)
          .default(3600),
        /** A pod not running this long after creation (node gone, rejected) fails the check. */
        unschedulableGraceSeconds: z.number().int().min(10).max(3600).default(180),
        serviceAccountName: z.string().min(1).max(253).optional(),
        priorityClassName: z.string().min(1).max(253).optional(),
        /**
         * The privileged profile: a privileged container as the image's user, for check tools
         * that turn out to need it on your AMI (docs/facts/health-check-pod.md
         * pod.checks-as-non-root). Off: the restricted profile (non-root, no capabilities,
         * seccomp RuntimeDefault, read-only root filesystem). Our namespace's Pod Security
         * labels must then admit privileged pods.
         */
        privileged: z.boolean().default(false),
        /** The user and group id the restricted profile runs as (not root). */
        runAsUser: z.number().int().min(1).max(2_147_483_647).default(65532),
        /**
         * CPU and memory of the check pod, requested and limited alike. [proposal] sized for
         * DCGM diagnostics and a single-node all-reduce; memory includes the 8 GiB memory-backed
         * /dev/shm the collectives use.
         */
        compute: z
          .object({
            cpu: z.string().regex(CPU_QUANTITY, 'a Kubernetes CPU quantity, e.g. 4 or 500m').default('4'),
            memory: z
              .string()
              .regex(MEMORY_QUANTITY, 'a Kubernetes memory quantity, e.g. 16Gi')
              .default('16Gi'),
          })
          .prefault({}),
      })
      .superRefine((quick, ctx) => {
        if (quick.enabled && !quick.image) {
          ctx.addIssue({ code: 'custom', path: ['image'], message: 'an image is required when enabled' });
        }
        for (const list of ['checks', 'neuronChecks'] as const) {
          const names = new Set<string>();
          for (const [i, check] of quick[list].entries()) {
            if (names.has(check.name)) {
              ctx.addIssue({
                code: 'custom',
                path: [list, i, 'name'],
                message: `duplicate check ${check.name}`,
              });
            }
            names.add(check.name);
          }
        }
      })
      .refine((q) => q.timeoutSeconds / q.pollSeconds <= MAX_POLLS_PER_WAIT, { message: POLLS_MESSAGE })
      .prefault({}),
    /** Full level: HyperPod's deep health check (StartClusterHealthCheck, docs/FACTS.md sagemaker.start-cluster-health-check). */
    full: z
      .object({
        deepHealthChecks: z.array(z.enum(DEEP_HEALTH_CHECKS)).min(1).max(2).default(['InstanceStress']),
        pollSeconds: z.number().int().min(10).max(3600).default(300),
        /** A deep health check takes hours (DCGM level 4 alone 45-90 min). */
        timeoutMinutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .default(360),
        /** HyperPod may skip a busy node: not started by then = failed (never a pass). */
        startGraceMinutes: z.number().int().min(1).max(120).default(20),
      })
      .refine((f) => (f.timeoutMinutes * 60) / f.pollSeconds <= MAX_POLLS_PER_WAIT, {
        message: POLLS_MESSAGE,
      })
      .prefault({}),
    /** Expectations per instance type (GPUs or Neuron devices and cores, EFA devices, bandwidth floors; contracts/accelerator-table.ts). */
    instanceTypes: z
      .record(z.string().min(1), instanceTypeHealthSchema)
      .prefault(() => ({ ...DEFAULT_INSTANCE_TYPES })),
  })
  .prefault({});
export type HealthChecksConfig = z.infer<typeof healthChecksSchema>;
