/**
 * What each Lambda may call, per task: the deploy grants exactly these (SageMaker actions on the
 * configured cluster ARNs only, eks:DescribeCluster on their EKS clusters, the ledger table, the
 * topic). Memory and timeout per task. Kept next to the code it describes; a test checks that
 * the tasks' port usage and this table agree.
 */
import type { NodeRecoveryFunction } from '#state-machines/node-recovery.contract.ts';

export interface TaskIam {
  sagemaker: string[];
  /** eks:DescribeCluster + an access entry mapping the role to our Kubernetes group. */
  eks: boolean;
  dynamodb: string[];
  sns: boolean;
  memoryMb: number;
  timeoutSeconds: number;
}

const LEDGER_READ = ['GetItem', 'Query'];
const LEDGER_WRITE = ['PutItem', 'UpdateItem', 'DeleteItem'];

export const TASK_IAM: Record<NodeRecoveryFunction, TaskIam> = {
  'admit-incident': {
    sagemaker: ['DescribeCluster', 'DescribeClusterNode', 'ListClusterNodes'],
    eks: true,
    dynamodb: [...LEDGER_READ, ...LEDGER_WRITE],
    sns: true,
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  'quarantine-node': {
    sagemaker: [],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  'suspend-workloads': {
    sagemaker: [],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 300,
  },
  'request-remediation': {
    sagemaker: ['BatchRebootClusterNodes', 'BatchReplaceClusterNodes'],
    eks: false,
    dynamodb: ['GetItem', 'PutItem', 'UpdateItem'],
    sns: false,
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  'check-node-recovery': {
    sagemaker: ['DescribeClusterNode', 'ListClusterNodes'],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  'verify-node-health': {
    sagemaker: [],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 900,
  },
  'restore-node': {
    sagemaker: [],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 60,
  },
  'resume-workloads': {
    sagemaker: [],
    eks: true,
    dynamodb: ['UpdateItem'],
    sns: false,
    memoryMb: 512,
    timeoutSeconds: 300,
  },
  'escalate-incident': {
    sagemaker: [],
    eks: true,
    dynamodb: ['GetItem', 'PutItem', 'UpdateItem'],
    sns: true,
    memoryMb: 512,
    timeoutSeconds: 300,
  },
  'record-outcome': {
    sagemaker: [],
    eks: false,
    dynamodb: ['UpdateItem', 'DeleteItem'],
    sns: false,
    memoryMb: 256,
    timeoutSeconds: 60,
  },
};
