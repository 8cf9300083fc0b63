/**
 * How a quick check's progress is recorded: on the incident it verifies (node-recovery), as one
 * audit action per step, and as a metric per result.
 */
import type { QuickCheckState } from '#state-machines/health-check.contract.ts';
import type { TaskDeps } from './deps.ts';

const summary = (state: QuickCheckState): Record<string, unknown> => ({
  reason: state.reason,
  ...(state.nodeName ? { nodeName: state.nodeName } : {}),
  ...(state.job ? { job: `${state.job.namespace}/${state.job.name}` } : {}),
  ...(state.gpus ? { gpus: state.gpus } : {}),
  ...(state.attempt ? { attempt: state.attempt } : {}),
  ...(state.checks
    ? { checks: state.checks.map((c) => `${c.name}:${c.pass ? 'pass' : 'fail'}`).join(' ') }
    : {}),
  polls: state.polls,
});

/** Records a start (`quick-check-started`) or a result (`verification-<status>`). */
export const recordQuickCheck = async (
  deps: TaskDeps,
  target: { clusterName: string; incidentId?: string },
  state: QuickCheckState,
): Promise<void> => {
  const type = state.status === 'running' ? 'quick-check-started' : `verification-${state.status}`;
  if (target.incidentId) {
    await deps.ledger.updateIncident(target.clusterName, target.incidentId, {
      actions: [{ type, at: deps.now(), detail: summary(state) }],
    });
  }
  if (state.status === 'running') return;
  deps.metrics.count('NodeVerification', { status: state.status });
  deps.logger.info('quick check finished', { status: state.status, reason: state.reason });
};
