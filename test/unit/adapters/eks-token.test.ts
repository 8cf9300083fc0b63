import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEksToken, decodeEksToken, partitionOf } from '#adapters/eks-token.ts';
import { ErrorNames } from '#contracts/errors.ts';

const NOW = new Date('2026-01-02T03:04:05Z');
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const INPUT = { clusterName: 'hyperpod-eks', region: 'us-west-2', credentials: CREDENTIALS, now: NOW };

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex');
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * An independent SigV4 query-signature check (AWS's documented algorithm on node:crypto), the
 * way the STS side — or the local simulator's token webhook — verifies a presigned URL.
 */
const expectedSignature = (url: URL, clusterName: string, secretAccessKey: string): string => {
  const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .sort()
    .join('&');
  const canonicalHeaders = `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`;
  const canonicalRequest = [
    'GET',
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    'host;x-k8s-aws-id',
    sha256Hex(''),
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/').slice(1).join('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const [date, region, service] = scope.split('/') as [string, string, string];
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
};

describe('Function: createEksToken', () => {
  it('starts with k8s-aws-v1. followed by unpadded base64url', async () => {
    // Act
    const { token } = await createEksToken(INPUT);

    // Assess
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token.slice('k8s-aws-v1.'.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('=');
    expect(token.length).toBeLessThan(4096);
  });

  it('wraps a GetCallerIdentity URL on the regional STS host that signs x-k8s-aws-id and expires in 60 s', async () => {
    // Act
    const { token } = await createEksToken(INPUT);
    const url = decodeEksToken(token);

    // Assess
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260102/us-west-2/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260102T030405Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', 'x-k8s-aws-id']);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('carries a SigV4 signature that an independent verifier accepts', async () => {
    // Act
    const url = decodeEksToken((await createEksToken(INPUT)).token);

    // Assess
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'hyperpod-eks', CREDENTIALS.secretAccessKey),
    );
  });

  it('reproduces the same signature when re-signed with the same inputs', async () => {
    // Act
    const first = await createEksToken(INPUT);
    const second = await createEksToken({ ...INPUT, credentials: async () => CREDENTIALS });

    // Assess
    expect(second.token).toBe(first.token);
  });

  it('signs a different token for another EKS cluster name', async () => {
    // Act
    const mine = decodeEksToken((await createEksToken(INPUT)).token);
    const other = decodeEksToken((await createEksToken({ ...INPUT, clusterName: 'other-eks' })).token);

    // Assess
    expect(other.searchParams.get('X-Amz-Signature')).not.toBe(mine.searchParams.get('X-Amz-Signature'));
    expect(expectedSignature(mine, 'other-eks', CREDENTIALS.secretAccessKey)).not.toBe(
      mine.searchParams.get('X-Amz-Signature'),
    );
  });

  it('adds the session token of temporary credentials to the signed URL', async () => {
    // Prepare
    const credentials = { ...CREDENTIALS, sessionToken: 'session/token+with=specials' };

    // Act
    const url = decodeEksToken((await createEksToken({ ...INPUT, credentials })).token);

    // Assess
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session/token+with=specials');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'hyperpod-eks', CREDENTIALS.secretAccessKey),
    );
  });

  it('expires the token 14 minutes after signing', async () => {
    // Act
    const { expiresAt } = await createEksToken(INPUT);

    // Assess
    expect(expiresAt).toBe('2026-01-02T03:18:05.000Z');
  });

  // Host strings are aws-iam-authenticator's own test vectors of hosts its verifier accepts for
  // the partition (kubernetes-sigs/aws-iam-authenticator pkg/token/token_test.go
  // `TestSTSEndpoints`, commit 81b1dab): the token must land on one of them.
  it.each([
    { partition: 'aws', region: 'us-west-2', host: 'sts.us-west-2.amazonaws.com' },
    { partition: 'aws', region: 'eu-north-1', host: 'sts.eu-north-1.amazonaws.com' },
    { partition: 'aws-cn', region: 'cn-north-1', host: 'sts.cn-north-1.amazonaws.com.cn' },
    { partition: 'aws-cn', region: 'cn-northwest-1', host: 'sts.cn-northwest-1.amazonaws.com.cn' },
    { partition: 'aws-us-gov', region: 'us-gov-east-1', host: 'sts.us-gov-east-1.amazonaws.com' },
  ])('signs for the regional STS host of $region in partition $partition', async ({ region, host }) => {
    // Act
    const url = decodeEksToken((await createEksToken({ ...INPUT, region })).token);

    // Assess
    expect(url.host).toBe(host);
    expect(url.searchParams.get('X-Amz-Credential')).toBe(`AKIDEXAMPLE/20260102/${region}/sts/aws4_request`);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(url, 'hyperpod-eks', CREDENTIALS.secretAccessKey),
    );
  });

  it('rejects a malformed region with InvalidInputError before signing anything', async () => {
    // Act
    const act = createEksToken({ ...INPUT, region: 'us-west-2.evil.example/' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorNames.InvalidInput });
  });
});

describe('Function: partitionOf', () => {
  it.each([
    { region: 'us-east-1', partition: 'aws', dnsSuffix: 'amazonaws.com' },
    { region: 'cn-north-1', partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' },
    { region: 'cn-northwest-1', partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' },
    { region: 'us-gov-west-1', partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' },
    { region: 'us-gov-east-1', partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' },
    { region: 'us-iso-east-1', partition: 'aws-iso', dnsSuffix: 'c2s.ic.gov' },
    // The SDK's partition() falls back to aws for a region no partition claims.
    { region: 'not-a-region', partition: 'aws', dnsSuffix: 'amazonaws.com' },
  ])('puts $region in partition $partition', ({ region, partition, dnsSuffix }) => {
    // Act
    const result = partitionOf(region);

    // Assess
    expect(result).toEqual({ partition, dnsSuffix });
  });
});

describe('Function: decodeEksToken', () => {
  it.each([
    { case: 'a token without the k8s-aws-v1. prefix', token: 'k8s-aws-v2.aHR0cHM6Ly9zdHM' },
    { case: 'a padded token', token: 'k8s-aws-v1.aHR0cHM6Ly9zdHM=' },
    { case: 'a token that is no URL', token: `k8s-aws-v1.${Buffer.from('not a url').toString('base64url')}` },
  ])('rejects $case with InvalidInputError', ({ token }) => {
    // Act
    const act = () => decodeEksToken(token);

    // Assess
    expect(act).toThrow(expect.objectContaining({ name: ErrorNames.InvalidInput }));
  });
});
