import { describe, expect, it } from 'vitest';
import { composeProductionDeps, PortNotWiredError } from '#composition/production-deps.ts';
import type { RuntimeConfig } from '#composition/runtime-config.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const APP = parseAppConfig({
  clusters: [
    {
      name: 'ml-cluster',
      arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
      eksClusterName: 'ml-cluster-eks',
    },
  ],
});
const RUNTIME: RuntimeConfig = {
  configTable: 'hpr-config',
  configMaxAgeSeconds: 30,
  ledgerTable: 'hpr-ledger',
  topicArn: 'arn:aws:sns:us-west-2:111122223333:hpr',
  region: 'us-west-2',
};

describe('Function: composeProductionDeps', () => {
  it('builds a wired port on its first use, once, from the runtime configuration', () => {
    // Prepare
    const built: RuntimeConfig[] = [];
    const ledger = createMemoryLedger();
    const deps = composeProductionDeps(
      'record-outcome',
      {
        ledger: (runtime) => {
          built.push(runtime);
          return ledger;
        },
      },
      RUNTIME,
      () => APP,
    );

    // Act
    const before = built.length;
    const first = deps.ledger;
    const again = deps.ledger;

    // Assess
    expect(before).toBe(0);
    expect(first).toBe(ledger);
    expect(again).toBe(ledger);
    expect(built).toEqual([RUNTIME]);
    expect(deps.config).toBe(APP);
  });

  it('refuses a port the handler does not wire, naming the Lambda and the port', () => {
    // Prepare
    const deps = composeProductionDeps('record-outcome', {}, RUNTIME, () => APP);

    // Act
    const read = () => deps.kubeFor;

    // Assess
    expect(read).toThrow(PortNotWiredError);
    expect(read).toThrow(/record-outcome does not wire the kubeFor port/);
  });

  it('gives each read of config the configuration in force at that moment, not the one at composition', () => {
    // Prepare
    let current = APP;
    const deps = composeProductionDeps('record-outcome', {}, RUNTIME, () => current);
    const observe = { ...APP, policy: { ...APP.policy, mode: 'observe' as const } };

    // Act
    const before = deps.config.policy.mode;
    current = observe;

    // Assess
    expect(before).toBe(APP.policy.mode);
    expect(deps.config).toBe(observe);
  });
});
