import { describe, expect, it } from 'vitest';
import { ErrorNames } from '#contracts/errors.ts';
import { resolveNode } from '#functions/tasks/resolve-node.ts';
import { createFakeHyperPod } from '../../fakes/fake-hyperpod.ts';
import { createFakeKubeApi } from '../../fakes/fake-kube-api.ts';

// The live HyperPod cluster behind a published providerID (docs/facts/node-identity.md,
// identity.provider-id-hyperpod), copied literally; its ARN ends in the providerID's cluster id.
const LIVE_PROVIDER_ID = 'aws:///use1-az4/sagemaker/cluster/hyperpod-tqci9uwuwqiz-i-0f190b8fa232cef49';
const LIVE_INSTANCE = 'i-0f190b8fa232cef49';
const CLUSTER = { name: 'ml-cluster', arn: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/tqci9uwuwqiz' };
const OTHER_CLUSTER = { name: 'other', arn: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/zyxwvu987654' };

/** A cluster with the live instance, whose Kubernetes node carries the published providerID. */
const liveCluster = (cluster = CLUSTER) => {
  const kube = createFakeKubeApi();
  const hyperpod = createFakeHyperPod({
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    eksClusterName: 'eks',
    kube,
  });
  hyperpod.addInstance({ instanceId: LIVE_INSTANCE });
  const node = kube.nodes.get(`hyperpod-${LIVE_INSTANCE}`);
  if (!node) throw new Error('the fake made no node');
  node.spec = { ...node.spec, providerID: LIVE_PROVIDER_ID };
  return { kube, hyperpod };
};

describe('Function: resolveNode', () => {
  it('resolves a manual request by node name through the HyperPod providerID', async () => {
    // Prepare
    const { kube, hyperpod } = liveCluster();

    // Act
    const { identity } = await resolveNode(
      { cluster: CLUSTER, nodeName: `hyperpod-${LIVE_INSTANCE}` },
      hyperpod.clusterNodes,
      kube,
    );

    // Assess
    expect(identity).toMatchObject({
      clusterName: 'ml-cluster',
      instanceId: LIVE_INSTANCE,
      nodeName: `hyperpod-${LIVE_INSTANCE}`,
    });
  });

  it('finds the node of an instance under any name, by its HyperPod providerID', async () => {
    // Prepare
    const { kube, hyperpod } = liveCluster();
    const node = kube.nodes.get(`hyperpod-${LIVE_INSTANCE}`)!;
    kube.nodes.delete(node.metadata.name);
    kube.addNode({ ...node, metadata: { ...node.metadata, name: 'ip-10-1-2-3.ec2.internal' } });

    // Act
    const { identity } = await resolveNode(
      { cluster: CLUSTER, instanceId: LIVE_INSTANCE },
      hyperpod.clusterNodes,
      kube,
    );

    // Assess
    expect(identity.nodeName).toBe('ip-10-1-2-3.ec2.internal');
  });

  it('refuses a node name of another HyperPod cluster and says whose node it is', async () => {
    // Prepare: the same EKS cluster also runs nodes of a second HyperPod cluster.
    const { kube } = liveCluster();
    const ours = createFakeHyperPod({
      clusterName: OTHER_CLUSTER.name,
      clusterArn: OTHER_CLUSTER.arn,
      eksClusterName: 'eks',
      kube,
    });

    // Act
    const resolving = resolveNode(
      { cluster: OTHER_CLUSTER, nodeName: `hyperpod-${LIVE_INSTANCE}` },
      ours.clusterNodes,
      kube,
    );

    // Assess
    await expect(resolving).rejects.toMatchObject({
      name: ErrorNames.NodeNotFound,
      message: expect.stringContaining('of HyperPod cluster tqci9uwuwqiz, not of other'),
    });
    expect(ours.calls).toEqual([]);
  });

  it('refuses a node name without an AWS providerID', async () => {
    // Prepare
    const { kube, hyperpod } = liveCluster();
    kube.addNode({
      metadata: { name: 'kind-worker' },
      spec: { providerID: 'kind://docker/kind/kind-worker' },
    });

    // Act & Assess
    await expect(
      resolveNode({ cluster: CLUSTER, nodeName: 'kind-worker' }, hyperpod.clusterNodes, kube),
    ).rejects.toMatchObject({
      name: ErrorNames.NodeNotFound,
      message: expect.stringContaining('no AWS providerID'),
    });
  });

  it('leaves the node name out when the only node with that instance id belongs to another cluster', async () => {
    // Prepare: SageMaker of OTHER_CLUSTER knows the instance id, but the node is the live cluster's.
    const { kube } = liveCluster();
    const other = createFakeHyperPod({
      clusterName: OTHER_CLUSTER.name,
      clusterArn: OTHER_CLUSTER.arn,
      eksClusterName: 'eks',
      kube: createFakeKubeApi(),
    });
    other.addInstance({ instanceId: LIVE_INSTANCE });

    // Act
    const { identity, kubeNode } = await resolveNode(
      { cluster: OTHER_CLUSTER, instanceId: LIVE_INSTANCE },
      other.clusterNodes,
      kube,
    );

    // Assess
    expect(kubeNode).toBeUndefined();
    expect(identity).not.toHaveProperty('nodeName');
  });
});
