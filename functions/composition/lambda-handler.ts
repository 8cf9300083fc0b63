/**
 * Wraps a task as a Lambda handler: middy with the Powertools logger (Lambda context, cold start)
 * and metrics flush. Errors propagate unchanged: their `name` is what the state machine's
 * Retry/Catch match on.
 *
 * The handler names its Lambda and wires the ports its task uses, each from its provider in
 * functions/composition/wiring/. The compiler checks the wiring against the ports derived from the
 * task's code (`LambdaDeps`, functions/composition/lambda-deps.ts, generated): a missing port and a superfluous one
 * (an adapter bundled for nothing) are both type errors. The runtime configuration is read and
 * the deps composed on the first invocation, once per container; the app configuration is read
 * from the config store before EVERY invocation (cached by Powertools Parameters for
 * `HPR_CONFIG_MAX_AGE_SECONDS`, validated at each read), so an operator's mode switch reaches
 * executions already running (docs/facts/config-store.md). An invalid stored config with no valid
 * one read before fails the invocation with ConfigInvalidError before the task runs: nothing changed.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type ConfigReader, createDynamoConfigReader } from '#adapters/config-reader.ts';
import type { LambdaDeps } from '#composition/lambda-deps.ts';
import { loadRuntimeConfig } from '#composition/runtime-config.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import type { Task, TaskDeps } from '#functions/tasks/deps.ts';
import { logger, metrics } from './powertools.ts';
import { composeProductionDeps, type PortName, type Wiring } from './production-deps.ts';

/**
 * @example
 * export const handler = lambdaHandler('quarantine-node', quarantineNode, { kubeFor, ledger });
 */
export const lambdaHandler = <Name extends keyof LambdaDeps, Output>(
  lambda: Name,
  task: Task<Output>,
  wiring: Wiring<LambdaDeps[Name] & PortName>,
) => {
  let deps: TaskDeps | undefined;
  let reader: ConfigReader | undefined;
  let current: AppConfig | undefined;
  return middy<unknown, Output, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      if (!deps || !reader) {
        const runtime = loadRuntimeConfig(process.env);
        reader = createDynamoConfigReader({
          client: { region: runtime.region },
          tableName: runtime.configTable,
          maxAgeSeconds: runtime.configMaxAgeSeconds,
          onDegraded: (detail) => logger.error('stored configuration invalid; acting refused', { detail }),
        });
        deps = composeProductionDeps(lambda, wiring, runtime, () => {
          if (!current) throw new Error('configuration read before the invocation');
          return current;
        });
      }
      const live = await reader.read();
      current = live.config;
      logger.appendKeys({ configVersion: live.version });
      return task(event, deps);
    });
};
