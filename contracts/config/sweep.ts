/**
 * The `sweep` section: the scheduled health sweep (state-machines/health-sweep.ts). Each default is
 * written once at its field; a section left out is parsed as `{}` (`prefault`).
 */
import * as z from 'zod';

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
      .prefault({}),
  })
  .prefault({});
export type SweepConfig = z.infer<typeof sweepSchema>;
