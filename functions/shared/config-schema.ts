/**
 * The one configuration schema, shared by the deploy (`sst.config.ts`), every Lambda at cold
 * start (`config.ts`) and local mode. Defaults are the safe ones: observe-only, tight breaker.
 * Reasoning behind each number: README "Safety limits"; facts behind them: docs/FACTS.md.
 */
import * as z from 'zod';
import { ACCELERATOR_TABLE } from '#domain/accelerators.ts';
import { DEFAULT_MASS_FINDING_LIMITS } from '#domain/mass-findings.ts';

/** HyperPod cluster names: 1–63 chars, alphanumerics and hyphens (SageMaker ClusterName pattern). */
export const CLUSTER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** `arn:aws:sagemaker:<region>:<account>:cluster/<id>` */
export const CLUSTER_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:cluster\/[a-z0-9]{12}$/;
/** EKS cluster names: 1–100 chars, alphanumerics, hyphens, underscores, starting alphanumeric. */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
/** EC2 instance ids as HyperPod takes them: `i-` + 8 or 17 hex digits (SageMaker ClusterNodeId pattern). */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Kubernetes node names (DNS subdomain). */
export const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const clusterConfigSchema = z.object({
  /** HyperPod cluster name. */
  name: z.string().regex(CLUSTER_NAME, 'a HyperPod cluster name (1-63 alphanumerics or hyphens)'),
  /** HyperPod cluster ARN: IAM is scoped to it and events are filtered on it. */
  arn: z.string().regex(CLUSTER_ARN, 'arn:aws:sagemaker:<region>:<account>:cluster/<12-char id>'),
  /** Name of the EKS cluster that orchestrates it. */
  eksClusterName: z.string().regex(EKS_CLUSTER_NAME, 'an EKS cluster name'),
  /**
   * Who reboots/replaces faulty nodes. `auto` follows the cluster's `NodeRecovery`:
   * Automatic → HyperPod acts and we only quarantine, suspend, verify and resume; None → we act.
   */
  remediationOwner: z.enum(['auto', 'hyperpod-resilience', 'hyperpod']).default('auto'),
});
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

const percent = z.number().min(0).max(100);

/**
 * Polls one Wait loop may make (timeout / poll interval). Each poll costs about 9 history events
 * (Task 5, Choice 2, Wait 2) and a Standard execution fails at 25,000 (docs/facts/step-functions.md,
 * sfn.history-limit): node-recovery may wait for a reboot, a quick check and a replacement in
 * one execution, 3 × 600 × 9 = 16,200 events, which leaves room for everything else.
 */
export const MAX_POLLS_PER_WAIT = 600;
const POLLS_MESSAGE = `timeout / pollSeconds must be at most ${MAX_POLLS_PER_WAIT} polls (the Step Functions history quota)`;

const EVICTION_DEFAULTS = {
  enabled: true,
  timeoutSeconds: 120,
  pollSeconds: 5,
  forceDeleteOnDeadNode: true,
  nodeDeadAfterSeconds: 60,
} as const;

const WORKLOAD_POLICY_DEFAULTS = {
  suspend: true,
  respectHyperPodAutoResume: true,
  kueue: 'deactivate-workload',
  eviction: EVICTION_DEFAULTS,
  staleSuspensionMinutes: 420,
} as const;

