/**
 * PromoteSpare (docs/design/hot-spares.md "Promotion"): after SuspendWorkloads, when a pool
 * serves the faulty node's instance group and a spare of it is ready, claim one in the ledger
 * (conditional write: two incidents never get the same spare), retaint it with this incident's
 * claim token, evict its borrowers, let the suspended jobs tolerate the token and resume them at
 * once — before and independently of the repair, which goes on as today.
 *
 * Idempotent: a retry finds the spare this incident promoted (label + claimed-by) or claimed (the
 * ledger), and carries on. A failure after the claim undoes the taint change and releases the
 * claim; the jobs stay held and wait for the repair as before. Jobs another incident also holds
 * stay suspended (the holders bookkeeping of workloads.ts).
 */
import type { KubeApi, MergePatch } from '#adapters/ports.ts';
import { requireCluster } from '#contracts/clusters.ts';
import { ConcurrentUpdateError, InvalidInputError, KubernetesRequestFailedError } from '#contracts/errors.ts';
import { EventReasons } from '#domain/kube-events.ts';
import type { KubeNode, KubeObject } from '#domain/kube-types.ts';
import { instanceIdOfNode } from '#domain/node-identity.ts';
import {
  isReadySpare,
  type NotPromotedReason,
  planPromote,
  planUndoPromote,
  poolServing,
  promotedBy,
  spareOrder,
} from '#domain/spare-promotion.ts';
import { addSpareToleration, spareTolerationRefusal } from '#domain/spare-tolerations.ts';
import { BORROW_ANNOTATION, claimToken, SPARE_STATE_LABEL } from '#domain/spares.ts';
import type { WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { describeRef } from '#domain/workload-kinds.ts';
import { suspendedNodes } from '#domain/workload-suspension.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { drainPods, type PodDrainOutcome } from './evict-pods.ts';
import { countLatency, incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { nodeEvent, workloadEvents } from './kube-events.ts';
import { resumeAll } from './workloads.ts';

/**
 * How a workload gets the spare toleration (functions/domain/spare-tolerations.ts): whether its
 * kind may, and the merge patch adding it to every pod template (undefined: every template has it).
 */
export interface SpareTolerations {
  /** Why a workload may not take the toleration (its kind, or Kueue admits it); undefined: it may. */
  refusal: (kind: WorkloadKind, workload: KubeObject) => string | undefined;
  add: (kind: WorkloadKind, workload: KubeObject, token: string) => MergePatch | undefined;
}

/** The claim outlives the longest incident (6 h execution limit); RecordOutcome releases it. */
export const SPARE_CLAIM_TTL_MINUTES = 6 * 60 + 30;
/** Borrowers get at most this long to leave (the task's own timeout is 300 s). */
const MAX_BORROWER_WAIT_SECONDS = 200;
const MAX_CONFLICT_RETRIES = 5;

export interface PromotionResult {
  status: 'promoted' | 'not-promoted';
  reason?: NotPromotedReason;
  detail?: string;
  spare?: { nodeName: string; instanceId: string };
  token?: string;
  /** Jobs resumed on the promotion (`Kind/namespace/name`). */
  resumed: string[];
  /** Jobs this incident let go of that another incident still holds suspended. */
  released: string[];
  /** Jobs that did not get the toleration (their kind cannot carry it, or gone), with why. */
  notTolerated: string[];
  /** Spares claimed first by another incident (`node: holder`). */
  lostRaces: string[];
  borrowers?: Pick<PodDrainOutcome, 'evicted' | 'remaining'>;
  at: string;
}

const refsOf = (state: IncidentState): WorkloadRef[] =>
  [...(state.suspension?.suspended ?? []), ...(state.suspension?.joined ?? [])] as WorkloadRef[];

/** Applies a workload patch guarded by resourceVersion, recomputed from a fresh read on a conflict. */
const patchGuarded = async (
  kube: KubeApi,
  ref: WorkloadRef,
  first: KubeObject,
  plan: (object: KubeObject) => MergePatch | undefined,
): Promise<'patched' | 'already' | 'gone'> => {
  let object: KubeObject | undefined = first;
  for (let attempt = 0; ; attempt++) {
    if (!object) return 'gone';
    const patch = plan(object);
    if (!patch) return 'already';
    try {
      await kube.patchWorkload(ref, patch, { resourceVersion: object.metadata.resourceVersion });
      return 'patched';
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      object = await kube.getWorkload(ref);
    }
  }
};

/** Patches a node with a plan made from a fresh read, retried on a resourceVersion conflict. */
const patchNodeGuarded = async (
  kube: KubeApi,
  name: string,
  plan: (node: KubeNode) => { patch: MergePatch; changed: boolean },
): Promise<KubeNode | undefined> => {
  for (let attempt = 0; ; attempt++) {
    const node = await kube.getNode(name);
    if (!node) return undefined;
    const planned = plan(node);
    if (!planned.changed) return node;
    try {
      return await kube.patchNode(name, planned.patch, { resourceVersion: node.metadata.resourceVersion });
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
};

/** The claimed spare turned out not ready (changed since listed): release it and try the next. Never leaves the task. */
class SpareNotReady extends Error {
  override readonly name = 'SpareNotReady';
}

/** The promotion could not be completed: undone, recorded as `promotion-failed`. Never leaves the task. */
class PromotionAbandoned extends Error {
  override readonly name = 'PromotionAbandoned';
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export interface PromoteOptions {
  /**
   * How long a toleration patch the API refuses as invalid (422) is tried again: a Job that ran
   * takes it only once its controller marked it Suspended with no active pod (Kubernetes 1.36+,
   * docs/facts/spares-spare-tolerations.md `spares.job-started-before-1-36`), a moment after
   * SuspendWorkloads; before 1.36 never, and the job waits for the repair.
   */
  invalidRetryMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const INVALID_RETRY_MS = 30_000;
const INVALID_POLL_MS = 500;

const isInvalid = (error: unknown): error is KubernetesRequestFailedError =>
  error instanceof KubernetesRequestFailedError && error.details?.statusCode === 422;

export const createPromoteSpare =
  (tolerations: SpareTolerations, options: PromoteOptions = {}) =>
  async (raw: unknown, deps: TaskDeps): Promise<PromotionResult> => {
    const state = parseIncident(raw, 'PromoteSpare');
    withIncidentKeys(deps, state);
    const node = incidentNode(state);
    const started = deps.now();
    const token = claimToken(state.incidentId);
    const base = { resumed: [], released: [], notTolerated: [], lostRaces: [] as string[] };

    const notPromoted = async (
      reason: NotPromotedReason,
      detail: string,
      extra: Partial<PromotionResult> = {},
    ): Promise<PromotionResult> => {
      const result: PromotionResult = {
        ...base,
        ...extra,
        status: 'not-promoted',
        reason,
        detail,
        at: deps.now(),
      };
      await recordAction(deps, state, 'spare-not-promoted', {
        reason,
        detail,
        ...(result.lostRaces.length > 0 ? { lostRaces: result.lostRaces } : {}),
        ...(result.notTolerated.length > 0 ? { notTolerated: result.notTolerated } : {}),
        ...(result.spare ? { spare: result.spare.nodeName, instanceId: result.spare.instanceId } : {}),
      });
      return result;
    };

    const refs = refsOf(state);
    // No pool in this cluster at all: hot spares are not in use here; today's path, nothing recorded.
    if (!deps.config.spares.pools.some((p) => p.cluster === state.clusterName)) {
      return {
        ...base,
        status: 'not-promoted',
        reason: 'not-applicable',
        detail: 'no spare pool',
        at: started,
      };
    }
    const pool = poolServing(deps.config.spares, state.clusterName, node.instanceGroupName);
    if (!pool) {
      return notPromoted(
        'not-applicable',
        `no spare pool serves instance group ${node.instanceGroupName ?? '(unknown)'} of ${state.clusterName}`,
      );
    }
    if (refs.length === 0) return notPromoted('not-applicable', 'the incident holds no suspended job');

    const kube = await deps.kubeFor(state.eksClusterName);
    // The jobs as they are now, and the nodes they ran on (for the nearest spare).
    const jobs = new Map<string, { ref: WorkloadRef; object: KubeObject }>();
    const notTolerated: string[] = [];
    for (const ref of refs) {
      const object = await kube.getWorkload(ref);
      if (!object) notTolerated.push(`${describeRef(ref)}: gone`);
      else {
        const refused = tolerations.refusal(ref.kind, object);
        if (refused) notTolerated.push(`${describeRef(ref)}: ${refused}`);
        else jobs.set(describeRef(ref), { ref, object });
      }
    }
    if (jobs.size === 0) {
      return notPromoted('not-applicable', 'no suspended job can be moved to a spare', { notTolerated });
    }
    const jobNodeNames = [...new Set([...jobs.values()].flatMap(({ object }) => suspendedNodes(object)))];
    const jobNodes = (await Promise.all(jobNodeNames.map((name) => kube.getNode(name)))).filter(
      (n): n is KubeNode => n !== undefined,
    );

    // Candidates: this incident's own promotion or claim first (a retry), then the ready spares
    // of the pool's supplying group, nearest first.
    const cluster = requireCluster(deps.config, state.clusterName);
    const spareNodes = await kube.listNodes({ labelSelector: SPARE_STATE_LABEL });
    const groupInstances = new Set(
      (
        await deps.clusterNodes.listNodes(state.clusterName, {
          instanceGroupNameContains: pool.instanceGroup,
        })
      )
        .filter((n) => n.instanceGroupName === pool.instanceGroup)
        .map((n) => n.instanceId),
    );
    const instanceOf = (n: KubeNode) => instanceIdOfNode(n, cluster.arn);
    const myClaims = new Set(
      (await deps.ledger.listSpareClaims(state.clusterName, started))
        .filter((c) => c.incidentId === state.incidentId)
        .map((c) => c.instanceId),
    );
    const mine = promotedBy(spareNodes, state.incidentId);
    const ready = spareNodes.filter((n) => {
      const id = instanceOf(n);
      return (
        id !== undefined && groupInstances.has(id) && n.metadata.name !== node.nodeName && isReadySpare(n)
      );
    });
    const claimedFirst = ready.filter((n) => myClaims.has(instanceOf(n) as string));
    const candidates = [
      ...(mine ? [mine] : []),
      ...claimedFirst,
      ...spareOrder(
        ready.filter((n) => !claimedFirst.includes(n)),
        jobNodes,
      ),
    ];

    const lostRaces: string[] = [];
    for (const candidate of candidates) {
      const instanceId = instanceOf(candidate) as string;
      const spare = { nodeName: candidate.metadata.name, instanceId };
      const claim = await deps.ledger.claimSpare({
        clusterName: state.clusterName,
        instanceId,
        incidentId: state.incidentId,
        now: deps.now(),
        ttlMinutes: SPARE_CLAIM_TTL_MINUTES,
      });
      if (!claim.claimed) {
        lostRaces.push(`${spare.nodeName}: ${claim.heldBy ?? 'claimed'}`);
        continue;
      }
      try {
        return await promote(deps, kube, state, tolerations, options, {
          spare,
          token,
          jobs,
          notTolerated,
          lostRaces,
        });
      } catch (error) {
        if (error instanceof SpareNotReady) {
          await deps.ledger.releaseSpare({
            clusterName: state.clusterName,
            instanceId,
            incidentId: state.incidentId,
          });
          lostRaces.push(`${spare.nodeName}: ${error.message}`);
          continue;
        }
        // Undo what the claim started; the jobs stay held and wait for the repair.
        const undo: string[] = [];
        try {
          await patchNodeGuarded(kube, spare.nodeName, (current) =>
            planUndoPromote(current, { incidentId: state.incidentId, now: deps.now() }),
          );
        } catch (undoError) {
          undo.push(`spare taint not restored: ${errorText(undoError)}`);
        }
        await deps.ledger.releaseSpare({
          clusterName: state.clusterName,
          instanceId,
          incidentId: state.incidentId,
        });
        deps.logger.error('spare promotion failed; claim released', { spare, error: errorText(error), undo });
        return notPromoted('promotion-failed', [errorText(error), ...undo].join('; '), {
          spare,
          notTolerated,
          lostRaces,
        });
      }
    }
    deps.metrics.count('SparePoolExhausted', {
      clusterName: state.clusterName,
      instanceGroup: pool.instanceGroup,
    });
    return notPromoted(
      'no-spare',
      `no ready spare in pool ${pool.instanceGroup} (${ready.length} ready, ${lostRaces.length} claimed by other incidents)`,
      { lostRaces, notTolerated },
    );
  };

const promote = async (
  deps: TaskDeps,
  kube: KubeApi,
  state: IncidentState,
  tolerations: SpareTolerations,
  options: PromoteOptions,
  input: {
    spare: { nodeName: string; instanceId: string };
    token: string;
    jobs: Map<string, { ref: WorkloadRef; object: KubeObject }>;
    notTolerated: string[];
    lostRaces: string[];
  },
): Promise<PromotionResult> => {
  const { spare, token, jobs, lostRaces } = input;
  const notTolerated = [...input.notTolerated];
  // 1. Retaint the spare for this incident (a retry finds it done).
  const promoted = await patchNodeGuarded(kube, spare.nodeName, (current) => {
    if (!isReadySpare(current) && !promotedBy([current], state.incidentId)) {
      throw new SpareNotReady(`spare ${spare.nodeName} is no longer a ready spare`);
    }
    return planPromote(current, { incidentId: state.incidentId, token, now: deps.now() });
  });
  if (!promoted) throw new SpareNotReady(`spare ${spare.nodeName} is gone`);

  // 2. Borrowers leave first (preemptible work that opted in).
  let borrowers: PromotionResult['borrowers'];
  const borrowing = deps.config.spares.borrowing;
  if (borrowing.enabled) {
    const pods = (await kube.listPods({ nodeName: spare.nodeName })).filter(
      (pod) => pod.metadata.annotations?.[BORROW_ANNOTATION] === 'true',
    );
    if (pods.length > 0) {
      const drained = await drainPods(
        kube,
        spare.nodeName,
        pods.map((pod) => ({
          namespace: pod.metadata.namespace ?? 'default',
          name: pod.metadata.name,
          ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
          pod,
        })),
        {
          optOutAnnotation: deps.config.policy.workloadOptOutAnnotation,
          eviction: {
            enabled: true,
            timeoutSeconds: Math.min(borrowing.graceSeconds, MAX_BORROWER_WAIT_SECONDS),
            pollSeconds: 1,
            forceDeleteOnDeadNode: false,
            nodeDeadAfterSeconds: 60,
          },
          now: deps.now,
        },
      );
      borrowers = { evicted: drained.evicted, remaining: drained.remaining };
    }
  }

  // 3. Every suspended job tolerates the token, then resumes (the last holder resumes).
  const tolerated: WorkloadRef[] = [];
  for (const [key, { ref, object }] of jobs) {
    let outcome: Awaited<ReturnType<typeof patchGuarded>> | string | undefined;
    const giveUpAt = Date.now() + (options.invalidRetryMs ?? INVALID_RETRY_MS);
    let current: KubeObject | undefined = object;
    while (outcome === undefined) {
      try {
        outcome = await patchGuarded(kube, ref, current ?? object, (latest) =>
          tolerations.add(ref.kind, latest, token),
        );
      } catch (error) {
        // A template we cannot read (InvalidInputError): this job waits for the repair.
        if (error instanceof InvalidInputError) outcome = error.message;
        else if (!isInvalid(error)) throw error;
        else if (Date.now() >= giveUpAt) outcome = `kind-cannot-change-tolerations: ${error.message}`;
        else {
          await (options.sleep ?? realSleep)(INVALID_POLL_MS);
          current = await kube.getWorkload(ref);
          if (!current) outcome = 'gone';
        }
      }
    }
    if (outcome === 'patched' || outcome === 'already') tolerated.push(ref);
    else notTolerated.push(`${key}: ${outcome}`);
  }
  if (tolerated.length === 0) {
    throw new PromotionAbandoned(`no suspended job took the spare toleration: ${notTolerated.join('; ')}`);
  }
  const resumption = await resumeAll(kube, tolerated, state.incidentId, { now: deps.now() });
  if (resumption.failed.length > 0 && resumption.resumed.length === 0 && resumption.released.length === 0) {
    throw new PromotionAbandoned(
      `no job could be resumed: ${resumption.failed.map((f) => `${describeRef(f.ref)}: ${f.message}`).join('; ')}`,
    );
  }
  const at = deps.now();
  const latencyMs = Date.parse(at) - Date.parse(String(state.trigger.time));
  const result: PromotionResult = {
    status: 'promoted',
    spare,
    token,
    resumed: resumption.resumed.map(describeRef),
    released: resumption.released.map(describeRef),
    notTolerated: [
      ...notTolerated,
      ...resumption.failed.map((f) => `${describeRef(f.ref)}: not resumed: ${f.error}: ${f.message}`),
    ],
    lostRaces,
    ...(borrowers ? { borrowers } : {}),
    at,
  };
  await recordAction(deps, state, 'spare-promoted', {
    spare: spare.nodeName,
    instanceId: spare.instanceId,
    token,
    jobs: resumption.jobs,
    resumed: result.resumed,
    ...(result.released.length > 0 ? { released: result.released } : {}),
    ...(result.notTolerated.length > 0 ? { notTolerated: result.notTolerated } : {}),
    ...(lostRaces.length > 0 ? { lostRaces } : {}),
    ...(borrowers ? { borrowers } : {}),
    ...(Number.isFinite(latencyMs) && latencyMs >= 0 ? { latencyMs } : {}),
  });
  deps.metrics.count('SparePromoted', { clusterName: state.clusterName });
  deps.metrics.count('WorkloadsResumed', {}, resumption.resumed.length);
  if (resumption.resumed.length > 0) countLatency(deps, state, 'TimeToResume');
  const common = { incidentId: state.incidentId, at, instance: 'PromoteSpare' };
  await nodeEvent(deps, kube, promoted, {
    reason: EventReasons.SparePromoted,
    type: 'Normal',
    message: `promoted as hot spare for node ${state.node?.nodeName ?? state.node?.instanceId}; ${result.resumed.length} job(s) resumed here`,
    ...common,
  });
  await workloadEvents(deps, kube, { ...common, resumed: resumption.resumed });
  return result;
};

/** The PromoteSpare task, with the tolerations of functions/domain/spare-tolerations.ts. */
export const promoteSpare = createPromoteSpare({
  refusal: spareTolerationRefusal,
  add: addSpareToleration,
});
