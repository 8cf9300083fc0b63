/**
 * Physical names and ARNs of a stage's resources: every name is explicit, so every ARN is known
 * before anything exists. Also the naming rule of the operator CLI (`hpr … --stage`).
 */
import { InvalidInputError } from '#contracts/errors.ts';
import type { ResolvedDeployConfig } from '#deploy/deploy-config.ts';
import { MACHINES, type MachineEntry, machineFunctions } from '#state-machines/registry.ts';
import type { DeployEnvironment, Json } from './types.ts';

/** AWS name limits we rely on. */
export const LIMITS = { lambda: 64, role: 64, rule: 64, stateMachine: 80, queue: 80, topic: 256, table: 255 };

export const checkName = (kind: keyof typeof LIMITS, name: string): string => {
  if (name.length > LIMITS[kind]) {
    throw new Error(
      `${kind} name ${name} has ${name.length} characters (AWS allows ${LIMITS[kind]}): use a shorter stage name`,
    );
  }
  return name;
};

export const STAGE = /^[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * The physical names of a stage's resources: the one naming rule of the deploy (planDeployment)
 * and of the operator CLI (`hpr … --stage`). Throws InvalidInputError for a stage the deploy
 * would refuse.
 *
 * @example
 * stackNames('prod').ledgerTableName; // 'hpr-prod-ledger'
 * stackNames('prod').stateMachineName('node-recovery'); // 'hpr-prod-node-recovery'
 */
export const stackNames = (stage: string) => {
  if (!STAGE.test(stage)) {
    throw new InvalidInputError(`stage ${stage}: use 1-30 lowercase letters, digits or hyphens`);
  }
  const prefix = `hpr-${stage}`;
  return {
    prefix,
    ledgerTableName: checkName('table', `${prefix}-ledger`),
    configTableName: checkName('table', `${prefix}-config`),
    operatorRoleName: checkName('role', `${prefix}-operator`),
    stateMachineName: (machine: MachineEntry['name']) => checkName('stateMachine', `${prefix}-${machine}`),
  };
};

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export const resourceArn = (
  where: Pick<DeployEnvironment, 'partition' | 'region' | 'account'>,
  service: string,
  resource: string,
): string => `arn:${where.partition}:${service}:${where.region}:${where.account}:${resource}`;

/** The ARN of a state machine, given its physical name (stackNames().stateMachineName). */
export const stateMachineArn = (
  where: Pick<DeployEnvironment, 'partition' | 'region' | 'account'>,
  stateMachineName: string,
): string => resourceArn(where, 'states', `stateMachine:${stateMachineName}`);

/** What every part of the plan names: the stage's prefix, ARNs of our resources, the definitions. */
export interface PlanContext {
  config: ResolvedDeployConfig;
  env: DeployEnvironment;
  prefix: string;
  /** `arn:<partition>:<service>:<region>:<account>:<resource>` in the deploy's region and account. */
  arn: (service: string, resource: string) => string;
  roleArn: (roleName: string) => string;
  ledger: { tableName: string; arn: string };
  /** The config store (local/config-store-dynamodb.ts). */
  configStore: { tableName: string; arn: string };
  topic: { topicName: string; arn: string; keyAlias: string };
  queueName: string;
  deadLetterArn: string;
  machineNames: Record<string, string>;
  machineArns: Record<string, string>;
  /** Every Lambda a machine names, sorted. */
  functionNames: string[];
  functionArns: Record<string, string>;
  /** Each machine's ASL with the deployed ARNs. */
  definitions: Record<string, Json>;
}

/** Names, ARNs and definitions of a stage; refuses clusters outside the deploy's account and region. */
export const planContext = (config: ResolvedDeployConfig, env: DeployEnvironment): PlanContext => {
  const names = stackNames(env.stage);
  const { region, account, partition } = env;
  const prefix = names.prefix;
  const arn = (service: string, resource: string) =>
    resourceArn({ partition, region, account }, service, resource);

  // Our clusters must live where we deploy: their events reach this region's default bus only,
  // and the access entries map roles of this account.
  for (const cluster of config.app.clusters) {
    const [, , , clusterRegion, clusterAccount] = cluster.arn.split(':');
    if (clusterRegion !== region || clusterAccount !== account) {
      throw new Error(
        `cluster ${cluster.name} (${cluster.arn}) is not in ${account}/${region}: deploy one stage per account and region`,
      );
    }
  }

  const tableName = names.ledgerTableName;
  const topicName = checkName('topic', `${prefix}-notifications`);
  const queueName = checkName('queue', `${prefix}-rule-dead-letters`);

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
  return {
    config,
    env,
    prefix,
    arn,
    roleArn: (roleName) => `arn:${partition}:iam::${account}:role/${roleName}`,
    ledger: { tableName, arn: arn('dynamodb', `table/${tableName}`) },
    configStore: {
      tableName: names.configTableName,
      arn: arn('dynamodb', `table/${names.configTableName}`),
    },
    topic: { topicName, arn: arn('sns', topicName), keyAlias: `alias/${prefix}-notifications` },
    queueName,
    deadLetterArn: arn('sqs', queueName),
    machineNames,
    machineArns,
    functionNames,
    functionArns,
    definitions,
  };
};

/** A role trust policy: `service` may assume the role (under `condition`). */
export const assume = (service: string, condition?: Json): Json => ({
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
