/**
 * The hpr CLI as a process: what a person sees for bad input, and the commands against a
 * "deployed" stack whose AWS endpoints are local (dynalite for the ledger, a recording stub for
 * Step Functions) through the SDK's service-specific endpoint variables (docs/FACTS.md
 * cli.endpoint-env). Nothing reaches AWS.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger, ledgerTableDefinition } from '#adapters/ledger-dynamodb.ts';
import type { IncidentRecord, Ledger } from '#adapters/ports.ts';
import { incidentReport, incidentTimeline } from '#local/cli/timeline.ts';
import { awsModel } from '#local/simulator/aws-models.ts';
import { validateQueryInput } from '#local/simulator/conformance.ts';

const run = promisify(execFile);
const hpr = new URL('../../local/cli/hpr.mjs', import.meta.url).pathname;

/** The child's AWS environment: local endpoints only, no profile, no instance metadata. */
const awsEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST000000',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
};

const exec = async (args: string[], env?: NodeJS.ProcessEnv) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [hpr, ...args], env ? { env } : {});
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
};

describe('CLI: hpr', () => {
  it('says what is wrong with an invalid scenario and exits 2 without starting anything', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'hpr-cli-'));
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        cluster: { instanceGroups: [{ name: 'w', instanceType: 'p5', count: 1 }] },
        faults: [{ node: 3, type: 'X' }],
      }),
    );

    // Act
    const result = await exec(['simulate', file]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a valid scenario');
    expect(result.stderr).toContain('cluster.instanceGroups.0.instanceType');
    expect(result.stderr).toContain('faults.0.node: node 3 does not exist');
  });

  it('rejects a manual recovery request with an invalid instance id before calling AWS', async () => {
    // Act
    const result = await exec([
      'recover',
      '--state-machine',
      'arn:x',
      '--cluster',
      'ml',
      '--instance',
      'i-nothex',
      '--reason',
      'x',
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('instanceId');
  });

  it('prints the full manifest set for kubectl apply: namespace with Pod Security labels, per-Lambda roles, admission policies', async () => {
    // Act
    const result = await exec(['rbac']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kind: ClusterRole');
    expect(result.stdout).toContain('kind: ClusterRoleBinding');
    expect(result.stdout).toContain('name: "hyperpod-resilience:quarantine-node"');
    expect(result.stdout).toContain('pod-security.kubernetes.io/enforce: restricted');
    expect(result.stdout).toContain('kind: ValidatingAdmissionPolicyBinding');
  });

  it('rejects a job reference that is not Kind/namespace/name before calling AWS', async () => {
    // Act
    const result = await exec([
      'resume',
      '--state-machine',
      'arn:x',
      '--cluster',
      'ml',
      '--job',
      'PyTorchJob/ml',
      '--reason',
      'x',
    ]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected Kind/namespace/name');
  });
});

// ---------------------------------------------------------------- against a stack on local endpoints

const STAGE = 'dev';
/** The table the deploy creates for stage `dev` (README "Operations": hpr-<stage>-ledger). */
const TABLE = 'hpr-dev-ledger';
const T0 = Date.now() - 3_600_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

let dynamo: ReturnType<typeof dynalite>;
let dynamoUrl: string;
let raw: DynamoDBClient;
let ledger: Ledger;
let sfn: Server;
let sfnUrl: string;
const sfnRequests: { target: string; body: string }[] = [];
let sts: Server;
let stsUrl: string;
const stsRequests: { authorization: string; body: string; violations: unknown[] }[] = [];
/** The caller STS names: an assumed role's session, as AWS writes its ARN. */
const CALLER = 'arn:aws:sts::111122223333:assumed-role/oncall/alice';

const resolvedIncident: IncidentRecord = {
  incidentId: 'inc-resolved',
  clusterName: 'ml',
  instanceId: 'i-0123456789abcdef0',
  nodeName: 'hyperpod-i-0123456789abcdef0',
  executionName: 'inc-resolved',
  trigger: { kind: 'node-health', eventId: 'evt-1', time: at(0) },
  fault: { class: 'fatal', code: 'xid-79' },
  decision: { outcome: 'remediate', action: 'replace', reason: 'fatal GPU fault' },
  status: 'open',
  startedAt: at(1),
  actions: [{ type: 'admitted', at: at(1) }],
};

beforeAll(async () => {
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
  dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  raw = new DynamoDBClient({
    endpoint: dynamoUrl,
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  await raw.send(new CreateTableCommand(ledgerTableDefinition(TABLE)));
  await waitUntilTableExists(
    { client: raw, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { TableName: TABLE },
  );
  // Incidents written by the real ledger adapter, as the deployed tasks write them.
  ledger = createDynamoLedger({
    client: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: TABLE,
  });
  await ledger.createIncident(resolvedIncident);
  await ledger.updateIncident('ml', 'inc-resolved', {
    actions: [
      { type: 'quarantined', at: at(2) },
      { type: 'workloads-suspended', at: at(3), detail: { suspended: ['PyTorchJob/ml/train'] } },
      { type: 'remediation-requested', at: at(4), detail: { action: 'replace' } },
      {
        type: 'node-ready',
        at: at(300),
        detail: { nodeName: 'hyperpod-i-0fedcba9876543210', replaced: true },
      },
      { type: 'recorded', at: at(310) },
    ],
    fields: { status: 'resolved', outcome: 'replaced-not-verified', endedAt: at(310) },
  });
  await ledger.createIncident({
    ...resolvedIncident,
    incidentId: 'inc-open',
    clusterName: 'cv',
    startedAt: at(600),
    actions: [{ type: 'admitted', at: at(600) }],
  });
  await ledger.createIncident({
    ...resolvedIncident,
    incidentId: 'inc-old',
    startedAt: new Date(T0 - 3 * 86_400_000).toISOString(),
    status: 'skipped',
  });

  // Step Functions: records StartExecution and answers as the API does (awsJson1_0).
  sfn = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      sfnRequests.push({ target: String(req.headers['x-amz-target']), body });
      const { stateMachineArn } = JSON.parse(body) as { stateMachineArn: string };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:manual-1`,
          startDate: Math.floor(Date.now() / 1000),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => sfn.listen(0, '127.0.0.1', () => resolve()));
  sfnUrl = `http://127.0.0.1:${(sfn.address() as AddressInfo).port}`;

  // STS: checks GetCallerIdentity against STS's model and answers with the response of the API
  // reference's example (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
  // the Arn set to CALLER.
  sts = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const params = [...new URLSearchParams(body).entries()];
      stsRequests.push({
        authorization: String(req.headers.authorization),
        body,
        violations: validateQueryInput(awsModel('sts'), 'GetCallerIdentity', params),
      });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
          '  <GetCallerIdentityResult>\n' +
          `   <Arn>${CALLER}</Arn>\n` +
          '    <UserId>AROA3XFRBF535PLBIFPI4:alice</UserId>\n' +
          '    <Account>111122223333</Account>\n' +
          '  </GetCallerIdentityResult>\n' +
          '  <ResponseMetadata>\n' +
          '    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n' +
          '  </ResponseMetadata>\n' +
          '</GetCallerIdentityResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', () => resolve()));
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
});

afterAll(async () => {
  raw?.destroy();
  await new Promise<void>((resolve) => (dynamo ? dynamo.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (sfn ? sfn.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (sts ? sts.close(() => resolve()) : resolve()));
});

const local = (extra: Record<string, string> = {}) =>
  awsEnv({
    AWS_REGION: 'us-west-2',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    AWS_ENDPOINT_URL_SFN: sfnUrl,
    AWS_ENDPOINT_URL_STS: stsUrl,
    ...extra,
  });

describe('CLI: hpr against a stage', () => {
  it('lists the recent incidents of every cluster of the stage, newest first', async () => {
    // Act
    const result = await exec(['incidents', '--stage', STAGE, '--since', '24h'], local());

    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('  cv  inc-open  ');
    expect(lines[1]).toContain('  ml  inc-resolved  ');
    expect(lines[1]).toContain('resolved(replaced-not-verified)');
  });

  it('filters by cluster and status and prints JSON records', async () => {
    // Act
    const result = await exec(
      ['incidents', '--stage', STAGE, '--cluster', 'ml', '--status', 'skipped', '--json'],
      local(),
    );

    // Assess
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as IncidentRecord[];
    expect(records.map((r) => r.incidentId)).toEqual(['inc-old']);
  });

  it('renders a deployed incident exactly as the demo renders a local one', async () => {
    // Prepare
    const record = await ledger.getIncident('ml', 'inc-resolved');

    // Act
    const result = await exec(['timeline', 'inc-resolved', '--stage', STAGE], local());

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${incidentTimeline(incidentReport(record!)).join('\n')}\n`);
    expect(result.stdout).toContain(
      'incident inc-resolved — node-health xid-79 on hyperpod-i-0123456789abcdef0',
    );
    expect(result.stdout).toContain('node back and Ready hyperpod-i-0fedcba9876543210 (replacement)');
    expect(result.stdout).toContain('outcome: resolved (replaced-not-verified)');
  });

  it('says an unknown incident is not found and exits 1', async () => {
    // Act
    const result = await exec(['timeline', 'inc-nope', '--stage', STAGE, '--cluster', 'ml'], local());

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('incident inc-nope not found');
  });

  it('starts the stage node-recovery machine, its ARN built from region and account', async () => {
    // Prepare
    sfnRequests.length = 0;

    // Act
    const result = await exec(
      [
        'recover',
        '--stage',
        STAGE,
        '--cluster',
        'ml',
        '--instance',
        'i-0123456789abcdef0',
        '--reason',
        'xid 79',
      ],
      local({ AWS_ACCOUNT_ID: '111122223333' }),
    );

    // Assess
    expect(result.code).toBe(0);
    expect(sfnRequests).toHaveLength(1);
    expect(sfnRequests[0]!.target).toBe('AWSStepFunctions.StartExecution');
    expect(JSON.parse(sfnRequests[0]!.body).stateMachineArn).toBe(
      'arn:aws:states:us-west-2:111122223333:stateMachine:hpr-dev-node-recovery',
    );
    expect(result.stdout).toContain(
      'started arn:aws:states:us-west-2:111122223333:execution:hpr-dev-node-recovery',
    );
  });

  it('records the caller AWS identity from STS as requestedBy, never the USER variable', async () => {
    // Prepare
    sfnRequests.length = 0;
    stsRequests.length = 0;

    // Act
    const result = await exec(
      [
        'recover',
        '--stage',
        STAGE,
        '--cluster',
        'ml',
        '--instance',
        'i-0123456789abcdef0',
        '--reason',
        'xid 79',
      ],
      local({ AWS_ACCOUNT_ID: '111122223333', USER: 'somebody-else' }),
    );

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(JSON.parse(sfnRequests[0]!.body).input).requestedBy).toBe(CALLER);
    expect(stsRequests).toHaveLength(1);
    expect(stsRequests[0]!.violations).toEqual([]);
    expect(stsRequests[0]!.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
    expect(stsRequests[0]!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST000000\/\d{8}\/us-west-2\/sts\/aws4_request, /,
    );
  });

  it('starts nothing when STS does not say who the caller is', async () => {
    // Prepare
    sfnRequests.length = 0;

    // Act
    const result = await exec(
      ['recover', '--stage', STAGE, '--cluster', 'ml', '--instance', 'i-0123456789abcdef0', '--reason', 'x'],
      // dynalite answers the STS request with an error, not a caller.
      local({ AWS_ACCOUNT_ID: '111122223333', AWS_ENDPOINT_URL_STS: dynamoUrl }),
    );

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('sts:GetCallerIdentity did not name the caller');
    expect(sfnRequests).toEqual([]);
  });

  it('refuses an invalid stage before calling AWS', async () => {
    // Prepare
    sfnRequests.length = 0;

    // Act
    const result = await exec(
      ['recover', '--stage', 'Prod', '--cluster', 'ml', '--instance', 'i-0123456789abcdef0', '--reason', 'x'],
      local({ AWS_ACCOUNT_ID: '111122223333' }),
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stage Prod: use 1-30 lowercase letters, digits or hyphens');
    expect(sfnRequests).toHaveLength(0);
  });

  it('says which region is missing, and that no account is known, with exit 2', async () => {
    // Act
    const noRegion = await exec(
      ['incidents', '--stage', STAGE],
      awsEnv({ AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl }),
    );
    const noAccount = await exec(['check', '--stage', STAGE, '--cluster', 'ml', '--node', 'n1'], local());
    const noStage = await exec(['incidents'], local());

    // Assess
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('no AWS region');
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toContain('no AWS account');
    expect(noStage.code).toBe(2);
    expect(noStage.stderr).toContain('--stage is required');
  });
});

describe('CLI: hpr config against a stage', () => {
  it('shows the version in force, switches the mode as a new audited version, refuses a stale or invalid write, and lists the history', async () => {
    // Prepare: the stage's config store with the deploy's first version.
    const { createLocalConfigStore } = await import('#local/config-store.ts');
    const { parseAppConfig } = await import('#contracts/config/app.ts');
    const cluster = {
      name: 'ml',
      arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
      eksClusterName: 'ml-eks',
    };
    const store = await createLocalConfigStore({
      client: raw,
      config: parseAppConfig({ clusters: [cluster], policy: { mode: 'act' } }),
      tableName: 'hpr-dev-config',
    });
    const dir = await mkdtemp(join(tmpdir(), 'hpr-config-'));
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ clusters: [] }));

    // Act
    const shown = await exec(['config', 'show', '--stage', STAGE, '--json'], local());
    const switched = await exec(
      ['config', 'set-mode', 'observe', '--stage', STAGE, '--reason', 'bad AMI'],
      local(),
    );
    const again = await exec(
      ['config', 'set-mode', 'observe', '--stage', STAGE, '--reason', 'twice'],
      local(),
    );
    const refused = await exec(
      ['config', 'set', '--stage', STAGE, '--file', invalid, '--reason', 'oops'],
      local(),
    );
    const history = await exec(['config', 'history', '--stage', STAGE, '--json'], local());

    // Assess
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ version: 1, mode: 'act', updatedBy: 'deploy' });
    expect(switched.code).toBe(0);
    expect(switched.stdout).toContain('mode act → observe (version 2)');
    expect(again.stdout).toContain('the mode already is observe');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('clusters');
    const versions = JSON.parse(history.stdout) as { version: number; mode: string; reason: string }[];
    expect(versions.map((v) => [v.version, v.mode, v.reason])).toEqual([
      [2, 'observe', 'bad AMI'],
      [1, 'act', 'initial deploy'],
    ]);
    expect((await store.reader.read()).config.policy.mode).toBe('observe');
  });
});
