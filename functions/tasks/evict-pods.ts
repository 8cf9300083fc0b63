/**
 * Draining the pods that belong to no job (plain pods, Deployments, StatefulSets) from a faulty
 * node, the way `kubectl drain` does: through the eviction API, so PodDisruptionBudgets are
 * honoured (a 429 is back-pressure: we ask again until the policy's timeout). Pods still there
 * after the timeout are force-deleted (grace 0) only when Kubernetes confirms the node dead — on a
 * dead node no kubelet ever confirms a graceful delete, and their controllers cannot replace them
 * elsewhere until they are gone. On a live node they are left, and the result says why.
 */
import type { KubeApi } from '#adapters/ports.ts';
import type { WorkloadPolicy } from '#contracts/config/policy.ts';
import { type NodeVerdict, nodeDeadVerdict, planPodEviction, planStuckPods } from '#domain/pod-eviction.ts';
import type { UnmanagedPod } from './workloads.ts';

export interface PodDrainOutcome {
  /** Eviction accepted (`namespace/name`). */
  evicted: string[];
  /** Force-deleted after the timeout on a dead node. */
  forceDeleted: string[];
  /** Still on the node when we stopped, with why (budget message, or still terminating). */
  remaining: { pod: string; reason: string }[];
  /** Not evicted on purpose: DaemonSet, mirror pod, finished, opted out. */
  skipped: { pod: string; reason: string }[];
  /** The node verdict, when the timeout was reached with pods left. */
  node?: NodeVerdict;
  /** Seconds spent draining. */
  seconds: number;
}

export interface DrainOptions {
  optOutAnnotation: string;
  eviction: WorkloadPolicy['eviction'];
  now: () => string;
  /** Injected for tests; real time otherwise. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** First polls come quickly (kwok and real kubelets confirm within a second), then every pollSeconds. */
const pollDelayMs = (round: number, pollSeconds: number): number =>
  Math.min(pollSeconds * 1000, 250 * 2 ** round);

export const drainPods = async (
  kube: KubeApi,
  nodeName: string,
  pods: UnmanagedPod[],
  options: DrainOptions,
): Promise<PodDrainOutcome> => {
  const sleep = options.sleep ?? realSleep;
  const started = Date.parse(options.now());
  const outcome: PodDrainOutcome = { evicted: [], forceDeleted: [], remaining: [], skipped: [], seconds: 0 };
  const targets = new Map<string, UnmanagedPod>();
  for (const entry of pods) {
    const key = `${entry.namespace}/${entry.name}`;
    const plan = planPodEviction(entry.pod, entry.owner, options.optOutAnnotation);
    if (plan.action === 'skip') outcome.skipped.push({ pod: key, reason: plan.reason });
    else targets.set(key, entry);
  }
  const blockedBy = new Map<string, string>();
  const elapsedSeconds = () => (Date.parse(options.now()) - started) / 1000;

  for (let round = 0; targets.size > 0; round++) {
    const onNode = new Map(
      (await kube.listPods({ nodeName })).map((pod) => [
        `${pod.metadata.namespace}/${pod.metadata.name}`,
        pod,
      ]),
    );
    for (const [key, entry] of targets) {
      const live = onNode.get(key);
      // Gone, or a new pod of the same name (a StatefulSet recreated it): our pod left.
      if (!live || (entry.uid && live.metadata.uid !== entry.uid)) {
        targets.delete(key);
        continue;
      }
      if (live.metadata.deletionTimestamp) continue;
      const result = await kube.evictPod({ namespace: entry.namespace, name: entry.name });
      if (result.outcome === 'blocked') blockedBy.set(key, result.message ?? 'eviction answered 429');
      else {
        blockedBy.delete(key);
        if (result.outcome === 'evicted' && !outcome.evicted.includes(key)) outcome.evicted.push(key);
        if (result.outcome === 'gone') targets.delete(key);
      }
    }
    if (targets.size === 0) break;

    const timedOut = elapsedSeconds() >= options.eviction.timeoutSeconds;
    const node = timedOut
      ? nodeDeadVerdict(await kube.getNode(nodeName), options.now(), options.eviction.nodeDeadAfterSeconds)
      : { dead: false, reason: 'not checked before the timeout' };
    const stuck = planStuckPods({
      elapsedSeconds: elapsedSeconds(),
      timeoutSeconds: options.eviction.timeoutSeconds,
      forceDelete: options.eviction.forceDeleteOnDeadNode,
      node,
    });
    if (stuck.action === 'wait') {
      await sleep(pollDelayMs(round, options.eviction.pollSeconds));
      continue;
    }
    outcome.node = node;
    for (const [key, entry] of targets) {
      if (stuck.action === 'force-delete') {
        const deleted = await kube.deletePod(
          { namespace: entry.namespace, name: entry.name, ...(entry.uid ? { uid: entry.uid } : {}) },
          { gracePeriodSeconds: 0 },
        );
        if (deleted === 'deleted') outcome.forceDeleted.push(key);
      } else {
        const why = blockedBy.get(key) ?? 'still terminating';
        outcome.remaining.push({ pod: key, reason: `${why}; ${stuck.reason}` });
      }
    }
    break;
  }
  outcome.seconds = Math.max(0, elapsedSeconds());
  return outcome;
};
