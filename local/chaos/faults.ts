/**
 * Dependency faults for chaos campaigns, injected at the ports (functions/adapters/ports.ts) with
 * the very errors the real adapters raise for each failure: SageMaker throttling and 5xx →
 * SageMakerTransientError (adapters/sagemaker.ts), Kubernetes 409 → ConcurrentUpdateError, 429 →
 * KubernetesThrottledError, 5xx, refused connections and timeouts → KubernetesUnavailableError
 * (adapters/kubernetes.ts), DynamoDB throttling → LedgerTransientError and a lost conditional
 * write → ConcurrentUpdateError (adapters/ledger-dynamodb.ts). A crash after the side effect is a
 * Lambda that did the call and then died: the state sees `Lambda.ServiceException` and retries.
 */
import type { ClusterNodes, KubeApi, Ledger } from '#adapters/ports.ts';
import {
  ConcurrentUpdateError,
  KubernetesThrottledError,
  KubernetesUnavailableError,
  LedgerTransientError,
  SageMakerTransientError,
} from '#contracts/errors.ts';

export const FAULT_KINDS = [
  'duplicate-delivery',
  'reordered-delivery',
  'sagemaker-throttling',
  'sagemaker-5xx',
  'sagemaker-node-failed',
  'kube-409',
  'kube-429',
  'kube-500',
  'kube-timeout',
  'apiserver-restart',
  'ledger-throttling',
  'ledger-write-race',
  'crash-after-side-effect',
  'timeout-after-side-effect',
  'manual-execution',
  'concurrent-sweep',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Injected faults by kind, counted as they fire. */
export type FaultCounts = Record<FaultKind, number>;
export const emptyFaultCounts = (): FaultCounts =>
  Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as FaultCounts;

export interface FaultPlan {
  /** Kinds switched on for this campaign, each with its probability per eligible call. */
  rates: Partial<Record<FaultKind, number>>;
  /** apiserver-restart: after this many Kubernetes calls, the next `downFor` calls find it down. */
  restartAfterCalls?: number;
  restartDownFor?: number;
}

/**
 * A Lambda that died after its call went through. `Lambda.ServiceException` is a transient
 * Lambda service error our Retry names; a function timeout or out-of-memory is reported as
 * `Lambda.Unknown`, which no Retry of ours names: the state's Catch escalates
 * (docs/facts/chaos.md chaos.lambda-unhandled-errors).
 */
export class LambdaCrashedError extends Error {
  constructor(
    message: string,
    name: 'Lambda.ServiceException' | 'Lambda.Unknown' = 'Lambda.ServiceException',
  ) {
    super(message);
    this.name = name;
  }
}

export interface FaultInjector {
  counts: FaultCounts;
  /** Faults stop firing (the sweep's repair and the observation run clean). */
  enabled: boolean;
  clusterNodes(inner: ClusterNodes): ClusterNodes;
  kube(inner: KubeApi): KubeApi;
  ledger(inner: Ledger): Ledger;
  count(kind: FaultKind, n?: number): void;
}

const KUBE_MUTATIONS = new Set<keyof KubeApi>(['patchNode', 'patchWorkload', 'patchObject']);
const LEDGER_RACES = new Set<keyof Ledger>(['putClusterState']);
const SAGEMAKER_ACTIONS = new Set<keyof ClusterNodes>(['rebootNodes', 'replaceNodes']);

type Before = (method: string, args: unknown[]) => Error | undefined;
type After = (method: string, args: unknown[]) => Error | undefined;

const wrap = <T extends object>(inner: T, before: Before, after: After): T =>
  new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const failure = before(property, args);
        if (failure) throw failure;
        const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
        const crash = after(property, args);
        if (crash) throw crash;
        return result;
      };
    },
  });

/** FNV-1a: the same (seed, call) always draws the same number, whatever the interleaving. */
const hash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
};

/** What identifies a call across runs: its method and its plain arguments (names, ids), not times. */
const callKey = (method: string, args: unknown[]): string =>
  [
    method,
    ...args.flatMap((a) =>
      typeof a === 'string' && !/^\d{4}-\d\d-\d\dT/.test(a)
        ? [a]
        : Array.isArray(a) && a.every((x) => typeof x === 'string')
          ? [a.join(',')]
          : [],
    ),
  ].join('|');

