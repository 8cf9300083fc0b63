/**
 * The production entry path: each deployed handler (functions/handlers/*.ts) as Lambda runs it —
 * middy, the Powertools logger and metrics middlewares, the production dependency factory reading
 * the environment the stack sets (deploy/deploy-plan.ts: HPR_CONFIG_TABLE, HPR_LEDGER_TABLE,
 * HPR_TOPIC_ARN, POWERTOOLS_*) — with the AWS SDK mocked by aws-sdk-client-mock. Only the public
 * `handler` export is used, so the tests hold however the dependencies are wired behind it.
 *
 * In the component project, not unit: each file imports every handler with its SDK clients,
 * Powertools and Kubernetes client (seconds of module loading on 2 cores), and the Powertools
 * logger's real output on stdout is read back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { BatchRebootClusterNodesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAppConfig } from '#contracts/config/app.ts';
import { initialConfigItem } from '#deploy/deploy-plan.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};
const INSTANCE_ID = 'i-0a1b2c3d4e5f60001';
const NODE_NAME = `hyperpod-${INSTANCE_ID}`;
const INCIDENT_ID = 'inc-0f3a9c';

// The environment the stack gives every Lambda (deploy-plan.ts), set before any handler is imported.
process.env.HPR_CONFIG_TABLE = 'hpr-config-test';
process.env.HPR_LEDGER_TABLE = 'hpr-ledger-test';
process.env.HPR_TOPIC_ARN = 'arn:aws:sns:us-west-2:111122223333:hpr-alerts';
process.env.POWERTOOLS_SERVICE_NAME = 'hyperpod-resilience';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'HyperPodResilience';
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const HANDLER_DIR = new URL('../../../functions/handlers/', import.meta.url);
const handlerNames = readdirSync(HANDLER_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const handlers = new Map<string, Handler>();

const context = (name: string): Context =>
  ({
    callbackWaitsForEmptyEventLoop: true,
    functionName: `hpr-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-west-2:111122223333:function:hpr-${name}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/hpr-${name}`,
    logStreamName: '2026/12/03/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const sagemaker = mockClient(SageMakerClient);
const eks = mockClient(EKSClient);
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const allMocks = [sagemaker, eks, dynamo, documents, sns];
/** The config store's item in force, as the deploy writes it (deploy-plan.ts initialConfigItem). */
const CONFIG_ITEM = marshall(
  initialConfigItem(
    parseAppConfig({ clusters: [CLUSTER], policy: { mode: 'act' } }),
    '2026-12-03T09:00:00.000Z',
  ).current,
);
const isConfigRead = (call: { args: unknown[] }) =>
  (call.args[0] as { input?: { TableName?: string } }).input?.TableName === process.env.HPR_CONFIG_TABLE;
/** AWS calls other than the live config read every invocation makes first. */
const sdkCalls = () => allMocks.reduce((n, m) => n + m.calls().filter((c) => !isConfigRead(c)).length, 0);

/** Powertools' JSON log lines written to stdout during the test (kept out of the test output). */
let logLines: Record<string, unknown>[];
const asLogLine = (line: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' && 'level' in parsed
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};
beforeEach(() => {
  for (const m of allMocks) m.reset();
  dynamo.on(GetItemCommand, { TableName: process.env.HPR_CONFIG_TABLE }).resolves({ Item: CONFIG_ITEM });
  logLines = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const line = asLogLine(String(chunk).trim());
    if (line) {
      logLines.push(line);
      return true;
    }
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
});
afterEach(() => vi.restoreAllMocks());

beforeAll(async () => {
  for (const name of handlerNames) {
    const module = (await import(/* @vite-ignore */ new URL(`${name}.ts`, HANDLER_DIR).href)) as {
      handler: Handler;
    };
    handlers.set(name, module.handler);
  }
}, 60_000);

