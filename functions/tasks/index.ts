/**
 * The tasks of node-recovery, health-check and health-sweep by their Lambda name, for the local
 * runner (local/runner.ts) and the tests that run the machines. The deployed handlers do not use
 * these maps: each functions/handlers/*.ts imports its one task. job-resume's map is in
 * job-resume.ts. The quick-check Lambdas serve node-recovery and health-check alike.
 */

import {
  HealthCheckFunctions as HC,
  type HealthCheckFunction,
} from '#state-machines/health-check.contract.ts';
import {
  type HealthSweepFunction,
  HealthSweepFunctions as HS,
} from '#state-machines/health-sweep.contract.ts';
import {
  NodeRecoveryFunctions as F,
  type NodeRecoveryFunction,
} from '#state-machines/node-recovery.contract.ts';
import { admitIncident } from './admit-incident.ts';
import { checkNodeRecovery } from './check-node-recovery.ts';
import type { Task } from './deps.ts';
import { escalateIncident } from './escalate-incident.ts';
import { pollDeepHealthCheck } from './poll-deep-health-check.ts';
import { pollQuickCheck } from './poll-quick-check.ts';
import { prepareHealthCheck } from './prepare-health-check.ts';
import { promoteSpare } from './promote-spare.ts';
import { quarantineNode } from './quarantine-node.ts';
import { recordHealthCheck } from './record-health-check.ts';
import { recordOutcome } from './record-outcome.ts';
import { repairStaleState } from './repair-stale-state.ts';
import { requestRemediation } from './request-remediation.ts';
import { restoreNode } from './restore-node.ts';
import { resumeWorkloads } from './resume-workloads.ts';
import { startDeepHealthCheck } from './start-deep-health-check.ts';
import { startQuickCheck } from './start-quick-check.ts';
import { suspendWorkloads } from './suspend-workloads.ts';
import { sweepCluster } from './sweep-cluster.ts';

export const nodeRecoveryTasks: Record<NodeRecoveryFunction, Task<unknown>> = {
  [F.admitIncident]: admitIncident,
  [F.quarantineNode]: quarantineNode,
  [F.suspendWorkloads]: suspendWorkloads,
  [F.promoteSpare]: promoteSpare,
  [F.requestRemediation]: requestRemediation,
  [F.checkNodeRecovery]: checkNodeRecovery,
  [F.startQuickCheck]: startQuickCheck,
  [F.pollQuickCheck]: pollQuickCheck,
  [F.restoreNode]: restoreNode,
  [F.resumeWorkloads]: resumeWorkloads,
  [F.escalateIncident]: escalateIncident,
  [F.recordOutcome]: recordOutcome,
};

export const healthCheckTasks: Record<HealthCheckFunction, Task<unknown>> = {
  [HC.prepareHealthCheck]: prepareHealthCheck,
  [HC.startQuickCheck]: startQuickCheck,
  [HC.pollQuickCheck]: pollQuickCheck,
  [HC.startDeepHealthCheck]: startDeepHealthCheck,
  [HC.pollDeepHealthCheck]: pollDeepHealthCheck,
  [HC.recordHealthCheck]: recordHealthCheck,
};

export const healthSweepTasks: Record<HealthSweepFunction, Task<unknown>> = {
  [HS.sweepCluster]: sweepCluster,
  [HS.repairStaleState]: repairStaleState,
};