/**
 * A transient fault clears within the state machine's retry budget (4 retries): at most this many
 * faults in a row hit the same call. Longer outages are escalations, proven by the scenario tests.
 */
export const MAX_FAULTS_IN_A_ROW = 2;

export const createFaultInjector = (seed: number, plan: FaultPlan): FaultInjector => {
  const counts = emptyFaultCounts();
  let kubeCalls = 0;
  const occurrences = new Map<string, number>();
  const streak = new Map<string, number>();
  const injector: FaultInjector = {
    counts,
    enabled: true,
    count(kind, n = 1) {
      counts[kind] += n;
    },
    clusterNodes: (inner) =>
      wrap(
        inner,
        (method, args) => {
          if (!injector.enabled) return undefined;
          const fires = draw(method, args);
          if (fires('sagemaker-throttling'))
            return new SageMakerTransientError(`${method}: ThrottlingException: Rate exceeded`);
          if (fires('sagemaker-5xx'))
            return new SageMakerTransientError(`${method}: InternalFailure (HTTP 500)`);
          return undefined;
        },
        (method, args) =>
          injector.enabled && SAGEMAKER_ACTIONS.has(method as keyof ClusterNodes)
            ? crashAfter(method, args)
            : undefined,
      ),
    kube: (inner) =>
      wrap(
        inner,
        (method, args) => {
          if (!injector.enabled) return undefined;
          const fires = draw(method, args);
          kubeCalls += 1;
          const { restartAfterCalls, restartDownFor = 0 } = plan;
          if (
            restartAfterCalls !== undefined &&
            kubeCalls > restartAfterCalls &&
            kubeCalls <= restartAfterCalls + restartDownFor
          ) {
            counts['apiserver-restart'] += 1;
            return new KubernetesUnavailableError(
              `${method}: connect ECONNREFUSED (kube-apiserver restarting)`,
            );
          }
          if (KUBE_MUTATIONS.has(method as keyof KubeApi) && fires('kube-409'))
            return new ConcurrentUpdateError(`${method}: 409 Conflict: the object has been modified`);
          if (fires('kube-429')) return new KubernetesThrottledError(`${method}: 429 Too Many Requests`);
          if (fires('kube-500'))
            return new KubernetesUnavailableError(`${method}: 500 Internal Server Error`);
          if (fires('kube-timeout'))
            return new KubernetesUnavailableError(`${method}: no answer (ETIMEDOUT)`);
          return undefined;
        },
        (method, args) =>
          injector.enabled && KUBE_MUTATIONS.has(method as keyof KubeApi)
            ? crashAfter(method, args)
            : undefined,
      ),
    ledger: (inner) =>
      wrap(
        inner,
        (method, args) => {
          if (!injector.enabled) return undefined;
          const fires = draw(method, args);
          if (fires('ledger-throttling'))
            return new LedgerTransientError(`${method}: ProvisionedThroughputExceededException`);
          if (LEDGER_RACES.has(method as keyof Ledger) && fires('ledger-write-race'))
            return new ConcurrentUpdateError(
              `${method}: ConditionalCheckFailedException (another writer won)`,
            );
          return undefined;
        },
        () => undefined,
      ),
  };
  const crashAfter = (method: string, args: unknown[]): Error | undefined => {
    const fires = draw(`${method}:after`, args);
    if (fires('crash-after-side-effect'))
      return new LambdaCrashedError(`the task died after ${method} went through`);
    if (fires('timeout-after-side-effect'))
      return new LambdaCrashedError(`the task timed out after ${method} went through`, 'Lambda.Unknown');
    return undefined;
  };
  /** The fault draw of one call: keyed by seed, call and its occurrence, capped per streak. */
  const draw = (method: string, args: unknown[]) => {
    const key = callKey(method, args);
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    let fired = false;
    return (kind: FaultKind): boolean => {
      const rate = plan.rates[kind];
      if (fired || !rate) return false;
      const inRow = streak.get(key) ?? 0;
      if (inRow >= MAX_FAULTS_IN_A_ROW || hash(`${seed}|${kind}|${key}|${occurrence}`) >= rate) {
        streak.set(key, 0);
        return false;
      }
      streak.set(key, inRow + 1);
      fired = true;
      counts[kind] += 1;
      return true;
    };
  };
  return injector;
};
