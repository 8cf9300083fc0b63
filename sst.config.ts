/// <reference path="./.sst/platform/config.d.ts" />
/**
 * hyperpod-resilience deploy: an index, not a program. It validates the deploy config, asks AWS
 * where it is (region, account, partition), and turns the plan of deploy/deploy-plan.ts
 * into resources one for one: the ledger table, the encrypted topic, one Lambda per task of the
 * state-machines/registry.ts machines (each with its own role holding exactly the actions derived
 * from its code, deploy/task-iam.ts), the machines with their roles and log groups, the
 * EventBridge rules of events/rules.ts and the schedule (with retries and a dead-letter queue), the
 * EKS access entries, the alarms and the dashboard. A new machine or task is picked up from the
 * registry and functions/handlers without editing this file.
 *
 *   HPR_CONFIG_FILE=./hyperpod-resilience.config.json npx sst deploy --stage production
 *
 * Offline proof: test/unit/deploy runs this very run() with recording fakes of SST's globals.
 */
export default $config({
  app(input) {
    return {
      name: 'hyperpod-resilience',
      home: 'aws',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      protect: input?.stage === 'production',
    };
  },
  async run() {
    const { existsSync, readFileSync } = await import('node:fs');
    const { resolveDeployConfig } = await import('./deploy/deploy-config.ts');
    const { planDeployment } = await import('./deploy/deploy-plan.ts');
    const { LEDGER_KEY_SCHEMA } = await import('./functions/adapters/ledger-dynamodb.ts');
    const { CONFIG_TABLE_SCHEMA } = await import('./functions/adapters/config-reader.ts');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { rbacManifestYaml } = await import('./deploy/kubernetes-rbac.ts');

    const configFile = process.env.HPR_CONFIG_FILE ?? 'hyperpod-resilience.config.json';
    if (!existsSync(configFile)) {
      throw new Error(`deploy configuration ${configFile} not found: set HPR_CONFIG_FILE (README "Deploy")`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (error) {
      throw new Error(`deploy configuration ${configFile} is not valid JSON: ${(error as Error).message}`);
    }
    const deploy = resolveDeployConfig(raw, $app.stage);
    const [region, identity, partition] = await Promise.all([
      aws.getRegion({}),
      aws.getCallerIdentity({}),
      aws.getPartition({}),
    ]);
    const plan = planDeployment(deploy, {
      stage: $app.stage,
      region: region.region,
      account: identity.accountId,
      partition: partition.partition,
    });
    const production = $app.stage === 'production';
    const json = (value: unknown) => JSON.stringify(value);

    // ------------------------------------------------------------ ledger and topic
    const ledger = new aws.dynamodb.Table('Ledger', {
      name: plan.ledger.tableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: LEDGER_KEY_SCHEMA.hashKey,
      rangeKey: LEDGER_KEY_SCHEMA.rangeKey,
      attributes: [
        ...LEDGER_KEY_SCHEMA.attributes.map((a) => ({ ...a })),
        { name: LEDGER_KEY_SCHEMA.openIncidentsIndex.hashKey, type: 'S' },
        { name: LEDGER_KEY_SCHEMA.incidentsByStartIndex.rangeKey, type: 'S' },
      ],
      // Sparse: only open incidents carry its key, so the sweep reads them without the history.
      globalSecondaryIndexes: [
        {
          name: LEDGER_KEY_SCHEMA.openIncidentsIndex.name,
          hashKey: LEDGER_KEY_SCHEMA.openIncidentsIndex.hashKey,
          rangeKey: LEDGER_KEY_SCHEMA.openIncidentsIndex.rangeKey,
          projectionType: 'ALL',
        },
        // Sparse too (only incidents carry startedAt): the sweep's trailing window for the fleet gauges.
        {
          name: LEDGER_KEY_SCHEMA.incidentsByStartIndex.name,
          hashKey: LEDGER_KEY_SCHEMA.incidentsByStartIndex.hashKey,
          rangeKey: LEDGER_KEY_SCHEMA.incidentsByStartIndex.rangeKey,
          projectionType: 'ALL',
        },
      ],
      ttl: { attributeName: LEDGER_KEY_SCHEMA.ttlAttribute, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: production,
    });

    // ------------------------------------------------------------ config store
    // The app config, read live by every Lambda (functions/adapters/config-reader.ts; the writer is local/config-store-dynamodb.ts).
    // The deploy writes version 1 once; later versions come from `hpr config` (the operator
    // role), so a redeploy never overwrites them (ignoreChanges).
    const configTable = new aws.dynamodb.Table('ConfigStore', {
      name: plan.configStore.tableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: CONFIG_TABLE_SCHEMA.hashKey,
      attributes: [{ name: CONFIG_TABLE_SCHEMA.hashKey, type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: production,
    });
    const firstVersion = plan.configStore.initialItem(new Date().toISOString());
    for (const [name, item] of [
      ['ConfigStoreHistoryV1', firstVersion.history],
      ['ConfigStoreCurrent', firstVersion.current],
    ] as const) {
      new aws.dynamodb.TableItem(
        name,
        { tableName: configTable.name, hashKey: CONFIG_TABLE_SCHEMA.hashKey, item: json(marshall(item)) },
        { ignoreChanges: ['item'] },
      );
    }
    if (plan.operatorRole) {
      const operator = new aws.iam.Role('Role-operator', {
        name: plan.operatorRole.roleName,
        assumeRolePolicy: json(plan.operatorRole.trust),
      });
      new aws.iam.RolePolicy('Policy-operator', {
        role: operator.name,
        policy: json(plan.operatorRole.policy),
      });
    }

    const topicKey = new aws.kms.Key('NotificationsKey', {
      description: `hyperpod-resilience ${$app.stage}: encrypts the notification topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: json(plan.topic.keyPolicy),
    });
    new aws.kms.Alias('NotificationsKeyAlias', { name: plan.topic.keyAlias, targetKeyId: topicKey.keyId });
    const logsKey = new aws.kms.Key('LogsKey', {
      description: `hyperpod-resilience ${$app.stage}: encrypts the log groups`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: json(plan.logs.keyPolicy),
    });
    new aws.kms.Alias('LogsKeyAlias', { name: plan.logs.keyAlias, targetKeyId: logsKey.keyId });
    const topic = new aws.sns.Topic('Notifications', {
      name: plan.topic.topicName,
      kmsMasterKeyId: topicKey.arn,
    });
    for (const [index, email] of deploy.notifications.emails.entries()) {
      new aws.sns.TopicSubscription(`NotificationEmail${index}`, {
        topic: topic.arn,
        protocol: 'email',
        endpoint: email,
      });
    }

    // ------------------------------------------------------------ one Lambda per task
    const functions: Record<string, sst.aws.Function> = {};
    for (const fn of plan.lambdas) {
      const role = new aws.iam.Role(`Role-${fn.name}`, {
        name: fn.roleName,
        assumeRolePolicy: json(plan.trust.lambda),
      });
      const policy = new aws.iam.RolePolicy(`Policy-${fn.name}`, {
        role: role.name,
        policy: topicKey.arn.apply((keyArn) => json(fn.policy(keyArn))),
      });
      const logGroup = new aws.cloudwatch.LogGroup(`Logs-${fn.name}`, {
        name: fn.logGroupName,
        retentionInDays: deploy.logRetentionDays,
        kmsKeyId: logsKey.arn,
      });
      functions[fn.name] = new sst.aws.Function(
        `Task-${fn.name}`,
        {
          name: fn.functionName,
          handler: fn.handler,
          nodejs: { ...fn.nodejs },
          runtime: 'nodejs22.x',
          architecture: 'arm64',
          memory: `${fn.memoryMb} MB`,
          timeout: `${fn.timeoutSeconds} seconds`,
          role: role.arn,
          environment: plan.lambdaEnvironment,
          logging: { logGroup: logGroup.name, format: 'json' },
          ...(fn.vpc
            ? { vpc: { privateSubnets: fn.vpc.subnetIds, securityGroups: fn.vpc.securityGroupIds } }
            : {}),
          transform: {
            function: (args: aws.lambda.FunctionArgs) => {
              args.tracingConfig = { mode: 'Active' };
            },
          },
        },
        // The role must hold its policy first (a VPC function cannot even be created without it).
        { dependsOn: [policy, ledger, configTable, topic] },
      );
    }

    // ------------------------------------------------------------ state machines
    const machines: Record<string, aws.sfn.StateMachine> = {};
    for (const machine of plan.machines) {
      const role = new aws.iam.Role(`Role-sfn-${machine.name}`, {
        name: machine.roleName,
        assumeRolePolicy: json(machine.trust),
      });
      const policy = new aws.iam.RolePolicy(`Policy-sfn-${machine.name}`, {
        role: role.name,
        policy: json(machine.policy),
      });
      const logGroup = new aws.cloudwatch.LogGroup(`Logs-sfn-${machine.name}`, {
        name: machine.logGroupName,
        retentionInDays: deploy.logRetentionDays,
        kmsKeyId: logsKey.arn,
      });
      machines[machine.name] = new aws.sfn.StateMachine(
        `Machine-${machine.name}`,
        {
          name: machine.stateMachineName,
          type: 'STANDARD',
          roleArn: role.arn,
          definition: json(machine.definition),
          loggingConfiguration: {
            level: 'ALL',
            includeExecutionData: true,
            logDestination: $interpolate`${logGroup.arn}:*`,
          },
          tracingConfiguration: { enabled: true },
        },
        { dependsOn: [policy, ...Object.values(functions)] },
      );
    }

    // ------------------------------------------------------------ rules, schedule, dead letters
    const deadLetters = new aws.sqs.Queue('RuleDeadLetters', {
      name: plan.deadLetters.queueName,
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    new aws.sqs.QueuePolicy('RuleDeadLettersPolicy', {
      queueUrl: deadLetters.url,
      policy: json(plan.deadLetters.policy),
    });
    const eventRoles: Record<string, aws.iam.Role> = {};
    for (const eventRole of plan.eventRoles) {
      const role = new aws.iam.Role(`Role-events-${eventRole.target}`, {
        name: eventRole.roleName,
        assumeRolePolicy: json(eventRole.trust),
      });
      new aws.iam.RolePolicy(`Policy-events-${eventRole.target}`, {
        role: role.name,
        policy: json(eventRole.policy),
      });
      eventRoles[eventRole.target] = role;
    }
    for (const rule of plan.rules) {
      const eventRule = new aws.cloudwatch.EventRule(`Rule-${rule.ruleName}`, {
        name: rule.ruleName,
        description: rule.description,
        ...(rule.pattern ? { eventPattern: json(rule.pattern) } : { scheduleExpression: rule.schedule }),
      });
      new aws.cloudwatch.EventTarget(
        `Target-${rule.ruleName}`,
        {
          rule: eventRule.name,
          arn: rule.targetArn,
          roleArn: eventRoles[rule.target]!.arn,
          retryPolicy: rule.retryPolicy,
          deadLetterConfig: { arn: deadLetters.arn },
        },
        { dependsOn: [machines[rule.target]!] },
      );
    }

    // ------------------------------------------------------------ Kubernetes access
    // Each Lambda role that calls the Kubernetes API maps to its own group; each group is bound to
    // its least roles by the manifest `npm run -s hpr -- rbac | kubectl apply -f -` (README "Deploy").
    for (const entry of plan.accessEntries) {
      new aws.eks.AccessEntry(
        `Access-${entry.eksClusterName}-${entry.lambda}`,
        {
          clusterName: entry.eksClusterName,
          principalArn: entry.principalArn,
          kubernetesGroups: entry.kubernetesGroups,
          type: 'STANDARD',
        },
        { dependsOn: [functions[entry.lambda]!] },
      );
    }

    // ------------------------------------------------------------ alarms and dashboard
    for (const alarm of plan.alarms) {
      const single = alarm.metrics.length === 1 && !alarm.expression ? alarm.metrics[0] : undefined;
      new aws.cloudwatch.MetricAlarm(`Alarm-${alarm.alarmName}`, {
        name: alarm.alarmName,
        alarmDescription: alarm.description,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: alarm.threshold,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        alarmActions: [topic.arn],
        ...(single
          ? {
              namespace: single.namespace,
              metricName: single.metricName,
              dimensions: single.dimensions,
              statistic: single.stat,
              period: alarm.periodSeconds,
            }
          : {
              metricQueries: [
                ...alarm.metrics.map((m) => ({
                  id: m.id,
                  metric: {
                    namespace: m.namespace,
                    metricName: m.metricName,
                    dimensions: m.dimensions,
                    stat: m.stat,
                    period: alarm.periodSeconds,
                  },
                })),
                { id: 'total', expression: alarm.expression, label: alarm.alarmName, returnData: true },
              ],
            }),
      });
    }
    new aws.cloudwatch.Dashboard('Dashboard', {
      dashboardName: plan.dashboard.dashboardName,
      dashboardBody: json(plan.dashboard.body),
    });

    return {
      mode: deploy.app.policy.mode,
      observeForced: deploy.observeForced,
      ledgerTable: ledger.name,
      configTable: configTable.name,
      ...(plan.operatorRole ? { operatorRoleArn: plan.operatorRole.arn } : {}),
      topicArn: topic.arn,
      stateMachines: Object.fromEntries(plan.machines.map((m) => [m.name, m.arn])),
      dashboard: `https://console.aws.amazon.com/cloudwatch/home?region=${plan.environment.region}#dashboards:name=${plan.dashboard.dashboardName}`,
      rbac: `npm run -s hpr -- rbac | kubectl apply -f -   # once per cluster, as a cluster admin (${rbacManifestYaml().split('---').length} objects)`,
    };
  },
});
