/**
 * GENERATED from the code by deploy/iam-derivation.ts — do not edit; regenerate with
 *
 *   npx tsx deploy/iam-derivation.ts --write
 *
 * Per Lambda: the `TaskDeps` properties holding the ports its code uses. Its handler wires exactly
 * these (functions/composition/lambda-handler.ts checks it at compile time), so its bundle holds only
 * their adapters. test/unit/deploy/iam-derivation.test.ts fails when this file and the code disagree.
 */

export const LAMBDA_DEPS = {
  'admit-incident': ['clusterNodes', 'kubeFor', 'ledger', 'notifier'],
  'check-node-recovery': ['clusterNodes', 'kubeFor', 'ledger'],
  'escalate-incident': ['kubeFor', 'ledger', 'notifier'],
  'plan-job-resume': ['kubeFor'],
  'poll-deep-health-check': ['clusterNodes', 'kubeFor'],
  'poll-quick-check': ['kubeFor', 'ledger'],
  'prepare-health-check': ['clusterNodes', 'kubeFor', 'ledger'],
  'promote-spare': ['clusterNodes', 'kubeFor', 'ledger'],
  'quarantine-node': ['kubeFor', 'ledger'],
  'record-health-check': ['kubeFor', 'ledger'],
  'record-job-resume': ['ledger', 'notifier'],
  'record-outcome': ['ledger'],
  'repair-stale-state': ['kubeFor', 'ledger', 'notifier'],
  'request-remediation': ['clusterNodes', 'kubeFor', 'ledger'],
  'restore-node': ['kubeFor', 'ledger'],
  'resume-job': ['kubeFor', 'ledger'],
  'resume-workloads': ['kubeFor', 'ledger'],
  'start-deep-health-check': ['clusterNodes'],
  'start-quick-check': ['kubeFor', 'ledger'],
  'suspend-workloads': ['kubeFor', 'ledger'],
  'sweep-cluster': ['clusterNodes', 'kubeFor', 'ledger', 'notifier'],
} as const;

/** Lambda name → the union of its `TaskDeps` port properties (never: it uses no port). */
export type LambdaDeps = { readonly [L in keyof typeof LAMBDA_DEPS]: (typeof LAMBDA_DEPS)[L][number] };
