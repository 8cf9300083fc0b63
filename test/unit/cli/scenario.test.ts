import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, substitutePlaceholders } from '#local/cli/scenario.ts';

const cluster = { instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 2 }] };

describe('Function: parseScenario', () => {
  it('fills safe defaults for a minimal scenario', () => {
    // Act
    const scenario = parseScenario({ cluster, faults: [{ node: 0, type: 'NvidiaErrorTerminate' }] });

    // Assess
    expect(scenario.cluster).toMatchObject({ name: 'ml-cluster', nodeRecovery: 'None' });
    expect(scenario.faults[0]).toMatchObject({ atMs: 0, labels: true });
    expect(scenario.policy).toBeUndefined();
  });

  it('accepts hot-spare pools as config spares.pools without the cluster', () => {
    // Act
    const scenario = parseScenario({
      cluster,
      spares: { pools: [{ instanceGroup: 'workers', percent: 50 }] },
      faults: [{ node: 0, type: 'NvidiaErrorTerminate' }],
    });

    // Assess
    expect(scenario.spares).toEqual({ pools: [{ instanceGroup: 'workers', percent: 50 }] });
  });

  it.each([
    { case: 'no faults', input: { cluster, faults: [] }, message: 'faults' },
    {
      case: 'a node that does not exist',
      input: { cluster, faults: [{ node: 5, type: 'X' }] },
      message: 'node 5 does not exist',
    },
    {
      case: 'an unknown key',
      input: { cluster, faults: [{ node: 0, type: 'X' }], nodes: 3 },
      message: 'Unrecognized key',
    },
    {
      case: 'a fault type that is not a word',
      input: { cluster, faults: [{ node: 0, type: 'rm -rf /' }] },
      message: 'fault type',
    },
    {
      case: 'a job colocated with a workload that does not exist',
      input: {
        cluster,
        workloads: [{ kind: 'Job', name: 'eval', colocateWith: 'ghost' }],
        faults: [{ node: 0, type: 'X' }],
      },
      message: 'no workload ghost',
    },
    {
      case: 'a policy value out of range',
      input: { cluster, policy: { mode: 'yolo' }, faults: [{ node: 0, type: 'X' }] },
      message: 'policy.mode',
    },
    {
      case: 'a spare pool with both count and percent',
      input: {
        cluster,
        spares: { pools: [{ instanceGroup: 'workers', count: 1, percent: 5 }] },
        faults: [{ node: 0, type: 'X' }],
      },
      message: 'spares.pools.0: give exactly one of count or percent',
    },
    {
      case: 'a spare pool of a group the cluster does not have',
      input: {
        cluster,
        spares: { pools: [{ instanceGroup: 'spares', serves: ['workers'], count: 1 }] },
        faults: [{ node: 0, type: 'X' }],
      },
      message: 'no instance group spares',
    },
  ])('rejects $case with a message naming the problem', ({ input, message }) => {
    // Act & Assess
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(message);
  });
});

describe('Function: substitutePlaceholders', () => {
  it('names simulated nodes and the cluster inside a raw event', () => {
    // Act
    const event = substitutePlaceholders(
      { detail: { InstanceId: '${node:1}', NodeName: '${nodeName:1}', arn: ['${clusterArn}'], n: 3 } },
      { instanceIds: ['i-a', 'i-b'], nodeNames: ['n-a', 'n-b'], clusterArn: 'arn:x', clusterName: 'c' },
    );

    // Assess
    expect(event).toEqual({ detail: { InstanceId: 'i-b', NodeName: 'n-b', arn: ['arn:x'], n: 3 } });
  });

  it('rejects a placeholder that names no node', () => {
    // Act & Assess
    expect(() =>
      substitutePlaceholders('${node:7}', {
        instanceIds: [],
        nodeNames: [],
        clusterArn: '',
        clusterName: '',
      }),
    ).toThrow('names no node');
  });
});
