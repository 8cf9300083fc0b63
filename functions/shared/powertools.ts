/** Logger, Metrics and Tracer, created once per Lambda container with one service name. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsSink } from '#functions/tasks/deps.ts';

export const SERVICE_NAME = 'hyperpod-resilience';
export const METRICS_NAMESPACE = 'HyperPodResilience';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Each count is its own metric so dimensions never leak between counts. */
export const powertoolsMetricsSink: MetricsSink = {
  count(name, dimensions = {}, value = 1) {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, MetricUnit.Count, value);
  },
};
