/**
 * `node-recovery`: one execution per node incident. JSONPath ASL as plain data (no JSONata,
 * no Assign: the local runner cannot execute them), deployed by sst.config.ts and executed
 * locally by aws-local-stepfunctions — the very same object.
 *
 *   AdmitIncident ─► IsActionNeeded ─skip─► RecordSkip ─► Done
 *        │ proceed
 *        ▼
 *   QuarantineNode ─► SuspendWorkloads ─► PromoteSpare ─► RequestRemediation ─► WaitForNode ◄─┐
 *                    (a failed promotion goes on to RequestRemediation, its error in $.promotion)
 *                                               ▲                 │           │ pending
 *                                               │          CheckNodeRecovery ─► IsNodeBack
 *                              EscalateToReplace│                               │ ready
 *                                               │                        StartQuickCheck ─► IsQuickCheckDone ◄─┐
 *                                               │                                 running │  WaitForQuickCheck │
 *                                               │                                         └─► PollQuickCheck ──┘
 *                                               └── failed after reboot ── IsNodeHealthy ◄┘ done
 *                                                                               │ passed / not verified
 *   RestoreNode ◄───────────────────────────────────────────────────────────────┘
 *   (failed after a replace ─► Escalate: bounded, one reboot and one replace per incident)
 *        ▼
 *   ResumeWorkloads ─► RecordOutcome ─► IsNeedsAttention ─► Done | NeedsAttention (Fail)
 *   any failure ─► Escalate (notify, node stays quarantined, jobs resumed) ─► RecordOutcome
 */

import { ErrorNames } from '#contracts/errors.ts';
import { type Json, lambdaTask, retryTransient } from './asl.ts';
import {
  type NodeRecoveryFunction,
  NodeRecoveryFunctions,
  NodeRecoveryStates as S,
} from './node-recovery.contract.ts';

export interface NodeRecoveryRefs {
  /** Lambda ARN per task function. */
  functionArns: Record<NodeRecoveryFunction, string>;
  /** Upper bound of one execution; must exceed the replace timeout plus verification. */
  executionTimeoutSeconds?: number;
}

const toEscalation: Json = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.Escalate };