/** What SuspendWorkloads does to the jobs and pods on a faulty node (README "Workloads"). */
export const workloadPolicySchema = z
  .object({
    /** Suspend the jobs that have pods on the faulty node. */
    suspend: z.boolean().default(true),
    /** Leave jobs with HyperPod job auto-resume to HyperPod (never two controllers on one failure). */
    respectHyperPodAutoResume: z.boolean().default(true),
    /**
     * Jobs admitted by Kueue (label `kueue.x-k8s.io/queue-name`): `deactivate-workload` sets their
     * Kueue Workload's `spec.active` to false (Kueue evicts and suspends them itself, and re-admits
     * them when we set it back); `skip` leaves them alone. We never flip a switch Kueue owns.
     */
    kueue: z.enum(['deactivate-workload', 'skip']).default('deactivate-workload'),
    /** Pods that belong to no job (plain pods, Deployments, StatefulSets): drained like `kubectl drain`. */
    eviction: z
      .object({
        /** Evict them through the eviction API (honours PodDisruptionBudgets). */
        enabled: z.boolean().default(EVICTION_DEFAULTS.enabled),
        /**
         * How long SuspendWorkloads waits for evicted pods to go (and retries blocked evictions)
         * before it gives up or force-deletes; within the task's 300 s timeout.
         */
        timeoutSeconds: z.number().int().min(0).max(240).default(EVICTION_DEFAULTS.timeoutSeconds),
        pollSeconds: z.number().int().min(1).max(60).default(EVICTION_DEFAULTS.pollSeconds),
        /**
         * After the timeout, force-delete (grace 0) what is left — only when Kubernetes confirms the
         * node dead (Node gone, or Ready False/Unknown for `nodeDeadAfterSeconds`).
         */
        forceDeleteOnDeadNode: z.boolean().default(EVICTION_DEFAULTS.forceDeleteOnDeadNode),
        nodeDeadAfterSeconds: z
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(EVICTION_DEFAULTS.nodeDeadAfterSeconds),
      })
      .default(EVICTION_DEFAULTS),
    /**
     * A suspension whose incident ended without resuming it (or whose execution died: open longer
     * than this) is resumed by the sweep. Longer than the longest node-recovery execution (6 h).
     */
    staleSuspensionMinutes: z
      .number()
      .int()
      .min(30)
      .max(7 * 24 * 60)
      .default(WORKLOAD_POLICY_DEFAULTS.staleSuspensionMinutes),
  })
  .default(WORKLOAD_POLICY_DEFAULTS);
export type WorkloadPolicy = z.infer<typeof workloadPolicySchema>;

/**
 * Distrust mass findings (functions/domain/mass-findings.ts, README "Safety limits"): one sweep
 * finding kind, or one fault class reported by events within `burstWindowMinutes`, on more than
 * `maxSharePercent` of a cluster's nodes AND on at least `minNodes` nodes starts no recovery; it
 * is recorded as `detector-disagreement`, notified and counted instead. Defaults [proposal]: more
 * than half the fleet (NHC's default `minHealthy: 51%` draws the same line); `minNodes: 3` so a
 * one- or two-node fault on a small cluster is still remediated (the breaker bounds those).
 */
export const massFindingsSchema = z
  .object({
    maxSharePercent: percent.default(DEFAULT_MASS_FINDING_LIMITS.maxSharePercent),
    minNodes: z.number().int().min(1).max(10_000).default(DEFAULT_MASS_FINDING_LIMITS.minNodes),
    /**
     * Event bursts: first reports of one fault class count together within this window (a report
     * lives `dedupeWindowMinutes` in the ledger, so a longer window counts no more).
     */
    burstWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(DEFAULT_MASS_FINDING_LIMITS.burstWindowMinutes),
  })
  .default({ ...DEFAULT_MASS_FINDING_LIMITS });

