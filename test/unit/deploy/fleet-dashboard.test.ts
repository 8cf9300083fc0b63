import { describe, expect, it } from 'vitest';
import { FLEET_METRICS } from '#contracts/metrics-catalog.ts';
import { resolveDeployConfig } from '#deploy/deploy-config.ts';
import { planDeployment } from '#deploy/deploy-plan.ts';

const CLUSTER = {
  name: 'ml-cluster',
  arn: 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456',
  eksClusterName: 'ml-cluster-eks',
};

describe('Deploy: the fleet reliability dashboard', () => {
  it('charts every fleet gauge the sweep publishes, averaged rather than summed', () => {
    // Prepare
    const plan = planDeployment(resolveDeployConfig({ app: { clusters: [CLUSTER] } }, 'staging'), {
      stage: 'staging',
      region: 'us-west-2',
      account: '111122223333',
      partition: 'aws',
    });
    const widgets = (plan.dashboard.body as { widgets: { properties: { title?: string } }[] }).widgets;

    // Act
    const fleet = widgets.filter((w) => /trailing 30 days/.test(w.properties.title ?? ''));
    const text = JSON.stringify(fleet);

    // Assess
    expect(fleet.map((w) => w.properties.title)).toEqual([
      'Fleet reliability, trailing 30 days (health sweep)',
      'Repair and detection times (s), trailing 30 days',
    ]);
    for (const name of Object.keys(FLEET_METRICS)) expect(text, name).toContain(`MetricName=\\"${name}\\"`);
    expect(text).toContain(`MetricName=\\"FleetFailureRate\\"', 'Average', 300)`);
    expect(text).not.toContain("'Sum'");
  });
});
