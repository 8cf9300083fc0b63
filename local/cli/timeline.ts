/**
 * Human-readable timelines of incidents: one line per stage with its duration. The same renderer
 * serves a local run (`hpr demo`, `hpr simulate`) and a deployed stack (`hpr timeline`): both read
 * the incident record from the ledger and turn it into an IncidentReport with `incidentReport`.
 */
import type { IncidentRecord } from '#adapters/ports.ts';
import type { ExecutionReport } from '#local/runner.ts';
import type { IncidentReport, SimulationReport } from './simulate.ts';
import { poolCountsLine } from './spares.ts';

/** A ledger incident record as reported (and rendered); `execution` when a local run has it. */
export const incidentReport = (record: IncidentRecord, execution?: ExecutionReport): IncidentReport => {
  const trigger = record.trigger as { kind?: string; eventId?: string; time?: string };
  const decision = (record.decision ?? {}) as IncidentReport['decision'];
  return {
    incidentId: record.incidentId,
    trigger: { kind: trigger.kind ?? 'unknown', eventId: trigger.eventId, time: trigger.time },
    instanceId: record.instanceId,
    nodeName: record.nodeName,
    fault: record.fault ? { class: record.fault.class, code: record.fault.code } : undefined,
    decision: {
      outcome: decision.outcome,
      action: decision.action,
      reason: decision.reason,
      skipReason: decision.skipReason,
      skipDetail: decision.skipDetail,
      wouldHave: decision.wouldHave,
      remediation: decision.remediation,
      hyperpodPending: decision.hyperpodPending,
    },
    status: record.status,
    outcome: record.outcome,
    execution: execution
      ? { status: execution.status, error: execution.error, states: execution.states.map((s) => s.name) }
      : undefined,
    actions: record.actions.map((a) => ({
      type: a.type,
      at: a.at,
      ...(a.detail ? { detail: a.detail } : {}),
    })),
  };
};

const STAGES: { type: string | RegExp; label: string }[] = [
  { type: 'admitted', label: 'incident admitted' },
  { type: 'quarantined', label: 'node quarantined (cordon + taint)' },
  { type: 'workloads-suspended', label: 'jobs suspended' },
  { type: 'spare-promoted', label: 'hot spare promoted, jobs resumed on it' },
  { type: 'spare-not-promoted', label: 'no hot spare promoted' },
  { type: 'remediation-requested', label: 'remediation requested' },
  { type: 'remediation-already-in-progress', label: 'a recovery is already under way' },
  { type: 'awaiting-hyperpod', label: 'waiting for HyperPod recovery' },
  { type: 'hyperpod-recovery-started', label: 'HyperPod recovery started' },
  { type: 'node-ready', label: 'node back and Ready' },
  { type: /^verification-/, label: 'health verified' },
  { type: 'node-restored', label: 'quarantine lifted' },
  { type: 'workloads-resumed', label: 'jobs resumed' },
  { type: 'escalated', label: 'ESCALATED to people' },
  { type: 'skipped', label: 'skipped' },
  { type: 'recorded', label: 'incident recorded' },
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const describeAction = (action: IncidentReport['actions'][number]): string => {
  const stage = STAGES.find((s) =>
    typeof s.type === 'string' ? s.type === action.type : s.type.test(action.type),
  );
  const detail = action.detail ?? {};
  const extra =
    action.type === 'workloads-suspended' || action.type === 'workloads-resumed'
      ? ` ${JSON.stringify((detail.suspended ?? detail.resumed ?? []) as string[])}`
      : action.type === 'remediation-requested'
        ? ` (${String(detail.action)})`
        : action.type === 'node-ready'
          ? ` ${String(detail.nodeName ?? detail.instanceId)}${detail.replaced ? ' (replacement)' : ' (new boot id)'}`
          : action.type.startsWith('verification-')
            ? ` ${action.type.replace('verification-', '')}: ${String(detail.reason ?? '')}`
            : action.type === 'skipped'
              ? ` ${String(detail.skipReason ?? '')}`
              : '';
  return `${stage?.label ?? action.type}${extra}`;
};

export const incidentTimeline = (incident: IncidentReport): string[] => {
  const eventAt = Date.parse(incident.trigger.time ?? incident.actions[0]?.at ?? '');
  const lines = [
    `incident ${incident.incidentId} — ${incident.trigger.kind} ${String(incident.fault?.code ?? '')} on ${incident.nodeName ?? incident.instanceId ?? '?'}`,
    `  decision: ${incident.decision.outcome === 'skip' ? `skip (${String(incident.decision.skipReason)})` : `${String(incident.decision.action)} (${String(incident.decision.reason)})`}`,
    `  ${'+0.00 s'.padStart(10)}  ${''.padStart(9)}  event emitted`,
  ];
  let previous = eventAt;
  for (const action of incident.actions) {
    const at = Date.parse(action.at);
    lines.push(
      `  ${`+${seconds(at - eventAt)}`.padStart(10)}  ${`Δ${seconds(at - previous)}`.padStart(9)}  ${describeAction(action)}`,
    );
    previous = at;
  }
  lines.push(`  outcome: ${incident.status}${incident.outcome ? ` (${incident.outcome})` : ''}`);
  return lines;
};

export const reportText = (report: SimulationReport): string => {
  const lines: string[] = [`scenario: ${report.scenario}`, ''];
  for (const incident of report.incidents) lines.push(...incidentTimeline(incident), '');
  if (report.jobs.length) {
    lines.push('jobs:');
    for (const job of report.jobs) {
      lines.push(
        `  ${job.kind} ${job.namespace}/${job.name}: ${job.suspendedAt ? `suspended ${job.suspendedAt}` : 'never suspended'}` +
          `${job.resumedAt ? `, resumed ${job.resumedAt}` : ''}${job.resumedOnSpare ? ` on hot spare ${job.resumedOnSpare}` : ''}; now ${job.suspended ? 'SUSPENDED' : 'running'} (${job.runningPods} pods Running)`,
      );
    }
    lines.push('');
  }
  lines.push(`cluster ${report.cluster.name} (NodeRecovery=${report.cluster.nodeRecovery}):`);
  for (const node of report.cluster.nodes) {
    const flags = [node.cordoned ? 'cordoned' : '', node.quarantined ? 'quarantined' : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${node.nodeName}  ${node.instanceStatus}/${node.kubernetes}${flags ? `  [${flags}]` : ''}`);
  }
  if (report.spares?.length) {
    lines.push('', 'hot-spare pools:');
    for (const view of report.spares) lines.push(`  ${poolCountsLine(view)}`);
  }
  if (report.notifications.length) {
    lines.push('', 'notifications:');
    for (const n of report.notifications) lines.push(`  - ${n.subject ?? n.message.slice(0, 80)}`);
  }
  return lines.join('\n');
};
