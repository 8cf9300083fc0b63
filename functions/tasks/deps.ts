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

/**
 * Where the live configuration comes from (the config store, docs/facts/config-store.md): read
 * before every task, so a mode switch reaches an execution that is already running.
 */
export interface ConfigSource {
  read(): Promise<{ config: AppConfig }>;
}

export interface TaskDeps {
  /** The configuration in force for this task (read live from `configSource` when there is one). */
  config: AppConfig;
  /** Local mode and tests: the config store the runner reads before each task (Lambdas: lambda-handler.ts). */
  configSource?: ConfigSource;
  clusterNodes: ClusterNodes;
  kubeFor: KubeApiFactory;
  ledger: Ledger;
  notifier: Notifier;
  metrics: MetricsSink;
  logger: TaskLogger;
  /** ISO time; injected so tests and the demo control the clock. */
  now: () => string;
}

/**
 * The deps a task runs with: `config` read from `configSource` now (validated by the reader), or
 * the deps unchanged when they carry no source.
 */
export const withLiveConfig = async (deps: TaskDeps): Promise<TaskDeps> =>
  deps.configSource ? { ...deps, config: (await deps.configSource.read()).config } : deps;

export type Task<Output> = (input: unknown, deps: TaskDeps) => Promise<Output>;

export const silentLogger: TaskLogger = { info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: MetricsSink = { count: () => {} };
