/**
 * Bugs the chaos campaigns found (README "Chaos campaigns"), each pinned by a fixed scenario on
 * the real ASL with the real tasks: a Lambda that dies right after SageMaker accepted its
 * reboot/replace request is retried by the state machine.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNodes } from '#adapters/ports.ts';
import { LambdaCrashedError } from '#local/chaos/faults.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from './harness.ts';

const [NODE_A] = INSTANCES as [string];

/** The first call of `method` goes through, then the task dies (as a Lambda timeout would). */
const crashAfterFirst = (inner: ClusterNodes, method: 'rebootNodes' | 'replaceNodes'): ClusterNodes => {
  let crashed = false;
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method) return value;
      return async (cluster: string, ids: string[]) => {
        const result = await (value as ClusterNodes['rebootNodes']).call(target, cluster, ids);
        if (!crashed) {
          crashed = true;
          throw new LambdaCrashedError(`died after ${method}`);
        }
        return result;
      };
    },
  });
};

describe('Chaos regressions: a task that dies after its side effect', () => {
  it('reboots once and records the reboot when the Lambda dies right after SageMaker accepted it (chaos bug 1)', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(NODE_A)]);
    const deps = { ...h.deps, clusterNodes: crashAfterFirst(h.deps.clusterNodes, 'rebootNodes') };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorReboot'), deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.calls).toEqual([{ op: 'reboot', instanceIds: [NODE_A] }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.filter((a) => a.type === 'remediation-requested')).toHaveLength(1);
    expect(incident?.status).toBe('resolved');
  });

  it('records the replacement when the Lambda dies right after SageMaker accepted it, instead of escalating a node it calls gone (chaos bug 1)', async () => {
    // Prepare
    const h = makeHarness();
    const deps = { ...h.deps, clusterNodes: crashAfterFirst(h.deps.clusterNodes, 'replaceNodes') };

    // Act
    const report = await runNodeRecovery(nodeHealthEvent(NODE_A, 'NvidiaErrorTerminate'), deps);

    // Assess
    expect(h.hyperpod.calls).toEqual([{ op: 'replace', instanceIds: [NODE_A] }]);
    const incident = await h.ledger.getIncident(CLUSTER.name, report.executionName);
    expect(incident?.actions.filter((a) => a.type === 'remediation-requested')).toHaveLength(1);
    expect(incident?.status).toBe('resolved');
    expect(report.status).toBe('SUCCEEDED');
  });
});
