/**
 * The `healthChecks` section: quick checks (a Kubernetes Job pinned to the node) and HyperPod's
 * deep health check, and what each instance type should show when healthy. Each default is
 * written once at its field; a section left out is parsed as `{}` (`prefault`).
 */
import * as z from 'zod';
import { MAX_POLLS_PER_WAIT, POLLS_MESSAGE } from '#contracts/config/policy.ts';

/** Our own namespace: health-check Jobs live here and nowhere else (the RBAC manifest creates it). */
export const HEALTH_CHECK_NAMESPACE = 'hyperpod-resilience';

/** A quick-check name: it becomes part of the verdict and of an environment variable name. */
const CHECK_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * What one instance type should show when healthy. GPU counts are AWS's published figures; the
 * NCCL bus-bandwidth floors are our [proposal] for a single-node `all_reduce_perf` of 1–4 GiB
 * (roughly 80% of what a healthy node of that type reaches): tune them on your fleet.
 */
export const instanceTypeHealthSchema = z.object({
  /** GPUs of the type: a node with fewer `nvidia.com/gpu` allocatable is missing some. */
  gpus: z.number().int().min(0).max(64),
  /** EFA devices (`vpc.amazonaws.com/efa`) of the type; 0 = no EFA expected. */
  efaDevices: z.number().int().min(0).max(64).default(0),
  /** Minimum single-node NCCL all_reduce_perf bus bandwidth (GB/s); absent = not judged. */
  ncclBusBandwidthGBps: z.number().positive().max(100_000).optional(),
});
export type InstanceTypeHealth = z.infer<typeof instanceTypeHealthSchema>;

export const DEFAULT_INSTANCE_TYPES: Readonly<Record<string, z.input<typeof instanceTypeHealthSchema>>> = {
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
};

export const quickCheckSchema = z.object({
  /** Reported in the verdict under this name. */
  name: z.string().regex(CHECK_NAME, 'a check name: lowercase letters, digits, hyphens (1-32)'),
  /**
   * POSIX shell run in the check container. It prints ONE JSON object of metrics as its last
   * stdout line and exits 0 when the check passes. It sees `HPR_EXPECTED_GPUS`,
   * `HPR_EXPECTED_EFA` and `HPR_NCCL_MIN_GBPS` (empty when not judged) from the instance type.
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
        /** Fixed image (digest recommended); never taken from an event. Required when enabled. */
        image: z.string().min(1).max(512).optional(),
        imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
        checks: z
          .array(quickCheckSchema)
          .min(1)
          .max(10)
          .prefault(() => [...DEFAULT_QUICK_CHECKS]),
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
        /** DCGM diagnostics on some AMIs need a privileged container. */
        privileged: z.boolean().default(false),
      })
      .superRefine((quick, ctx) => {
        if (quick.enabled && !quick.image) {
          ctx.addIssue({ code: 'custom', path: ['image'], message: 'an image is required when enabled' });
        }
        const names = new Set<string>();
        for (const [i, check] of quick.checks.entries()) {
          if (names.has(check.name)) {
            ctx.addIssue({
              code: 'custom',
              path: ['checks', i, 'name'],
              message: `duplicate check ${check.name}`,
            });
          }
          names.add(check.name);
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
    /** Expectations per instance type (GPU count, EFA devices, NCCL bandwidth floor). */
    instanceTypes: z
      .record(z.string().min(1), instanceTypeHealthSchema)
      .prefault(() => ({ ...DEFAULT_INSTANCE_TYPES })),
  })
  .prefault({});
export type HealthChecksConfig = z.infer<typeof healthChecksSchema>;
