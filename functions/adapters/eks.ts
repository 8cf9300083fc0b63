/**
 * KubeApiFactory for EKS: `DescribeCluster` gives endpoint and CA, createEksToken the bearer
 * token (docs/FACTS.md eks.token). One KubeApi per EKS cluster is cached by the warm Lambda
 * container for `cacheMs` (13 min), and never past one minute before its token expires;
 * concurrent callers share one in-flight build, and a failed build is not cached.
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { awsErrorName, describeAwsError, isAwsTransient } from '#adapters/aws-errors.ts';
import { createEksToken, type EksTokenInput } from '#adapters/eks-token.ts';
import { createKubeApi, type KubeApiOptions } from '#adapters/kubernetes.ts';
import type { KubeApi, KubeApiFactory } from '#adapters/ports.ts';
import {
  KubernetesRequestFailedError,
  KubernetesUnavailableError,
  UnknownClusterError,
} from '#contracts/errors.ts';

const DEFAULT_CACHE_MS = 13 * 60_000;
/** A cached KubeApi is dropped this long before its token expires. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

interface KubeApiFactoryOptions {
  eks: EKSClient;
  /** Region of the EKS cluster (also the STS region the token is signed for). */
  region: string;
  /** Credentials that sign the token: the Lambda role's. Defaults to the EKS client's provider. */
  credentials?: EksTokenInput['credentials'];
  cacheMs?: number;
  /** Builds the KubeApi from endpoint, CA and token; tests and local mode replace it. */
  kubeApiFor?: (options: KubeApiOptions) => KubeApi;
  /** Clock, injectable for cache tests. */
  now?: () => Date;
}

interface CacheEntry {
  api: KubeApi;
  validUntilMs: number;
}

const toEksError = (error: unknown, clusterName: string): never => {
  const details = { operation: 'eks:DescribeCluster', clusterName, awsError: awsErrorName(error) };
  const text = `EKS DescribeCluster for ${clusterName} failed: ${describeAwsError(error)}`;
  if (isAwsTransient(error)) throw new KubernetesUnavailableError(text, { cause: error, details });
  if (awsErrorName(error) === 'ResourceNotFoundException') {
    throw new UnknownClusterError(`EKS cluster ${clusterName} not found`, { cause: error, details });
  }
  throw new KubernetesRequestFailedError(text, { cause: error, details });
};

const createKubeApiFactory = (options: KubeApiFactoryOptions): KubeApiFactory => {
  const { eks, region } = options;
  const credentials = options.credentials ?? eks.config.credentials;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const kubeApiFor = options.kubeApiFor ?? createKubeApi;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, Promise<CacheEntry>>();

  const build = async (eksClusterName: string): Promise<CacheEntry> => {
    const { cluster } = await eks
      .send(new DescribeClusterCommand({ name: eksClusterName }))
      .catch((error: unknown) => toEksError(error, eksClusterName));
    if (!cluster?.endpoint) {
      throw new KubernetesUnavailableError(
        `EKS cluster ${eksClusterName} has no API endpoint yet (status ${cluster?.status ?? 'unknown'})`,
        { details: { clusterName: eksClusterName, status: cluster?.status } },
      );
    }
    const signedAt = now();
    const { token, expiresAt } = await createEksToken({
      clusterName: eksClusterName,
      region,
      credentials,
      now: signedAt,
    });
    const caData = cluster.certificateAuthority?.data;
    const api = kubeApiFor({ server: cluster.endpoint, token, ...(caData ? { caData } : {}) });
    const validUntilMs = Math.min(
      signedAt.getTime() + cacheMs,
      Date.parse(expiresAt) - TOKEN_EXPIRY_MARGIN_MS,
    );
    return { api, validUntilMs };
  };

  return async (eksClusterName) => {
    const existing = cache.get(eksClusterName);
    if (existing) {
      const entry = await existing;
      if (now().getTime() < entry.validUntilMs) return entry.api;
      if (cache.get(eksClusterName) === existing) cache.delete(eksClusterName);
    }
    const pending = build(eksClusterName);
    cache.set(eksClusterName, pending);
    pending.catch(() => {
      if (cache.get(eksClusterName) === pending) cache.delete(eksClusterName);
    });
    return (await pending).api;
  };
};

export { createKubeApiFactory, DEFAULT_CACHE_MS, type KubeApiFactoryOptions, TOKEN_EXPIRY_MARGIN_MS };

/**
 * The EKS client of a Lambda in `region` and the Lambda role's credentials that sign the token
 * (the composition root wires them; functions/composition/wiring/kube-for.ts).
 */
export const eksClientFor = (region: string): EKSClient => new EKSClient({ region });
export const lambdaRoleCredentials = (): NonNullable<EksTokenInput['credentials']> => fromNodeProviderChain();
