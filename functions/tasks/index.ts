/** Every node-recovery task by its Lambda name: the deployed handlers and the local runner use this one map. */
import {
  NodeRecoveryFunctions as F,
  type NodeRecoveryFunction,
} from '#state-machines/node-recovery.contract.ts';
import { admitIncident } from './admit-incident.ts';
import { checkNodeRecovery } from './check-node-recovery.ts';
import type { Task } from './deps.ts';
import { escalateIncident } from './escalate-incident.ts';
import { quarantineNode } from './quarantine-node.ts';
import { recordOutcome } from './record-outcome.ts';
import { requestRemediation } from './request-remediation.ts';
import { restoreNode } from './restore-node.ts';
import { resumeWorkloads } from './resume-workloads.ts';
import { suspendWorkloads } from './suspend-workloads.ts';
import { verifyNodeHealth } from './verify-node-health.ts';

export const nodeRecoveryTasks: Record<NodeRecoveryFunction, Task<unknown>> = {
  [F.admitIncident]: admitIncident,
  [F.quarantineNode]: quarantineNode,
  [F.suspendWorkloads]: suspendWorkloads,
  [F.requestRemediation]: requestRemediation,
  [F.checkNodeRecovery]: checkNodeRecovery,
  [F.verifyNodeHealth]: verifyNodeHealth,
  [F.restoreNode]: restoreNode,
  [F.resumeWorkloads]: resumeWorkloads,
  [F.escalateIncident]: escalateIncident,
  [F.recordOutcome]: recordOutcome,
};
