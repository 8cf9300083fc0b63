/**
 * The offline proof of the deploy: sst.config.ts's own `run()` executed against recording fakes
 * of SST's globals (sst-fakes.ts), and every resource it creates checked against what the code
 * says independently: IAM against a fresh derivation from the code (iam-derivation.ts), rules
 * against events/rules.ts, definitions against what the local runner executes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEnvelope } from '#adapters/config-reader.ts';
import { loadRuntimeConfig } from '#composition/runtime-config.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { COUNTERS, LATENCY_METRICS } from '#contracts/metrics-catalog.ts';
import { allStates } from '#deploy/deploy-plan.ts';
import { deriveTaskPermissions, lambdaPermissions } from '#deploy/iam-derivation.ts';
import { kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import { buildRules } from '#events/rules.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { matchesPattern } from '#local/event-matcher.ts';
import { type LocalMachineName, runStateMachine } from '#local/runner.ts';
import { sweepScheduleExpression } from '#state-machines/health-sweep.ts';
import { allFunctions, MACHINES } from '#state-machines/registry.ts';
import { type ConfigRun, runSstConfig } from './run-config.ts';
import { ACCOUNT, REGION, type RecordedResource } from './sst-fakes.ts';

// The local runner's definitions, as it hands them to aws-local-stepfunctions.
const local = vi.hoisted(() => ({ definitions: [] as unknown[] }));
vi.mock('aws-local-stepfunctions', async (importOriginal) => {
  const real = await importOriginal<typeof import('aws-local-stepfunctions')>();
  class RecordingStateMachine extends real.StateMachine {
    constructor(...args: ConstructorParameters<typeof real.StateMachine>) {
      // Copied first: the library annotates the object it is given (QueryLanguage on each state).
      const definition = structuredClone(args[0]);
      super(...args);
      local.definitions.push(definition);
    }
    override run(): never {
      throw new Error('definition captured');
    }
  }
  return { ...real, StateMachine: RecordingStateMachine };
});

// biome-ignore lint/suspicious/noExplicitAny: assertions walk JSON freely
type Json = Record<string, any>;

const CLUSTERS = [
  {
    name: 'ml-cluster',
    arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/abcdef123456`,
    eksClusterName: 'ml-eks',
  },
  {
    name: 'eval-cluster',
    arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/0123456789ab`,
    eksClusterName: 'eval-eks',
  },
];
const VPC = { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
const DEPLOY_CONFIG = {
  app: {
    clusters: CLUSTERS,
    policy: { mode: 'act' },
    sweep: { rateMinutes: 10 },
    alarms: {
      allow: [
        {
          name: 'hpr-ml-cluster-i-0391f86fa0fe0d465-pending-replacement',
          cluster: 'ml-cluster',
          meaning: 'metric',
          maxAction: 'replace',
        },
      ],
    },
  },
  notifications: { emails: ['oncall@example.com', 'ml-platform@example.com'] },
  logRetentionDays: 30,
  vpc: VPC,
};

let production: ConfigRun;
let dev: ConfigRun;
let derived: ReturnType<typeof lambdaPermissions>;

beforeAll(async () => {
  derived = lambdaPermissions(deriveTaskPermissions());
  production = await runSstConfig(DEPLOY_CONFIG, 'production');
  const { vpc: _vpc, ...withoutVpc } = DEPLOY_CONFIG;
  dev = await runSstConfig(withoutVpc, 'dev');
}, 120_000);

// ---------------------------------------------------------------- helpers over the recording

const one = (resources: RecordedResource[], what: string): RecordedResource => {
  expect(resources, what).toHaveLength(1);
  return resources[0]!;
};

const roleNameOf = (roleArn: unknown): string => String(roleArn).split(':role/')[1]!;

const policiesOf = (run: ConfigRun, roleName: string): Json[] =>
  run.fake
    .of('aws.iam.RolePolicy')
    .filter((p) => p.args.role === roleName)
    .map((p) => JSON.parse(String(p.args.policy)));

const statementsOf = (run: ConfigRun, roleName: string): Json[] =>
  policiesOf(run, roleName).flatMap((p) => p.Statement as Json[]);

const trustOf = (run: ConfigRun, roleName: string): Json =>
  JSON.parse(
    String(
      one(
        run.fake.of('aws.iam.Role').filter((r) => r.args.name === roleName),
        roleName,
      ).args.assumeRolePolicy,
    ),
  );

const lambdas = (run: ConfigRun) => run.fake.of('sst.aws.Function');
const lambdaNamed = (run: ConfigRun, fn: string) =>
  one(
    lambdas(run).filter((l) => String(l.args.handler) === `functions/handlers/${fn}.handler`),
    fn,
  );
const machineNamed = (run: ConfigRun, name: string) =>
  one(
    run.fake.of('aws.sfn.StateMachine').filter((m) => String(m.args.name).endsWith(`-${name}`)),
    name,
  );
const arnOf = (resource: RecordedResource): string => {
  const physical = String(resource.args.name);
  if (resource.type === 'sst.aws.Function') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`;
  if (resource.type === 'aws.sfn.StateMachine')
    return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${physical}`;
  throw new Error(`no ARN for ${resource.type}`);
};

/** Every Lambda ARN a definition's Task states call, and every machine its startExecution states start. */
const referencesOf = (definition: Json): { invokes: string[]; starts: string[] } => {
  const tasks = allStates(definition).filter(([, s]) => s.Type === 'Task');
  return {
    invokes: [
      ...new Set(tasks.map(([, s]) => String(s.Resource)).filter((r) => r.startsWith('arn:aws:lambda:'))),
    ].sort(),
    starts: [
      ...new Set(
        tasks
          .filter(([, s]) => String(s.Resource).startsWith('arn:aws:states:::states:startExecution'))
          .map(([, s]) => String((s.Parameters as Json).StateMachineArn)),
      ),
    ].sort(),
  };
};

