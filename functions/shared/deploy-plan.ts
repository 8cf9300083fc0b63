/**
 * Everything the deploy creates, as plain data: names and ARNs, each Lambda with its IAM policy,
 * each state machine with its definition and policy, the rules and the schedule, the EKS access
 * entries, the alarms and the dashboard. `sst.config.ts` turns this plan into resources one for
 * one and decides nothing; the tests read the resources it creates (test/unit/deploy).
 *
 * No SST or Pulumi in here. Every physical name is explicit, so every ARN is known before anything
 * exists (`arn:<partition>:<service>:<region>:<account>:…`): policies are plain JSON, and a machine
 * can name a machine it starts whatever the creation order. Sources, never copies:
 * - the Lambdas and what each may call: state-machines/registry.ts and the derived
 *   functions/shared/task-iam.ts (actions read from the code, scoped here to our resources);
 * - timeouts: each Lambda may run as long as the longest `TimeoutSeconds` of a Task state calling it;
 * - rules: events/rules.ts; the schedule: the registry entry's `triggers.schedule`;
 * - metrics: functions/shared/metrics-catalog.ts.
 */
import { RBAC_GROUP } from '#adapters/kubernetes-rbac.ts';
import { buildRules } from '#events/rules.ts';
import { MACHINES, type MachineEntry, machineFunctions, machineStarts } from '#state-machines/registry.ts';
import type { ResolvedDeployConfig } from './deploy-config.ts';
import { InvalidInputError } from './errors.ts';
import { LAMBDA_NODEJS } from './lambda-bundle.ts';
import {
  COUNTERS,
  FLEET_WINDOW_DAYS,
  INCIDENT_OVERDUE,
  LATENCY_METRICS,
  METRICS_NAMESPACE,
  SERVICE_DIMENSION,
  SERVICE_NAME,
} from './metrics-catalog.ts';
import { TASK_IAM } from './task-iam.ts';

type Json = Record<string, unknown>;

interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Json;
}

interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

interface DeployEnvironment {
  stage: string;
  region: string;
  account: string;
  partition: string;
}

interface LambdaPlan {
  /** Function name in the registry and in functions/handlers (`admit-incident`). */
  name: string;
  functionName: string;
  arn: string;
  /** SST handler path. */
  handler: string;
  /** SST's `nodejs` bundling options (functions/shared/lambda-bundle.ts). */
  nodejs: typeof LAMBDA_NODEJS;
  memoryMb: number;
  timeoutSeconds: number;
  roleName: string;
  roleArn: string;
  logGroupName: string;
  /** Calls the Kubernetes API: an EKS access entry maps its role to our RBAC group. */
  kubernetes: boolean;
  /** VPC placement (deploy config `vpc`): only Lambdas that call the Kubernetes API. */
  vpc?: { subnetIds: string[]; securityGroupIds: string[] };
  /** Its role's only policy, given the ARN of the topic's KMS key (created by the deploy). */
  policy: (topicKeyArn: string) => PolicyDocument;
}

