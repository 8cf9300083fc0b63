import { describe, expect, it } from 'vitest';
import { getTestEvent, listTestEvents, sampleConfig } from '#events/samples/index.ts';

describe('Function: getTestEvent', () => {
  it('returns a private copy each call', () => {
    // Prepare
    const first = getTestEvent<{ detail: { InstanceId: string } }>({
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-terminate',
    });

    // Act
    first.detail.InstanceId = 'changed';
    const second = getTestEvent<{ detail: { InstanceId: string } }>({
      source: 'aws.sagemaker',
      name: 'node-health-unhealthy-terminate',
    });

    // Assess
    expect(second.detail.InstanceId).toBe('i-0391f86fa0fe0d465');
  });

  it.each(['../package', 'Node', ''])('refuses a case name that is not a sample (%s)', (name) => {
    // Act
    const load = () => getTestEvent({ source: 'manual', name });

    // Assess
    expect(load).toThrow(`no sample event manual/${name}`);
  });

  it('lists every sample of every source', () => {
    // Act
    const samples = listTestEvents();

    // Assess
    expect(samples).toHaveLength(14);
    expect(samples).toContainEqual({ source: 'aws.cloudwatch', name: 'alarm-metric-math' });
    for (const sample of samples) expect(getTestEvent(sample)).toBeTypeOf('object');
  });

  it('configures the sample cluster', () => {
    // Assess
    expect(sampleConfig.clusters).toMatchObject([{ name: 'ml-cluster', eksClusterName: 'ml-cluster-eks' }]);
    expect(sampleConfig.policy.mode).toBe('observe');
  });
});