export const policySchema = z
  .object({
    /** `observe` records what would have been done and changes nothing; `act` acts. */
    mode: z.enum(['observe', 'act']).default('observe'),
    /** Nodes carrying this label (any value but "false") are never touched. */
    optOutLabel: z.string().min(1).default('hyperpod-resilience.io/opt-out'),
    /** Workloads carrying this annotation ("true") are never suspended. */
    workloadOptOutAnnotation: z.string().min(1).default('hyperpod-resilience.io/opt-out'),
    circuitBreaker: z
      .object({
        /** Trip when more than this many distinct nodes were remediated within the window. */
        maxNodesPerWindow: z.number().int().min(1).default(3),
        windowMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(10),
      })
      .default({ maxNodesPerWindow: 3, windowMinutes: 10 }),
    maxParallel: z
      .object({
        /** At most this many nodes under remediation at once per cluster. */
        absolute: z.number().int().min(1).default(2),
        /** …and at most this percentage of the cluster's nodes, rounded up. */
        percent: percent.default(5),
      })
      .default({ absolute: 2, percent: 5 }),
    perNode: z
      .object({
        /** Automatic reboots allowed per node per window; beyond it the node is replaced. */
        maxReboots: z.number().int().min(0).default(1),
        rebootWindowHours: z.number().int().min(1).default(24),
      })
      .default({ maxReboots: 1, rebootWindowHours: 24 }),
    repeatOffender: z
      .object({
        /** This many hardware faults within the window make a node a repeat offender → replace. */
        faults: z.number().int().min(2).default(2),
        windowDays: z.number().int().min(1).default(7),
      })
      .default({ faults: 2, windowDays: 7 }),
    /** The same (node, fault class) seen again within this window is a duplicate delivery. */
    dedupeWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** A node lease expires after this long even if its execution died without releasing it. */
    leaseTtlMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(240),
    awaitNode: z
      .object({
        pollSeconds: z.number().int().min(1).max(3600).default(30),
        rebootTimeoutMinutes: z.number().int().min(1).default(30),
        replaceTimeoutMinutes: z.number().int().min(1).default(120),
        /**
         * When HyperPod was left to recover the node (its own `Pending*` label under
         * NodeRecovery=Automatic): how long it may take to visibly start before the incident
         * escalates and the jobs are resumed. [proposal]: AWS publishes no start latency.
         */
        hyperpodStartGraceMinutes: z.number().int().min(1).max(120).default(10),
      })
      .refine(
        (a) =>
          (Math.max(a.rebootTimeoutMinutes, a.replaceTimeoutMinutes) * 60) / a.pollSeconds <=
          MAX_POLLS_PER_WAIT,
        {
          message: POLLS_MESSAGE,
        },
      )
      .default({
        pollSeconds: 30,
        rebootTimeoutMinutes: 30,
        replaceTimeoutMinutes: 120,
        hyperpodStartGraceMinutes: 10,
      }),
    workloads: workloadPolicySchema,
    /** Pause remediations while the cluster is `Updating`/`SystemUpdating`. */
    pauseDuringClusterUpdates: z.boolean().default(true),
    massFindings: massFindingsSchema,
  })
  .default({
    mode: 'observe',
    optOutLabel: 'hyperpod-resilience.io/opt-out',
    workloadOptOutAnnotation: 'hyperpod-resilience.io/opt-out',
    circuitBreaker: { maxNodesPerWindow: 3, windowMinutes: 10 },
    maxParallel: { absolute: 2, percent: 5 },
    perNode: { maxReboots: 1, rebootWindowHours: 24 },
    repeatOffender: { faults: 2, windowDays: 7 },
    dedupeWindowMinutes: 15,
    leaseTtlMinutes: 240,
    awaitNode: {
      pollSeconds: 30,
      rebootTimeoutMinutes: 30,
      replaceTimeoutMinutes: 120,
      hyperpodStartGraceMinutes: 10,
    },
    workloads: WORKLOAD_POLICY_DEFAULTS,
    pauseDuringClusterUpdates: true,
    massFindings: { ...DEFAULT_MASS_FINDING_LIMITS },
  });
export type Policy = z.infer<typeof policySchema>;

export const alarmSelectionSchema = z
  .object({
    /** Alarms whose name starts with this prefix are ours. */
    namePrefix: z.string().min(1).default('hpr-'),
    /** …or that carry this tag key (alarm tag propagation). */
    tagKey: z.string().min(1).default('hyperpod-resilience.io/cluster'),
  })
  .default({ namePrefix: 'hpr-', tagKey: 'hyperpod-resilience.io/cluster' });

// ---------------------------------------------------------------- health checks and sweep

/** Our own namespace: health-check Jobs live here and nowhere else (the RBAC manifest creates it). */
export const HEALTH_CHECK_NAMESPACE = 'hyperpod-resilience';

/** A quick-check name: it becomes part of the verdict and of an environment variable name. */
const CHECK_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * What one instance type should show when healthy (functions/domain/accelerators.ts: NVIDIA GPU
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

const quickHealthCheckDefaults = {
  enabled: false,
  imagePullPolicy: 'IfNotPresent' as const,
  checks: DEFAULT_QUICK_CHECKS.map((c) => ({ timeoutSeconds: 600, ...c })),
  neuronChecks: DEFAULT_NEURON_QUICK_CHECKS.map((c) => ({ timeoutSeconds: 600, ...c })),
  timeoutSeconds: 1200,
  pollSeconds: 15,
  ttlSecondsAfterFinished: 3600,
  unschedulableGraceSeconds: 180,
  privileged: false,
};
const fullHealthCheckDefaults = {
  deepHealthChecks: ['InstanceStress' as const],
  pollSeconds: 300,
  timeoutMinutes: 360,
  startGraceMinutes: 20,
};

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
          .default(() => quickHealthCheckDefaults.checks),
        /** The checks run on Neuron (Trainium) nodes instead of `checks`. */
        neuronChecks: z
          .array(quickCheckSchema)
          .min(1)
          .max(10)
          .default(() => quickHealthCheckDefaults.neuronChecks),
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
      .default(quickHealthCheckDefaults),
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
      .default(fullHealthCheckDefaults),
    /** Expectations per instance type (GPUs or Neuron devices and cores, EFA devices, bandwidth floors; functions/domain/accelerators.ts). */
    instanceTypes: z
      .record(z.string().min(1), instanceTypeHealthSchema)
      .default(() =>
        Object.fromEntries(
          Object.entries(DEFAULT_INSTANCE_TYPES).map(([type, health]) => [
            type,
            instanceTypeHealthSchema.parse(health),
          ]),
        ),
      ),
  })
  .default(() => ({
    quick: quickHealthCheckDefaults,
    full: fullHealthCheckDefaults,
    instanceTypes: Object.fromEntries(
      Object.entries(DEFAULT_INSTANCE_TYPES).map(([type, health]) => [
        type,
        instanceTypeHealthSchema.parse(health),
      ]),
    ),
  }));