/** Replaces our ARNs by `lambda:<fn>` / `machine:<name>`, so deployed and local definitions compare. */
const normalizeArns = (value: unknown, prefixes: { lambda: string; machine: string }): unknown => {
  if (typeof value === 'string') {
    if (value.startsWith(prefixes.lambda)) return `lambda:${value.slice(prefixes.lambda.length)}`;
    if (value.startsWith(prefixes.machine)) return `machine:${value.slice(prefixes.machine.length)}`;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => normalizeArns(v, prefixes));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeArns(v, prefixes)]));
  }
  return value;
};

/** The definition the local runner executes for a machine (aws-local-stepfunctions is mocked above). */
const localDefinition = async (machine: string): Promise<unknown> => {
  local.definitions.length = 0;
  await expect(runStateMachine(machine as LocalMachineName, {}, {} as TaskDeps)).rejects.toThrow(
    'definition captured',
  );
  expect(local.definitions, `the local runner cannot run ${machine}`).toHaveLength(1);
  return local.definitions[0];
};

const DOCUMENTED_WILDCARDS: Record<string, string[]> = {
  // X-Ray: no resource-level permissions for these actions.
  Tracing: [
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'xray:PutTelemetryRecords',
    'xray:PutTraceSegments',
  ],
  // Step Functions log delivery: CloudWatch Logs' vended-log actions accept only "*".
  LogDelivery: [
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:GetLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:UpdateLogDelivery',
  ],
  // VPC Lambdas: only DescribeNetworkInterfaces accepts no resource (docs/facts/vpc.md).
  VpcDescribeNetworkInterfaces: ['ec2:DescribeNetworkInterfaces'],
};

// ---------------------------------------------------------------- Lambdas and their IAM

