/**
 * EKS bearer token, made the way `aws eks get-token` and aws-iam-authenticator make it
 * (docs/FACTS.md eks.token, docs/facts/semantics.md token.*): a SigV4-presigned STS `GetCallerIdentity` URL whose signed headers
 * include `x-k8s-aws-id: <eks cluster name>`, valid 60 s for signing purposes, wrapped as
 * `k8s-aws-v1.` + unpadded base64url(URL). The host is the regional STS endpoint of the region's
 * partition, `sts.<region>.<dnsSuffix>` (`amazonaws.com`, `amazonaws.com.cn` in aws-cn, …), as the
 * AWS CLI's `eks get-token` gets it from botocore's STS client for that region, and as
 * aws-iam-authenticator's verifier expects it for its partition (pkg/token/token.go
 * `verifySTSHostnameFormat`, pkg/endpoints/partitions.go). Also in local mode: the simulator's
 * token webhook verifies the signature itself and never contacts STS.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, type SignatureV4Init } from '@smithy/signature-v4';
import { InvalidInputError } from '#contracts/errors.ts';

const TOKEN_PREFIX = 'k8s-aws-v1.';
/** Header naming the EKS cluster; signed so a token cannot be replayed against another cluster. */
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** X-Amz-Expires of the presigned URL, as the AWS tools set it. */
const PRESIGN_EXPIRES_SECONDS = 60;
/** STS accepts the URL for 15 min after X-Amz-Date; the tools expire the token 1 min earlier. */
const TOKEN_LIFETIME_MS = 14 * 60_000;

type Credentials = SignatureV4Init['credentials'];

interface EksTokenInput {
  /** EKS cluster name (not the HyperPod cluster name). */
  clusterName: string;
  region: string;
  /** Static credentials or a provider (an SDK client's `config.credentials`). */
  credentials: Credentials;
  /** Signing time; defaults to the current time. */
  now?: Date;
}

interface EksToken {
  token: string;
  /** ISO time after which the token must not be used (signing time + 14 min). */
  expiresAt: string;
}

/**
 * Partitions as the AWS SDKs resolve a region to one: the region regex and DNS suffix of each
 * (aws-sdk-js-v3 packages/util-endpoints/src/lib/aws/partitions.json, shipped in @aws-sdk/core
 * 3.981.2 `submodules/client/util-endpoints/lib/aws/partitions.js`). A region no regex matches
 * falls back to `aws`, as the SDK's `partition()` does.
 */
const PARTITIONS: readonly { partition: string; regionRegex: RegExp; dnsSuffix: string }[] = [
  { partition: 'aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
  { partition: 'aws-cn', regionRegex: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn' },
  { partition: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
  { partition: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov' },
  { partition: 'aws-iso-b', regionRegex: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov' },
  { partition: 'aws-iso-e', regionRegex: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk' },
  { partition: 'aws-iso-f', regionRegex: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov' },
  { partition: 'aws-eusc', regionRegex: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu' },
];

/** Region identifiers as aws-iam-authenticator's `validateInputRegion` (from the Go SDK v1) accepts them. */
const REGION = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * The partition of a region and its DNS suffix. Throws InvalidInputError for a malformed region.
 *
 * @example
 * partitionOf('cn-north-1'); // { partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' }
 */
const partitionOf = (region: string): { partition: string; dnsSuffix: string } => {
  if (!REGION.test(region)) throw new InvalidInputError(`not an AWS region: ${JSON.stringify(region)}`);
  const found = PARTITIONS.find((p) => p.regionRegex.test(region)) ?? PARTITIONS[0];
  return { partition: found?.partition ?? 'aws', dnsSuffix: found?.dnsSuffix ?? 'amazonaws.com' };
};

/**
 * The regional STS host of a region, in the region's partition.
 *
 * @example
 * stsHost('us-west-2'); // 'sts.us-west-2.amazonaws.com'
 * stsHost('cn-north-1'); // 'sts.cn-north-1.amazonaws.com.cn'
 * stsHost('us-gov-west-1'); // 'sts.us-gov-west-1.amazonaws.com'
 */
const stsHost = (region: string): string => `sts.${region}.${partitionOf(region).dnsSuffix}`;

/** RFC 3986 percent-encoding, as SigV4 canonicalizes query strings. */
const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const formatQuery = (query: Record<string, string | string[] | null>): string =>
  Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      if (value === null || value === undefined) return [escapeUri(key)];
      const values = Array.isArray(value) ? value : [value];
      return values.map((v) => `${escapeUri(key)}=${escapeUri(v)}`);
    })
    .join('&');

/** Presigns the STS GetCallerIdentity URL for `clusterName` and wraps it as an EKS token. */
const createEksToken = async ({
  clusterName,
  region,
  credentials,
  now,
}: EksTokenInput): Promise<EksToken> => {
  const signingDate = now ?? new Date();
  const hostname = stsHost(region);
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    headers: { host: hostname, [CLUSTER_ID_HEADER]: clusterName },
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  });
  const signed = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
  const url = `https://${hostname}${signed.path}?${formatQuery(signed.query ?? {})}`;
  const token = TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
  return { token, expiresAt: new Date(signingDate.getTime() + TOKEN_LIFETIME_MS).toISOString() };
};

/** The presigned STS URL inside an EKS token (`base64url` without padding). Throws InvalidInputError. */
const decodeEksToken = (token: string): URL => {
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw new InvalidInputError(`EKS token must start with ${TOKEN_PREFIX}`);
  }
  const encoded = token.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) {
    throw new InvalidInputError('EKS token is not unpadded base64url');
  }
  try {
    return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('EKS token does not contain a URL', [], { cause: error });
  }
};

export {
  CLUSTER_ID_HEADER,
  createEksToken,
  decodeEksToken,
  type EksToken,
  type EksTokenInput,
  PRESIGN_EXPIRES_SECONDS,
  partitionOf,
  stsHost,
  TOKEN_LIFETIME_MS,
  TOKEN_PREFIX,
};
