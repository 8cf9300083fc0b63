/**
 * The contract between the `health-check` ASL and its Lambdas: state names, the Lambda behind
 * each Task, the console input, and the state that flows through the machine. The quick-check
 * Lambdas (`start-quick-check`, `poll-quick-check`) are shared with node-recovery, which runs
 * the same StartQuickCheck → WaitForQuickCheck → PollQuickCheck loop inline to verify a node.
 */

import * as z from 'zod';
import { nodeTargetFields } from '#events/manual.ts';
import { nodeIdentitySchema } from './node-recovery.contract.ts';

export const HealthCheckStates = {
  PrepareHealthCheck: 'PrepareHealthCheck',
  ChooseCheckLevel: 'ChooseCheckLevel',
  StartQuickCheck: 'StartQuickCheck',
  IsQuickCheckDone: 'IsQuickCheckDone',
  WaitForQuickCheck: 'WaitForQuickCheck',
  PollQuickCheck: 'PollQuickCheck',
  StartDeepHealthCheck: 'StartDeepHealthCheck',
  IsDeepHealthCheckDone: 'IsDeepHealthCheckDone',
  WaitForDeepHealthCheck: 'WaitForDeepHealthCheck',
  PollDeepHealthCheck: 'PollDeepHealthCheck',
  RecordHealthCheck: 'RecordHealthCheck',
  IsRecoveryWanted: 'IsRecoveryWanted',
  StartNodeRecovery: 'StartNodeRecovery',
  IsHealthy: 'IsHealthy',
  CheckPassed: 'CheckPassed',
  CheckFailed: 'CheckFailed',
  CheckNotRun: 'CheckNotRun',
} as const;
export type HealthCheckState = (typeof HealthCheckStates)[keyof typeof HealthCheckStates];

export const HealthCheckFunctions = {
  prepareHealthCheck: 'prepare-health-check',
  startQuickCheck: 'start-quick-check',
  pollQuickCheck: 'poll-quick-check',
  startDeepHealthCheck: 'start-deep-health-check',
  pollDeepHealthCheck: 'poll-deep-health-check',
  recordHealthCheck: 'record-health-check',
} as const;
export type HealthCheckFunction = (typeof HealthCheckFunctions)[keyof typeof HealthCheckFunctions];

export const HEALTH_CHECK_TASKS: Record<string, HealthCheckFunction> = {
  [HealthCheckStates.PrepareHealthCheck]: HealthCheckFunctions.prepareHealthCheck,
  [HealthCheckStates.StartQuickCheck]: HealthCheckFunctions.startQuickCheck,
  [HealthCheckStates.PollQuickCheck]: HealthCheckFunctions.pollQuickCheck,
  [HealthCheckStates.StartDeepHealthCheck]: HealthCheckFunctions.startDeepHealthCheck,
  [HealthCheckStates.PollDeepHealthCheck]: HealthCheckFunctions.pollDeepHealthCheck,
  [HealthCheckStates.RecordHealthCheck]: HealthCheckFunctions.recordHealthCheck,
};

/** Task states that are `arn:aws:states:::states:startExecution`, and the machine they start. */
export const HEALTH_CHECK_START_EXECUTION_STATES = {
  [HealthCheckStates.StartNodeRecovery]: 'node-recovery',
} as const;

/** Error of the Fail states (the console shows it with the reason as cause). */
export const HealthCheckErrors = {
  failed: 'HealthCheckFailed',
  notRun: 'HealthCheckNotRun',
} as const;

/** Name of the error Step Functions' startExecution integration raises for a name already used. */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';
/** Raised when the account's open-execution quota is reached: retried. */
export const EXECUTION_LIMIT_EXCEEDED = 'StepFunctions.ExecutionLimitExceededException';

// ------------------------------------------------------------------ console input

const DEEP_HEALTH_CHECKS = ['InstanceStress', 'InstanceConnectivity'] as const;

/**
 * The input a person gives the `health-check` machine in the console (or `hpr check`), and the
 * health sweep gives it for idle nodes. Documented in the README ("The `health-check` machine").
 */
export const healthCheckInputSchema = z
  .strictObject({
    ...nodeTargetFields,
    level: z
      .enum(['quick', 'full'])
      .default('quick')
      .describe('quick: our Job on the node (minutes); full: HyperPod deep health check (hours)'),
    deepHealthChecks: z
      .array(z.enum(DEEP_HEALTH_CHECKS))
      .min(1)
      .max(2)
      .optional()
      .describe('full level only: InstanceStress and/or InstanceConnectivity; default from config'),
    onFailure: z
      .enum(['report', 'recover'])
      .default('report')
      .describe('report: the execution fails with the reason; recover: also start node-recovery'),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(512)
      .default('manual health check')
      .describe('why (1-512 characters)'),
    requestedBy: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .default('console')
      .describe('who asked (1-256 characters; hpr records the caller AWS ARN)'),
  })
  .superRefine((input, ctx) => {
    const given = [input.instanceId, input.nodeName].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `give exactly one of instanceId or nodeName (got ${given === 0 ? 'neither' : 'both'})`,
      });
    }
    if (input.deepHealthChecks && input.level !== 'full') {
      ctx.addIssue({ code: 'custom', path: ['deepHealthChecks'], message: 'only with level "full"' });
    }
  })
  .describe('Manual health check of one node');
export type HealthCheckInput = z.output<typeof healthCheckInputSchema>;
export type HealthCheckInputShape = z.input<typeof healthCheckInputSchema>;

/** JSON Schema of the console input (forms, docs), with the exactly-one-of rule zod cannot express. */
export const healthCheckInputJsonSchema: Readonly<Record<string, unknown>> = Object.freeze({
  ...z.toJSONSchema(healthCheckInputSchema, { io: 'input' }),
  oneOf: [{ required: ['instanceId'] }, { required: ['nodeName'] }],
});

