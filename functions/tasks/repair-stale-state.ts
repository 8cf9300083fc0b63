/**
 * RepairStaleState: undoes what an execution that died left behind — the sweep found it, this
 * task re-reads before it writes (the sweep's view may be minutes old), and every write is the
 * owner's own undo path:
 *
 * - `stale-quarantine`: lift our quarantine with the holder's restore plan (our taint and
 *   annotations; the cordon only if we made it), and only if the node looks healthy now;
 * - `stale-suspensions`: job-resume's leftover sweep (`resumeLeftoverSuspensions`) re-reads every
 *   workload we hold and lets go of the dead holders (the last one resumes the job);
 * - `incident-overdue`: close the incident as `needs-attention` / `abandoned`, release its node
 *   lease and tell people — nobody knows what its execution did last.
 *
 * - `spare-take`, `spare-ready`, `spare-release`: the hot-spare pool's node patches
 *   (functions/domain/spare-pool.ts), re-planned on the node as it is now.
 *
 * In observe mode nothing is written: the result says what would have been repaired.
 */
import { isNodeReady } from '#domain/kube-types.ts';
import { planRestore, QUARANTINE_TAINT_KEY, QUARANTINED_BY_ANNOTATION } from '#domain/quarantine.ts';
import {
  nodesWithWork,
  notCandidateReason,
  planMarkReady,
  planReleaseSpare,
  planTakeSpare,
  type SparePatchPlan,
  spareInfo,
} from '#domain/spare-pool.ts';
import { type Repair, type RepairResult, repairInputSchema } from '#state-machines/health-sweep.contract.ts';
import type { TaskDeps } from './deps.ts';
import { resumeLeftoverSuspensions } from './job-resume.ts';
import { parseInput } from './parse.ts';
import { inspectNodeResources } from './verify-node-health.ts';

const MINUTE_MS = 60_000;

export const repairStaleState = async (raw: unknown, deps: TaskDeps): Promise<RepairResult> => {
  const { clusterName, eksClusterName, repair } = parseInput(
    repairInputSchema,
    raw,
    'RepairStaleState input',
  );
  deps.logger.appendKeys?.({ clusterName, repair: repair.kind });
  const now = deps.now();
  const deadlineMs = deps.config.sweep.incidentDeadlineMinutes * MINUTE_MS;
  /** Still in flight by the ledger's word now (the sweep's read may be stale). */
  const alive = async (incidentId: string | undefined): Promise<boolean> => {
    if (!incidentId) return false;
    const record = await deps.ledger.getIncident(clusterName, incidentId);
    return record?.status === 'open' && Date.parse(now) - Date.parse(record.startedAt) <= deadlineMs;
  };
  const result = (status: RepairResult['status'], detail: string): RepairResult => {
    deps.metrics.count('StaleStateRepair', { kind: repair.kind, status });
    deps.logger.info('stale state', { status, detail });
    return { kind: repair.kind, status, detail };
  };
  const observe = deps.config.policy.mode === 'observe';

  switch (repair.kind) {
    case 'stale-quarantine': {
      const kube = await deps.kubeFor(eksClusterName);
      const inspection = await inspectNodeResources(kube, repair.nodeName, deps.config);
      if (inspection.status === 'missing') return result('nothing-to-do', `node ${repair.nodeName} is gone`);
      const node = inspection.resources.node;
      const holder = node.metadata.annotations?.[QUARANTINED_BY_ANNOTATION];
      if (!node.spec?.taints?.some((t) => t.key === QUARANTINE_TAINT_KEY)) {
        return result('nothing-to-do', `node ${repair.nodeName} is no longer quarantined`);
      }
      if (holder !== repair.holder) {
        return result(
          'kept',
          `the quarantine of ${repair.nodeName} changed hands since the sweep (${holder ?? 'no owner'})`,
        );
      }
      if (await alive(holder)) return result('kept', `incident ${holder} is in flight again`);
      if (!isNodeReady(node) || inspection.status === 'short') {
        return result(
          'kept',
          `node ${repair.nodeName} still looks unhealthy (${isNodeReady(node) ? inspection.reason : 'not Ready'}): left quarantined`,
        );
      }
      if (observe) return result('would-repair', `would lift the stale quarantine of ${repair.nodeName}`);
      const plan = planRestore(node, holder ?? '');
      if (!plan.changed) return result('nothing-to-do', `nothing of ours left on ${repair.nodeName}`);
      await kube.patchNode(node.metadata.name, plan.patch, {
        resourceVersion: node.metadata.resourceVersion,
      });
      if (holder && (await deps.ledger.getIncident(clusterName, holder))) {
        await deps.ledger.updateIncident(clusterName, holder, {
          actions: [
            {
              type: 'stale-quarantine-lifted',
              at: now,
              detail: { by: 'health-sweep', keptCordon: plan.keptCordon },
            },
          ],
        });
      }
      return result(
        'repaired',
        `lifted the stale quarantine of ${repair.nodeName}${plan.keptCordon ? ' (the cordon was not ours: kept)' : ''}`,
      );
    }
    case 'stale-suspensions': {
      if (observe) return result('would-repair', `would release ${repair.workloads.join(', ')}`);
      const outcome = await resumeLeftoverSuspensions(deps, clusterName);
      const changed = [
        ...outcome.resumed.map((j) => `resumed ${j}`),
        ...outcome.released.map((j) => `released ${j}`),
      ];
      return changed.length > 0
        ? result('repaired', changed.join('; '))
        : result('nothing-to-do', `no stale holder left among ${outcome.examined} suspended job(s)`);
    }
    case 'incident-overdue': {
      const record = await deps.ledger.getIncident(clusterName, repair.incidentId);
      if (record?.status !== 'open')
        return result('nothing-to-do', `incident ${repair.incidentId} is closed`);
      if (await alive(repair.incidentId))
        return result('kept', `incident ${repair.incidentId} is within its deadline`);
      if (observe) return result('would-repair', `would close incident ${repair.incidentId} as abandoned`);
      await deps.ledger.updateIncident(clusterName, repair.incidentId, {
        actions: [{ type: 'abandoned', at: now, detail: { by: 'health-sweep', reason: repair.detail } }],
        fields: { status: 'needs-attention', outcome: 'abandoned', endedAt: now },
      });
      const instanceId = repair.instanceId ?? record.instanceId;
      if (instanceId) {
        await deps.ledger.releaseLease({ clusterName, instanceId, incidentId: repair.incidentId });
      }
      await deps.notifier.notify({
        severity: 'warning',
        clusterName,
        incidentId: repair.incidentId,
        ...(instanceId ? { instanceId } : {}),
        subject: `hyperpod-resilience: incident ${repair.incidentId} on ${clusterName} was abandoned`,
        message: [
          `Incident ${repair.incidentId}${instanceId ? ` (${instanceId})` : ''} is still open past its deadline: ${repair.detail}.`,
          'Its execution is gone. The health sweep closed the record and released the node lease; it lifts',
          'the quarantine and resumes the jobs this incident left behind once the node looks healthy.',
          'Check the node and the execution history.',
        ].join('\n'),
      });
      return result('repaired', `closed incident ${repair.incidentId} as abandoned`);
    }
    case 'spare-take':
    case 'spare-ready':
    case 'spare-release':
      return repairSpare(repair, { eksClusterName, deps, now, observe, result });
  }
};

