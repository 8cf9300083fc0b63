/**
 * Production wiring of the ports: AWS SDK clients created once per container, configuration
 * parsed once from the environment (a bad config fails the cold start with a clear message).
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { awsClients } from '#adapters/aws-clients.ts';
import { createKubeApiFactory } from '#adapters/eks.ts';
import { createDynamoLedger } from '#adapters/ledger-dynamodb.ts';
import { createSnsNotifier } from '#adapters/notifier-sns.ts';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { loadRuntimeConfig } from './config.ts';
import { logger, powertoolsMetricsSink } from './powertools.ts';

let cached: TaskDeps | undefined;

export const productionDeps = (): TaskDeps => {
  if (cached) return cached;
  const runtime = loadRuntimeConfig(process.env);
  const clients = awsClients(runtime.region);
  const deps: TaskDeps = {
    config: runtime.app,
    clusterNodes: createClusterNodes(clients.sagemaker),
    kubeFor: createKubeApiFactory({
      eks: clients.eks,
      region: runtime.region,
      credentials: fromNodeProviderChain(),
    }),
    ledger: createDynamoLedger({ client: clients.dynamo, tableName: runtime.ledgerTable }),
    notifier: createSnsNotifier({ client: clients.sns, topicArn: runtime.topicArn }),
    metrics: powertoolsMetricsSink,
    logger: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
      appendKeys: (keys) => logger.appendKeys(keys),
    },
    now: () => new Date().toISOString(),
  };
  cached = deps;
  return deps;
};
