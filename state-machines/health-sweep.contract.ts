/**
 * The contract between the `health-sweep` ASL and its Lambdas: state names (those inside the Map
 * item processors included), the Lambda behind each Task, and the sweep's input and output.
 */
import * as z from 'zod';
import { CLUSTER_NAME } from '#contracts/config/ids.ts';

export const HealthSweepStates = {
  SweepCluster: 'SweepCluster',
  StartRecoveries: 'StartRecoveries',
  StartNodeRecovery: 'StartNodeRecovery',
  RecoveryAlreadyStarted: 'RecoveryAlreadyStarted',
  RecoveryStartFailed: 'RecoveryStartFailed',
  RepairStaleStates: 'RepairStaleStates',
  RepairStaleState: 'RepairStaleState',
  RepairFailed: 'RepairFailed',
  StartIdleChecks: 'StartIdleChecks',
  StartIdleCheck: 'StartIdleCheck',
  IdleCheckAlreadyStarted: 'IdleCheckAlreadyStarted',
  IdleCheckStartFailed: 'IdleCheckStartFailed',
  SummarizeSweep: 'SummarizeSweep',
} as const;
export type HealthSweepState = (typeof HealthSweepStates)[keyof typeof HealthSweepStates];

export const HealthSweepFunctions = {
  sweepCluster: 'sweep-cluster',
  repairStaleState: 'repair-stale-state',
} as const;
export type HealthSweepFunction = (typeof HealthSweepFunctions)[keyof typeof HealthSweepFunctions];

export const HEALTH_SWEEP_TASKS: Record<string, HealthSweepFunction> = {
  [HealthSweepStates.SweepCluster]: HealthSweepFunctions.sweepCluster,
  [HealthSweepStates.RepairStaleState]: HealthSweepFunctions.repairStaleState,
};

/** Task states that are `arn:aws:states:::states:startExecution`, and the machine they start. */
export const HEALTH_SWEEP_START_EXECUTION_STATES = {
  [HealthSweepStates.StartNodeRecovery]: 'node-recovery',
  [HealthSweepStates.StartIdleCheck]: 'health-check',
} as const;

/**
 * The sweep's input: `{}` (every configured cluster) or `{ "clusterName": "…" }`. The scheduled
 * EventBridge event is accepted too (it sweeps every cluster).
 */
export const sweepInputSchema = z.union([
  z.strictObject({ clusterName: z.string().regex(CLUSTER_NAME).optional() }),
  z.looseObject({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') }),
]);

export const sweepStartSchema = z.object({
  executionName: z.string().min(1).max(80),
  input: z.record(z.string(), z.unknown()),
});
export type SweepStart = z.infer<typeof sweepStartSchema>;

export const repairSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('stale-quarantine'),
    nodeName: z.string(),
    instanceId: z.string().optional(),
    holder: z.string().optional(),
    detail: z.string(),
  }),
  /** One per cluster: job-resume's leftover sweep re-reads and releases every stale holder. */
  z.object({
    kind: z.literal('stale-suspensions'),
    workloads: z.array(z.string()).min(1).max(500),
    detail: z.string(),
  }),
  z.object({
    kind: z.literal('incident-overdue'),
    incidentId: z.string(),
    instanceId: z.string().optional(),
    startedAt: z.string(),
    detail: z.string(),
  }),
  /** Hot-spare pool upkeep (functions/domain/spare-pool.ts): make an idle node a spare. */
  z.object({
    kind: z.literal('spare-take'),
    nodeName: z.string(),
    instanceId: z.string(),
    instanceGroup: z.string(),
    /** `not-verified`: quick checks are off, the spare is `ready` at once. */
    verification: z.literal('not-verified').optional(),
    detail: z.string(),
  }),
  /** A `verifying` spare becomes `ready` without a check (quick checks turned off meanwhile). */
  z.object({
    kind: z.literal('spare-ready'),
    nodeName: z.string(),
    instanceId: z.string(),
    detail: z.string(),
  }),
  /** A spare goes back to general scheduling (surplus, promoted without its jobs, no pool). */
  z.object({
    kind: z.literal('spare-release'),
    nodeName: z.string(),
    instanceId: z.string(),
    state: z.enum(['verifying', 'ready', 'promoted']),
    reason: z.enum(['surplus', 'promoted-idle', 'no-pool']),
    detail: z.string(),
  }),
]);
export type Repair = z.infer<typeof repairSchema>;

/** RepairStaleState input: one repair item, with its cluster (ItemSelector). */
export const repairInputSchema = z.object({
  clusterName: z.string(),
  eksClusterName: z.string(),
  repair: repairSchema,
});

export const repairResultSchema = z.object({
  kind: z.string(),
  status: z.enum(['repaired', 'would-repair', 'nothing-to-do', 'kept']),
  detail: z.string(),
});
export type RepairResult = z.infer<typeof repairResultSchema>;

/** SweepCluster's output (the machine's state from then on). */
export const sweepResultSchema = z.object({
  sweptAt: z.string(),
  /** Map MaxConcurrencyPath. */
  startConcurrency: z.number().int().min(1),
  recoveries: z.array(sweepStartSchema),
  repairs: z.array(repairInputSchema),
  idleChecks: z.array(sweepStartSchema),
  summary: z.array(
    z.object({
      clusterName: z.string(),
      instances: z.number(),
      kubeNodes: z.number(),
      findings: z.record(z.string(), z.number()),
      repairs: z.record(z.string(), z.number()),
      idleChecks: z.number(),
      inFlight: z.number(),
      optedOut: z.number(),
      transitioning: z.number(),
      dropped: z.object({ recoveries: z.number(), repairs: z.number() }),
      /** Hot-spare pools of the cluster (functions/domain/spare-pool.ts); absent when it has none. */
      spares: z
        .array(
          z.object({
            instanceGroup: z.string(),
            target: z.number(),
            ready: z.number(),
            verifying: z.number(),
            promoted: z.number(),
            unavailable: z.number(),
            taking: z.number(),
            releasing: z.number(),
            /** Quick checks the pool wants; the sweep starts as many as the in-flight limit leaves free. */
            checks: z.number(),
            /** Spares missing with no idle candidate left: the `spare-pool-below-target` finding. */
            missing: z.number(),
            finding: z.literal('spare-pool-below-target').optional(),
            /** The pool's groups do not match DescribeCluster (type mismatch, unknown group): nothing taken. */
            error: z.string().optional(),
          }),
        )
        .optional(),
      /** Why the cluster was not swept (its configuration pairs it with the wrong EKS cluster). */
      skipped: z.string().optional(),
      /** Finding kinds held as `detector-disagreement` (functions/domain/mass-findings.ts): no start. */
      disagreements: z
        .array(
          z.object({
            kind: z.string(),
            count: z.number(),
            fleetSize: z.number(),
            sharePercent: z.number(),
            thresholdPercent: z.number(),
            minNodes: z.number(),
            believedUpTo: z.number(),
            sampleInstanceIds: z.array(z.string()),
            detail: z.string(),
          }),
        )
        .optional(),
    }),
  ),
});
export type SweepResult = z.infer<typeof sweepResultSchema>;
