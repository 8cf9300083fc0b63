/**
 * The Lambdas: one per function a machine names, sized (memory) and timed (the longest
 * `TimeoutSeconds` of a Task state calling it), each with a role whose only policy grants the
 * actions derived from its code (deploy/task-iam.ts), scoped to our resources.
 */
import { CONFIG_ITEM_ID } from '#adapters/config-reader.ts';
import { LEDGER_KEY_SCHEMA } from '#adapters/ledger-dynamodb.ts';

/** Ledger port members that query an index, and the index. */
const INDEX_QUERIES: readonly (readonly [string, string])[] = [
  ['Ledger.listOpenIncidents', LEDGER_KEY_SCHEMA.openIncidentsIndex.name],
  ['Ledger.listIncidentsSince', LEDGER_KEY_SCHEMA.incidentsByStartIndex.name],
];

import { MACHINES } from '#state-machines/registry.ts';
import { LAMBDA_NODEJS } from '../lambda-bundle.ts';
import { TASK_IAM } from '../task-iam.ts';
import { checkName, type PlanContext } from './names.ts';
import type { Json, LambdaPlan, PolicyDocument } from './types.ts';

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
export const LAMBDA_MEMORY_MB: Readonly<Record<string, number>> = {
  'admit-incident': 1024,
  'quarantine-node': 1024,
  'suspend-workloads': 1024,
  'sweep-cluster': 1024,
};
export const DEFAULT_MEMORY_MB = 512;

// ---------------------------------------------------------------- ASL walking

/** Every state of a definition, those inside Map item processors and Parallel branches included. */
export const allStates = (definition: Json): [string, Json][] => {
  const states = Object.entries((definition.States ?? {}) as Record<string, Json>);
  return states.flatMap(([name, state]) => {
    const nested: [string, Json][] = [];
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor) nested.push(...allStates(processor));
    for (const branch of (state.Branches ?? []) as Json[]) nested.push(...allStates(branch));
    return [[name, state] as [string, Json], ...nested];
  });
};

// ---------------------------------------------------------------- the Lambdas

export const planFunctions = (context: PlanContext): LambdaPlan[] => {
  const {
    config,
    prefix,
    arn,
    roleArn,
    ledger,
    configStore,
    topic,
    functionNames,
    functionArns,
    definitions,
  } = context;
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

  const clusterArns = config.app.clusters.map((c) => c.arn).sort();
  const eksArns = config.app.clusters.map((c) => arn('eks', `cluster/${c.eksClusterName}`)).sort();

  /** Where each service's actions may act: our resources, and nothing else. */
  const scopeOf = (fn: string, service: string): string[] => {
    switch (service) {
      case 'sagemaker':
        return clusterArns;
      case 'eks':
        return eksArns;
      case 'dynamodb':
        // An index only for the Lambdas that query it (a Query on an index is authorized against
        // the index ARN, not the table's).
        return [
          ledger.arn,
          ...INDEX_QUERIES.filter(([port]) => TASK_IAM[fn]?.ports.includes(port)).map(
            ([, index]) => `${ledger.arn}/index/${index}`,
          ),
        ];
      case 'sns':
        return [topic.arn];
      default:
        throw new Error(
          `${fn} calls ${service}:…, for which the deploy knows no resource scope: add one in deploy/plan/functions.ts`,
        );
    }
  };

  const lambdas: LambdaPlan[] = functionNames.map((fn) => {
    const iam = TASK_IAM[fn];
    if (!iam) {
      throw new Error(`no derived permissions for ${fn}: run \`npx tsx deploy/iam-derivation.ts --write\``);
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
        // Every Lambda reads the live config before each invocation (lambda-handler.ts): one
        // GetItem on the item in force, never the history, never a write.
        {
          Sid: 'ConfigStoreRead',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem'],
          Resource: [configStore.arn],
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CONFIG_ITEM_ID] } },
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
        // Lambda creates the function's network interfaces with its role (docs/facts/vpc.md
        // vpc.lambda-eni-actions): only DescribeNetworkInterfaces accepts no resource and needs
        // "*"; Create is scoped to the configured subnets and security groups and to network
        // interfaces of this account and region, Delete/Assign/Unassign to the latter
        // (vpc.eni-resource-types).
        ...(vpc
          ? [
              {
                Sid: 'VpcDescribeNetworkInterfaces',
                Effect: 'Allow' as const,
                Action: ['ec2:DescribeNetworkInterfaces'],
                Resource: ['*'],
              },
              {
                Sid: 'VpcCreateNetworkInterface',
                Effect: 'Allow' as const,
                Action: ['ec2:CreateNetworkInterface'],
                Resource: [
                  arn('ec2', 'network-interface/*'),
                  ...[...vpc.subnetIds].sort().map((id) => arn('ec2', `subnet/${id}`)),
                  ...[...vpc.securityGroupIds].sort().map((id) => arn('ec2', `security-group/${id}`)),
                ],
              },
              {
                Sid: 'VpcManageNetworkInterfaces',
                Effect: 'Allow' as const,
                Action: [
                  'ec2:AssignPrivateIpAddresses',
                  'ec2:DeleteNetworkInterface',
                  'ec2:UnassignPrivateIpAddresses',
                ],
                Resource: [arn('ec2', 'network-interface/*')],
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

  return lambdas;
};
