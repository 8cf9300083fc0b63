/**
 * Where `hpr` finds a deployed stack: the stage names its resources (the deploy's own naming rule,
 * deploy/plan/names.ts `stackNames`), the region and account come from the caller's
 * AWS configuration. Explicit flags (`--table`, `--state-machine`) override the derived names.
 *
 * Region: `--region`, else AWS_REGION, else AWS_DEFAULT_REGION (the AWS CLI's variable, which the
 * SDK v3 does not read), else the profile's `region` as the SDK resolves it (docs/facts/cli.md
 * cli.region-chain). Account (only to build a state-machine ARN): `--account`, else the
 * `accountId` the SDK's default credential chain reports (cli.account-from-credentials).
 */
import { partitionOf } from '#adapters/eks-token.ts';
import { HyperPodResilienceError } from '#contracts/errors.ts';
import { stackNames, stateMachineArn } from '#deploy/deploy-plan.ts';
import type { MachineEntry } from '#state-machines/registry.ts';

/** A stack the CLI cannot address from its arguments and environment; nothing was called. */
export class StackTargetError extends HyperPodResilienceError {
  constructor(message: string) {
    super(message);
    this.name = 'StackTargetError';
  }
}

export class MissingStageError extends StackTargetError {
  constructor(override: string) {
    super(`--stage is required (or ${override})`);
    this.name = 'MissingStageError';
  }
}

export class InvalidStageError extends StackTargetError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStageError';
  }
}

export class MissingRegionError extends StackTargetError {
  constructor() {
    super('no AWS region: pass --region, or set AWS_REGION (or AWS_DEFAULT_REGION, or a profile region)');
    this.name = 'MissingRegionError';
  }
}

export class MissingAccountError extends StackTargetError {
  constructor() {
    super(
      'no AWS account: the credentials do not name one; pass --account, set AWS_ACCOUNT_ID, or pass --state-machine <arn>',
    );
    this.name = 'MissingAccountError';
  }
}

/** The stage's names; InvalidStageError for a stage the deploy would refuse. */
export const namesOf = (stage: string) => {
  try {
    return stackNames(stage);
  } catch (error) {
    throw new InvalidStageError((error as Error).message);
  }
};

/** The ledger table: `--table`, else the stage's ledger. */
export const ledgerTableOf = (flags: { stage?: string; table?: string }): string => {
  if (flags.table) return flags.table;
  if (!flags.stage) throw new MissingStageError('--table <name>');
  return namesOf(flags.stage).ledgerTableName;
};

/** The config store table: `--config-table`, else the stage's (`hpr-<stage>-config`). */
export const configTableOf = (flags: { stage?: string; table?: string }): string => {
  if (flags.table) return flags.table;
  if (!flags.stage) throw new MissingStageError('--config-table <name>');
  return namesOf(flags.stage).configTableName;
};

/**
 * The region: `--region`, AWS_REGION, AWS_DEFAULT_REGION, then the SDK's own resolution
 * (`fromSdk`: the profile's `region`). MissingRegionError when none has one.
 */
export const resolveRegion = async (
  flag: string | undefined,
  env: Record<string, string | undefined>,
  fromSdk: () => Promise<string | undefined>,
): Promise<string> => {
  const region = flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || (await fromSdk().catch(() => undefined));
  if (!region) throw new MissingRegionError();
  return region;
};

/** The account: `--account`, else the credentials' `accountId`. MissingAccountError otherwise. */
export const resolveAccount = async (
  flag: string | undefined,
  credentials: () => Promise<{ accountId?: string }>,
): Promise<string> => {
  const account = flag || (await credentials()).accountId;
  if (!account) throw new MissingAccountError();
  if (!/^\d{12}$/.test(account)) throw new StackTargetError(`account ${account}: expected 12 digits`);
  return account;
};

/**
 * The ARN of one of the stage's state machines: `--state-machine`, else built from the stage,
 * region and account (the partition follows from the region). `where` is only asked for when
 * the ARN must be built.
 */
export const stateMachineArnOf = async (
  flags: { stage?: string; stateMachine?: string },
  machine: MachineEntry['name'],
  where: () => Promise<{ region: string; account: string }>,
): Promise<string> => {
  if (flags.stateMachine) return flags.stateMachine;
  if (!flags.stage) throw new MissingStageError('--state-machine <arn>');
  const names = namesOf(flags.stage);
  const { region, account } = await where();
  return stateMachineArn(
    { partition: partitionOf(region).partition, region, account },
    names.stateMachineName(machine),
  );
};
