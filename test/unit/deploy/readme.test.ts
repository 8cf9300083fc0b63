/**
 * The README's "Deploy" section matches the code: its sections exist, the state-transition
 * formula of its cost figures is what the ASL does, the wildcards it justifies are exactly those
 * the deploy grants, and the latency metrics its dashboard charts are emitted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATENCY_METRICS } from '#contracts/metrics-catalog.ts';
import { resolveDeployConfig } from '#deploy/deploy-config.ts';
import { planDeployment } from '#deploy/deploy-plan.ts';
import { runNodeRecovery } from '#local/runner.ts';
import { allFunctions, MACHINES } from '#state-machines/registry.ts';
import { CLUSTER, INSTANCES, makeHarness, nodeHealthEvent, nodeName } from '../../integration/harness.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const deploy = readme.slice(
  readme.indexOf('\n## Deploy\n'),
  readme.indexOf('\n## ', readme.indexOf('\n## Deploy\n') + 1),
);

/** Transitions as Step Functions bills them: states entered plus retries. */
const transitions = (report: Awaited<ReturnType<typeof runNodeRecovery>>) =>
  report.states.length + report.states.reduce((n, s) => n + s.retries, 0);

describe('README: Deploy', () => {
  it('has the sections a deployer and a reviewer need', () => {
    // Assess
    for (const heading of [
      '### Prerequisites',
      '### First run in observe mode',
      '### Switching to act mode',
      '### Teardown',
      '### What is proven offline',
      '### Cost',
      '### Security review checklist',
    ]) {
      expect(deploy).toContain(`\n${heading}\n`);
    }
    expect(deploy).toContain(`One Lambda per task (${allFunctions().length})`);
    for (const machine of MACHINES) expect(deploy).toContain(`\`${machine.name}\``);
    expect(deploy).toContain('npm run -s hpr -- rbac | kubectl apply -f -');
    expect(deploy).toContain('npx tsx deploy/iam-derivation.ts --write');
  });

  it('counts 14 + 3 × polls transitions for a remediated incident and 4 for a skip, as the ASL runs them', async () => {
    // Prepare
    const acting = makeHarness();
    acting.addJob('PyTorchJob', 'llama', [nodeName(INSTANCES[0]!)]);
    const observing = makeHarness({ policy: { mode: 'observe' } });

    // Act
    const remediated = await runNodeRecovery(
      nodeHealthEvent(INSTANCES[0]!, 'NvidiaErrorReboot'),
      acting.deps,
    );
    const skipped = await runNodeRecovery(
      nodeHealthEvent(INSTANCES[0]!, 'NvidiaErrorReboot'),
      observing.deps,
    );
    const polls = remediated.states.filter((s) => s.name === 'CheckNodeRecovery').length;

    // Assess
    expect(remediated.status).toBe('SUCCEEDED');
    expect(polls).toBeGreaterThan(0);
    expect(transitions(remediated) - 3 * polls).toBe(14);
    expect(deploy).toContain('**14 + 3 × polls**');
    expect(transitions(skipped)).toBe(4);
    expect(deploy).toContain('**4** for a skip');
  });

  it('justifies exactly the wildcard statements the deploy grants', () => {
    // Prepare
    const config = resolveDeployConfig(
      {
        app: { clusters: [CLUSTER] },
        vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
      },
      'production',
    );
    const plan = planDeployment(config, {
      stage: 'production',
      region: 'us-west-2',
      account: '111122223333',
      partition: 'aws',
    });

    // Act
    const wildcards = new Set(
      [
        ...plan.lambdas.flatMap((l) => l.policy('arn:aws:kms:us-west-2:111122223333:key/k').Statement),
        ...plan.machines.flatMap((m) => m.policy.Statement),
        ...plan.eventRoles.flatMap((r) => r.policy.Statement),
      ]
        .filter((s) => s.Resource.includes('*'))
        .map((s) => s.Sid),
    );

    // Assess
    expect([...wildcards].sort()).toEqual(['LogDelivery', 'Tracing', 'VpcDescribeNetworkInterfaces']);
    const checklist = deploy.slice(deploy.indexOf('### Security review checklist'));
    for (const sid of wildcards) expect(checklist).toContain(`\`${sid}\``);
  });

  it('emits the latency metrics the dashboard charts, in ms from the trigger', async () => {
    // Prepare
    const h = makeHarness();
    h.addJob('PyTorchJob', 'llama', [nodeName(INSTANCES[1]!)]);

    // Act
    await runNodeRecovery(nodeHealthEvent(INSTANCES[1]!, 'NvidiaErrorReboot'), h.deps);

    // Assess
    for (const name of LATENCY_METRICS) {
      const metric = h.metrics.find((m) => m.name === name);
      expect(metric, name).toBeDefined();
      expect(metric?.value, name).toBeGreaterThan(0);
    }
    const at = (name: string) => h.metrics.find((m) => m.name === name)?.value ?? 0;
    expect(at('TimeToQuarantine')).toBeLessThan(at('TimeToSuspend'));
    expect(at('TimeToSuspend')).toBeLessThan(at('TimeToResume'));
  });
});
