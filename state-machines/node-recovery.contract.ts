/**
 * The contract between the `node-recovery` ASL and the Lambdas it calls: state names, the
 * Lambda behind each Task, and the incident state that flows through the machine. Both the
 * definition (node-recovery.ts) and the task code (functions/tasks) import it, so a renamed
 * state or error cannot drift apart.
 */
import * as z from 'zod';
import { WORKLOAD_KIND_NAMES } from '#contracts/workload-kinds.ts';

export const NodeRecoveryStates = {
  AdmitIncident: 'AdmitIncident',
  IsActionNeeded: 'IsActionNeeded',
  QuarantineNode: 'QuarantineNode',
  SuspendWorkloads: 'SuspendWorkloads',
  PromoteSpare: 'PromoteSpare',
  RequestRemediation: 'RequestRemediation',
  WaitForNode: 'WaitForNode',
  CheckNodeRecovery: 'CheckNodeRecovery',
  IsNodeBack: 'IsNodeBack',
  StartQuickCheck: 'StartQuickCheck',
  IsQuickCheckDone: 'IsQuickCheckDone',
  WaitForQuickCheck: 'WaitForQuickCheck',
  PollQuickCheck: 'PollQuickCheck',
  IsNodeHealthy: 'IsNodeHealthy',
  EscalateToReplace: 'EscalateToReplace',
  RestoreNode: 'RestoreNode',
  ResumeWorkloads: 'ResumeWorkloads',
  RecordOutcome: 'RecordOutcome',
  RecordSkip: 'RecordSkip',
  Escalate: 'Escalate',
  IsNeedsAttention: 'IsNeedsAttention',
  Done: 'Done',
  NeedsAttention: 'NeedsAttention',
} as const;
export type NodeRecoveryState = (typeof NodeRecoveryStates)[keyof typeof NodeRecoveryStates];

/**
 * One Lambda per task; RecordSkip and RecordOutcome share one. `start-quick-check` and
 * `poll-quick-check` are the very Lambdas of the health-check machine (health-check.contract.ts).
 */
export const NodeRecoveryFunctions = {
  admitIncident: 'admit-incident',
  quarantineNode: 'quarantine-node',
  suspendWorkloads: 'suspend-workloads',
  promoteSpare: 'promote-spare',
  requestRemediation: 'request-remediation',
  checkNodeRecovery: 'check-node-recovery',
  startQuickCheck: 'start-quick-check',
  pollQuickCheck: 'poll-quick-check',
  restoreNode: 'restore-node',
  resumeWorkloads: 'resume-workloads',
  escalateIncident: 'escalate-incident',
  recordOutcome: 'record-outcome',
} as const;
export type NodeRecoveryFunction = (typeof NodeRecoveryFunctions)[keyof typeof NodeRecoveryFunctions];

export const NODE_RECOVERY_TASKS: Record<string, NodeRecoveryFunction> = {
  [NodeRecoveryStates.AdmitIncident]: NodeRecoveryFunctions.admitIncident,
  [NodeRecoveryStates.QuarantineNode]: NodeRecoveryFunctions.quarantineNode,
  [NodeRecoveryStates.SuspendWorkloads]: NodeRecoveryFunctions.suspendWorkloads,
  [NodeRecoveryStates.PromoteSpare]: NodeRecoveryFunctions.promoteSpare,
  [NodeRecoveryStates.RequestRemediation]: NodeRecoveryFunctions.requestRemediation,
  [NodeRecoveryStates.CheckNodeRecovery]: NodeRecoveryFunctions.checkNodeRecovery,
  [NodeRecoveryStates.StartQuickCheck]: NodeRecoveryFunctions.startQuickCheck,
  [NodeRecoveryStates.PollQuickCheck]: NodeRecoveryFunctions.pollQuickCheck,
  [NodeRecoveryStates.RestoreNode]: NodeRecoveryFunctions.restoreNode,
  [NodeRecoveryStates.ResumeWorkloads]: NodeRecoveryFunctions.resumeWorkloads,
  [NodeRecoveryStates.Escalate]: NodeRecoveryFunctions.escalateIncident,
  [NodeRecoveryStates.RecordOutcome]: NodeRecoveryFunctions.recordOutcome,
  [NodeRecoveryStates.RecordSkip]: NodeRecoveryFunctions.recordOutcome,
};

// ------------------------------------------------------------------ incident state

export const nodeIdentitySchema = z.object({
  clusterName: z.string(),
  instanceId: z.string(),
  nodeName: z.string().optional(),
  nodeLogicalId: z.string().optional(),
  instanceGroupName: z.string().optional(),
  instanceType: z.string().optional(),
  bootId: z.string().optional(),
});

const workloadRefSchema = z.object({
  kind: z.enum(WORKLOAD_KIND_NAMES),
  apiVersion: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string().optional(),
});

const actionSchema = z.enum(['replace', 'reboot', 'observe', 'ignore']);

