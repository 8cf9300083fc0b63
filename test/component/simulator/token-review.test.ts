import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEksToken, decodeEksToken } from '#adapters/eks-token.ts';
import { type Simulator, startSimulator } from '#local/simulator/server.ts';
import {
  canonicalPrincipal,
  parseAmzDate,
  parseToken,
  verifyStsHost,
  verifyToken,
} from '#local/simulator/token-review.ts';
import { CREDENTIALS, postTokenReview, presignEksToken, tokenFromUrl } from './helpers.ts';

const ROLE = 'arn:aws:iam::111122223333:role/hyperpod-resilience-lambda';
const UNMAPPED_KEY = { accessKeyId: 'AKIDUNMAPPED0000001', secretAccessKey: 'unmapped-secret' };

describe('Simulator: EKS token webhook (aws-iam-authenticator semantics)', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'ml-cluster', eksClusterName: 'ml-eks', instanceGroups: [] },
        { name: 'other-cluster', eksClusterName: 'other-eks', instanceGroups: [] },
      ],
      credentials: [
        { ...CREDENTIALS, principalArn: ROLE },
        { ...UNMAPPED_KEY, principalArn: 'arn:aws:iam::111122223333:role/stranger' },
      ],
      accessEntries: [
        { principalArn: ROLE, kubernetesGroups: ['hyperpod-resilience'], username: 'hpr-lambda' },
      ],
    });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('authenticates a token made as aws eks get-token makes it, mapping the access entry', async () => {
    // Prepare
    const { token } = await presignEksToken({ clusterName: 'ml-eks' });

    // Act
    const review = await postTokenReview(sim, token);

    // Assess
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      status: {
        authenticated: true,
        user: {
          username: 'hpr-lambda',
          uid: `aws-iam-authenticator:111122223333:${CREDENTIALS.accessKeyId}`,
          groups: ['hyperpod-resilience'],
        },
      },
    });
    expect(sim.calls.authenticate).toBeGreaterThan(0);
  });

  it('authenticates a token from our eks-token adapter and decodes it back to the STS URL', async () => {
    // Prepare
    const { token } = await createEksToken({
      clusterName: 'ml-eks',
      region: 'us-west-2',
      credentials: CREDENTIALS,
    });

    // Act
    const review = await postTokenReview(sim, token);
    const url = decodeEksToken(token);

    // Assess
    expect(review.body.status.authenticated).toBe(true);
    expect(url.host).toBe('sts.us-west-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
  });

  it('rejects a token whose signature was tampered with', async () => {
    // Prepare
    const { url } = await presignEksToken({ clusterName: 'ml-eks' });
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set(
      'X-Amz-Signature',
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    );

    // Act
    const review = await postTokenReview(sim, tokenFromUrl(url));

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain('SignatureDoesNotMatch');
  });

  it('rejects a token signed for a cluster the webhook does not serve', async () => {
    // Prepare
    const { token: unknown } = await presignEksToken({ clusterName: 'someone-elses-eks' });
    const { token: other } = await presignEksToken({ clusterName: 'other-eks' });

    // Act
    const unknownReview = await postTokenReview(sim, unknown);
    const otherOnItsPath = await postTokenReview(sim, other, '/authenticate/other-eks');
    const otherOnWrongPath = await postTokenReview(sim, other, '/authenticate/ml-eks');

    // Assess
    expect(unknownReview.body.status.authenticated).toBe(false);
    expect(otherOnItsPath.body.status.authenticated).toBe(true);
    expect(otherOnWrongPath.body.status.authenticated).toBe(false);
  });

  it('rejects a token whose X-Amz-Date is more than 15 minutes old', async () => {
    // Prepare
    const { token } = await presignEksToken({
      clusterName: 'ml-eks',
      signingDate: new Date(Date.now() - 16 * 60_000),
    });

    // Act
    const review = await postTokenReview(sim, token);

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain('expired');
  });

  it('rejects a presigned URL for a host that is not STS', async () => {
    // Prepare
    const { token } = await presignEksToken({
      clusterName: 'ml-eks',
      host: 'sts.us-west-2.evil.example.com',
    });

    // Act
    const review = await postTokenReview(sim, token);

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain('unexpected hostname');
  });

  it('rejects a token signed with an unknown access key', async () => {
    // Prepare
    const { token } = await presignEksToken({
      clusterName: 'ml-eks',
      accessKeyId: 'AKIDNOBODYKNOWS0001',
      secretAccessKey: 'whatever',
    });

    // Act
    const review = await postTokenReview(sim, token);

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain('unknown access key');
  });

  it('rejects a valid signature whose principal has no access entry', async () => {
    // Prepare
    const { token } = await presignEksToken({ clusterName: 'ml-eks', ...UNMAPPED_KEY });

    // Act
    const review = await postTokenReview(sim, token);

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain('ARN is not mapped');
  });

  it.each([
    ['a missing prefix', (t: string) => t.slice('k8s-aws-v1.'.length), 'prefix'],
    ['padding characters', (t: string) => `${t}==`, 'base64'],
    ['more than 4 KiB', (t: string) => `${t}${'A'.repeat(4096)}`, 'too large'],
  ])('rejects a token with %s', async (_case, mangle, message) => {
    // Prepare
    const { token } = await presignEksToken({ clusterName: 'ml-eks' });

    // Act
    const review = await postTokenReview(sim, mangle(token));

    // Assess
    expect(review.body.status.authenticated).toBe(false);
    expect(review.body.status.error).toContain(message);
  });

  it('rejects an extra query parameter and a non-GetCallerIdentity action', async () => {
    // Prepare
    const { url } = await presignEksToken({ clusterName: 'ml-eks' });
    const extra = new URL(url);
    extra.searchParams.set('Foo', 'bar');
    const action = new URL(url);
    action.searchParams.set('Action', 'AssumeRole');

    // Act
    const extraReview = await postTokenReview(sim, tokenFromUrl(extra));
    const actionReview = await postTokenReview(sim, tokenFromUrl(action));

    // Assess
    expect(extraReview.body.status.error).toContain('non-whitelisted query parameter');
    expect(actionReview.body.status.error).toContain('unexpected action');
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const response = await fetch(`${sim.url}/authenticate`, { method: 'POST', body: 'not json' });

    // Assess
    expect(response.status).toBe(400);
  });
});

