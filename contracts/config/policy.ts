/**
 * The `policy` section: what the autopilot may do, and how much of it. Defaults are the safe ones
 * (observe-only, tight breaker), each written once at its field: a section left out is parsed as
 * `{}` (`prefault`), so the field defaults apply at every level.
 * Reasoning behind each number: README "Safety limits"; facts behind them: docs/FACTS.md.
 */
import * as z from 'zod';

const percent = z.number().min(0).max(100);

/**
 * Polls one Wait loop may make (timeout / poll interval). Each poll costs about 9 history events
 * (Task 5, Choice 2, Wait 2) and a Standard execution fails at 25,000 (docs/facts/step-functions.md,
 * sfn.history-limit): node-recovery may wait for a reboot, a quick check and a replacement in
 * one execution, 3 × 600 × 9 = 16,200 events, which leaves room for everything else.
 */
export const MAX_POLLS_PER_WAIT = 600;
export const POLLS_MESSAGE = `timeout / pollSeconds must be at most ${MAX_POLLS_PER_WAIT} polls (the Step Functions history quota)`;

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
        enabled: z.boolean().default(true),
        /**
         * How long SuspendWorkloads waits for evicted pods to go (and retries blocked evictions)
         * before it gives up or force-deletes; within the task's 300 s timeout.
         */
        timeoutSeconds: z.number().int().min(0).max(240).default(120),
        pollSeconds: z.number().int().min(1).max(60).default(5),
        /**
         * After the timeout, force-delete (grace 0) what is left — only when Kubernetes confirms the
         * node dead (Node gone, or Ready False/Unknown for `nodeDeadAfterSeconds`).
         */
        forceDeleteOnDeadNode: z.boolean().default(true),
        nodeDeadAfterSeconds: z.number().int().min(0).max(3600).default(60),
      })
      .prefault({}),
    /**
     * A suspension whose incident ended without resuming it (or whose execution died: open longer
     * than this) is resumed by the sweep. Longer than the longest node-recovery execution (6 h).
     */
    staleSuspensionMinutes: z
      .number()
      .int()
      .min(30)
      .max(7 * 24 * 60)
      .default(420),
  })
  .prefault({});
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
    maxSharePercent: percent.default(50),
    minNodes: z.number().int().min(1).max(10_000).default(3),
    /**
     * Event bursts: first reports of one fault class count together within this window (a report
     * lives `dedupeWindowMinutes` in the ledger, so a longer window counts no more).
     */
    burstWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
  })
  .prefault({});

/** The defaults of policy `massFindings` (functions/domain/sweep-findings.ts falls back to them). */
export const DEFAULT_MASS_FINDING_LIMITS: Readonly<z.infer<typeof massFindingsSchema>> = Object.freeze(
  massFindingsSchema.parse(undefined),
);

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
      .prefault({}),
    maxParallel: z
      .object({
        /** At most this many nodes under remediation at once per cluster. */
        absolute: z.number().int().min(1).default(2),
        /** …and at most this percentage of the cluster's nodes, rounded up. */
        percent: percent.default(5),
      })
      .prefault({}),
    perNode: z
      .object({
        /** Automatic reboots allowed per node per window; beyond it the node is replaced. */
        maxReboots: z.number().int().min(0).default(1),
        rebootWindowHours: z.number().int().min(1).default(24),
      })
      .prefault({}),
    repeatOffender: z
      .object({
        /** This many hardware faults within the window make a node a repeat offender → replace. */
        faults: z.number().int().min(2).default(2),
        windowDays: z.number().int().min(1).default(7),
      })
      .prefault({}),
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
        { message: POLLS_MESSAGE },
      )
      .prefault({}),
    workloads: workloadPolicySchema,
    /** Pause remediations while the cluster is `Updating`/`SystemUpdating`. */
    pauseDuringClusterUpdates: z.boolean().default(true),
    massFindings: massFindingsSchema,
  })
  // The lease must outlast the longest wait it guards (a reboot that did not help, then a
  // replacement): a lease that lapses mid-incident lets a second incident act on the same node.
  .refine((p) => p.leaseTtlMinutes >= p.awaitNode.rebootTimeoutMinutes + p.awaitNode.replaceTimeoutMinutes, {
    path: ['leaseTtlMinutes'],
    message:
      'must be at least awaitNode.rebootTimeoutMinutes + awaitNode.replaceTimeoutMinutes (a reboot, then a replacement)',
  })
  .prefault({});
export type Policy = z.infer<typeof policySchema>;