/** An incident admitted for a reboot, as AdmitIncident hands it on. */
const admittedForReboot = () => ({
  incidentId: INCIDENT_ID,
  executionName: INCIDENT_ID,
  startedAt: '2026-12-03T10:00:00.000Z',
  clusterName: CLUSTER.name,
  eksClusterName: CLUSTER.eksClusterName,
  trigger: { kind: 'node-health', time: '2026-12-03T10:00:00.000Z' },
  fault: { class: 'recoverable', code: 'NvidiaErrorReboot' },
  node: { clusterName: CLUSTER.name, instanceId: INSTANCE_ID, nodeName: NODE_NAME },
  decision: {
    outcome: 'proceed',
    action: 'reboot',
    reason: 'recoverable-fault',
    mode: 'act',
    leaseHeld: true,
  },
  await: { pollSeconds: 30, attempts: 0, status: 'pending' },
});

describe('Deployed handlers: bad input', () => {
  it('finds every deployed handler', () => {
    expect(handlerNames.length).toBeGreaterThanOrEqual(20);
    expect(handlerNames).toContain('request-remediation');
  });

  it.each(handlerNames)(
    '%s rejects a malformed event with InvalidInputError and calls no AWS API',
    async (name) => {
      const handler = handlers.get(name)!;
      await expect(handler({ unexpected: ['not', 'an', 'input'] }, context(name))).rejects.toMatchObject({
        name: 'InvalidInputError',
      });
      expect(sdkCalls()).toBe(0);
    },
  );
});

describe('Deployed handlers: good input reaches the port', () => {
  it('admit-incident records a skip for a healthy node in the ledger and logs it with the incident id', async () => {
    documents.onAnyCommand().resolves({});
    const trigger = JSON.parse(
      readFileSync(
        new URL('../../../events/samples/aws.sagemaker/node-health-healthy.json', import.meta.url),
        'utf8',
      ),
    ) as unknown;

    const state = await handlers.get('admit-incident')!(
      { trigger, executionName: INCIDENT_ID, startedAt: '2026-12-03T10:00:00.000Z' },
      context('admit-incident'),
    );

    expect(state).toMatchObject({
      incidentId: INCIDENT_ID,
      decision: { outcome: 'skip', skipReason: 'not-a-fault' },
    });
    expect(documents.calls().length).toBeGreaterThanOrEqual(1);
    expect(sagemaker.calls()).toHaveLength(0);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        message: 'incident skipped',
        incidentId: INCIDENT_ID,
        decision: expect.objectContaining({ skipReason: 'not-a-fault' }),
      }),
    );
  });

  it('request-remediation sends BatchRebootClusterNodes for the node and logs the request with the incident id', async () => {
    sagemaker.on(BatchRebootClusterNodesCommand).resolves({ Successful: [INSTANCE_ID] });
    documents.onAnyCommand().resolves({});

    const result = await handlers.get('request-remediation')!(
      admittedForReboot(),
      context('request-remediation'),
    );

    expect(result).toMatchObject({ action: 'reboot', status: 'requested', attempt: 1 });
    const calls = sagemaker.commandCalls(BatchRebootClusterNodesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.NodeIds).toEqual([INSTANCE_ID]);
    expect(documents.commandCalls(UpdateCommand).length).toBeGreaterThanOrEqual(1);
    expect(logLines).toContainEqual(
      expect.objectContaining({ message: 'incident action: remediation-requested', incidentId: INCIDENT_ID }),
    );
  });

  it.each(['quarantine-node', 'suspend-workloads'])(
    '%s reaches the EKS cluster of the incident through the production factory',
    async (name) => {
      eks
        .on(DescribeClusterCommand)
        .rejects(Object.assign(new Error('No cluster found'), { name: 'ResourceNotFoundException' }));
      documents.on(UpdateCommand).resolves({});

      await expect(handlers.get(name)!(admittedForReboot(), context(name))).rejects.toBeInstanceOf(Error);

      const calls = eks.commandCalls(DescribeClusterCommand);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls[0]!.args[0].input).toEqual({ name: CLUSTER.eksClusterName });
    },
  );
});