export const decisionSchema = z.object({
  outcome: z.enum(['proceed', 'skip']),
  action: actionSchema,
  /** Policy reason code (`fatal-fault`, `repeat-offender`, …). */
  reason: z.string(),
  escalatedFrom: actionSchema.optional(),
  mode: z.enum(['observe', 'act']),
  /** Present when outcome is proceed. */
  remediation: z.enum(['request', 'await-hyperpod']).optional(),
  skipReason: z.string().optional(),
  skipDetail: z.string().optional(),
  wouldHave: z
    .object({ action: actionSchema, remediation: z.enum(['request', 'await-hyperpod']) })
    .optional(),
  /** We hold the node lease and must release it when the incident ends. */
  leaseHeld: z.boolean(),
  /** The incident that saw this fault first (duplicate deliveries). */
  duplicateOf: z.string().optional(),
  /** The recovery HyperPod already has pending for the node (its `Pending*` label), when awaited. */
  hyperpodPending: z.enum(['reboot', 'replace']).optional(),
  /**
   * The most this incident may do: an alarm's `alarms.allow` `maxAction`, `replace` for every other
   * trigger. A reboot that did not help escalates to a replacement only when it is `replace`.
   */
  maxAction: z.enum(['observe', 'reboot', 'replace']).optional(),
});

export const incidentStateSchema = z.looseObject({
  incidentId: z.string().min(1),
  executionName: z.string().min(1),
  startedAt: z.string(),
  clusterName: z.string(),
  eksClusterName: z.string(),
  trigger: z.looseObject({ kind: z.string() }),
  fault: z.looseObject({ class: z.string(), code: z.string() }),
  node: nodeIdentitySchema.optional(),
  /** The node's Kubernetes Ready condition when admitted (NotReady later = something happened). */
  nodeReadyAtAdmission: z.boolean().optional(),
  decision: decisionSchema,
  /** Polling state of WaitForNode/CheckNodeRecovery; `pollSeconds` feeds the Wait state. */
  await: z
    .object({
      pollSeconds: z.number().int().min(1),
      attempts: z.number().int().min(0),
      /** Set by CheckNodeRecovery from the remediation time and the policy's timeouts. */
      deadline: z.string().optional(),
      status: z.enum(['pending', 'ready']),
      /** When a recovery we did not request was first seen under way (HyperPod's own). */
      recoveryStartedAt: z.string().optional(),
      /** The node that came back (a replacement has a new instance id and node name). */
      node: nodeIdentitySchema.optional(),
    })
    .optional(),
  quarantine: z.looseObject({ status: z.string() }).optional(),
  suspension: z
    .looseObject({
      suspended: z.array(workloadRefSchema),
      joined: z.array(workloadRefSchema),
      skipped: z.array(z.looseObject({ ref: workloadRefSchema, reason: z.string() })),
    })
    .optional(),
  /**
   * PromoteSpare (docs/design/hot-spares.md): `promoted` with the spare and the claim token, or
   * `not-promoted` with the reason; a Catch puts the error here instead (`Error`, `Cause`) and the
   * repair goes on.
   */
  promotion: z
    .looseObject({
      status: z.enum(['promoted', 'not-promoted']).optional(),
      reason: z.string().optional(),
      spare: z.object({ nodeName: z.string(), instanceId: z.string() }).optional(),
      token: z.string().optional(),
      Error: z.string().optional(),
      Cause: z.string().optional(),
    })
    .optional(),
  remediation: z
    .looseObject({
      action: actionSchema,
      status: z.enum(['requested', 'hyperpod-acting', 'awaiting-hyperpod']),
      requestedAt: z.string(),
      attempt: z.number().int().min(1),
      /** What showed that a recovery we did not request is under way. */
      evidence: z.string().optional(),
    })
    .optional(),
  /**
   * The quick check of the node that came back (health-check.contract.ts `quickCheckStateSchema`):
   * `running` between StartQuickCheck/PollQuickCheck polls, then `passed`, `failed` or
   * `not-verified` (quick checks disabled, or no Kubernetes node to check).
   */
  verification: z
    .looseObject({
      status: z.enum(['running', 'passed', 'failed', 'not-verified']),
      reason: z.string(),
    })
    .optional(),
  restore: z.looseObject({ status: z.string() }).optional(),
  resumption: z.looseObject({ resumed: z.array(workloadRefSchema) }).optional(),
  escalation: z.looseObject({ status: z.string() }).optional(),
  /** Set by a Catch: the error that sent the incident to Escalate. */
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type IncidentState = z.infer<typeof incidentStateSchema>;
export type Decision = z.infer<typeof decisionSchema>;

/** What Admit receives: the raw trigger plus execution context. */
export const admitInputSchema = z.object({
  trigger: z.unknown(),
  executionName: z.string().min(1).max(80),
  startedAt: z.string(),
});
export type AdmitInput = z.infer<typeof admitInputSchema>;

/** Final output of RecordOutcome / RecordSkip. */
export const recordOutputSchema = z.object({
  incidentId: z.string(),
  status: z.enum(['resolved', 'skipped', 'needs-attention']),
  outcome: z.string(),
});
export type RecordOutput = z.infer<typeof recordOutputSchema>;
