/**
 * Typed errors. Their `name`s are the Retry/Catch vocabulary of the state machines
 * (Step Functions and aws-local-stepfunctions match `ErrorEquals` on `error.name`), so the
 * names are exported once here and imported by the ASL in `state-machines/`.
 *
 * Retryable: the same call may succeed later without anyone changing anything.
 * Terminal: retrying cannot help; the state machine catches them into Escalate or Record.
 */
export const ErrorNames = {
  // retryable
  KubernetesThrottled: 'KubernetesThrottledError',
  KubernetesUnavailable: 'KubernetesUnavailableError',
  SageMakerTransient: 'SageMakerTransientError',
  NodeBusy: 'NodeBusyError',
  ConcurrentUpdate: 'ConcurrentUpdateError',
  LedgerTransient: 'LedgerTransientError',
  // terminal
  InvalidInput: 'InvalidInputError',
  UnknownCluster: 'UnknownClusterError',
  NodeNotFound: 'NodeNotFoundError',
  OutOfSequenceInput: 'OutOfSequenceInputError',
  KubernetesRequestFailed: 'KubernetesRequestFailedError',
  SageMakerRequestFailed: 'SageMakerRequestFailedError',
  RemediationFailed: 'RemediationFailedError',
  NodeNotRecovered: 'NodeNotRecoveredError',
  RecoveryNotStarted: 'RecoveryNotStartedError',
  KueueWorkloadUnavailable: 'KueueWorkloadUnavailableError',
  ActionRefused: 'ActionRefusedError',
} as const;
export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** Errors a Task may be retried on (with backoff) — also the Lambda service's own transient errors. */
export const RETRYABLE_ERRORS: readonly string[] = [
  ErrorNames.KubernetesThrottled,
  ErrorNames.KubernetesUnavailable,
  ErrorNames.SageMakerTransient,
  ErrorNames.NodeBusy,
  ErrorNames.ConcurrentUpdate,
  ErrorNames.LedgerTransient,
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

type ErrorOptionsWithDetails = { cause?: unknown; details?: Record<string, unknown> };

/** Base class of every error we throw on purpose. */
export class HyperPodResilienceError extends Error {
  readonly retryable: boolean = false;
  readonly details?: Record<string, unknown>;
  constructor(message: string, options: ErrorOptionsWithDetails = {}) {
    super(message, { cause: options.cause });
    this.name = 'HyperPodResilienceError';
    this.details = options.details;
  }
}

abstract class RetryableError extends HyperPodResilienceError {
  override readonly retryable = true;
}

export class KubernetesThrottledError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.KubernetesThrottled;
  }
}
export class KubernetesUnavailableError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.KubernetesUnavailable;
  }
}
export class SageMakerTransientError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.SageMakerTransient;
  }
}
/**
 * SageMaker answered `InvalidInstanceStatus` or `InstanceIdInUse` for the node and its status
 * shows an operation that is not a recovery (deep health check, software update, …): try later.
 */
export class NodeBusyError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.NodeBusy;
  }
}
/** An optimistic-concurrency write lost a race (ledger version, Kubernetes resourceVersion). */
export class ConcurrentUpdateError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.ConcurrentUpdate;
  }
}
export class LedgerTransientError extends RetryableError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.LedgerTransient;
  }
}

export class InvalidInputError extends HyperPodResilienceError {
  /** zod-style issues: where and what. */
  readonly issues: { path: string; message: string }[];
  constructor(
    message: string,
    issues: { path: string; message: string }[] = [],
    options?: ErrorOptionsWithDetails,
  ) {
    super(
      issues.length
        ? `${message}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`
        : message,
      options,
    );
    this.name = ErrorNames.InvalidInput;
    this.issues = issues;
  }
}
export class UnknownClusterError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.UnknownCluster;
  }
}
export class NodeNotFoundError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.NodeNotFound;
  }
}
/**
 * A well-formed input that arrives at the wrong point of its state machine (a step before the one
 * that must precede it: no requested remediation, no admitted incident, no finished health
 * check). A bug in the definition or a hand-made execution, never retried.
 */
export class OutOfSequenceInputError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.OutOfSequenceInput;
  }
}
export class KubernetesRequestFailedError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.KubernetesRequestFailed;
  }
}
export class SageMakerRequestFailedError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.SageMakerRequestFailed;
  }
}
export class RemediationFailedError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.RemediationFailed;
  }
}
export class NodeNotRecoveredError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.NodeNotRecovered;
  }
}
/**
 * HyperPod was left to recover a node (its own `Pending*` label under automatic node recovery)
 * and nothing visibly started within the grace: handled as a failure (escalate, resume the
 * jobs), never as a reason to keep waiting with the jobs suspended.
 */
export class RecoveryNotStartedError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.RecoveryNotStarted;
  }
}
/**
 * Re-checked at the destructive call, the live state says no (observe mode switched on, the
 * cluster paused, the breaker open, the node's lease held by another incident): the reboot or
 * replacement is not requested. The incident escalates: people are told, the node stays
 * quarantined, the jobs are resumed.
 */
export class ActionRefusedError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.ActionRefused;
  }
}
/**
 * A Kueue-managed job (label `kueue.x-k8s.io/queue-name`) whose Kueue Workload cannot be read:
 * Kueue is not served, serves no Workload version we know, or no Workload belongs to the job.
 * Kueue owns such a job's suspend switch, so nothing is done to it; the error is recorded per job.
 */
export class KueueWorkloadUnavailableError extends HyperPodResilienceError {
  constructor(message: string, options?: ErrorOptionsWithDetails) {
    super(message, options);
    this.name = ErrorNames.KueueWorkloadUnavailable;
  }
}

/**
 * The configuration in the config store is missing or fails the schema (contracts/config/app.ts):
 * nothing may act on it. Thrown by the config reader when it has no earlier valid version to fall
 * back to (functions/adapters/config-reader.ts); nothing was changed.
 */
export class ConfigInvalidError extends HyperPodResilienceError {
  /** zod-style issues: where and what. */
  readonly issues: { path: string; message: string }[];
  constructor(
    message: string,
    issues: { path: string; message: string }[] = [],
    options?: ErrorOptionsWithDetails,
  ) {
    super(
      issues.length
        ? `${message}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`
        : message,
      options,
    );
    this.name = 'ConfigInvalidError';
    this.issues = issues;
  }
}
