/// <reference path="./.sst/platform/config.d.ts" />
/**
 * hyperpod-resilience deploy: an index, not a program. Reads and validates the deploy config,
 * then creates the ledger table, topic, one Lambda (with its own least-privilege role) per task,
 * the node-recovery state machine from state-machines/, the EventBridge rules from events/, and
 * the EKS access entries that map the Lambda roles to our Kubernetes group.
 *
 *   HPR_CONFIG_FILE=./hyperpod-resilience.config.json npx sst deploy --stage production
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
    const { readFileSync } = await import('node:fs');
    const { resolveDeployConfig } = await import('./functions/shared/deploy-config.ts');
    const { nodeRecoveryDefinition } = await import('./state-machines/node-recovery.ts');
    const { NodeRecoveryFunctions } = await import('./state-machines/node-recovery.contract.ts');
    const { buildRules } = await import('./events/rules.ts');
    const { RBAC_GROUP } = await import('./functions/adapters/kubernetes-rbac.ts');
    const { TASK_IAM } = await import('./functions/shared/task-iam.ts');

    const configFile = process.env.HPR_CONFIG_FILE ?? 'hyperpod-resilience.config.json';
    const deploy = resolveDeployConfig(JSON.parse(readFileSync(configFile, 'utf8')), $app.stage);
    const { app } = deploy;
    const region = aws.getRegionOutput().name;
    const account = aws.getCallerIdentityOutput().accountId;

    const ledger = new aws.dynamodb.Table('Ledger', {
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attributes: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
    });

    const topic = new aws.sns.Topic('Notifications', { kmsMasterKeyId: 'alias/aws/sns' });
    for (const [index, email] of deploy.notifications.emails.entries()) {
      new aws.sns.TopicSubscription(`NotificationEmail${index}`, {
        topic: topic.arn,
        protocol: 'email',
        endpoint: email,
      });
    }

    const clusterArns = app.clusters.map((c) => c.arn);
    const eksArns = app.clusters.map(
      (c) => $interpolate`arn:aws:eks:${region}:${account}:cluster/${c.eksClusterName}`,
    );
    const environment = {
      HPR_CONFIG: JSON.stringify(app),
      HPR_LEDGER_TABLE: ledger.name,
      HPR_TOPIC_ARN: topic.arn,
      POWERTOOLS_SERVICE_NAME: 'hyperpod-resilience',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    const functions = Object.fromEntries(
      Object.values(NodeRecoveryFunctions).map((name) => {
        const iam = TASK_IAM[name];
        const fn = new sst.aws.Function(`Task-${name}`, {
          handler: `functions/handlers/${name}.handler`,
          runtime: 'nodejs22.x',
          architecture: 'arm64',
          memory: `${iam.memoryMb} MB`,
          timeout: `${iam.timeoutSeconds} seconds`,
          environment,
          logging: { retention: `${deploy.logRetentionDays} days` as never },
          permissions: [
            ...(iam.sagemaker.length
              ? [{ actions: iam.sagemaker.map((a) => `sagemaker:${a}`), resources: clusterArns }]
              : []),
            ...(iam.eks ? [{ actions: ['eks:DescribeCluster'], resources: eksArns }] : []),
            ...(iam.dynamodb.length
              ? [{ actions: iam.dynamodb.map((a) => `dynamodb:${a}`), resources: [ledger.arn] }]
              : []),
            ...(iam.sns ? [{ actions: ['sns:Publish'], resources: [topic.arn] }] : []),
          ],
        });
        return [name, fn];
      }),
    ) as Record<(typeof NodeRecoveryFunctions)[keyof typeof NodeRecoveryFunctions], sst.aws.Function>;

    // Kubernetes rights: each Lambda role that calls the API maps to our group, bound to our ClusterRole.
    for (const cluster of app.clusters) {
      for (const [name, fn] of Object.entries(functions)) {
        if (!TASK_IAM[name as keyof typeof TASK_IAM].eks) continue;
        new aws.eks.AccessEntry(`Access-${cluster.name}-${name}`, {
          clusterName: cluster.eksClusterName,
          principalArn: fn.nodes.role!.arn,
          kubernetesGroups: [RBAC_GROUP],
          type: 'STANDARD',
        });
      }
    }

    const logGroup = new aws.cloudwatch.LogGroup('NodeRecoveryLogs', {
      name: `/aws/vendedlogs/states/hyperpod-resilience-${$app.stage}-node-recovery`,
      retentionInDays: deploy.logRetentionDays,
    });
    const machineRole = new aws.iam.Role('NodeRecoveryRole', {
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'states.amazonaws.com' }),
    });
    new aws.iam.RolePolicy('NodeRecoveryInvoke', {
      role: machineRole.id,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: Object.values(functions).map((f) => f.arn),
          },
          // CloudWatch Logs delivery for Step Functions requires these on "*" (AWS documents no narrower resource).
          {
            Effect: 'Allow',
            Action: [
              'logs:CreateLogDelivery',
              'logs:GetLogDelivery',
              'logs:UpdateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:DescribeResourcePolicies',
              'logs:DescribeLogGroups',
            ],
            Resource: '*',
          },
          {
            Effect: 'Allow',
            Action: [
              'xray:PutTraceSegments',
              'xray:PutTelemetryRecords',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
            ],
            Resource: '*',
          },
        ],
      }),
    });
    const functionArns = $util
      .all(Object.entries(functions).map(([name, fn]) => fn.arn.apply((arn: string) => [name, arn] as const)))
      .apply((pairs) => Object.fromEntries(pairs));
    const nodeRecovery = new aws.sfn.StateMachine('NodeRecovery', {
      roleArn: machineRole.arn,
      type: 'STANDARD',
      definition: functionArns.apply((arns) =>
        JSON.stringify(nodeRecoveryDefinition({ functionArns: arns as never })),
      ),
      loggingConfiguration: {
        level: 'ERROR',
        includeExecutionData: true,
        logDestination: $interpolate`${logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
    });

    // EventBridge rules → node-recovery, with a role, retries and a dead-letter queue.
    const deadLetters = new aws.sqs.Queue('RuleDeadLetters', {
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    const rulesRole = new aws.iam.Role('RulesRole', {
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'events.amazonaws.com' }),
    });
    new aws.iam.RolePolicy('RulesStartExecution', {
      role: rulesRole.id,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [nodeRecovery.arn] }],
      }),
    });
    for (const rule of buildRules(app)) {
      const eventRule = new aws.cloudwatch.EventRule(`Rule-${rule.name}`, {
        description: rule.description,
        eventPattern: JSON.stringify(rule.pattern),
      });
      new aws.cloudwatch.EventTarget(`Target-${rule.name}`, {
        rule: eventRule.name,
        arn: nodeRecovery.arn,
        roleArn: rulesRole.arn,
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterConfig: { arn: deadLetters.arn },
      });
    }
    new aws.sqs.QueuePolicy('RuleDeadLettersPolicy', {
      queueUrl: deadLetters.url,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: deadLetters.arn,
          },
        ],
      }),
    });

    return {
      ledgerTable: ledger.name,
      topicArn: topic.arn,
      nodeRecoveryArn: nodeRecovery.arn,
      mode: app.policy.mode,
    };
  },
});
