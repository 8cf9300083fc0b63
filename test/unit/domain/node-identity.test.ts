import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import {
  candidateNodeNames,
  clusterIdFromArn,
  findNodeForInstance,
  identityFrom,
  instanceIdOfNode,
  instanceOfNode,
  nodeMatchesInstance,
  parseProviderId,
} from '#domain/node-identity.ts';
import { aNode, CLUSTER_ARN, hyperpodProviderId, INSTANCE, named, OTHER_INSTANCE } from './fixtures.ts';

// Published HyperPod providerIDs, copied literally (docs/facts/node-identity.md, identity.provider-id-hyperpod):
// - observed on a live HyperPod EKS cluster with InstanceId i-0f190b8fa232cef49 (third-party audit report
//   of 2026-09-18, "verified / AWS inventory"; also the fixture of its regression test);
const LIVE_PROVIDER_ID = 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49';
// - a second node of the same live cluster, in a third-party test "observed on a live cluster";
const LIVE_PROVIDER_ID_2 = 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-00f3cbe8dfee6b675';
// - kubernetes/autoscaler PR #8195 (cluster-autoscaler/cloudprovider/aws/aws_cloud_provider_test.go, TestHasInstance
//   case 3): a made-up vector whose ids do not have the documented shapes.
const AUTOSCALER_TEST_PROVIDER_ID = 'aws:///use1-az2/sagemaker/cluster/hyperpod-abc123-i-abc123';
/** The live cluster's ARN: its last segment is the providerID's cluster id (account and region are not in a providerID). */
const LIVE_CLUSTER_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/tqci9uwuwqiz';
const OTHER_CLUSTER_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/zyxwvu987654';

const CLUSTER = { name: 'ml-cluster', arn: CLUSTER_ARN };

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

const withProvider = (providerID: string, name = 'n'): KubeNode => bareNode(name, { spec: { providerID } });

describe('Function: parseProviderId', () => {
  it.each(
    named([
      {
        case: 'reads the HyperPod form observed on a live cluster',
        id: LIVE_PROVIDER_ID,
        expected: {
          kind: 'hyperpod',
          availabilityZoneId: 'use1-az4',
          clusterId: 'tqci9uwuwqiz',
          instanceId: 'i-0f190b8fa232cef49',
        },
      },
      {
        case: 'reads a second HyperPod node of that cluster',
        id: LIVE_PROVIDER_ID_2,
        expected: {
          kind: 'hyperpod',
          availabilityZoneId: 'use1-az4',
          clusterId: 'tqci9uwuwqiz',
          instanceId: 'i-00f3cbe8dfee6b675',
        },
      },
      {
        case: 'reads an 8-hex instance id in the HyperPod form',
        id: 'aws:///usw2-az1/sagemaker/cluster/hyperpod-abcdef123456-i-0123abcd',
        expected: {
          kind: 'hyperpod',
          availabilityZoneId: 'usw2-az1',
          clusterId: 'abcdef123456',
          instanceId: 'i-0123abcd',
        },
      },
      {
        case: 'tolerates surrounding whitespace',
        id: ` ${LIVE_PROVIDER_ID}\n`,
        expected: {
          kind: 'hyperpod',
          availabilityZoneId: 'use1-az4',
          clusterId: 'tqci9uwuwqiz',
          instanceId: 'i-0f190b8fa232cef49',
        },
      },
      {
        case: 'reads the zonal EKS form',
        id: `aws:///us-west-2a/${INSTANCE}`,
        expected: { kind: 'ec2', zone: 'us-west-2a', instanceId: INSTANCE },
      },
      {
        case: 'reads the EKS form without a zone',
        id: `aws:///${INSTANCE}`,
        expected: { kind: 'ec2', instanceId: INSTANCE },
      },
      {
        case: 'rejects the autoscaler test vector: cluster id and instance id are not of the documented shapes',
        id: AUTOSCALER_TEST_PROVIDER_ID,
        expected: undefined,
      },
      {
        case: 'rejects a HyperPod form whose cluster id is not 12 characters',
        id: 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqi-i-0f190b8fa232cef49',
        expected: undefined,
      },
      {
        case: 'rejects a HyperPod form with an upper-case cluster id',
        id: 'aws:///use1-az4/sagemaker/cluster/hyperpod-TQCI9UWUWQIZ-i-0f190b8fa232cef49',
        expected: undefined,
      },
      {
        case: 'rejects a HyperPod form whose zone is not an AZ id',
        id: 'aws:///us-east-1a/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49',
        expected: undefined,
      },
      {
        case: 'rejects a HyperPod form with a trailing segment',
        id: `${LIVE_PROVIDER_ID}/x`,
        expected: undefined,
      },
      {
        case: 'rejects an instance id of neither 8 nor 17 hex digits',
        id: 'aws:///us-west-2a/i-0123456789abcdef',
        expected: undefined,
      },
      { case: 'rejects other providers', id: `kwok://fake/${INSTANCE}`, expected: undefined },
      {
        case: 'rejects an AWS id that is not an instance',
        id: 'aws:///us-west-2a/fargate-ip-10-0-0-1',
        expected: undefined,
      },
      { case: 'rejects extra path segments', id: `aws:///us-west-2/a/${INSTANCE}`, expected: undefined },
      { case: 'rejects a malformed instance id', id: 'aws:///us-west-2a/i-xyz', expected: undefined },
      { case: 'returns nothing for a blank providerID', id: '  ', expected: undefined },
      { case: 'returns nothing without a providerID', id: undefined, expected: undefined },
    ]),
  )('%s', (_case, { id, expected }) => {
    // Act & Assess
    expect(parseProviderId(id)).toEqual(expected);
  });
});

