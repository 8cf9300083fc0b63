import {
  DescribeClusterCommand,
  EKSClient,
  EKSServiceException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeApiFactory } from '#adapters/eks.ts';
import { decodeEksToken } from '#adapters/eks-token.ts';
import type { KubeApiOptions } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { ErrorNames, KubernetesUnavailableError } from '#contracts/errors.ts';

const eksMock = mockClient(EKSClient);
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** A factory with a hand-set clock and a recorder instead of real KubeApi construction. */
const setup = (options: { cacheMs?: number } = {}) => {
  const clock = { now: new Date('2026-01-02T03:00:00Z') };
  const built: KubeApiOptions[] = [];
  const factory = createKubeApiFactory({
    eks: new EKSClient({ region: 'us-west-2', credentials: CREDENTIALS }),
    region: 'us-west-2',
    credentials: CREDENTIALS,
    ...options,
    now: () => clock.now,
    kubeApiFor: (kubeOptions) => {
      built.push(kubeOptions);
      return { id: built.length } as unknown as KubeApi;
    },
  });
  const advance = (minutes: number) => {
    clock.now = new Date(clock.now.getTime() + minutes * 60_000);
  };
  return { factory, built, advance };
};

const activeCluster = {
  cluster: {
    name: 'hyperpod-eks',
    status: 'ACTIVE' as const,
    endpoint: 'https://ABCDEF.gr7.us-west-2.eks.amazonaws.com',
    certificateAuthority: { data: CA },
  },
};

afterEach(() => {
  eksMock.reset();
});

describe('Function: createKubeApiFactory', () => {
  it('builds a KubeApi from the EKS endpoint, CA and a token for that cluster', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves(activeCluster);
    const { factory, built } = setup();

    // Act
    await factory('hyperpod-eks');

    // Assess
    expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'hyperpod-eks' });
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({ server: activeCluster.cluster.endpoint, caData: CA });
    const url = decodeEksToken(built[0]?.token ?? '');
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260102T030000Z');
  });

  it('reuses the cached KubeApi within 13 minutes and rebuilds it after', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves(activeCluster);
    const { factory, built, advance } = setup();

    // Act
    const first = await factory('hyperpod-eks');
    advance(12.9);
    const cached = await factory('hyperpod-eks');
    advance(0.2);
    const rebuilt = await factory('hyperpod-eks');

    // Assess
    expect(cached).toBe(first);
    expect(rebuilt).not.toBe(first);
    expect(built).toHaveLength(2);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });

  it('never keeps a KubeApi past one minute before its token expires, whatever cacheMs says', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves(activeCluster);
    const { factory, built, advance } = setup({ cacheMs: 60 * 60_000 });

    // Act
    await factory('hyperpod-eks');
    advance(12.9);
    await factory('hyperpod-eks');
    advance(0.2);
    await factory('hyperpod-eks');

    // Assess
    expect(built).toHaveLength(2);
  });

  it('caches per EKS cluster', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves(activeCluster);
    const { factory, built } = setup();

    // Act
    const a = await factory('cluster-a');
    const b = await factory('cluster-b');

    // Assess
    expect(a).not.toBe(b);
    expect(built).toHaveLength(2);
  });

  it('shares one build between concurrent callers', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves(activeCluster);
    const { factory } = setup();

    // Act
    const [a, b] = await Promise.all([factory('hyperpod-eks'), factory('hyperpod-eks')]);

    // Assess
    expect(a).toBe(b);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
  });

  it('does not cache a failed build', async () => {
    // Prepare
    const throttled = new EKSServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 429 },
      message: 'Rate exceeded',
    });
    eksMock.on(DescribeClusterCommand).rejectsOnce(throttled).resolves(activeCluster);
    const { factory, built } = setup();

    // Act
    const error = await factory('hyperpod-eks').catch((e: unknown) => e);
    await factory('hyperpod-eks');

    // Assess
    expect(error).toBeInstanceOf(KubernetesUnavailableError);
    expect(error).toMatchObject({ cause: throttled });
    expect(built).toHaveLength(1);
  });

  it('maps an unknown EKS cluster to UnknownClusterError', async () => {
    // Prepare
    eksMock
      .on(DescribeClusterCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'No cluster found', $metadata: { httpStatusCode: 404 } }),
      );
    const { factory } = setup();

    // Act
    const error = await factory('missing').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: ErrorNames.UnknownCluster });
  });

  it('answers KubernetesUnavailableError while the EKS cluster has no endpoint yet', async () => {
    // Prepare
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: 'hyperpod-eks', status: 'CREATING' } });
    const { factory } = setup();

    // Act
    const error = await factory('hyperpod-eks').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(KubernetesUnavailableError);
    expect((error as Error).message).toContain('CREATING');
  });
});
