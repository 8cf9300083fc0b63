/**
 * Everything the deploy creates, as plain data: names and ARNs, each Lambda with its IAM policy,
 * each state machine with its definition and policy, the rules and the schedule, the EKS access
 * entries, the alarms and the dashboard. `sst.config.ts` turns this plan into resources one for
 * one and decides nothing; the tests read the resources it creates (test/unit/deploy).
 *
 * planDeployment composes the parts in deploy/plan/: names.ts (physical names, ARNs, the
 * context every part reads), functions.ts (Lambdas: size, timeout, derived policy), machines.ts,
 * rules.ts (rules, schedules, their roles, dead letters), alarms.ts and dashboard.ts.
 *
 * No SST or Pulumi in here. Every physical name is explicit, so every ARN is known before anything
 * exists (`arn:<partition>:<service>:<region>:<account>:…`): policies are plain JSON, and a machine
 * can name a machine it starts whatever the creation order. Sources, never copies:
 * - the Lambdas and what each may call: state-machines/registry.ts and the derived
 *   deploy/task-iam.ts (actions read from the code, scoped here to our resources);
 * - timeouts: each Lambda may run as long as the longest `TimeoutSeconds` of a Task state calling it;
 * - rules: events/rules.ts; the schedule: the registry entry's `triggers.schedule`;
 * - metrics: contracts/metrics-catalog.ts.
 */

import { CONFIG_ITEM_ID, CONFIG_TABLE_SCHEMA, historyItemId } from '#adapters/config-reader.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#contracts/metrics-catalog.ts';
import { kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import type { ResolvedDeployConfig } from './deploy-config.ts';
import { planAlarms } from './plan/alarms.ts';
import { planDashboard } from './plan/dashboard.ts';
import { allStates, DEFAULT_MEMORY_MB, LAMBDA_MEMORY_MB, planFunctions } from './plan/functions.ts';
import { planMachines } from './plan/machines.ts';
import { assume, planContext, resourceArn, STAGE, stackNames, stateMachineArn } from './plan/names.ts';
import { planOperatorRole } from './plan/operator.ts';
import { deadLetterPolicy, planRules } from './plan/rules.ts';
import type {
  AlarmPlan,
  DeployEnvironment,
  DeploymentPlan,
  LambdaPlan,
  MachinePlan,
  PolicyDocument,
  PolicyStatement,
  RulePlan,
} from './plan/types.ts';

/**
 * The config store's first version (written once by the deploy, never overwritten by a later
 * deploy: `hpr config` writes the next ones): the validated config with its defaults, as the
 * store's writer would write version 1.
 */
const initialConfigItem = (app: ResolvedDeployConfig['app'], now: string) => {
  const value = JSON.stringify({
    version: 1,
    config: app,
    mode: app.policy.mode,
    updatedAt: now,
    updatedBy: 'deploy',
    reason: 'initial deploy',
  });
  return {
    current: {
      [CONFIG_TABLE_SCHEMA.hashKey]: CONFIG_ITEM_ID,
      [CONFIG_TABLE_SCHEMA.valueAttr]: value,
      version: 1,
    },
    history: {
      [CONFIG_TABLE_SCHEMA.hashKey]: historyItemId(1),
      [CONFIG_TABLE_SCHEMA.valueAttr]: value,
      version: 1,
      mode: app.policy.mode,
      updatedAt: now,
    },
  };
};

const planDeployment = (config: ResolvedDeployConfig, env: DeployEnvironment): DeploymentPlan => {
  const context = planContext(config, env);
  const { prefix, ledger, topic, queueName, deadLetterArn } = context;
  const { account, partition } = env;
  const app = config.app;

  const lambdas = planFunctions(context);
  const machines = planMachines(context);
  const { rules, eventRoles } = planRules(context);

  // Kubernetes access: an EKS access entry per cluster maps each Kubernetes-calling Lambda's role
  // to its own Kubernetes group, bound to the least roles its code needs (deploy/kubernetes-rbac.ts).
  const accessEntries = app.clusters.flatMap((cluster) =>
    lambdas
      .filter((l) => l.kubernetes)
      .map((l) => ({
        eksClusterName: cluster.eksClusterName,
        lambda: l.name,
        principalArn: l.roleArn,
        kubernetesGroups: [kubeGroupOf(l.name)],
      })),
  );

  const alarms = planAlarms(context, machines);
  const operatorRole = planOperatorRole(context);

  // Every log group of the stage (the Lambdas' and the machines'), encrypted with one key of ours.
  const logGroupArns = [...lambdas.map((l) => l.logGroupName), ...machines.map((m) => m.logGroupName)]
    .sort()
    .map((name) => context.arn('logs', `log-group:${name}`));

  return {
    prefix,
    environment: env,
    ledger,
    configStore: {
      ...context.configStore,
      initialItem: (now: string) => initialConfigItem(config.app, now),
    },
    ...(operatorRole ? { operatorRole } : {}),
    topic: {
      ...topic,
      // The account administers the key (IAM policies decide who uses it); CloudWatch may use it
      // to publish alarms to the encrypted topic. In a key policy "*" means this key.
      keyPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKey',
            Effect: 'Allow',
            Principal: { AWS: `arn:${partition}:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
        ],
      },
    },
    logs: {
      keyAlias: `alias/${prefix}-logs`,
      // The account administers the key; CloudWatch Logs of this region may use it only for our
      // own log groups (its encryption context names the log group: docs/facts/logs.md).
      keyPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersKey',
            Effect: 'Allow',
            Principal: { AWS: `arn:${partition}:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CloudWatchLogsEncrypt',
            Effect: 'Allow',
            Principal: { Service: `logs.${env.region}.amazonaws.com` },
            Action: [
              'kms:Encrypt*',
              'kms:Decrypt*',
              'kms:ReEncrypt*',
              'kms:GenerateDataKey*',
              'kms:Describe*',
            ],
            Resource: '*',
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArns } },
          },
        ],
      },
      logGroupArns,
    },
    deadLetters: { queueName, arn: deadLetterArn, policy: deadLetterPolicy(deadLetterArn, rules) },
    lambdaEnvironment: {
      HPR_CONFIG_TABLE: context.configStore.tableName,
      HPR_CONFIG_MAX_AGE_SECONDS: String(config.configMaxAgeSeconds),
      HPR_LEDGER_TABLE: ledger.tableName,
      HPR_LEDGER_RETENTION_DAYS: String(config.ledgerRetentionDays),
      HPR_TOPIC_ARN: topic.arn,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    lambdas,
    machines,
    eventRoles,
    trust: { lambda: assume('lambda') },
    rules,
    accessEntries,
    alarms,
    dashboard: { dashboardName: `${prefix}`, body: planDashboard(context, machines, alarms) },
  };
};

export type {
  AlarmPlan,
  DeployEnvironment,
  DeploymentPlan,
  LambdaPlan,
  MachinePlan,
  PolicyDocument,
  PolicyStatement,
  RulePlan,
};
export {
  allStates,
  DEFAULT_MEMORY_MB,
  initialConfigItem,
  LAMBDA_MEMORY_MB,
  planDeployment,
  resourceArn,
  STAGE,
  stackNames,
  stateMachineArn,
};