type SpareRepair = Extract<Repair, { kind: 'spare-take' | 'spare-ready' | 'spare-release' }>;

/**
 * Hot-spare upkeep (functions/tasks/spare-pool-upkeep.ts decided it): the node is read again and
 * the plan re-made on what it says now, then patched with its resourceVersion. Work that landed
 * on a node since the sweep keeps it out of the pool; a spare whose state changed since the sweep
 * (claimed by a promotion, released) is left as it is.
 */
const repairSpare = async (
  repair: SpareRepair,
  ctx: {
    eksClusterName: string;
    deps: TaskDeps;
    now: string;
    observe: boolean;
    result: (status: RepairResult['status'], detail: string) => RepairResult;
  },
): Promise<RepairResult> => {
  const { deps, result } = ctx;
  const kube = await deps.kubeFor(ctx.eksClusterName);
  const node = await kube.getNode(repair.nodeName);
  if (!node) return result('nothing-to-do', `node ${repair.nodeName} is gone`);
  const runsWork = async () => nodesWithWork(await kube.listPods({ nodeName: repair.nodeName })).size > 0;
  let plan: SparePatchPlan;
  let done: string;
  switch (repair.kind) {
    case 'spare-take': {
      const reason = notCandidateReason(node, {
        optOutLabel: deps.config.policy.optOutLabel,
        leased: false,
        runsWork: await runsWork(),
      });
      if (reason === 'already-spare') return result('nothing-to-do', `${repair.nodeName} is a spare already`);
      if (reason) return result('kept', `${repair.nodeName} can no longer be a spare: ${reason}`);
      plan = planTakeSpare(node, {
        now: ctx.now,
        ...(repair.verification ? { verification: repair.verification } : {}),
      });
      done = `${repair.nodeName} is a ${repair.verification ? 'ready (not verified)' : 'verifying'} spare of ${repair.instanceGroup}`;
      break;
    }
    case 'spare-ready':
      plan = planMarkReady(node, { now: ctx.now, verification: 'not-verified' });
      if (!plan.changed) return result('nothing-to-do', `${repair.nodeName} is no longer a verifying spare`);
      done = `${repair.nodeName} is a ready spare (not verified)`;
      break;
    case 'spare-release': {
      const state = spareInfo(node)?.state;
      if (state === undefined) return result('nothing-to-do', `${repair.nodeName} is no longer a spare`);
      if (state !== repair.state) {
        return result('kept', `${repair.nodeName} is ${state} now, not ${repair.state}: left as it is`);
      }
      if (repair.reason === 'promoted-idle' && (await runsWork())) {
        return result('kept', `work runs on the promoted spare ${repair.nodeName} again`);
      }
      plan = planReleaseSpare(node);
      done = `released ${repair.nodeName} to general scheduling (${repair.reason})`;
      break;
    }
  }
  if (ctx.observe) return result('would-repair', `would have: ${done}`);
  await kube.patchNode(node.metadata.name, plan.patch, { resourceVersion: node.metadata.resourceVersion });
  return result('repaired', done);
};