describe('Deploy: Lambdas', () => {
  it('deploys one Lambda per handler of a registered machine: nodejs22.x on arm64, minified ESM, active tracing', () => {
    // Prepare
    const handlers = readdirSync(new URL('../../../functions/handlers', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();

    // Assess
    expect(allFunctions()).toEqual(handlers);
    expect(
      lambdas(production)
        .map((l) => String(l.args.handler))
        .sort(),
    ).toEqual(handlers.map((h) => `functions/handlers/${h}.handler`));
    for (const fn of lambdas(production)) {
      expect(fn.args).toMatchObject({ runtime: 'nodejs22.x', architecture: 'arm64' });
      // SST reads an absent `minify` as false (docs/FACTS.md sst.minify-default).
      expect(fn.args.nodejs).toEqual({ format: 'esm', minify: true });
      const lambdaArgs: Json = {};
      (fn.rawArgs.transform as { function: (args: Json) => void }).function(lambdaArgs);
      expect(lambdaArgs.tracingConfig).toEqual({ mode: 'Active' });
    }
  });

  it('gives every Lambda its own role, and the role only the actions derived from its code', () => {
    // Act
    const granted = Object.fromEntries(
      allFunctions().map((fn) => {
        const statements = statementsOf(production, roleNameOf(lambdaNamed(production, fn).args.role));
        const actions = statements
          .filter((s) => String(s.Sid).startsWith('Derived'))
          .flatMap((s) => s.Action as string[])
          .sort();
        return [fn, actions];
      }),
    );

    // Assess
    const roles = lambdas(production).map((l) => l.args.role);
    expect(new Set(roles).size).toBe(roles.length);
    expect(granted).toEqual(
      Object.fromEntries(Object.entries(derived).map(([fn, p]) => [fn, [...p.actions]])),
    );
  });

  it('scopes every derived action to our resources: configured clusters, their EKS clusters, the ledger, the topic and its key', () => {
    // Prepare
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${
      one(
        production.fake.of('aws.dynamodb.Table').filter((t) => String(t.args.name).endsWith('-ledger')),
        'ledger',
      ).args.name
    }`;
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:${one(production.fake.of('aws.sns.Topic'), 'topic').args.name}`;
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444`;
    const expected: Record<string, string[]> = {
      sagemaker: CLUSTERS.map((c) => c.arn).sort(),
      eks: CLUSTERS.map((c) => `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${c.eksClusterName}`).sort(),
      dynamodb: [table],
      sns: [topic],
      kms: [key],
    };

    // Assess: every statement of every Lambda role, nothing more.
    for (const fn of allFunctions()) {
      const lambda = lambdaNamed(production, fn);
      const roleName = roleNameOf(lambda.args.role);
      const permissions = derived[fn]!;
      const services = [...new Set(permissions.actions.map((a) => a.split(':')[0]!))].sort();
      const capitalized = (service: string) => `${service.charAt(0).toUpperCase()}${service.slice(1)}`;
      expect(policiesOf(production, roleName), fn).toHaveLength(1);
      expect(statementsOf(production, roleName), fn).toEqual([
        {
          Sid: 'OwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${lambda.args.name}:*`],
        },
        {
          Sid: 'Tracing',
          Effect: 'Allow',
          Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
          Resource: ['*'],
        },
        {
          Sid: 'ConfigStoreRead',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/hpr-production-config`],
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['app-config'] } },
        },
        ...services.map((service) => ({
          Sid: `Derived${capitalized(service)}`,
          Effect: 'Allow',
          Action: permissions.actions.filter((a) => a.startsWith(`${service}:`)),
          // The sweep queries the ledger's two indexes; no other Lambda may.
          Resource:
            service === 'dynamodb' && permissions.ports.includes('Ledger.listOpenIncidents')
              ? [table, `${table}/index/open-incidents`, `${table}/index/incidents-by-start`]
              : expected[service],
        })),
        ...(services.includes('sns')
          ? [
              {
                Sid: 'TopicKey',
                Effect: 'Allow',
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: expected.kms,
              },
            ]
          : []),
        ...(permissions.kubernetes
          ? [
              {
                Sid: 'VpcDescribeNetworkInterfaces',
                Effect: 'Allow',
                Action: DOCUMENTED_WILDCARDS.VpcDescribeNetworkInterfaces,
                Resource: ['*'],
              },
              {
                // The resource types of the EC2 Service Authorization Reference (docs/facts/vpc.md
                // vpc.eni-resource-types): "network-interface*", "subnet*", "security-group".
                Sid: 'VpcCreateNetworkInterface',
                Effect: 'Allow',
                Action: ['ec2:CreateNetworkInterface'],
                Resource: [
                  `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/*`,
                  `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-0123456789abcdef0`,
                  `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
                ],
              },
              {
                Sid: 'VpcManageNetworkInterfaces',
                Effect: 'Allow',
                Action: [
                  'ec2:AssignPrivateIpAddresses',
                  'ec2:DeleteNetworkInterface',
                  'ec2:UnassignPrivateIpAddresses',
                ],
                Resource: [`arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/*`],
              },
            ]
          : []),
      ]);
    }
    // No managed policy anywhere: every grant is one of the inline policies checked here.
    expect(production.fake.of('aws.iam.RolePolicyAttachment')).toEqual([]);
    for (const role of production.fake.of('aws.iam.Role'))
      expect(role.args.managedPolicyArns).toBeUndefined();
  });

  it('sizes each Lambda: its timeout is the longest TimeoutSeconds of the Task states calling it', () => {
    // Prepare
    const longest = new Map<string, number>();
    for (const machine of production.fake.of('aws.sfn.StateMachine')) {
      for (const [, state] of allStates(JSON.parse(String(machine.args.definition)))) {
        if (state.Type !== 'Task' || !String(state.Resource).startsWith('arn:aws:lambda:')) continue;
        const fn = String(state.Resource).split(':function:hpr-production-')[1]!;
        longest.set(fn, Math.max(longest.get(fn) ?? 0, Number(state.TimeoutSeconds)));
      }
    }

    // Assess
    for (const fn of allFunctions()) {
      const lambda = lambdaNamed(production, fn);
      expect(lambda.args.timeout, fn).toBe(`${longest.get(fn)} seconds`);
      expect(String(lambda.args.memory)).toMatch(/^(256|512|1024|1536|2048) MB$/);
    }
  });

  it('writes each Lambda to its own log group with the configured retention', () => {
    // Assess
    for (const fn of lambdas(production)) {
      const group = one(
        production.fake
          .of('aws.cloudwatch.LogGroup')
          .filter((g) => g.args.name === (fn.args.logging as Json).logGroup),
        String(fn.args.name),
      );
      expect(group.args).toEqual({
        name: `/aws/lambda/${fn.args.name}`,
        retentionInDays: 30,
        kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444`,
      });
    }
  });

  it('encrypts every log group with a rotated key of ours that CloudWatch Logs of the region may use for those log groups only', () => {
    // Prepare
    const groups = production.fake.of('aws.cloudwatch.LogGroup');
    const key = one(
      production.fake.of('aws.kms.Key').filter((k) => String(k.args.description).includes('log groups')),
      'logs key',
    );
    const policy = JSON.parse(String(key.args.policy));

    // Assess
    expect(groups.length).toBe(allFunctions().length + MACHINES.length);
    for (const group of groups) expect(group.args.kmsKeyId, String(group.args.name)).toMatch(/^arn:aws:kms:/);
    expect(key.args.enableKeyRotation).toBe(true);
    // The statement of "Encrypt log data in CloudWatch Logs using AWS KMS" (docs/facts/logs.md
    // logs.kms-key-policy): the regional service principal, these actions, the log-group ARN condition.
    expect(policy.Statement[1]).toEqual({
      Sid: 'CloudWatchLogsEncrypt',
      Effect: 'Allow',
      Principal: { Service: `logs.${REGION}.amazonaws.com` },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': groups
            .map((g) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${g.args.name}`)
            .sort(),
        },
      },
    });
    expect(policy.Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it('puts the Lambdas that call Kubernetes into the configured VPC, and only those', () => {
    // Assess
    for (const fn of allFunctions()) {
      const lambda = lambdaNamed(production, fn);
      expect(lambda.args.vpc, fn).toEqual(
        derived[fn]?.kubernetes
          ? { privateSubnets: VPC.subnetIds, securityGroups: VPC.securityGroupIds }
          : undefined,
      );
      expect(lambdaNamed(dev, fn).args.vpc).toBeUndefined();
    }
  });

  it("writes the validated app config as the config store's first version, with observe forced outside production", () => {
    // Act
    const environmentOf = (run: ConfigRun) =>
      lambdaNamed(run, 'admit-incident').args.environment as Record<string, string>;
    const runtime = (run: ConfigRun) => loadRuntimeConfig({ ...environmentOf(run), AWS_REGION: REGION });
    const firstVersion = (run: ConfigRun) => {
      const item = one(
        run.fake.of('aws.dynamodb.TableItem').filter((i) => i.name === 'ConfigStoreCurrent'),
        'config item',
      );
      return parseEnvelope(unmarshall(JSON.parse(String(item.args.item))).value);
    };

    // Assess
    expect(firstVersion(production).config).toEqual(parseAppConfig(DEPLOY_CONFIG.app));
    expect(firstVersion(production)).toMatchObject({ version: 1, mode: 'act', updatedBy: 'deploy' });
    expect(firstVersion(dev).mode).toBe('observe');
    expect(dev.outputs).toMatchObject({ mode: 'observe', observeForced: true });
    expect(production.outputs).toMatchObject({ mode: 'act', observeForced: false });
    expect(environmentOf(production)).not.toHaveProperty('HPR_CONFIG');
    expect(runtime(production).configTable).toBe(
      one(
        production.fake.of('aws.dynamodb.Table').filter((t) => String(t.args.name).endsWith('-config')),
        'config table',
      ).args.name,
    );
    expect(runtime(production).ledgerTable).toBe(
      one(
        production.fake.of('aws.dynamodb.Table').filter((t) => String(t.args.name).endsWith('-ledger')),
        'ledger',
      ).args.name,
    );
  });

  it('lets every Lambda read the config item in force and nothing else of the config table', () => {
    // Assess
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/hpr-production-config`;
    for (const fn of allFunctions()) {
      const roleName = roleNameOf(lambdaNamed(production, fn).args.role);
      const onConfig = statementsOf(production, roleName).filter((s) =>
        (s.Resource as string[]).includes(table),
      );
      expect(onConfig, fn).toEqual([
        {
          Sid: 'ConfigStoreRead',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: [table],
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['app-config'] } },
        },
      ]);
    }
  });
});

// ---------------------------------------------------------------- Kubernetes access

describe('Deploy: Kubernetes access', () => {
  it('maps exactly the roles of the Lambdas that call the Kubernetes API, each to its own Kubernetes group, on every cluster', () => {
    // Prepare
    const kubernetes = Object.entries(derived)
      .filter(([, p]) => p.kubernetes)
      .map(([fn]) => fn);

    // Act
    const entries = production.fake.of('aws.eks.AccessEntry').map((e) => ({
      cluster: e.args.clusterName,
      principal: e.args.principalArn,
      groups: e.args.kubernetesGroups,
      type: e.args.type,
    }));

    // Assess
    expect(entries).toHaveLength(kubernetes.length * CLUSTERS.length);
    for (const cluster of CLUSTERS) {
      for (const fn of kubernetes) {
        const role = lambdaNamed(production, fn).args.role;
        expect(entries).toContainEqual({
          cluster: cluster.eksClusterName,
          principal: role,
          groups: [kubeGroupOf(fn)],
          type: 'STANDARD',
        });
      }
    }
  });
});

// ---------------------------------------------------------------- state machines

describe('Deploy: state machines', () => {
  it('deploys every registered machine with the definition the local runner executes', async () => {
    // Assess
    for (const machine of MACHINES) {
      const deployed = JSON.parse(String(machineNamed(production, machine.name).args.definition));
      const executed = await localDefinition(machine.name);
      expect(
        normalizeArns(deployed, {
          lambda: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:hpr-production-`,
          machine: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:hpr-production-`,
        }),
        machine.name,
      ).toEqual(
        normalizeArns(executed, {
          lambda: 'arn:aws:lambda:us-west-2:000000000000:function:hpr-local-',
          machine: 'arn:aws:states:us-west-2:000000000000:stateMachine:hpr-local-',
        }),
      );
    }
    // The first runStateMachine call imports the local runner and the ASL validator: over 5 s on a
    // loaded 2-core machine (seen in CI-like runs), so this test has a wider limit than the project's.
  }, 30_000);

  it('lets each machine role invoke only the Lambdas its definition calls and start only the machines it starts', () => {
    // Assess
    for (const machine of production.fake.of('aws.sfn.StateMachine')) {
      const { invokes, starts } = referencesOf(JSON.parse(String(machine.args.definition)));
      const roleName = roleNameOf(machine.args.roleArn);
      const statements = statementsOf(production, roleName).filter((s) => !s.Resource.includes('*'));
      expect(statements, String(machine.args.name)).toEqual([
        { Sid: 'InvokeOwnTasks', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: invokes },
        ...(starts.length
          ? [
              {
                Sid: 'StartOwnMachines',
                Effect: 'Allow',
                Action: ['states:StartExecution'],
                Resource: starts,
              },
            ]
          : []),
      ]);
      for (const arn of [...invokes, ...starts]) {
        const deployed = [...lambdas(production), ...production.fake.of('aws.sfn.StateMachine')].map((r) =>
          arnOf(r),
        );
        expect(deployed, `${machine.args.name} references ${arn}`).toContain(arn);
      }
      expect(trustOf(production, roleName).Statement[0].Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnEquals: { 'aws:SourceArn': arnOf(machine) },
      });
    }
    // The sweep starts node-recovery (findings) and health-check (idle nodes), nothing else.
    const sweep = referencesOf(JSON.parse(String(machineNamed(production, 'health-sweep').args.definition)));
    expect(sweep.starts).toEqual([
      arnOf(machineNamed(production, 'health-check')),
      arnOf(machineNamed(production, 'node-recovery')),
    ]);
  });

  it('logs every execution to a log group with retention, and traces it', () => {
    // Assess
    for (const machine of production.fake.of('aws.sfn.StateMachine')) {
      const logging = machine.args.loggingConfiguration as Json;
      const group = one(
        production.fake
          .of('aws.cloudwatch.LogGroup')
          .filter(
            (g) => logging.logDestination === `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${g.args.name}:*`,
          ),
        String(machine.args.name),
      );
      expect(group.args.retentionInDays).toBe(30);
      expect(logging).toMatchObject({ level: 'ALL', includeExecutionData: true });
      expect(machine.args).toMatchObject({ type: 'STANDARD', tracingConfiguration: { enabled: true } });
      expect(machine.dependsOn.map((d) => d.type)).toContain('aws.iam.RolePolicy');
    }
  });
});

// ---------------------------------------------------------------- rules and schedule

describe('Deploy: rules and schedule', () => {
  const targetOf = (run: ConfigRun, rule: RecordedResource) =>
    one(
      run.fake.of('aws.cloudwatch.EventTarget').filter((t) => t.args.rule === rule.args.name),
      String(rule.args.name),
    );

  it('creates every rule of events/rules.ts with its pattern, targeting the machine it names', () => {
    // Prepare
    const rules = buildRules(parseAppConfig(DEPLOY_CONFIG.app));

    // Assess
    expect(production.fake.of('aws.cloudwatch.EventRule').filter((r) => r.args.eventPattern)).toHaveLength(
      rules.length,
    );
    for (const rule of rules) {
      const deployed = one(
        production.fake
          .of('aws.cloudwatch.EventRule')
          .filter(
            (r) =>
              r.args.eventPattern &&
              JSON.stringify(JSON.parse(String(r.args.eventPattern))) === JSON.stringify(rule.pattern),
          ),
        rule.name,
      );
      expect(targetOf(production, deployed).args.arn).toBe(arnOf(machineNamed(production, rule.target)));
    }
  });

  it('starts the health sweep on the configured rate', () => {
    // Act
    const schedule = one(
      production.fake.of('aws.cloudwatch.EventRule').filter((r) => r.args.scheduleExpression),
      'schedule',
    );

    // Assess
    expect(schedule.args.scheduleExpression).toBe(sweepScheduleExpression(10));
    expect(targetOf(production, schedule).args.arn).toBe(arnOf(machineNamed(production, 'health-sweep')));
  });

  it('gives every target a retry policy, the dead-letter queue, and a role that may start only that target', () => {
    // Prepare
    const queue = one(production.fake.of('aws.sqs.Queue'), 'dead letters');
    const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue.args.name}`;
    const queuePolicy = JSON.parse(
      String(one(production.fake.of('aws.sqs.QueuePolicy'), 'queue policy').args.policy),
    );
    const ruleArns = production.fake
      .of('aws.cloudwatch.EventRule')
      .map((r) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${r.args.name}`)
      .sort();

    // Assess
    expect(queue.args).toMatchObject({ sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 });
    expect(queuePolicy.Statement).toEqual([
      {
        Sid: 'OurRulesOnly',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': expect.arrayContaining(ruleArns) } },
      },
    ]);
    for (const rule of production.fake.of('aws.cloudwatch.EventRule')) {
      const target = targetOf(production, rule);
      expect(target.args.deadLetterConfig).toEqual({ arn: queueArn });
      expect(target.args.retryPolicy).toMatchObject({ maximumRetryAttempts: expect.any(Number) });
      const roleName = roleNameOf(target.args.roleArn);
      expect(statementsOf(production, roleName)).toEqual([
        {
          Sid: 'StartTarget',
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: [target.args.arn],
        },
      ]);
      expect(trustOf(production, roleName).Statement[0].Condition.ArnEquals['aws:SourceArn']).toContain(
        `arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule.args.name}`,
      );
    }
  });
});

// ---------------------------------------------------------------- data, notifications, observability

describe('Deploy: ledger, topic, dashboard and alarms', () => {
  it('creates the ledger with TTL and point-in-time recovery, retained and protected in production', () => {
    // Assess
    const table = one(
      production.fake.of('aws.dynamodb.Table').filter((t) => String(t.args.name).endsWith('-ledger')),
      'ledger',
    ).args;
    expect(table).toMatchObject({
      billingMode: 'PAY_PER_REQUEST',
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    expect(
      one(
        dev.fake.of('aws.dynamodb.Table').filter((t) => String(t.args.name).endsWith('-ledger')),
        'ledger',
      ).args.deletionProtectionEnabled,
    ).toBe(false);
    expect(production.app).toMatchObject({ removal: 'retain', protect: true });
    expect(dev.app).toMatchObject({ removal: 'remove', protect: false });
  });

  it('encrypts the topic with a rotated key CloudWatch may use, and subscribes the configured e-mails', () => {
    // Assess
    const key = one(
      production.fake.of('aws.kms.Key').filter((k) => String(k.args.description).includes('notification')),
      'key',
    );
    expect(key.args.enableKeyRotation).toBe(true);
    expect(one(production.fake.of('aws.sns.Topic'), 'topic').args.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    const keyPolicy = JSON.parse(String(key.args.policy));
    expect(keyPolicy.Statement.map((s: Json) => s.Principal)).toEqual([
      { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      { Service: 'cloudwatch.amazonaws.com' },
    ]);
    expect(
      production.fake.of('aws.sns.TopicSubscription').map((s) => [s.args.protocol, s.args.endpoint]),
    ).toEqual([
      ['email', 'oncall@example.com'],
      ['email', 'ml-platform@example.com'],
    ]);
  });

  it('alarms on failed executions of every machine, a tripped breaker, a detector disagreement, overdue incidents and Kubernetes identity drift of every cluster, lost events', () => {
    // Act
    const alarms = production.fake.of('aws.cloudwatch.MetricAlarm');
    const names = alarms.map((a) => String(a.args.name)).sort();

    // Assess
    expect(names).toEqual(
      [
        ...MACHINES.map((m) => `hyperpod-resilience-production-${m.name}-executions-failed`),
        ...CLUSTERS.flatMap((c) => [
          `hyperpod-resilience-production-${c.name}-breaker-tripped`,
          `hyperpod-resilience-production-${c.name}-detector-disagreement`,
          `hyperpod-resilience-production-${c.name}-incident-overdue`,
          `hyperpod-resilience-production-${c.name}-kubernetes-identity-drift`,
        ]),
        'hyperpod-resilience-production-rule-dead-letters',
      ].sort(),
    );
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:${one(production.fake.of('aws.sns.Topic'), 'topic').args.name}`;
    for (const alarm of alarms) expect(alarm.args.alarmActions).toEqual([topic]);
    const breaker = one(
      alarms.filter((a) => String(a.args.name).endsWith('ml-cluster-breaker-tripped')),
      'breaker',
    );
    expect(breaker.args).toMatchObject({
      namespace: 'HyperPodResilience',
      metricName: 'CircuitBreakerTripped',
      dimensions: { service: 'hyperpod-resilience', clusterName: 'ml-cluster' },
    });
    const disagreement = one(
      alarms.filter((a) => String(a.args.name).endsWith('ml-cluster-detector-disagreement')),
      'detector disagreement',
    );
    expect(disagreement.args).toMatchObject({
      namespace: 'HyperPodResilience',
      metricName: 'DetectorDisagreement',
      dimensions: { service: 'hyperpod-resilience', clusterName: 'ml-cluster' },
      threshold: 1,
    });
  });

  it('names its own alarms so that no deployed rule starts node-recovery when one of them fires', () => {
    // Prepare
    const sample = JSON.parse(
      readFileSync(
        new URL('../../../events/samples/aws.cloudwatch/alarm-gpu-pending-replacement.json', import.meta.url),
        'utf8',
      ),
    );
    const patterns = production.fake
      .of('aws.cloudwatch.EventRule')
      .filter((r) => r.args.eventPattern)
      .map((r) => JSON.parse(String(r.args.eventPattern)));

    // Act
    const matching = production.fake.of('aws.cloudwatch.MetricAlarm').flatMap((alarm) => {
      const event = structuredClone(sample);
      event.detail.alarmName = alarm.args.name;
      event.resources = [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm.args.name}`];
      if (event.detail.alarmTags) event.detail.alarmTags = {};
      return patterns.some((p) => matchesPattern(p, event)) ? [alarm.args.name] : [];
    });

    // Assess: the sample itself does start node-recovery, our alarms do not.
    expect(patterns.some((p) => matchesPattern(p, sample))).toBe(true);
    expect(matching).toEqual([]);
  });

  it('charts incidents, actions by type, skips by reason, the breaker and the times to quarantine, suspend and resume', () => {
    // Prepare
    const body = JSON.parse(
      String(one(production.fake.of('aws.cloudwatch.Dashboard'), 'dashboard').args.dashboardBody),
    );
    const titles = body.widgets.map((w: Json) => w.properties.title).filter(Boolean);
    const text = JSON.stringify(body);

    // Assess
    expect(titles).toEqual(
      expect.arrayContaining([
        'Incidents',
        'Actions by type',
        'Skips by reason',
        'Circuit breaker trips by cluster',
        'Time from trigger to quarantine, suspension, resumption (ms)',
        'Executions',
        'Alarms',
      ]),
    );
    for (const metric of [
      ...LATENCY_METRICS,
      ...Object.keys(COUNTERS).filter((m) => m !== 'SweepStaleState'),
    ]) {
      expect(text, metric).toContain(metric);
    }
  });

  it('charts and alarms only on metrics the tasks emit', () => {
    // Prepare
    const tasksDir = new URL('../../../functions/tasks/', import.meta.url);
    const source = readdirSync(tasksDir)
      .map((f) => readFileSync(new URL(f, tasksDir), 'utf8'))
      .join('\n');
    const emitted = new Set(
      [...source.matchAll(/metrics\.count\(\s*'([A-Za-z]+)'|countLatency\([^)]*'([A-Za-z]+)'\)/g)].map(
        (m) => m[1] ?? m[2],
      ),
    );
    // admit-incident picks the name with a conditional expression.
    for (const m of source.matchAll(/'(RemediationSkipped|IncidentAdmitted)'/g)) emitted.add(m[1]);

    // Assess
    for (const metric of [...LATENCY_METRICS, ...Object.keys(COUNTERS)])
      expect(emitted, metric).toContain(metric);
  });
});

// ---------------------------------------------------------------- configuration errors

describe('Deploy: configuration', () => {
  it('fails before creating anything when the config is invalid, listing every problem by path', async () => {
    // Act
    const attempt = runSstConfig(
      {
        app: { clusters: [{ name: 'ml', arn: 'not-an-arn', eksClusterName: 'ml-eks' }] },
        logRetentionDays: 2,
      },
      'dev',
    );

    // Assess
    await expect(attempt).rejects.toThrow(
      /invalid deploy configuration:\n {2}- app\.clusters\.0\.arn: .*\n {2}- logRetentionDays/,
    );
  });

  it('refuses clusters outside the account and region it deploys to', async () => {
    // Act
    const attempt = runSstConfig(
      {
        app: {
          clusters: [{ ...CLUSTERS[0], arn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:cluster/abcdef123456` }],
        },
      },
      'dev',
    );

    // Assess
    await expect(attempt).rejects.toThrow(/is not in 123456789012\/us-west-2/);
  });

  it('refuses an allowlist that names one of our own alarms, which would start node-recovery', async () => {
    // Act
    const attempt = runSstConfig(
      {
        ...DEPLOY_CONFIG,
        app: {
          ...DEPLOY_CONFIG.app,
          alarms: {
            allow: [
              {
                name: 'hyperpod-resilience-dev-node-recovery-executions-failed',
                cluster: 'ml-cluster',
                meaning: 'fatal',
                maxAction: 'replace',
              },
            ],
          },
        },
      },
      'dev',
    );

    // Assess
    await expect(attempt).rejects.toThrow(
      /alarms\.allow lists our own alarm hyperpod-resilience-dev-node-recovery-executions-failed/,
    );
  });

  it('ships no handler without a test-visible entry and no file for the config by default', () => {
    // Assess
    expect(existsSync(new URL('../../../hyperpod-resilience.config.json', import.meta.url))).toBe(false);
  });
});

// ---------------------------------------------------------------- config store and operator role

describe('Deploy: config store and operator role', () => {
  const fifty = Array.from({ length: 50 }, (_, i) => ({
    name: `cluster-${i + 1}`,
    arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/${String(i + 1).padStart(12, 'c')}`,
    eksClusterName: `eks-${i + 1}`,
  }));
  const OPERATORS = [`arn:aws:iam::${ACCOUNT}:role/platform-oncall`, 'arn:aws:iam::444455556666:root'];
  let large: ConfigRun;

  beforeAll(async () => {
    large = await runSstConfig(
      {
        ...DEPLOY_CONFIG,
        // The allowlisted alarms name the sample cluster, which the fifty replace.
        app: { ...DEPLOY_CONFIG.app, clusters: fifty, alarms: { allow: [] } },
        operators: { principals: OPERATORS },
      },
      'production',
    );
  }, 120_000);

  it('deploys a configuration of 50 clusters: written whole into the config store, nothing of it in the Lambda environment', () => {
    // Act
    const item = one(
      large.fake.of('aws.dynamodb.TableItem').filter((i) => i.name === 'ConfigStoreCurrent'),
      'config item',
    );
    const stored = parseEnvelope(unmarshall(JSON.parse(String(item.args.item))).value);
    const environment = lambdaNamed(large, 'admit-incident').args.environment as Record<string, string>;

    // Assess
    expect(stored.config.clusters).toHaveLength(50);
    expect(JSON.stringify(stored.config).length).toBeGreaterThan(4096);
    expect(JSON.stringify(environment).length).toBeLessThan(1024);
    expect(environment).toMatchObject({
      HPR_CONFIG_TABLE: 'hpr-production-config',
      HPR_CONFIG_MAX_AGE_SECONDS: '30',
    });
  });

  it('creates no operator role unless principals are configured', () => {
    expect(
      production.fake.of('aws.iam.Role').filter((r) => String(r.args.name).endsWith('-operator')),
    ).toEqual([]);
  });

  it('lets only the configured principals assume the operator role, which may write config versions and the guard items of our clusters only', () => {
    // Act
    const trust = trustOf(large, 'hpr-production-operator');
    const statements = statementsOf(large, 'hpr-production-operator');

    // Assess
    expect(trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: [...OPERATORS].sort() }, Action: 'sts:AssumeRole' },
    ]);
    expect(statements).toEqual([
      {
        Sid: 'ConfigStoreVersions',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/hpr-production-config`],
      },
      {
        Sid: 'LedgerClusterGuards',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/hpr-production-ledger`],
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': fifty.map((c) => `CLUSTER#${c.name}`).sort(),
          },
        },
      },
    ]);
    expect(large.outputs).toMatchObject({
      operatorRoleArn: `arn:aws:iam::${ACCOUNT}:role/hpr-production-operator`,
    });
  });
});
