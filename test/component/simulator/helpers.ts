/**
 * Helpers for simulator tests: SDK clients pointed at the simulator, polling with a deadline,
 * and an EKS token built exactly as `aws eks get-token` builds it.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { EKSClient } from '@aws-sdk/client-eks';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { pollUntil } from '#local/poll.ts';
import type { Simulator } from '#local/simulator/server.ts';

const REGION = 'us-west-2';
const CREDENTIALS = { accessKeyId: 'AKIDSIMULATORTEST01', secretAccessKey: 'simulator-test-secret' };

/** Real SDK clients reaching the simulator through their ordinary endpoint setting; no retries. */
const clientsFor = (sim: Simulator) => {
  const config = { endpoint: sim.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  return {
    sagemaker: new SageMakerClient(config),
    eks: new EKSClient(config),
    sns: new SNSClient(config),
  };
};

/** Polls `check` until it returns a value other than undefined/false, or fails after the deadline. */
const eventually = <T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 3000, intervalMs = 10, what = 'condition' } = {},
): Promise<T> => pollUntil(check, { what, timeoutMs, intervalMs });

/** Awaits a promise that must reject and returns the error (fails when it resolves). */
const rejectionOf = async (promise: Promise<unknown>): Promise<Error & Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
};

interface TokenOptions {
  clusterName: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  host?: string;
  signingDate?: Date;
  expiresIn?: number;
}

/**
 * `aws eks get-token`: presign GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15
 * with the signed header `x-k8s-aws-id`, X-Amz-Expires 60, then `k8s-aws-v1.` + unpadded base64url(URL).
 */
const presignEksToken = async (options: TokenOptions): Promise<{ token: string; url: URL }> => {
  const region = options.region ?? REGION;
  const host = options.host ?? `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'sts',
    region,
    sha256: Sha256,
    credentials: {
      accessKeyId: options.accessKeyId ?? CREDENTIALS.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? CREDENTIALS.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host, 'x-k8s-aws-id': options.clusterName },
  });
  const signed = await signer.presign(request, {
    expiresIn: options.expiresIn ?? 60,
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
  const url = new URL(`https://${host}/`);
  for (const [key, value] of Object.entries(signed.query ?? {})) url.searchParams.set(key, String(value));
  return { token: `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`, url };
};

/** Re-encodes a token after changing its URL. */
const tokenFromUrl = (url: URL): string => `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`;

/** POSTs a TokenReview to the simulator's webhook, as the kube-apiserver does. */
const postTokenReview = async (sim: Simulator, token: string, path = '/authenticate') => {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      apiVersion: string;
      kind: string;
      status: {
        authenticated: boolean;
        user?: { username: string; uid: string; groups: string[] };
        error?: string;
      };
    },
  };
};

export {
  CREDENTIALS,
  clientsFor,
  eventually,
  postTokenReview,
  presignEksToken,
  REGION,
  rejectionOf,
  tokenFromUrl,
};
