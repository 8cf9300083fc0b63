/** The shapes of the deploy plan (deploy/deploy-plan.ts): plain data that sst.config.ts turns into resources. */
import type { MachineEntry } from '#state-machines/registry.ts';
import type { LAMBDA_NODEJS } from '../lambda-bundle.ts';

export type Json = Record<string, unknown>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Json;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface DeployEnvironment {
  stage: string;
  region: string;
  account: string;
  partition: string;
}

export interface LambdaPlan {
  /** Function name in the registry and in functions/handlers (`admit-incident`). */
  name: string;
  functionName: string;
  arn: string;
  /** SST handler path. */
  handler: string;
  /** SST's `nodejs` bundling options (deploy/lambda-bundle.ts). */
  nodejs: typeof LAMBDA_NODEJS;
  memoryMb: number;
  timeoutSeconds: number;
  roleName: string;
  roleArn: string;
  logGroupName: string;
  /** Calls the Kubernetes API: an EKS access entry maps its role to its own Kubernetes group. */
  kubernetes: boolean;
  /** VPC placement (deploy config `vpc`): only Lambdas that call the Kubernetes API. */
  vpc?: { subnetIds: string[]; securityGroupIds: string[] };
  /** Its role's only policy, given the ARN of the topic's KMS key (created by the deploy). */
  policy: (topicKeyArn: string) => PolicyDocument;
}

export interface MachinePlan {
  name: MachineEntry['name'];
  stateMachineName: string;
  arn: string;
  roleName: string;
  /** Only this state machine of this account may assume its role (confused-deputy conditions). */
  trust: Json;
  logGroupName: string;
  /** The ASL object, with the deployed ARNs. */
  definition: Json;
  policy: PolicyDocument;
}

export interface RulePlan {
  ruleName: string;
  arn: string;
  description: string;
  /** EventBridge pattern (rules from events/rules.ts) … */
  pattern?: object;
  /** … or schedule expression (a registry entry's schedule). */
  schedule?: string;
  target: MachineEntry['name'];
  targetArn: string;
  /** The role EventBridge assumes to start the target (one per target machine). */
  roleName: string;
  retryPolicy: { maximumEventAgeInSeconds: number; maximumRetryAttempts: number };
}

export interface AlarmPlan {
  alarmName: string;
  description: string;
  /** One metric, or metric math over several. */
  metrics: {
    id: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, string>;
    stat: string;
  }[];
  /** Metric math over the metrics' ids; absent = the single metric. */
  expression?: string;
  periodSeconds: number;
  threshold: number;
}

export interface DeploymentPlan {
  prefix: string;
  environment: DeployEnvironment;
  ledger: { tableName: string; arn: string };
  /** The config store table and its first version's items (current and history). */
  configStore: {
    tableName: string;
    arn: string;
    initialItem: (now: string) => { current: Json; history: Json };
  };
  /** The operator role (deploy config `operators.principals`); absent when none is configured. */
  operatorRole?: { roleName: string; arn: string; trust: Json; policy: PolicyDocument };
  topic: { topicName: string; arn: string; keyAlias: string; keyPolicy: PolicyDocument | Json };
  /** The key every log group of the stage is encrypted with (docs/facts/logs.md logs.kms-key-policy). */
  logs: { keyAlias: string; keyPolicy: PolicyDocument | Json; logGroupArns: string[] };
  deadLetters: { queueName: string; arn: string; policy: Json };
  /** Lambda environment (HPR_CONFIG_TABLE and friends). */
  lambdaEnvironment: Record<string, string>;
  lambdas: LambdaPlan[];
  machines: MachinePlan[];
  /** Role per machine that EventBridge starts: states:StartExecution on that machine only. */
  eventRoles: { roleName: string; target: MachineEntry['name']; trust: Json; policy: PolicyDocument }[];
  /** Who may assume the Lambda roles (the state machines' and rules' roles carry their own trust). */
  trust: { lambda: Json };
  rules: RulePlan[];
  accessEntries: {
    eksClusterName: string;
    lambda: string;
    principalArn: string;
    kubernetesGroups: string[];
  }[];
  alarms: AlarmPlan[];
  dashboard: { dashboardName: string; body: Json };
}
