/**
 * What every task needs from the outside world, injected: production wiring lives in
 * functions/composition/production-deps.ts, local mode and tests build their own.
 */
import type { ClusterNodes, KubeApiFactory, Ledger, Notifier } from '#adapters/ports.ts';
import type { AppConfig } from '#contracts/config/app.ts';

/** One counter per decision outcome; Powertools Metrics in Lambda, a recorder locally. */
export interface MetricsSink {
  count(name: string, dimensions?: Record<string, string>, value?: number): void;
}

/** Structured logger (Powertools Logger satisfies it). */
export interface TaskLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  appendKeys?(keys: Record<string, unknown>): void;
}

export interface TaskDeps {
  config: AppConfig;
  clusterNodes: ClusterNodes;
  kubeFor: KubeApiFactory;
  ledger: Ledger;
  notifier: Notifier;
  metrics: MetricsSink;
  logger: TaskLogger;
  /** ISO time; injected so tests and the demo control the clock. */
  now: () => string;
}

export type Task<Output> = (input: unknown, deps: TaskDeps) => Promise<Output>;

export const silentLogger: TaskLogger = { info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: MetricsSink = { count: () => {} };