describe('Function: verifyToken', () => {
  it('verifies against the cluster name that was signed, trying each candidate', async () => {
    // Prepare
    const { token } = await presignEksToken({ clusterName: 'b-eks', sessionToken: 'session-1' });
    const credentials = [{ ...CREDENTIALS, sessionToken: 'session-1', principalArn: ROLE }];

    // Act
    const result = await verifyToken(token, {
      credentials,
      clusterNames: ['a-eks', 'b-eks'],
      now: new Date(),
    });
    const wrongSession = await verifyToken(token, {
      credentials: [{ ...credentials[0]!, sessionToken: 'session-2' }],
      clusterNames: ['b-eks'],
      now: new Date(),
    });

    // Assess
    expect(result).toMatchObject({ ok: true, value: { clusterName: 'b-eks', sessionToken: 'session-1' } });
    expect(wrongSession.ok).toBe(false);
  });

  it('rejects a credential scope whose region differs from the STS host region', async () => {
    // Prepare
    const { url } = await presignEksToken({ clusterName: 'ml-eks' });
    url.searchParams.set(
      'X-Amz-Credential',
      url.searchParams.get('X-Amz-Credential')!.replace('/us-west-2/', '/eu-west-1/'),
    );

    // Act
    const parsed = parseToken(tokenFromUrl(url), new Date());

    // Assess
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('region') });
  });

  it('accepts the global STS host with a us-east-1 scope', async () => {
    // Prepare
    const { token } = await presignEksToken({
      clusterName: 'ml-eks',
      host: 'sts.amazonaws.com',
      region: 'us-east-1',
    });

    // Act
    const result = await verifyToken(token, {
      credentials: [{ ...CREDENTIALS, principalArn: ROLE }],
      clusterNames: ['ml-eks'],
      now: new Date(),
    });

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('Function: verifyStsHost', () => {
  // aws-iam-authenticator's own table (pkg/token/token_test.go `TestSTSEndpoints` and
  // `TestSTSEndpointResolution`, commit 81b1dab): partition, host, accepted?, verifier region.
  it.each([
    ['aws', 'sts.amazonaws.com', true, ''],
    ['aws-cn', 'sts.amazonaws.com', false, ''],
    ['aws-us-gov', 'sts.amazonaws.com', false, ''],
    ['aws-iso', 'sts.amazonaws.com', false, ''],
    ['aws-not-a-partition', 'sts.amazonaws.com', false, ''],
    ['aws-cn', 'sts.cn-northwest-1.amazonaws.com.cn', true, ''],
    ['aws-cn', 'sts.cn-north-1.amazonaws.com.cn', true, ''],
    ['aws-cn', 'sts.us-iso-east-1.c2s.ic.gov', false, ''],
    ['aws-cn', 'sts.not-a-region1.amazonaws.com.cn', false, ''],
    ['aws-cn', 'sts.not-a-region2.amazonaws.com.cn', true, 'not-a-region2'],
    ['aws', 'sts-fips.us-west-2.amazonaws.com', true, ''],
    ['aws', 'sts.us-east-1.amazonaws.com', true, ''],
    ['aws', 'sts.us-west-2.amazonaws.com', true, ''],
    ['aws', 'sts.eu-north-1.amazonaws.com', true, ''],
    ['aws', 'sts.amazonaws.com.cn', false, ''],
    ['aws', 'website.amazonaws.com', false, ''],
    ['aws', 'sts.default-region.amazonaws.com', true, 'default-region'],
    ['aws-iso', 'sts.us-iso-east-1.c2s.ic.gov', true, ''],
    ['aws-iso', 'sts.cn-north-1.amazonaws.com.cn', false, ''],
    ['aws-us-gov', 'sts.us-gov-east-1.amazonaws.com', true, ''],
    ['aws-cn', 'sts-fips.us-east-1.amazonaws.com', false, ''],
    ['aws-cn', 'sts.us-isob-east-1.amazonaws.com.cn', false, ''],
    ['aws-cn', 'sts.us-isob-east-1.amazonaws.com.cn', true, 'us-isob-east-1'],
    ['aws-iso-b', 'sts.us-isob-east-1.amazonaws.com.cn', false, 'us-isob-east-1'],
    ['aws', 'sts.us-west-2.api.aws', true, ''],
    ['aws-cn', 'sts.cn-north-1.api.amazonwebservices.com.cn', true, ''],
    ['aws', 'sts.cn-north-1.api.amazonwebservices.com.cn', false, ''],
    ['aws', 'sts.not-a-region.amazonaws.com', true, 'us-west-2'],
    ['aws-cn', 'sts.not-a-region5.amazonaws.com.cn', false, 'us-west-2'],
    ['aws-cn', 'sts.us-west-2.amazonaws.com.cn', false, ''],
    ['aws', 'sts.us-west-2.amazonaws.com.cn', false, 'us-west-2'],
    ['aws-cn', 'sts.not-a-region.amazonaws.com', false, 'not-a-region'],
  ] as const)(
    'in partition %s, host %s is accepted: %s (verifier region "%s")',
    (partition, host, valid, region) => {
      // Act
      const result = verifyStsHost(host, { partition, region });

      // Assess
      expect(result.ok).toBe(valid);
    },
  );
});

describe('Function: verifyToken in other partitions', () => {
  const CN_ROLE = 'arn:aws-cn:iam::111122223333:role/hyperpod-resilience-lambda';
  const GOV_ROLE = 'arn:aws-us-gov:iam::111122223333:role/hyperpod-resilience-lambda';

  it.each([
    { partition: 'aws-cn', region: 'cn-north-1', principalArn: CN_ROLE },
    { partition: 'aws-us-gov', region: 'us-gov-west-1', principalArn: GOV_ROLE },
  ])(
    "authenticates our adapter's token for $region against a $partition authenticator",
    async ({ partition, region, principalArn }) => {
      // Prepare
      const { token } = await createEksToken({ clusterName: 'ml-eks', region, credentials: CREDENTIALS });

      // Act
      const result = await verifyToken(token, {
        credentials: [{ ...CREDENTIALS, principalArn }],
        clusterNames: ['ml-eks'],
        now: new Date(),
        scope: { partition, region },
      });

      // Assess
      expect(result).toMatchObject({ ok: true, value: { clusterName: 'ml-eks' } });
    },
  );

  it('rejects a commercial-partition token at an aws-cn authenticator', async () => {
    // Prepare
    const { token } = await createEksToken({
      clusterName: 'ml-eks',
      region: 'us-west-2',
      credentials: CREDENTIALS,
    });

    // Act
    const result = await verifyToken(token, {
      credentials: [{ ...CREDENTIALS, principalArn: CN_ROLE }],
      clusterNames: ['ml-eks'],
      now: new Date(),
      scope: { partition: 'aws-cn', region: 'cn-north-1' },
    });

    // Assess
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('does not support hostname') });
  });

  it("rejects a key of another partition at that partition's STS", async () => {
    // Prepare: the authenticator's host check lets a commercial host through for aws-us-gov
    // (same domain), so it is STS that refuses a key it does not know.
    const { token } = await createEksToken({
      clusterName: 'ml-eks',
      region: 'us-west-2',
      credentials: CREDENTIALS,
    });

    // Act
    const result = await verifyToken(token, {
      credentials: [{ ...CREDENTIALS, principalArn: GOV_ROLE }],
      clusterNames: ['ml-eks'],
      now: new Date(),
      scope: { partition: 'aws-us-gov', region: 'us-gov-west-1' },
    });

    // Assess
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringContaining('security token included in the request is invalid'),
    });
  });
});

describe('Function: canonicalPrincipal', () => {
  it('maps an assumed-role ARN to its IAM role ARN and keeps the session name', () => {
    // Act
    const principal = canonicalPrincipal('arn:aws:sts::111122223333:assumed-role/hpr-lambda/session-7');

    // Assess
    expect(principal).toEqual({
      canonical: 'arn:aws:iam::111122223333:role/hpr-lambda',
      accountId: '111122223333',
      sessionName: 'session-7',
    });
  });
});

describe('Function: parseAmzDate', () => {
  it('parses the SigV4 date format and refuses anything else', () => {
    // Act
    const good = parseAmzDate('20260601T172025Z');
    const bad = parseAmzDate('2026-06-01T17:20:25Z');

    // Assess
    expect(good?.toISOString()).toBe('2026-06-01T17:20:25.000Z');
    expect(bad).toBeUndefined();
  });
});
