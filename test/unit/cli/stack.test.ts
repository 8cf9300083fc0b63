import { describe, expect, it } from 'vitest';
import { resolveDeployConfig } from '#deploy/deploy-config.ts';
import { planDeployment } from '#deploy/deploy-plan.ts';
import {
  InvalidStageError,
  ledgerTableOf,
  MissingAccountError,
  MissingRegionError,
  MissingStageError,
  resolveAccount,
  resolveRegion,
  stateMachineArnOf,
} from '#local/cli/stack.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef012345',
  eksClusterName: 'ml-eks',
};
const WHERE = async () => ({ region: 'us-west-2', account: '111122223333' });
const noProfile = async () => undefined;

describe('Function: ledgerTableOf', () => {
  it('names the ledger table of a stage hpr-<stage>-ledger', () => {
    expect(ledgerTableOf({ stage: 'prod' })).toBe('hpr-prod-ledger');
  });

  it('lets --table override the stage', () => {
    expect(ledgerTableOf({ stage: 'prod', table: 'my-ledger' })).toBe('my-ledger');
  });

  it.each([
    { case: 'upper case', stage: 'Prod' },
    { case: 'leading hyphen', stage: '-prod' },
    { case: 'underscore', stage: 'my_stage' },
    { case: '31 characters', stage: 'a'.repeat(31) },
    { case: 'a space', stage: ' ' },
  ])('refuses a stage the deploy refuses ($case)', ({ stage }) => {
    // Act
    const error = (() => {
      try {
        return ledgerTableOf({ stage });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(InvalidStageError);
  });

  it('says --stage is required when neither a stage nor a table is given', () => {
    expect(() => ledgerTableOf({})).toThrow(MissingStageError);
  });
});

describe('Function: stateMachineArnOf', () => {
  it('builds the ARN of the stage machine from the region and account', async () => {
    // Act
    const arn = await stateMachineArnOf({ stage: 'prod' }, 'node-recovery', WHERE);

    // Assess
    expect(arn).toBe('arn:aws:states:us-west-2:111122223333:stateMachine:hpr-prod-node-recovery');
  });

  it('uses the partition of the region', async () => {
    // Act
    const arn = await stateMachineArnOf({ stage: 'prod' }, 'job-resume', async () => ({
      region: 'cn-north-1',
      account: '111122223333',
    }));

    // Assess
    expect(arn).toBe('arn:aws-cn:states:cn-north-1:111122223333:stateMachine:hpr-prod-job-resume');
  });

  it('takes --state-machine as is and asks for no region or account', async () => {
    // Prepare
    let asked = false;

    // Act
    const arn = await stateMachineArnOf({ stateMachine: 'arn:aws:states:x' }, 'health-check', async () => {
      asked = true;
      return WHERE();
    });

    // Assess
    expect(arn).toBe('arn:aws:states:x');
    expect(asked).toBe(false);
  });

  it('checks the stage before asking for region and account', async () => {
    // Prepare
    let asked = false;

    // Act
    const error = await stateMachineArnOf({ stage: 'BAD' }, 'node-recovery', async () => {
      asked = true;
      return WHERE();
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidStageError);
    expect(asked).toBe(false);
  });

  it('names exactly the resources the deploy creates for the stage', async () => {
    // Prepare
    const plan = planDeployment(resolveDeployConfig({ app: { clusters: [CLUSTER] } }, 'staging'), {
      stage: 'staging',
      region: 'us-west-2',
      account: '111122223333',
      partition: 'aws',
    });

    // Act
    const machines = await Promise.all(
      (['node-recovery', 'health-check', 'job-resume'] as const).map((m) =>
        stateMachineArnOf({ stage: 'staging' }, m, WHERE),
      ),
    );

    // Assess
    expect(ledgerTableOf({ stage: 'staging' })).toBe(plan.ledger.tableName);
    expect(machines).toEqual(
      ['node-recovery', 'health-check', 'job-resume'].map(
        (m) => plan.machines.find((p) => p.name === m)?.arn,
      ),
    );
  });
});

describe('Function: resolveRegion', () => {
  it.each([
    { case: '--region first', flag: 'eu-west-1', env: { AWS_REGION: 'us-east-1' }, want: 'eu-west-1' },
    {
      case: 'AWS_REGION before AWS_DEFAULT_REGION',
      flag: undefined,
      env: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-2' },
      want: 'us-east-1',
    },
    {
      case: 'AWS_DEFAULT_REGION',
      flag: undefined,
      env: { AWS_DEFAULT_REGION: 'us-east-2' },
      want: 'us-east-2',
    },
  ])('resolves the region ($case)', async ({ flag, env, want }) => {
    expect(await resolveRegion(flag, env, async () => 'ap-south-1')).toBe(want);
  });

  it('falls back to the region the SDK resolves from the profile', async () => {
    expect(await resolveRegion(undefined, {}, async () => 'ap-south-1')).toBe('ap-south-1');
  });

  it('fails with MissingRegionError when nothing names a region', async () => {
    // Act
    const error = await resolveRegion(undefined, {}, async () => {
      throw new Error('Region is missing');
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MissingRegionError);
    expect(await resolveRegion(undefined, {}, noProfile).catch((e: unknown) => e)).toBeInstanceOf(
      MissingRegionError,
    );
  });
});

describe('Function: resolveAccount', () => {
  it('takes --account before the credentials', async () => {
    expect(await resolveAccount('111122223333', async () => ({ accountId: '444455556666' }))).toBe(
      '111122223333',
    );
  });

  it('takes the account the credentials name', async () => {
    expect(await resolveAccount(undefined, async () => ({ accountId: '444455556666' }))).toBe('444455556666');
  });

  it('fails with MissingAccountError when the credentials name no account', async () => {
    expect(await resolveAccount(undefined, async () => ({})).catch((e: unknown) => e)).toBeInstanceOf(
      MissingAccountError,
    );
  });

  it('refuses an account id that is not 12 digits', async () => {
    await expect(resolveAccount('1234', async () => ({}))).rejects.toThrow('expected 12 digits');
  });
});
