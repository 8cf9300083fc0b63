/**
 * Every destructive action a task records (quarantine, suspend) is also a log line naming its
 * incident, so the logs alone tell what was done to which node and why. The reboot/replace request
 * and the admission skip are checked through the deployed handlers
 * (test/component/handlers/production-entry.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { TaskLogger } from '#functions/tasks/deps.ts';
import { quarantineNode } from '#functions/tasks/quarantine-node.ts';
import { suspendWorkloads } from '#functions/tasks/suspend-workloads.ts';
import { addJob, addNode, incidentState, makeDeps, NODE, OTHER_NODE, openIncident } from './helpers.ts';

const capturingLogger = () => {
  const lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const logger: TaskLogger = {
    info: (message, extra) => lines.push({ level: 'info', message, extra }),
    warn: (message, extra) => lines.push({ level: 'warn', message, extra }),
    error: (message, extra) => lines.push({ level: 'error', message, extra }),
  };
  return { logger, lines };
};

describe('Task logs of destructive actions', () => {
  it('quarantining a node logs the action with the incident id', async () => {
    // Prepare
    const h = makeDeps();
    const { logger, lines } = capturingLogger();
    addNode(h.kube, NODE);
    await openIncident(h.ledger, 'inc-q1');

    // Act
    await quarantineNode(incidentState('inc-q1'), { ...h.deps, logger });

    // Assess
    expect(lines).toContainEqual({
      level: 'info',
      message: 'incident action: quarantined',
      extra: expect.objectContaining({ incidentId: 'inc-q1', action: 'quarantined' }),
    });
  });

  it('suspending workloads logs the action with the incident id', async () => {
    // Prepare
    const h = makeDeps({ workloads: { eviction: { timeoutSeconds: 0 } } });
    const { logger, lines } = capturingLogger();
    addNode(h.kube, NODE);
    addJob(h.kube, 'Job', 'train', [NODE, OTHER_NODE]);
    await openIncident(h.ledger, 'inc-s1');

    // Act
    await suspendWorkloads(incidentState('inc-s1'), { ...h.deps, logger });

    // Assess
    expect(lines).toContainEqual({
      level: 'info',
      message: 'incident action: workloads-suspended',
      extra: expect.objectContaining({ incidentId: 'inc-s1', action: 'workloads-suspended' }),
    });
  });
});