export type HealthChecksConfig = z.infer<typeof healthChecksSchema>;

const sweepDefaults = {
  rateMinutes: 5,
  notReadyMinutes: 10,
  gpuGraceMinutes: 5,
  nodeJoinGraceMinutes: 20,
  staleGraceMinutes: 15,
  incidentDeadlineMinutes: 7 * 60,
  findingRetryMinutes: 60,
  maxRecoveries: 20,
  maxRepairs: 20,
  startConcurrency: 5,
  idleChecks: { enabled: false, periodHours: 24, maxPerSweep: 2 },
};

export const sweepSchema = z
  .object({
    /** How often the scheduled sweep runs. */
    rateMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(5),
    /** Kubernetes NotReady for longer than this (and SageMaker says Running) is a finding. */
    notReadyMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
    /** Accelerators (GPUs, Neuron devices) missing from allocatable count only once the node is Ready this long (≥ 2 min: aws/sagemaker-hyperpod-cli PR #425). */
    gpuGraceMinutes: z
      .number()
      .int()
      .min(2)
      .max(24 * 60)
      .default(5),
    /** A Running instance without a Kubernetes node after this long since launch is a finding. */
    nodeJoinGraceMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(20),
    /** Our quarantine/suspension whose incident has no ledger record yet is left alone this long. */
    staleGraceMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(15),
    /** An open incident older than this has lost its execution (node-recovery runs ≤ 6 h). */
    incidentDeadlineMinutes: z
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 60)
      .default(7 * 60),
    /** A finding that persists starts node-recovery again after this long (new execution name). */
    findingRetryMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(60),
    /** At most this many node-recovery starts per sweep (the breaker stops correlated storms anyway). */
    maxRecoveries: z.number().int().min(1).max(500).default(20),
    /** At most this many stale-state repairs per sweep. */
    maxRepairs: z.number().int().min(1).max(500).default(20),
    /** Parallel starts and repairs (Map MaxConcurrency). */
    startConcurrency: z.number().int().min(1).max(40).default(5),
    /** Quick checks of idle nodes (no pod asking for GPUs or Neuron resources), at most once per node per period. */
    idleChecks: z
      .object({
        enabled: z.boolean().default(false),
        periodHours: z
          .number()
          .int()
          .min(1)
          .max(30 * 24)
          .default(24),
        maxPerSweep: z.number().int().min(1).max(100).default(2),
      })
      .default(sweepDefaults.idleChecks),
  })
  .default(sweepDefaults);
export type SweepConfig = z.infer<typeof sweepSchema>;

/** Everything a deployment is configured with; the same object drives local mode. */
export const appConfigSchema = z
  .object({
    clusters: z.array(clusterConfigSchema).min(1).max(50),
    policy: policySchema,
    alarms: alarmSelectionSchema,
    healthChecks: healthChecksSchema,
    sweep: sweepSchema,
  })
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    for (const [i, cluster] of value.clusters.entries()) {
      if (names.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicate cluster ${cluster.name}`,
        });
      }
      names.add(cluster.name);
    }
  });
export type AppConfig = z.infer<typeof appConfigSchema>;
export type AppConfigInput = z.input<typeof appConfigSchema>;

/** Parses config with every problem listed by path; throws a readable Error. */
export const parseAppConfig = (input: unknown): AppConfig => {
  const result = appConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid hyperpod-resilience configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
};

/** Finds a configured cluster by name or ARN. */
export const findCluster = (config: AppConfig, nameOrArn: string): ClusterConfig | undefined =>
  config.clusters.find((c) => c.name === nameOrArn || c.arn === nameOrArn);