// ------------------------------------------------------------------ quick check (shared with node-recovery)

/** `spare`: the health sweep verifies a new hot spare (a pass marks it `ready`). */
const purposeSchema = z.enum(['verify', 'manual', 'idle', 'spare']);

/** StartQuickCheck input, built by Parameters in both machines. */
export const quickCheckRequestSchema = z.object({
  clusterName: z.string(),
  eksClusterName: z.string(),
  node: nodeIdentitySchema,
  /** Seed of the Job name: the execution name (health-check) or incident id (node-recovery). */
  checkId: z.string().min(1).max(256),
  /** node-recovery: the remediation attempt the check verifies (a new Job per attempt). */
  attempt: z.number().int().min(1).optional(),
  purpose: purposeSchema,
  /** node-recovery: the verification is recorded on this incident. */
  incidentId: z.string().min(1).optional(),
});
export type QuickCheckRequest = z.infer<typeof quickCheckRequestSchema>;

const checkResultSchema = z.object({
  name: z.string(),
  pass: z.boolean(),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  reason: z.string().optional(),
});

export const quickCheckStateSchema = z.object({
  level: z.literal('quick'),
  status: z.enum(['running', 'passed', 'failed', 'not-verified']),
  reason: z.string(),
  /** Feeds the Wait state (SecondsPath). */
  pollSeconds: z.number().int().min(1),
  polls: z.number().int().min(0),
  instanceId: z.string().optional(),
  nodeName: z.string().optional(),
  job: z.object({ namespace: z.string(), name: z.string() }).optional(),
  startedAt: z.string().optional(),
  deadline: z.string().optional(),
  expectations: z
    .object({
      checks: z.array(z.string()),
      gpus: z.number().optional(),
      efaDevices: z.number().optional(),
      ncclBusBandwidthGBps: z.number().optional(),
      neuronDevices: z.number().optional(),
      neuronCores: z.number().optional(),
      nccomBusBandwidthGBps: z.number().optional(),
    })
    .optional(),
  /** The node's accelerator devices (GPUs or Neuron devices, functions/domain/accelerators.ts), expected and allocatable. */
  gpus: z.object({ expected: z.number(), allocatable: z.number() }).optional(),
  checks: z.array(checkResultSchema).optional(),
  attempt: z.number().int().optional(),
});
export type QuickCheckState = z.infer<typeof quickCheckStateSchema>;

export const pollQuickCheckInputSchema = z.object({
  clusterName: z.string(),
  eksClusterName: z.string(),
  incidentId: z.string().min(1).optional(),
  check: quickCheckStateSchema,
});
export type PollQuickCheckInput = z.infer<typeof pollQuickCheckInputSchema>;

// ------------------------------------------------------------------ full check (deep health check)

export const deepCheckRequestSchema = z.object({
  clusterName: z.string(),
  eksClusterName: z.string(),
  node: nodeIdentitySchema,
  deepHealthChecks: z.array(z.enum(DEEP_HEALTH_CHECKS)).min(1).max(2),
});
export type DeepCheckRequest = z.infer<typeof deepCheckRequestSchema>;

export const deepCheckStateSchema = z.object({
  level: z.literal('full'),
  status: z.enum(['running', 'passed', 'failed']),
  reason: z.string(),
  pollSeconds: z.number().int().min(1),
  polls: z.number().int().min(0),
  instanceId: z.string(),
  nodeName: z.string().optional(),
  deepHealthChecks: z.array(z.enum(DEEP_HEALTH_CHECKS)),
  startedAt: z.string(),
  startDeadline: z.string(),
  deadline: z.string(),
  seenInProgress: z.boolean(),
});
export type DeepCheckState = z.infer<typeof deepCheckStateSchema>;

export const pollDeepCheckInputSchema = z.object({
  clusterName: z.string(),
  eksClusterName: z.string(),
  check: deepCheckStateSchema,
});

// ------------------------------------------------------------------ machine state

/** What PrepareHealthCheck returns: the execution's state from then on. */
export const healthCheckMachineStateSchema = z.looseObject({
  request: z.object({
    clusterName: z.string(),
    level: z.enum(['quick', 'full']),
    deepHealthChecks: z.array(z.enum(DEEP_HEALTH_CHECKS)),
    onFailure: z.enum(['report', 'recover']),
    reason: z.string(),
    requestedBy: z.string(),
    purpose: purposeSchema,
  }),
  clusterName: z.string(),
  eksClusterName: z.string(),
  node: nodeIdentitySchema,
  checkId: z.string(),
  result: z.union([quickCheckStateSchema, deepCheckStateSchema]).optional(),
});
export type HealthCheckMachineState = z.infer<typeof healthCheckMachineStateSchema>;

export const prepareInputSchema = z.object({
  input: z.unknown(),
  executionName: z.string().min(1).max(80),
});

/** RecordHealthCheck's output; `recovery` only when the check failed and `onFailure` is `recover`. */
export const healthCheckRecordSchema = z.object({
  status: z.enum(['passed', 'failed', 'not-verified']),
  level: z.enum(['quick', 'full']),
  reason: z.string(),
  instanceId: z.string(),
  nodeName: z.string().optional(),
  recovery: z.object({ executionName: z.string(), input: z.record(z.string(), z.unknown()) }).optional(),
  /** Purpose `spare`: what the check did to the spare (`ready`, or `unchanged` when it was no longer verifying). */
  spare: z.enum(['ready', 'unchanged']).optional(),
});
export type HealthCheckRecord = z.infer<typeof healthCheckRecordSchema>;
