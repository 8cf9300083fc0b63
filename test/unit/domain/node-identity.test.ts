import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  candidateNodeNames,
  findNodeForInstance,
  INSTANCE_ID_LABEL,
  identityFrom,
  instanceIdFromProviderId,
  nodeMatchesInstance,
} from '#domain/node-identity.ts';
import { aNode, INSTANCE, named, OTHER_INSTANCE } from './fixtures.ts';

const clusterNode = (overrides: Partial<ClusterNode> = {}): ClusterNode => ({
  instanceId: INSTANCE,
  instanceGroupName: 'gpu-workers',
  status: 'Running',
  ...overrides,
});

const bareNode = (name: string, overrides: Partial<KubeNode> = {}): KubeNode => ({
  metadata: { name },
  ...overrides,
});

describe('Function: instanceIdFromProviderId', () => {
  it.each(
    named([
      { case: 'reads the zonal EKS form', id: `aws:///us-west-2a/${INSTANCE}`, expected: INSTANCE },
      { case: 'reads the form without a zone', id: `aws:///${INSTANCE}`, expected: INSTANCE },
      { case: 'reads a zone id segment', id: `aws:///usw2-az1/${INSTANCE}`, expected: INSTANCE },
      { case: 'tolerates surrounding whitespace', id: ` aws:///us-west-2a/${INSTANCE} `, expected: INSTANCE },
      { case: 'rejects other providers', id: `kwok://fake/${INSTANCE}`, expected: undefined },
      {
        case: 'rejects an AWS id that is not an instance',
        id: 'aws:///us-west-2a/fargate-ip-10-0-0-1',
        expected: undefined,
      },
      { case: 'rejects extra path segments', id: `aws:///us-west-2/a/${INSTANCE}`, expected: undefined },
      { case: 'rejects a malformed instance id', id: 'aws:///us-west-2a/i-xyz', expected: undefined },
      { case: 'returns nothing without a providerID', id: undefined, expected: undefined },
    ]),
  )('%s', (_case, { id, expected }) => {
    // Act & Assess
    expect(instanceIdFromProviderId(id)).toBe(expected);
  });
});

describe('Function: candidateNodeNames', () => {
  it.each(
    named([
      { case: 'suggests the hyperpod- name pattern', node: undefined, expected: [`hyperpod-${INSTANCE}`] },
      {
        case: 'adds the private DNS hostname in lower case',
        node: clusterNode({ privateDnsHostname: 'IP-10-1-2-3.us-west-2.compute.internal' }),
        expected: [`hyperpod-${INSTANCE}`, 'ip-10-1-2-3.us-west-2.compute.internal'],
      },
      {
        case: 'ignores an empty hostname',
        node: clusterNode({ privateDnsHostname: ' ' }),
        expected: [`hyperpod-${INSTANCE}`],
      },
    ]),
  )('%s', (_case, { node, expected }) => {
    // Act & Assess
    expect(candidateNodeNames(INSTANCE, node)).toEqual(expected);
  });
});

describe('Function: nodeMatchesInstance', () => {
  it.each(
    named([
      { case: 'matches on providerID', node: aNode(), expected: true },
      {
        case: 'providerID decides over a contradicting label',
        node: aNode({
          metadata: { name: 'n', labels: { [INSTANCE_ID_LABEL]: INSTANCE } },
          spec: { providerID: `aws:///${OTHER_INSTANCE}` },
        }),
        expected: false,
      },
      {
        case: 'falls back to the instance-id label without a usable providerID',
        node: bareNode('n', {
          metadata: { name: 'n', labels: { [INSTANCE_ID_LABEL]: INSTANCE } },
          spec: { providerID: 'kind://x' },
        }),
        expected: true,
      },
      {
        case: 'never trusts the name pattern alone',
        node: bareNode(`hyperpod-${INSTANCE}`),
        expected: false,
      },
      {
        case: 'a label naming another instance does not match',
        node: bareNode('n', { metadata: { name: 'n', labels: { [INSTANCE_ID_LABEL]: OTHER_INSTANCE } } }),
        expected: false,
      },
    ]),
  )('%s', (_case, { node, expected }) => {
    // Act & Assess
    expect(nodeMatchesInstance(node, INSTANCE)).toBe(expected);
  });
});

describe('Function: findNodeForInstance', () => {
  it('finds the node whose providerID names the instance, whatever its name', () => {
    // Prepare
    const decoy = bareNode(`hyperpod-${INSTANCE}`, {
      spec: { providerID: `aws:///us-west-2a/${OTHER_INSTANCE}` },
    });
    const real = bareNode('ip-10-1-2-3.us-west-2.compute.internal', {
      spec: { providerID: `aws:///us-west-2a/${INSTANCE}` },
    });

    // Act & Assess
    expect(findNodeForInstance([decoy, real], INSTANCE)).toBe(real);
  });

  it('prefers a live node over one being deleted', () => {
    // Prepare
    const deleting = aNode({ metadata: { name: 'old', deletionTimestamp: '2026-03-10T11:00:00Z' } });
    const live = aNode({ metadata: { name: 'new' } });

    // Act & Assess
    expect(findNodeForInstance([deleting, live], INSTANCE)).toBe(live);
  });

  it('returns a node being deleted when it is the only match', () => {
    // Prepare
    const deleting = aNode({ metadata: { name: 'old', deletionTimestamp: '2026-03-10T11:00:00Z' } });

    // Act & Assess
    expect(findNodeForInstance([deleting], INSTANCE)).toBe(deleting);
  });

  it('returns nothing when no node matches', () => {
    // Act & Assess
    expect(findNodeForInstance([bareNode(`hyperpod-${INSTANCE}`)], INSTANCE)).toBeUndefined();
  });
});

describe('Function: identityFrom', () => {
  it('combines the HyperPod and Kubernetes views of one node', () => {
    // Prepare
    const node = clusterNode({ nodeLogicalId: 'logical-1', instanceType: 'ml.p5.48xlarge' });

    // Act
    const identity = identityFrom('ml-cluster', node, aNode());

    // Assess
    expect(identity).toEqual({
      clusterName: 'ml-cluster',
      instanceId: INSTANCE,
      instanceGroupName: 'gpu-workers',
      nodeLogicalId: 'logical-1',
      instanceType: 'ml.p5.48xlarge',
      nodeName: `hyperpod-${INSTANCE}`,
      bootId: 'boot-1',
    });
  });

  it('leaves out what is unknown, so the identity is clean JSON', () => {
    // Act & Assess
    expect(identityFrom('ml-cluster', clusterNode())).toEqual({
      clusterName: 'ml-cluster',
      instanceId: INSTANCE,
      instanceGroupName: 'gpu-workers',
    });
  });

  it('leaves out an empty boot id', () => {
    // Act & Assess
    expect(identityFrom('ml-cluster', clusterNode(), aNode({ status: {} }))).not.toHaveProperty('bootId');
  });

  it('never attaches the name or boot id of a node that is not this instance', () => {
    // Prepare
    const wrong = aNode({ spec: { providerID: `aws:///us-west-2a/${OTHER_INSTANCE}` } });

    // Act
    const identity = identityFrom('ml-cluster', clusterNode(), wrong);

    // Assess
    expect(identity).not.toHaveProperty('nodeName');
    expect(identity).not.toHaveProperty('bootId');
  });
});