interface MachinePlan {
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

interface RulePlan {
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

interface AlarmPlan {
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

interface DeploymentPlan {
  prefix: string;
  environment: DeployEnvironment;
  ledger: { tableName: string; arn: string };
  topic: { topicName: string; arn: string; keyAlias: string; keyPolicy: PolicyDocument | Json };
  deadLetters: { queueName: string; arn: string; policy: Json };
  /** Lambda environment (HPR_CONFIG and friends). */
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

// ---------------------------------------------------------------- sizing

/**
 * Memory per Lambda (MB), from measurements (README "Cost"; test/unit/deploy/measure-costs.ts):
 * when every handler bundled every adapter (3.6 MiB), a fresh Node 22 held 133-138 MiB after importing
 * it, in 250-320 ms of one full core; each now bundles only the adapters it uses (0.2-2.9 MB, README
 * "Benchmarks", cold starts), so these figures are upper bounds. Lambda gives a function CPU in proportion to its memory (1,769 MB =
 * one vCPU), so a cold start at 512 MB takes about a second. 512 MB (3.7x the resting footprint)
 * for every task; 1,024 MB where time matters or work is heavy: the three steps between the fault
 * and the suspended jobs (their cold starts add up on the way to TimeToSuspend), and the sweep,
 * which parses every node of the cluster (2,000 nodes: 13 MiB of Node JSON, 206 MiB peak RSS
 * with the simulator in the same process, bench/sweep.bench.ts).
 */
const LAMBDA_MEMORY_MB: Readonly<Record<string, number>> = {
  'admit-incident': 1024,
  'quarantine-node': 1024,
  'suspend-workloads': 1024,
  'sweep-cluster': 1024,
};
const DEFAULT_MEMORY_MB = 512;

// ---------------------------------------------------------------- names

/** AWS name limits we rely on. */
const LIMITS = { lambda: 64, role: 64, rule: 64, stateMachine: 80, queue: 80, topic: 256, table: 255 };

const checkName = (kind: keyof typeof LIMITS, name: string): string => {
  if (name.length > LIMITS[kind]) {
    throw new Error(
      `${kind} name ${name} has ${name.length} characters (AWS allows ${LIMITS[kind]}): use a shorter stage name`,
    );
  }
  return name;
};

const STAGE = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * The physical names of a stage's resources: the one naming rule of the deploy (planDeployment)
 * and of the operator CLI (`hpr … --stage`). Throws InvalidInputError for a stage the deploy
 * would refuse.
 *
 * @example
 * stackNames('prod').ledgerTableName; // 'hpr-prod-ledger'
 * stackNames('prod').stateMachineName('node-recovery'); // 'hpr-prod-node-recovery'
 */
const stackNames = (stage: string) => {
  if (!STAGE.test(stage)) {
    throw new InvalidInputError(`stage ${stage}: use 1-30 lowercase letters, digits or hyphens`);
  }
  const prefix = `hpr-${stage}`;
  return {
    prefix,
    ledgerTableName: checkName('table', `${prefix}-ledger`),
    stateMachineName: (machine: MachineEntry['name']) => checkName('stateMachine', `${prefix}-${machine}`),
  };
};

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
const resourceArn = (
  where: Pick<DeployEnvironment, 'partition' | 'region' | 'account'>,
  service: string,
  resource: string,
): string => `arn:${where.partition}:${service}:${where.region}:${where.account}:${resource}`;

/** The ARN of a state machine, given its physical name (stackNames().stateMachineName). */
const stateMachineArn = (
  where: Pick<DeployEnvironment, 'partition' | 'region' | 'account'>,
  stateMachineName: string,
): string => resourceArn(where, 'states', `stateMachine:${stateMachineName}`);

// ---------------------------------------------------------------- ASL walking

/** Every state of a definition, those inside Map item processors and Parallel branches included. */
const allStates = (definition: Json): [string, Json][] => {
  const states = Object.entries((definition.States ?? {}) as Record<string, Json>);
  return states.flatMap(([name, state]) => {
    const nested: [string, Json][] = [];
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor) nested.push(...allStates(processor));
    for (const branch of (state.Branches ?? []) as Json[]) nested.push(...allStates(branch));
    return [[name, state] as [string, Json], ...nested];
  });
};

// ---------------------------------------------------------------- the plan

const planDeployment = (config: ResolvedDeployConfig, env: DeployEnvironment): DeploymentPlan => {
  const names = stackNames(env.stage);
  const { region, account, partition } = env;
  const app = config.app;
  const prefix = names.prefix;
  const arn = (service: string, resource: string, where = { region, account }) =>
    resourceArn({ partition, ...where }, service, resource);
  const roleArn = (roleName: string) => `arn:${partition}:iam::${account}:role/${roleName}`;

  // Our clusters must live where we deploy: their events reach this region's default bus only,
  // and the access entries map roles of this account.
  for (const cluster of app.clusters) {
    const [, , , clusterRegion, clusterAccount] = cluster.arn.split(':');
    if (clusterRegion !== region || clusterAccount !== account) {
      throw new Error(
        `cluster ${cluster.name} (${cluster.arn}) is not in ${account}/${region}: deploy one stage per account and region`,
      );
    }
  }

  const tableName = names.ledgerTableName;
  const ledger = { tableName, arn: arn('dynamodb', `table/${tableName}`) };
  const topicName = checkName('topic', `${prefix}-notifications`);
  const topic = { topicName, arn: arn('sns', topicName), keyAlias: `alias/${prefix}-notifications` };
  const queueName = checkName('queue', `${prefix}-rule-dead-letters`);
  const deadLetterArn = arn('sqs', queueName);

  const machineNames = Object.fromEntries(MACHINES.map((m) => [m.name, names.stateMachineName(m.name)]));
  const machineArns = Object.fromEntries(
    MACHINES.map((m) => [m.name, stateMachineArn(env, machineNames[m.name]!)]),
  );

  const functionNames = [...new Set(MACHINES.flatMap(machineFunctions))].sort();
  const functionArns = Object.fromEntries(
    functionNames.map((fn) => [fn, arn('lambda', `function:${checkName('lambda', `${prefix}-${fn}`)}`)]),
  );
  const definitions = Object.fromEntries(
    MACHINES.map((m) => [m.name, m.definition({ functionArns, machineArns })]),
  );

  // Each Lambda may run as long as the longest Task state that calls it allows.
  const timeouts = new Map<string, number>();
  for (const machine of MACHINES) {
    for (const [stateName, state] of allStates(definitions[machine.name]!)) {
      if (state.Type !== 'Task') continue;
      const fn = functionNames.find((f) => functionArns[f] === state.Resource);
      if (!fn) continue;
      if (typeof state.TimeoutSeconds !== 'number') {
        throw new Error(`${machine.name}: Task state ${stateName} has no TimeoutSeconds`);
      }
      timeouts.set(fn, Math.max(timeouts.get(fn) ?? 0, state.TimeoutSeconds));
    }
  }

  const clusterArns = app.clusters.map((c) => c.arn).sort();
  const eksArns = app.clusters.map((c) => arn('eks', `cluster/${c.eksClusterName}`)).sort();

  /** Where each service's actions may act: our resources, and nothing else. */
  const scopeOf = (fn: string, service: string): string[] => {
    switch (service) {
      case 'sagemaker':
        return clusterArns;
      case 'eks':
        return eksArns;
      case 'dynamodb':
        return [ledger.arn];
      case 'sns':
        return [topic.arn];
      default:
        throw new Error(
          `${fn} calls ${service}:…, for which the deploy knows no resource scope: add one in functions/shared/deploy-plan.ts`,
        );
    }
  };

  const lambdas: LambdaPlan[] = functionNames.map((fn) => {
    const iam = TASK_IAM[fn];
    if (!iam) {
      throw new Error(
        `no derived permissions for ${fn}: run \`npx tsx functions/shared/iam-derivation.ts --write\``,
      );
    }
    const timeoutSeconds = timeouts.get(fn);
    if (!timeoutSeconds) throw new Error(`${fn} is named by a machine but called by no Task state`);
    const functionName = `${prefix}-${fn}`;
    const roleName = checkName('role', `${prefix}-${fn}`);
    const logGroupName = `/aws/lambda/${functionName}`;
    const vpc = iam.kubernetes && config.vpc ? config.vpc : undefined;
    const byService = new Map<string, string[]>();
    for (const action of iam.actions) {
      const service = action.split(':')[0]!;
      byService.set(service, [...(byService.get(service) ?? []), action]);
    }
    const policy = (topicKeyArn: string): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [arn('logs', `log-group:${logGroupName}:*`)],
        },
        // X-Ray accepts no resource for these actions: "*" is the only form AWS allows.
        {
          Sid: 'Tracing',
          Effect: 'Allow',
          Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Resource: ['*'],
        },
        ...[...byService.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([service, actions]) => ({
            Sid: `Derived${service.charAt(0).toUpperCase()}${service.slice(1)}`,
            Effect: 'Allow' as const,
            Action: [...actions].sort(),
            Resource: scopeOf(fn, service),
          })),
        // Publishing to a topic encrypted with our key needs the key (SNS encrypts on our behalf).
        ...(byService.has('sns')
          ? [
              {
                Sid: 'TopicKey',
                Effect: 'Allow' as const,
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: [topicKeyArn],
              },
            ]
          : []),
        // Lambda creates the function's network interfaces with its role; EC2 accepts no
        // resource for DescribeNetworkInterfaces, and AWS's own AWSLambdaVPCAccessExecutionRole
        // grants these on "*".
        ...(vpc
          ? [
              {
                Sid: 'VpcNetworkInterfaces',
                Effect: 'Allow' as const,
                Action: [
                  'ec2:AssignPrivateIpAddresses',
                  'ec2:CreateNetworkInterface',
                  'ec2:DeleteNetworkInterface',
                  'ec2:DescribeNetworkInterfaces',
                  'ec2:UnassignPrivateIpAddresses',
                ],
                Resource: ['*'],
              },
            ]
          : []),
      ],
    });
    return {
      name: fn,
      functionName,
      arn: functionArns[fn]!,
      handler: `functions/handlers/${fn}.handler`,
      nodejs: LAMBDA_NODEJS,
      memoryMb: LAMBDA_MEMORY_MB[fn] ?? DEFAULT_MEMORY_MB,
      timeoutSeconds,
      roleName,
      roleArn: roleArn(roleName),
      logGroupName,
      kubernetes: iam.kubernetes,
      ...(vpc ? { vpc: { subnetIds: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] } } : {}),
      policy,
    };
  });

  const assume = (service: string, condition?: Json): Json => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: `${service}.amazonaws.com` },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
  const machines: MachinePlan[] = MACHINES.map((machine) => {
    const stateMachineName = machineNames[machine.name]!;
    const starts = machineStarts(machine);
    return {
      name: machine.name,
      stateMachineName,
      arn: machineArns[machine.name]!,
      roleName: checkName('role', `${prefix}-sfn-${machine.name}`),
      trust: assume('states', {
        StringEquals: { 'aws:SourceAccount': account },
        ArnEquals: { 'aws:SourceArn': machineArns[machine.name]! },
      }),
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      definition: definitions[machine.name]!,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'InvokeOwnTasks',
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: machineFunctions(machine)
              .map((fn) => functionArns[fn]!)
              .sort(),
          },
          ...(starts.length > 0
            ? [
                {
                  Sid: 'StartOwnMachines',
                  Effect: 'Allow' as const,
                  Action: ['states:StartExecution'],
                  Resource: starts.map((m) => machineArns[m]!).sort(),
                },
              ]
            : []),
          // Step Functions delivers logs through CloudWatch Logs' vended-log API, whose actions
          // accept only "*" (Step Functions developer guide, "IAM policies for logging").
          {
            Sid: 'LogDelivery',
            Effect: 'Allow',
            Action: [
              'logs:CreateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:DescribeLogGroups',
              'logs:DescribeResourcePolicies',
              'logs:GetLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:UpdateLogDelivery',
            ],
            Resource: ['*'],
          },
          // X-Ray accepts no resource for these actions.
          {
            Sid: 'Tracing',
            Effect: 'Allow',
            Action: [
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
              'xray:PutTelemetryRecords',
              'xray:PutTraceSegments',
            ],
            Resource: ['*'],
          },
        ],
      },
    };
  });

  // ------------------------------------------------------------ rules and schedules
  const eventRoleName = (target: string) => checkName('role', `${prefix}-events-${target}`);
  const ruleArn = (ruleName: string) => arn('events', `rule/${ruleName}`);
  const rules: RulePlan[] = [
    ...buildRules(app).map((rule) => {
      const target = MACHINES.find((m) => m.name === rule.target);
      if (!target?.triggers.events) {
        throw new Error(
          `rule ${rule.name} targets ${rule.target}, which the registry does not start from events`,
        );
      }
      const ruleName = checkName('rule', `${rule.name}-${env.stage}`);
      return {
        ruleName,
        arn: ruleArn(ruleName),
        description: rule.description,
        pattern: rule.pattern,
        target: target.name,
        targetArn: machineArns[target.name]!,
        roleName: eventRoleName(target.name),
        // An event keeps its meaning for an hour (a node lease and the dedupe window absorb
        // redeliveries); then it goes to the dead-letter queue.
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      };
    }),
    ...MACHINES.flatMap((machine) => {
      const schedule = machine.triggers.schedule?.(app);
      if (!schedule) return [];
      const ruleName = checkName('rule', `hpr-${machine.name}-${env.stage}`);
      const rateSeconds = app.sweep.rateMinutes * 60;
      return [
        {
          ruleName,
          arn: ruleArn(ruleName),
          description: `Starts ${machine.name}: ${schedule}`,
          schedule,
          target: machine.name,
          targetArn: machineArns[machine.name]!,
          roleName: eventRoleName(machine.name),
          // A missed run is superseded by the next one.
          retryPolicy: { maximumEventAgeInSeconds: Math.max(60, rateSeconds), maximumRetryAttempts: 3 },
        },
      ];
    }),
  ];
  const eventRoles = [...new Set(rules.map((r) => r.target))].sort().map((target) => ({
    roleName: eventRoleName(target),
    target,
    // Only our rules that target this machine may use the role.
    trust: assume('events', {
      StringEquals: { 'aws:SourceAccount': account },
      ArnEquals: { 'aws:SourceArn': rules.filter((r) => r.target === target).map((r) => r.arn) },
    }),
    policy: {
      Version: '2012-10-17' as const,
      Statement: [
        {
          Sid: 'StartTarget',
          Effect: 'Allow' as const,
          Action: ['states:StartExecution'],
          Resource: [machineArns[target]!],
        },
      ],
    },
  }));

  // ------------------------------------------------------------ Kubernetes access
  const accessEntries = app.clusters.flatMap((cluster) =>
    lambdas
      .filter((l) => l.kubernetes)
      .map((l) => ({
        eksClusterName: cluster.eksClusterName,
        lambda: l.name,
        principalArn: l.roleArn,
        kubernetesGroups: [RBAC_GROUP],
      })),
  );

  // ------------------------------------------------------------ alarms
  // Not `hpr-…`: alarms whose name starts with the configured prefix start node-recovery
  // (events/rules.ts), and ours must never trigger a remediation.
  const alarmPrefix = `${SERVICE_NAME}-${env.stage}`;
  const metric = (name: string, dimensions: Record<string, string> = {}, stat = 'Sum') => ({
    id: 'm0',
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensions: { ...SERVICE_DIMENSION, ...dimensions },
    stat,
  });
  const alarms: AlarmPlan[] = [
    ...machines.map((m) => ({
      alarmName: `${alarmPrefix}-${m.name}-executions-failed`,
      description: `${m.stateMachineName}: an execution failed or timed out (node-recovery: an incident needs a person)`,
      metrics: ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metricName, i) => ({
        id: `m${i}`,
        namespace: 'AWS/States',
        metricName,
        dimensions: { StateMachineArn: m.arn },
        stat: 'Sum',
      })),
      expression: 'm0 + m1',
      periodSeconds: 300,
      threshold: 1,
    })),
    ...app.clusters.flatMap((c) => [
      {
        alarmName: `${alarmPrefix}-${c.name}-breaker-tripped`,
        description: `Circuit breaker of ${c.name} tripped: remediations stopped until \`hpr reset-breaker\``,
        metrics: [metric('CircuitBreakerTripped', { clusterName: c.name })],
        periodSeconds: 300,
        threshold: 1,
      },
      {
        alarmName: `${alarmPrefix}-${c.name}-detector-disagreement`,
        description: `A finding covered too much of ${c.name} at once and was not acted on (detector-disagreement): check the detector or an AWS-wide event`,
        metrics: [metric('DetectorDisagreement', { clusterName: c.name })],
        periodSeconds: 300,
        threshold: 1,
      },
      {
        alarmName: `${alarmPrefix}-${c.name}-incident-overdue`,
        description: `An incident of ${c.name} is open past its deadline (its execution was lost); the sweep closes it`,
        metrics: [metric('SweepStaleState', { clusterName: c.name, kind: INCIDENT_OVERDUE })],
        periodSeconds: 300,
        threshold: 1,
      },
    ]),
    {
      alarmName: `${alarmPrefix}-rule-dead-letters`,
      description: 'An event could not start its state machine: it waits in the dead-letter queue',
      metrics: [
        {
          id: 'm0',
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: queueName },
          stat: 'Maximum',
        },
      ],
      periodSeconds: 300,
      threshold: 1,
    },
  ];

  const selected = alarms.filter((a) => a.alarmName.startsWith(app.alarms.namePrefix));
  if (selected.length > 0) {
    throw new Error(
      `alarms.namePrefix ${app.alarms.namePrefix} selects our own alarm ${selected[0]!.alarmName}: it would start node-recovery; choose another prefix`,
    );
  }

  // ------------------------------------------------------------ dashboard
  const ns = METRICS_NAMESPACE;
  const svc = ['service', SERVICE_NAME];
  /** One line per dimension value (e.g. per skip reason): a SEARCH expression entry. */
  const search = (name: string, dims: readonly string[], label: string, id: string, stat = 'Sum') => [
    {
      expression: `SEARCH('{${ns},${['service', ...dims].join(',')}} MetricName="${name}"', '${stat}', 300)`,
      label,
      id,
    },
  ];
  const widget = (title: string, metrics: unknown[], extra: Json = {}) => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stacked: false,
      period: 300,
      stat: 'Sum',
      metrics,
      ...extra,
    },
  });
  const dashboardBody = {
    widgets: [
      {
        type: 'text',
        width: 24,
        height: 2,
        properties: {
          markdown: `# hyperpod-resilience (${env.stage}) — mode **${app.policy.mode}**\nIncidents, actions, skips, breaker and latencies from the task metrics (namespace \`${ns}\`); executions from Step Functions.`,
        },
      },
      widget('Incidents', [
        search('IncidentAdmitted', COUNTERS.IncidentAdmitted, 'admitted', 'e1'),
        search('IncidentRecorded', COUNTERS.IncidentRecorded, 'closed', 'e2'),
      ]),
      widget('Actions by type', [
        [ns, 'NodeQuarantined', ...svc, { label: 'quarantined' }],
        [ns, 'WorkloadsSuspended', ...svc, { label: 'jobs suspended' }],
        [ns, 'WorkloadsResumed', ...svc, { label: 'jobs resumed' }],
        [ns, 'IncidentEscalated', ...svc, { label: 'escalated' }],
        search('RemediationRequested', COUNTERS.RemediationRequested, 'requested', 'e1'),
        search('KubernetesEventNotWritten', COUNTERS.KubernetesEventNotWritten, 'Events not written', 'e2'),
      ]),
      widget('Skips by reason', [search('RemediationSkipped', COUNTERS.RemediationSkipped, 'skipped', 'e1')]),
      widget(
        'Circuit breaker trips by cluster',
        app.clusters.map((c) => [
          ns,
          'CircuitBreakerTripped',
          ...svc,
          'clusterName',
          c.name,
          { label: c.name },
        ]),
      ),
      widget(
        'Mass findings held (detector disagreement) by cluster',
        app.clusters.map((c) => [
          ns,
          'DetectorDisagreement',
          ...svc,
          'clusterName',
          c.name,
          { label: c.name },
        ]),
      ),
      widget(
        'Time from trigger to quarantine, suspension, resumption (ms)',
        LATENCY_METRICS.flatMap((name) =>
          ['p50', 'p90', 'Maximum'].map((stat) => [ns, name, ...svc, { stat, label: `${name} ${stat}` }]),
        ),
        { stat: 'p50' },
      ),
      // Fleet reliability gauges of the health sweep (functions/domain/goodput/reliability-metrics.ts).
      widget(`Fleet reliability, trailing ${FLEET_WINDOW_DAYS} days (health sweep)`, [
        search(
          'FleetFailureRate',
          ['clusterName', 'instanceGroup'],
          'failures / 1,000 node-days',
          'f1',
          'Average',
        ),
        search('FleetLemonNodes', ['clusterName'], 'lemon nodes', 'f2', 'Maximum'),
        search('FleetFalsePositives', ['clusterName', 'kind'], 'false positives', 'f3', 'Maximum'),
      ]),
      widget(`Repair and detection times (s), trailing ${FLEET_WINDOW_DAYS} days`, [
        search('FleetTimeToRepair', ['clusterName', 'action'], 'time to repair', 'f1', 'Average'),
        search('FleetFaultToNodeReady', ['clusterName'], 'fault → node back', 'f2', 'Average'),
        search('FleetDetectToSuspendP95', ['clusterName'], 'fault → jobs suspended p95', 'f3', 'Average'),
      ]),
      widget(
        'Executions',
        machines.flatMap((m) =>
          ['ExecutionsStarted', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((name) => [
            'AWS/States',
            name,
            'StateMachineArn',
            m.arn,
            { label: `${m.name} ${name.slice('Executions'.length).toLowerCase()}` },
          ]),
        ),
      ),
      {
        type: 'alarm',
        width: 24,
        height: 4,
        properties: {
          title: 'Alarms',
          alarms: alarms.map((a) => arn('cloudwatch', `alarm:${a.alarmName}`)),
        },
      },
    ],
  };

  return {
    prefix,
    environment: env,
    ledger,
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
    deadLetters: {
      queueName,
      arn: deadLetterArn,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OurRulesOnly',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: deadLetterArn,
            Condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => r.arn) } },
          },
        ],
      },
    },
    lambdaEnvironment: {
      HPR_CONFIG: config.appJson,
      HPR_LEDGER_TABLE: ledger.tableName,
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
    dashboard: { dashboardName: `${prefix}`, body: dashboardBody },
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
  LAMBDA_MEMORY_MB,
  planDeployment,
  resourceArn,
  STAGE,
  stackNames,
  stateMachineArn,
};
