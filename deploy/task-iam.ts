/**
 * GENERATED from the code by deploy/iam-derivation.ts — do not edit; regenerate with
 *
 *   npx tsx deploy/iam-derivation.ts --write
 *
 * Per Lambda: the port members its code uses (read from functions/handlers → functions/tasks) and
 * the AWS actions the adapters send for them (read from functions/adapters). sst.config.ts grants
 * exactly these actions, each scoped to our resources; test/unit/deploy fails when this file and the
 * code disagree. Review a change here as a change of permissions.
 */

export interface TaskIam {
  /** Port members the Lambda's code uses. */
  readonly ports: readonly string[];
  /** AWS IAM actions the adapters send for those members. */
  readonly actions: readonly string[];
  /** Calls the Kubernetes API: eks:DescribeCluster + an EKS access entry for our RBAC group. */
  readonly kubernetes: boolean;
}

export const TASK_IAM: Readonly<Record<string, TaskIam>> = {
  'admit-incident': {
    ports: [
      'ClusterNodes.describeCluster',
      'ClusterNodes.describeNode',
      'KubeApi.createEvent',
      'KubeApi.getNode',
      'KubeApi.listNodes',
      'KubeApiFactory',
      'Ledger.acquireLease',
      'Ledger.createIncident',
      'Ledger.getClusterState',
      'Ledger.getNodeHistory',
      'Ledger.listLeases',
      'Ledger.listSightings',
      'Ledger.putClusterState',
      'Ledger.putNodeHistory',
      'Ledger.recordSighting',
      'Notifier.notify',
    ],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'eks:DescribeCluster',
      'sagemaker:DescribeCluster',
      'sagemaker:DescribeClusterNode',
      'sns:Publish',
    ],
    kubernetes: true,
  },
  'check-node-recovery': {
    ports: [
      'ClusterNodes.describeNode',
      'ClusterNodes.listNodes',
      'KubeApi.getNode',
      'KubeApi.listNodes',
      'KubeApiFactory',
      'Ledger.acquireLease',
      'Ledger.updateIncident',
    ],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'eks:DescribeCluster',
      'sagemaker:DescribeClusterNode',
      'sagemaker:ListClusterNodes',
    ],
    kubernetes: true,
  },
  'escalate-incident': {
    ports: [
      'KubeApi.createEvent',
      'KubeApi.getNode',
      'KubeApi.getWorkload',
      'KubeApi.listObjects',
      'KubeApi.patchObject',
      'KubeApi.patchWorkload',
      'KubeApi.servedVersions',
      'KubeApiFactory',
      'Ledger.getNodeHistory',
      'Ledger.putNodeHistory',
      'Ledger.updateIncident',
      'Notifier.notify',
    ],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'eks:DescribeCluster',
      'sns:Publish',
    ],
    kubernetes: true,
  },
  'plan-job-resume': {
    ports: ['KubeApi.listWorkloads', 'KubeApiFactory'],
    actions: ['eks:DescribeCluster'],
    kubernetes: true,
  },
  'poll-deep-health-check': {
    ports: ['ClusterNodes.describeNode', 'KubeApi.getNode', 'KubeApiFactory'],
    actions: ['eks:DescribeCluster', 'sagemaker:DescribeClusterNode'],
    kubernetes: true,
  },
  'poll-quick-check': {
    ports: [
      'KubeApi.deleteJob',
      'KubeApi.getJob',
      'KubeApi.listPods',
      'KubeApiFactory',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'prepare-health-check': {
    ports: ['ClusterNodes.describeNode', 'KubeApi.getNode', 'KubeApi.listNodes', 'KubeApiFactory'],
    actions: ['eks:DescribeCluster', 'sagemaker:DescribeClusterNode'],
    kubernetes: true,
  },
  'quarantine-node': {
    ports: [
      'KubeApi.createEvent',
      'KubeApi.getNode',
      'KubeApi.patchNode',
      'KubeApiFactory',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'record-health-check': {
    ports: [],
    actions: [],
    kubernetes: false,
  },
  'record-job-resume': {
    ports: ['Ledger.createIncident', 'Notifier.notify'],
    actions: ['dynamodb:PutItem', 'sns:Publish'],
    kubernetes: false,
  },
  'record-outcome': {
    ports: ['Ledger.releaseLease', 'Ledger.updateIncident'],
    actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
    kubernetes: false,
  },
  'repair-stale-state': {
    ports: [
      'KubeApi.getNode',
      'KubeApi.getWorkload',
      'KubeApi.listObjects',
      'KubeApi.listWorkloads',
      'KubeApi.patchNode',
      'KubeApi.patchObject',
      'KubeApi.patchWorkload',
      'KubeApi.servedVersions',
      'KubeApiFactory',
      'Ledger.getIncident',
      'Ledger.releaseLease',
      'Ledger.updateIncident',
      'Notifier.notify',
    ],
    actions: [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'eks:DescribeCluster',
      'sns:Publish',
    ],
    kubernetes: true,
  },
  'request-remediation': {
    ports: [
      'ClusterNodes.describeNode',
      'ClusterNodes.rebootNodes',
      'ClusterNodes.replaceNodes',
      'KubeApi.getNode',
      'KubeApi.listNodes',
      'KubeApiFactory',
      'Ledger.acquireLease',
      'Ledger.getClusterState',
      'Ledger.getNodeHistory',
      'Ledger.listLeases',
      'Ledger.putNodeHistory',
      'Ledger.updateIncident',
    ],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'eks:DescribeCluster',
      'sagemaker:BatchRebootClusterNodes',
      'sagemaker:BatchReplaceClusterNodes',
      'sagemaker:DescribeClusterNode',
    ],
    kubernetes: true,
  },
  'restore-node': {
    ports: [
      'KubeApi.createEvent',
      'KubeApi.getNode',
      'KubeApi.patchNode',
      'KubeApiFactory',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'resume-job': {
    ports: [
      'KubeApi.getWorkload',
      'KubeApi.listObjects',
      'KubeApi.patchObject',
      'KubeApi.patchWorkload',
      'KubeApi.servedVersions',
      'KubeApiFactory',
      'Ledger.getIncident',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'resume-workloads': {
    ports: [
      'KubeApi.createEvent',
      'KubeApi.getWorkload',
      'KubeApi.listObjects',
      'KubeApi.patchObject',
      'KubeApi.patchWorkload',
      'KubeApi.servedVersions',
      'KubeApiFactory',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'start-deep-health-check': {
    ports: ['ClusterNodes.describeNode', 'ClusterNodes.startHealthCheck'],
    actions: ['sagemaker:DescribeClusterNode', 'sagemaker:StartClusterHealthCheck'],
    kubernetes: false,
  },
  'start-quick-check': {
    ports: ['KubeApi.createJob', 'KubeApi.getNode', 'KubeApiFactory', 'Ledger.updateIncident'],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'suspend-workloads': {
    ports: [
      'KubeApi.createEvent',
      'KubeApi.deletePod',
      'KubeApi.evictPod',
      'KubeApi.getNode',
      'KubeApi.getObject',
      'KubeApi.getWorkload',
      'KubeApi.listObjects',
      'KubeApi.listPods',
      'KubeApi.listWorkloads',
      'KubeApi.patchObject',
      'KubeApi.patchWorkload',
      'KubeApi.servedVersions',
      'KubeApiFactory',
      'Ledger.updateIncident',
    ],
    actions: ['dynamodb:UpdateItem', 'eks:DescribeCluster'],
    kubernetes: true,
  },
  'sweep-cluster': {
    ports: [
      'ClusterNodes.describeCluster',
      'ClusterNodes.listNodes',
      'KubeApi.listNodes',
      'KubeApi.listPods',
      'KubeApi.listWorkloads',
      'KubeApiFactory',
      'Ledger.createIncident',
      'Ledger.getIncident',
      'Ledger.listIncidentsSince',
      'Ledger.listLeases',
      'Ledger.listOpenIncidents',
      'Ledger.recordSighting',
      'Notifier.notify',
    ],
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'eks:DescribeCluster',
      'sagemaker:DescribeCluster',
      'sagemaker:ListClusterNodes',
      'sns:Publish',
    ],
    kubernetes: true,
  },
};

/** Port member → the AWS IAM actions its adapter sends (members that send none are omitted). */
export const PORT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'ClusterNodes.describeCluster': ['sagemaker:DescribeCluster'],
  'ClusterNodes.describeNode': ['sagemaker:DescribeClusterNode'],
  'ClusterNodes.listNodes': ['sagemaker:ListClusterNodes'],
  'ClusterNodes.rebootNodes': ['sagemaker:BatchRebootClusterNodes'],
  'ClusterNodes.replaceNodes': ['sagemaker:BatchReplaceClusterNodes'],
  'ClusterNodes.startHealthCheck': ['sagemaker:StartClusterHealthCheck'],
  KubeApiFactory: ['eks:DescribeCluster'],
  'Ledger.acquireLease': ['dynamodb:GetItem', 'dynamodb:PutItem'],
  'Ledger.createIncident': ['dynamodb:PutItem'],
  'Ledger.getClusterState': ['dynamodb:GetItem'],
  'Ledger.getIncident': ['dynamodb:GetItem'],
  'Ledger.getNodeHistory': ['dynamodb:GetItem'],
  'Ledger.listAllIncidents': ['dynamodb:Scan'],
  'Ledger.listIncidents': ['dynamodb:Query'],
  'Ledger.listIncidentsSince': ['dynamodb:Query'],
  'Ledger.listLeases': ['dynamodb:Query'],
  'Ledger.listOpenIncidents': ['dynamodb:Query'],
  'Ledger.listSightings': ['dynamodb:Query'],
  'Ledger.putClusterState': ['dynamodb:PutItem'],
  'Ledger.putNodeHistory': ['dynamodb:PutItem'],
  'Ledger.recordSighting': ['dynamodb:GetItem', 'dynamodb:PutItem'],
  'Ledger.releaseLease': ['dynamodb:DeleteItem'],
  'Ledger.updateIncident': ['dynamodb:UpdateItem'],
  'Notifier.notify': ['sns:Publish'],
};