describe('Function: clusterIdFromArn', () => {
  it.each(
    named([
      { case: 'reads the id of a HyperPod cluster ARN', arn: LIVE_CLUSTER_ARN, expected: 'tqci9uwuwqiz' },
      {
        case: 'reads the id in another partition',
        arn: 'arn:aws-cn:sagemaker:cn-north-1:111122223333:cluster/abcdef123456',
        expected: 'abcdef123456',
      },
      {
        case: 'rejects an ARN of another resource type',
        arn: 'arn:aws:eks:us-east-1:111122223333:cluster/tqci9uwuwqiz',
        expected: undefined,
      },
      { case: 'rejects a cluster name', arn: 'ml-cluster', expected: undefined },
    ]),
  )('%s', (_case, { arn, expected }) => {
    // Act & Assess
    expect(clusterIdFromArn(arn)).toBe(expected);
  });
});

describe('Function: instanceOfNode', () => {
  it('resolves the live HyperPod node to its instance for its own cluster', () => {
    // Act & Assess
    expect(instanceOfNode(withProvider(LIVE_PROVIDER_ID), LIVE_CLUSTER_ARN)).toEqual({
      kind: 'instance',
      instanceId: 'i-0f190b8fa232cef49',
      form: 'hyperpod',
    });
  });

  it('reports a HyperPod node of another cluster as such, never as an instance', () => {
    // Act & Assess
    expect(instanceOfNode(withProvider(LIVE_PROVIDER_ID), OTHER_CLUSTER_ARN)).toEqual({
      kind: 'other-cluster',
      instanceId: 'i-0f190b8fa232cef49',
      clusterId: 'tqci9uwuwqiz',
    });
  });

  it('matches no HyperPod node when the cluster ARN cannot be read', () => {
    // Act & Assess
    expect(instanceOfNode(withProvider(LIVE_PROVIDER_ID), 'tqci9uwuwqiz').kind).toBe('other-cluster');
  });

  it('accepts the plain EKS form of a non-HyperPod node group', () => {
    // Act & Assess
    expect(instanceOfNode(withProvider(`aws:///us-west-2a/${INSTANCE}`), CLUSTER_ARN)).toEqual({
      kind: 'instance',
      instanceId: INSTANCE,
      form: 'ec2',
    });
  });

  it('knows nothing of a node without an AWS providerID, whatever its labels say', () => {
    // Prepare
    const labelled = bareNode(`hyperpod-${INSTANCE}`, {
      metadata: { name: `hyperpod-${INSTANCE}`, labels: { 'sagemaker.amazonaws.com/instance-id': INSTANCE } },
    });

    // Act & Assess
    expect(instanceOfNode(labelled, CLUSTER_ARN)).toEqual({ kind: 'unknown' });
    expect(instanceIdOfNode(labelled, CLUSTER_ARN)).toBeUndefined();
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
      { case: 'matches on a HyperPod providerID of this cluster', node: aNode(), expected: true },
      {
        case: 'matches on the plain EKS providerID',
        node: withProvider(`aws:///us-west-2a/${INSTANCE}`),
        expected: true,
      },
      {
        case: 'never matches a HyperPod providerID of another cluster',
        node: withProvider(hyperpodProviderId(INSTANCE, 'zyxwvu987654')),
        expected: false,
      },
      {
        case: 'a providerID naming another instance does not match',
        node: withProvider(hyperpodProviderId(OTHER_INSTANCE)),
        expected: false,
      },
      {
        case: 'never trusts an instance-id label',
        node: bareNode('n', {
          metadata: { name: 'n', labels: { 'sagemaker.amazonaws.com/instance-id': INSTANCE } },
          spec: { providerID: 'kind://x' },
        }),
        expected: false,
      },
      {
        case: 'never trusts the name pattern alone',
        node: bareNode(`hyperpod-${INSTANCE}`),
        expected: false,
      },
    ]),
  )('%s', (_case, { node, expected }) => {
    // Act & Assess
    expect(nodeMatchesInstance(node, INSTANCE, CLUSTER_ARN)).toBe(expected);
  });

  it('matches the live HyperPod node to its instance', () => {
    // Act & Assess
    expect(nodeMatchesInstance(withProvider(LIVE_PROVIDER_ID), 'i-0f190b8fa232cef49', LIVE_CLUSTER_ARN)).toBe(
      true,
    );
  });
});