/** Builds the ASL definition; `refs` bring the deployed (or local) function ARNs. */
export const nodeRecoveryDefinition = (refs: NodeRecoveryRefs): Json => ({
  Comment:
    'hyperpod-resilience node-recovery: quarantine, suspend, reboot/replace, verify, restore, resume, record',
  StartAt: S.AdmitIncident,
  TimeoutSeconds: refs.executionTimeoutSeconds ?? 6 * 3600,
  States: {
    [S.AdmitIncident]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.admitIncident], {
      comment: 'Classify the trigger, resolve the node, apply policy and guardrails, take the node lease',
      timeoutSeconds: 60,
      parameters: {
        'trigger.$': '$',
        'executionName.$': '$$.Execution.Name',
        'startedAt.$': '$$.Execution.StartTime',
      },
      // No resultPath: the default ("$") replaces the input with the incident.
      // Invalid input, unknown cluster or node: no Catch — the execution fails with the typed
      // error and nothing was changed.
      next: S.IsActionNeeded,
    }),
    [S.IsActionNeeded]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.decision.outcome', StringEquals: 'proceed', Next: S.QuarantineNode }],
      Default: S.RecordSkip,
    },
    [S.QuarantineNode]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.quarantineNode], {
      comment: 'Cordon + quarantine taint + annotations, stamped with the incident',
      timeoutSeconds: 60,
      resultPath: '$.quarantine',
      next: S.SuspendWorkloads,
      catch: [toEscalation],
    }),
    [S.SuspendWorkloads]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.suspendWorkloads], {
      comment: 'Suspend every job with a pod on the node, once, marking what we suspended',
      timeoutSeconds: 300,
      resultPath: '$.suspension',
      next: S.PromoteSpare,
      catch: [toEscalation],
    }),
    [S.PromoteSpare]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.promoteSpare], {
      comment:
        'Hot spare: claim a ready spare of the pool, retaint it for this incident, let the suspended jobs tolerate it and resume them now',
      timeoutSeconds: 120,
      resultPath: '$.promotion',
      next: S.RequestRemediation,
      // A failed promotion never stops the repair: the error is kept in $.promotion.
      catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.promotion', Next: S.RequestRemediation }],
    }),
    [S.RequestRemediation]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.requestRemediation], {
      comment: 'BatchReboot/BatchReplaceClusterNodes, or note that HyperPod recovers the node itself',
      timeoutSeconds: 60,
      resultPath: '$.remediation',
      next: S.WaitForNode,
      // NodeBusy: InvalidInstanceStatus/InstanceIdInUse while the node shows an operation that is
      // not a recovery (deep health check, software update): wait longer, then escalate.
      // SageMakerTransient: throttling, 5xx, and a per-node `InternalServerError` in the Failed
      // list ("an internal error occurred while processing this node"): back off before escalating.
      retry: [
        {
          ErrorEquals: [ErrorNames.NodeBusy],
          IntervalSeconds: 30,
          MaxAttempts: 6,
          BackoffRate: 1.5,
          MaxDelaySeconds: 120,
        },
        {
          ErrorEquals: [ErrorNames.SageMakerTransient],
          IntervalSeconds: 5,
          MaxAttempts: 5,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        },
        retryTransient(),
      ],
      catch: [toEscalation],
    }),
    [S.WaitForNode]: {
      Type: 'Wait',
      Comment: 'Poll interval from the policy (awaitNode.pollSeconds)',
      SecondsPath: '$.await.pollSeconds',
      Next: S.CheckNodeRecovery,
    },
    [S.CheckNodeRecovery]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.checkNodeRecovery], {
      comment:
        'Reboot: same node Ready with a new boot id. Replace: the new instance joined Ready. Throws past the deadline',
      timeoutSeconds: 60,
      resultPath: '$.await',
      next: S.IsNodeBack,
      catch: [toEscalation],
    }),
    [S.IsNodeBack]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.await.status', StringEquals: 'ready', Next: S.StartQuickCheck }],
      Default: S.WaitForNode,
    },
    [S.StartQuickCheck]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.startQuickCheck], {
      comment:
        'Verify the node that came back: accelerators allocatable, then a quick-check Job pinned to it (or not-verified when quick checks are off)',
      timeoutSeconds: 60,
      parameters: {
        'clusterName.$': '$.clusterName',
        'eksClusterName.$': '$.eksClusterName',
        'node.$': '$.await.node',
        'checkId.$': '$.incidentId',
        'attempt.$': '$.remediation.attempt',
        'incidentId.$': '$.incidentId',
        purpose: 'verify',
      },
      resultPath: '$.verification',
      next: S.IsQuickCheckDone,
      catch: [toEscalation],
    }),
    [S.IsQuickCheckDone]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.verification.status', StringEquals: 'running', Next: S.WaitForQuickCheck }],
      Default: S.IsNodeHealthy,
    },
    [S.WaitForQuickCheck]: {
      Type: 'Wait',
      Comment: 'Poll interval from the config (healthChecks.quick.pollSeconds)',
      SecondsPath: '$.verification.pollSeconds',
      Next: S.PollQuickCheck,
    },
    [S.PollQuickCheck]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.pollQuickCheck], {
      comment: 'Read the check pod: its termination message is the verdict. Fails past the deadline',
      timeoutSeconds: 60,
      parameters: {
        'clusterName.$': '$.clusterName',
        'eksClusterName.$': '$.eksClusterName',
        'incidentId.$': '$.incidentId',
        'check.$': '$.verification',
      },
      resultPath: '$.verification',
      next: S.IsQuickCheckDone,
      catch: [toEscalation],
    }),
    [S.IsNodeHealthy]: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.verification.status', StringEquals: 'failed' },
            { Variable: '$.decision.action', StringEquals: 'reboot' },
            { Variable: '$.decision.remediation', StringEquals: 'request' },
            // An alarm may make us replace only when its `alarms.allow` entry says so.
            { Variable: '$.decision.maxAction', StringEquals: 'replace' },
          ],
          Next: S.EscalateToReplace,
        },
        { Variable: '$.verification.status', StringEquals: 'failed', Next: S.Escalate },
      ],
      Default: S.RestoreNode,
    },
    [S.EscalateToReplace]: {
      Type: 'Pass',
      Comment:
        'The reboot did not fix the node: replace it (bounded: a failed replacement escalates to people)',
      Result: 'replace',
      ResultPath: '$.decision.action',
      Next: S.RequestRemediation,
    },
    [S.RestoreNode]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.restoreNode], {
      comment: 'Remove only what we added; never uncordon a node someone else cordoned',
      timeoutSeconds: 60,
      resultPath: '$.restore',
      next: S.ResumeWorkloads,
      catch: [toEscalation],
    }),
    [S.ResumeWorkloads]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.resumeWorkloads], {
      comment: 'Unsuspend what this incident suspended, exactly once',
      timeoutSeconds: 300,
      resultPath: '$.resumption',
      next: S.RecordOutcome,
      catch: [toEscalation],
    }),
    [S.Escalate]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.escalateIncident], {
      comment: 'Notify people, keep the node quarantined, resume suspended jobs so they wait for capacity',
      timeoutSeconds: 300,
      resultPath: '$.escalation',
      next: S.RecordOutcome,
      catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.escalationError', Next: S.RecordOutcome }],
    }),
    [S.RecordOutcome]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.recordOutcome], {
      comment: 'Write the outcome to the incident record, release the node lease',
      timeoutSeconds: 60,
      resultPath: '$.record',
      next: S.IsNeedsAttention,
      retry: [retryTransient(2, 6)],
    }),
    [S.RecordSkip]: lambdaTask(refs.functionArns[NodeRecoveryFunctions.recordOutcome], {
      comment: 'Record the skip and its reason (observe mode records the decision that would have run)',
      timeoutSeconds: 60,
      resultPath: '$.record',
      next: S.Done,
      retry: [retryTransient(2, 6)],
    }),
    [S.IsNeedsAttention]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.record.status', StringEquals: 'needs-attention', Next: S.NeedsAttention }],
      Default: S.Done,
    },
    [S.Done]: { Type: 'Succeed' },
    [S.NeedsAttention]: {
      Type: 'Fail',
      Error: 'NeedsAttention',
      Cause: 'The incident was escalated to people; see the incident record and the notification',
    },
  },
});
