/**
 * RecordOutcome / RecordSkip: closes the incident record with its outcome and releases the node
 * lease (and the claim on a promoted spare) if this incident holds it. Idempotent (the lease release is owner-conditional).
 */
import type { RecordOutput } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { parseIncident, withIncidentKeys } from './incident.ts';

export const recordOutcome = async (raw: unknown, deps: TaskDeps): Promise<RecordOutput> => {
  const state = parseIncident(raw, 'RecordOutcome');
  withIncidentKeys(deps, state);
  const now = deps.now();
  let output: RecordOutput;
  if (state.decision.outcome === 'skip') {
    output = {
      incidentId: state.incidentId,
      status: 'skipped',
      outcome: state.decision.skipReason ?? 'skipped',
    };
  } else if (state.escalation || state.escalationError || state.error) {
    output = {
      incidentId: state.incidentId,
      status: 'needs-attention',
      outcome: state.escalation?.status ?? 'escalation-failed',
    };
  } else {
    const replaced = state.await?.node && state.await.node.instanceId !== state.node?.instanceId;
    const verified = state.verification?.status === 'passed' ? 'verified' : 'not-verified';
    output = {
      incidentId: state.incidentId,
      status: 'resolved',
      outcome: `${replaced ? 'replaced' : state.remediation?.action === 'reboot' ? 'rebooted' : 'recovered'}-${verified}`,
    };
  }
  await deps.ledger.updateIncident(state.clusterName, state.incidentId, {
    actions: [{ type: 'recorded', at: now, detail: { ...output } }],
    fields: { status: output.status, outcome: output.outcome, endedAt: now },
  });
  // Our node's lease, and the claim on its replacement (see CheckNodeRecovery). Owner-conditional.
  const leased = [
    state.decision.leaseHeld ? state.node?.instanceId : undefined,
    state.await?.node?.instanceId,
  ];
  for (const instanceId of new Set(leased.filter((id): id is string => Boolean(id)))) {
    await deps.ledger.releaseLease({
      clusterName: state.clusterName,
      instanceId,
      incidentId: state.incidentId,
    });
  }
  // The spare this incident promoted: the claim goes, the node stays tainted for its jobs (the
  // pool's sweep releases it once they are gone). Owner-conditional.
  const spare = state.promotion?.status === 'promoted' ? state.promotion.spare : undefined;
  if (spare) {
    await deps.ledger.releaseSpare({
      clusterName: state.clusterName,
      instanceId: spare.instanceId,
      incidentId: state.incidentId,
    });
  }
  deps.metrics.count('IncidentRecorded', { status: output.status });
  return output;
};