describe('Function: findNodeForInstance', () => {
  it('finds the node whose providerID names the instance, whatever its name', () => {
    // Prepare
    const decoy = withProvider(hyperpodProviderId(OTHER_INSTANCE), `hyperpod-${INSTANCE}`);
    const real = withProvider(hyperpodProviderId(INSTANCE), 'ip-10-1-2-3.us-west-2.compute.internal');

    // Act & Assess
    expect(findNodeForInstance([decoy, real], INSTANCE, CLUSTER_ARN)).toBe(real);
  });

  it('finds the live nodes among each other by their published providerIDs', () => {
    // Prepare
    const first = withProvider(LIVE_PROVIDER_ID, 'hyperpod-i-0f190b8fa232cef49');
    const second = withProvider(LIVE_PROVIDER_ID_2, 'hyperpod-i-00f3cbe8dfee6b675');

    // Act & Assess
    expect(findNodeForInstance([first, second], 'i-00f3cbe8dfee6b675', LIVE_CLUSTER_ARN)).toBe(second);
    expect(findNodeForInstance([first, second], 'i-0f190b8fa232cef49', LIVE_CLUSTER_ARN)).toBe(first);
  });

  it('does not take the same instance id in another HyperPod cluster', () => {
    // Prepare
    const foreign = withProvider(LIVE_PROVIDER_ID, 'hyperpod-i-0f190b8fa232cef49');

    // Act & Assess
    expect(findNodeForInstance([foreign], 'i-0f190b8fa232cef49', OTHER_CLUSTER_ARN)).toBeUndefined();
  });

  it('prefers a live node over one being deleted', () => {
    // Prepare
    const deleting = aNode({ metadata: { name: 'old', deletionTimestamp: '2026-03-10T11:00:00Z' } });
    const live = aNode({ metadata: { name: 'new' } });

    // Act & Assess
    expect(findNodeForInstance([deleting, live], INSTANCE, CLUSTER_ARN)).toBe(live);
  });

  it('returns a node being deleted when it is the only match', () => {
    // Prepare
    const deleting = aNode({ metadata: { name: 'old', deletionTimestamp: '2026-03-10T11:00:00Z' } });

    // Act & Assess
    expect(findNodeForInstance([deleting], INSTANCE, CLUSTER_ARN)).toBe(deleting);
  });

  it('returns nothing when no node matches', () => {
    // Act & Assess
    expect(findNodeForInstance([bareNode(`hyperpod-${INSTANCE}`)], INSTANCE, CLUSTER_ARN)).toBeUndefined();
  });
});

describe('Function: identityFrom', () => {
  it('combines the HyperPod and Kubernetes views of one node', () => {
    // Prepare
    const node = clusterNode({ nodeLogicalId: 'logical-1', instanceType: 'ml.p5.48xlarge' });

    // Act
    const identity = identityFrom(CLUSTER, node, aNode());

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
    expect(identityFrom(CLUSTER, clusterNode())).toEqual({
      clusterName: 'ml-cluster',
      instanceId: INSTANCE,
      instanceGroupName: 'gpu-workers',
    });
  });

  it('leaves out an empty boot id', () => {
    // Act & Assess
    expect(identityFrom(CLUSTER, clusterNode(), aNode({ status: {} }))).not.toHaveProperty('bootId');
  });

  it.each(
    named([
      { case: 'another instance', providerID: hyperpodProviderId(OTHER_INSTANCE) },
      {
        case: 'the same instance id in another HyperPod cluster',
        providerID: hyperpodProviderId(INSTANCE, 'zyxwvu987654'),
      },
    ]),
  )('never attaches the name or boot id of a node of %s', (_case, { providerID }) => {
    // Act
    const identity = identityFrom(CLUSTER, clusterNode(), aNode({ spec: { providerID } }));

    // Assess
    expect(identity).not.toHaveProperty('nodeName');
    expect(identity).not.toHaveProperty('bootId');
  });
});
