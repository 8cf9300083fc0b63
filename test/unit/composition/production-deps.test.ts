import { describe, expect, it } from 'vitest';
import { composeProductionDeps, PortNotWiredError } from '#composition/production-deps.ts';
import type { RuntimeConfig } from '#composition/runtime-config.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { createMemoryLedger } from '../../fakes/memory-ledger.ts';

const RUNTIME: RuntimeConfig = {
  app: parseAppConfig({
    clusters: [
      {
        name: 'ml-cluster',
        arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
        eksClusterName: 'ml-cluster-eks',
      },
    ],
  }),
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
    expect(deps.config).toBe(RUNTIME.app);
  });

  it('refuses a port the handler does not wire, naming the Lambda and the port', () => {
    // Prepare
    const deps = composeProductionDeps('record-outcome', {}, RUNTIME);

    // Act
    const read = () => deps.kubeFor;

    // Assess
    expect(read).toThrow(PortNotWiredError);
    expect(read).toThrow(/record-outcome does not wire the kubeFor port/);
  });
});
