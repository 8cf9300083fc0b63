/** Logger, Metrics and Tracer, created once per Lambda container with one service name. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  FLEET_METRICS,
  LATENCY_METRICS,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '#contracts/metrics-catalog.ts';
import type { MetricsSink } from '#functions/tasks/deps.ts';

export { METRICS_NAMESPACE, SERVICE_NAME };

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

const UNITS: Record<string, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  ...Object.fromEntries(LATENCY_METRICS.map((name) => [name, MetricUnit.Milliseconds])),
  ...Object.fromEntries(
    Object.entries(FLEET_METRICS).map(([name, unit]) => [
      name,
      unit === 'Seconds' ? MetricUnit.Seconds : unit === 'None' ? MetricUnit.NoUnit : MetricUnit.Count,
    ]),
  ),
};

/**
 * Each count is its own metric so dimensions never leak between counts. Latency metrics
 * (`TimeTo…`, metrics-catalog.ts) carry milliseconds and the fleet gauges their own units.
 */
export const powertoolsMetricsSink: MetricsSink = {
  count(name, dimensions = {}, value = 1) {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, UNITS[name] ?? MetricUnit.Count, value);
  },
};
