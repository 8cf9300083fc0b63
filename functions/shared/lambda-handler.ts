/**
 * Wraps a task as a Lambda handler: middy with the Powertools logger (Lambda context, cold start)
 * and metrics flush. Errors propagate unchanged: their `name` is what the state machine's
 * Retry/Catch match on.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Task, TaskDeps } from '#functions/tasks/deps.ts';
import { logger, metrics } from './powertools.ts';
import { productionDeps } from './production-deps.ts';

export const lambdaHandler = <Output>(task: Task<Output>, deps: () => TaskDeps = productionDeps) =>
  middy<unknown, Output, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => task(event, deps()));
