/**
 * Production `TaskDeps` of one Lambda, composed from the ports its handler wires. Each port comes
 * from a provider in functions/composition/wiring/ (its adapter and SDK client), imported by the
 * handlers that use it and by no other: a Lambda's bundle holds only the adapters its code uses
 * (functions/composition/lambda-deps.ts `LAMBDA_DEPS`; README "Benchmarks", cold starts). A port is built
 * on its first use and kept for the container's life; reading a port the handler did not wire
 * throws (the compiler already refuses such a handler, see lambda-handler.ts).
 */

import type { RuntimeConfig } from '#composition/runtime-config.ts';
import type { AppConfig } from '#contracts/config/app.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { logger, powertoolsMetricsSink } from './powertools.ts';

/** The `TaskDeps` properties that hold ports to the outside world. */
type PortName = 'clusterNodes' | 'kubeFor' | 'ledger' | 'notifier';

/** Builds one port from the Lambda's runtime configuration. */
type PortProvider<P extends PortName> = (runtime: RuntimeConfig) => TaskDeps[P];

/** The providers of exactly the ports `P`. */
type Wiring<P extends PortName> = { readonly [K in P]: PortProvider<K> };

class PortNotWiredError extends Error {
  constructor(lambda: string, port: PortName) {
    super(
      `${lambda} does not wire the ${port} port: add its provider (functions/composition/wiring) to functions/handlers/${lambda}.ts after regenerating deploy/task-iam.ts`,
    );
    this.name = 'PortNotWiredError';
  }
}

/** The deps of `lambda`: the live config, logger, metrics and clock, and the wired ports, each built on first use. */
const composeProductionDeps = (
  lambda: string,
  wiring: Partial<Wiring<PortName>>,
  runtime: RuntimeConfig,
  /** The configuration in force for the current invocation (read live by lambda-handler.ts). */
  config: () => AppConfig,
): TaskDeps => {
  const built: Partial<Pick<TaskDeps, PortName>> = {};
  const port = <P extends PortName>(name: P): TaskDeps[P] => {
    const existing = built[name];
    if (existing) return existing;
    const provide = wiring[name] as PortProvider<P> | undefined;
    if (!provide) throw new PortNotWiredError(lambda, name);
    const created = provide(runtime);
    built[name] = created;
    return created;
  };
  return {
    get config() {
      return config();
    },
    get clusterNodes() {
      return port('clusterNodes');
    },
    get kubeFor() {
      return port('kubeFor');
    },
    get ledger() {
      return port('ledger');
    },
    get notifier() {
      return port('notifier');
    },
    metrics: powertoolsMetricsSink,
    logger: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
      appendKeys: (keys) => logger.appendKeys(keys),
    },
    now: () => new Date().toISOString(),
  };
};

export type { PortName, PortProvider, Wiring };
export { composeProductionDeps, PortNotWiredError };
