/**
 * EKS bearer-token verification with aws-iam-authenticator semantics (docs/FACTS.md eks.token), for the
 * simulator's kube-apiserver token webhook. aws-iam-authenticator forwards the presigned
 * `sts:GetCallerIdentity` URL to STS with the `x-k8s-aws-id` header set to its own cluster name;
 * STS accepts it only when the SigV4 signature matches. We emulate STS: recompute the presigned
 * signature with @smithy/signature-v4 for the access key in `X-Amz-Credential` (secret from the
 * simulator's credential table), trying each candidate EKS cluster name as the header value.
 *
 * No I/O here: everything is a function of (token, credentials, clusters, access entries, now).
 */
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const MAX_TOKEN_BYTES = 4096;
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** STS accepts a presigned GetCallerIdentity URL for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const PRESIGNED_URL_VALIDITY_MS = 15 * 60 * 1000;

const ALLOWED_PARAMS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);
/** Parameters presign() writes itself; everything else is passed through as the request's query. */
const PRESIGN_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-Security-Token',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]);
/** The global STS endpoint: the `aws` partition only (authenticator `verifySTSHostnameFormat`). */
const GLOBAL_STS_HOST = 'sts.amazonaws.com';

/**
 * STS domains per partition, as aws-iam-authenticator has them (pkg/endpoints/partitions.go
 * `GetSTSPartitionDomain` / `GetSTSDualStackPartitionDomain`, commit 81b1dab).
 */
const AUTHENTICATOR_DOMAINS: Readonly<Record<string, { domain: string; dualStack?: string }>> = {
  aws: { domain: 'amazonaws.com', dualStack: 'api.aws' },
  'aws-cn': { domain: 'amazonaws.com.cn', dualStack: 'api.amazonwebservices.com.cn' },
  'aws-us-gov': { domain: 'amazonaws.com', dualStack: 'api.aws' },
  'aws-iso': { domain: 'c2s.ic.gov' },
  'aws-iso-b': { domain: 'sc2s.sgov.gov' },
  'aws-iso-e': { domain: 'cloud.adc-e.uk' },
  'aws-iso-f': { domain: 'csp.hci.ic.gov' },
  'aws-eusc': { domain: 'amazonaws.eu', dualStack: 'api.amazonwebservices.eu' },
};

/**
 * How the AWS SDK's STS endpoint resolver (which the authenticator calls) places a region: the
 * partition whose region regex matches, else `aws` (aws-sdk partitions.json: regex, DNS suffix,
 * dual-stack suffix).
 */
const SDK_PARTITIONS: readonly { partition: string; regex: RegExp; dns: string; dual: string }[] = [
  {
    partition: 'aws-cn',
    regex: /^cn-\w+-\d+$/,
    dns: 'amazonaws.com.cn',
    dual: 'api.amazonwebservices.com.cn',
  },
  { partition: 'aws-us-gov', regex: /^us-gov-\w+-\d+$/, dns: 'amazonaws.com', dual: 'api.aws' },
  { partition: 'aws-iso', regex: /^us-iso-\w+-\d+$/, dns: 'c2s.ic.gov', dual: 'api.aws.ic.gov' },
  { partition: 'aws-iso-b', regex: /^us-isob-\w+-\d+$/, dns: 'sc2s.sgov.gov', dual: 'api.aws.scloud' },
  {
    partition: 'aws-iso-e',
    regex: /^eu-isoe-\w+-\d+$/,
    dns: 'cloud.adc-e.uk',
    dual: 'api.cloud-aws.adc-e.uk',
  },
  { partition: 'aws-iso-f', regex: /^us-isof-\w+-\d+$/, dns: 'csp.hci.ic.gov', dual: 'api.aws.hci.ic.gov' },
  {
    partition: 'aws-eusc',
    regex: /^eusc-(de)-\w+-\d+$/,
    dns: 'amazonaws.eu',
    dual: 'api.amazonwebservices.eu',
  },
];
const SDK_AWS = { partition: 'aws', dns: 'amazonaws.com', dual: 'api.aws' };

/** The partition the SDK resolves a region to. */
export const sdkPartitionOf = (region: string): string =>
  (SDK_PARTITIONS.find((p) => p.regex.test(region)) ?? SDK_AWS).partition;

/** The hosts the SDK's STS resolver yields for a region (regular/FIPS × IPv4/dual-stack). */
const resolvedStsHosts = (region: string): string[] => {
  const p = SDK_PARTITIONS.find((candidate) => candidate.regex.test(region)) ?? SDK_AWS;
  return [
    `sts.${region}.${p.dns}`,
    `sts-fips.${region}.${p.dns}`,
    `sts.${region}.${p.dual}`,
    `sts-fips.${region}.${p.dual}`,
  ];
};

/** The authenticator's `validateInputRegion` (ported from the Go SDK v1). */
const validRegion = (region: string): boolean => /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(region);

/** The verifier's partition and region, as an EKS cluster's aws-iam-authenticator is configured. */
export interface VerifierScope {
  partition: string;
  /** The cluster's region ('' when unknown): hosts of regions the SDK does not know yet are accepted for it. */
  region: string;
}

const DEFAULT_SCOPE: VerifierScope = { partition: 'aws', region: '' };

/**
 * The STS host check of aws-iam-authenticator's verifier (pkg/token/token.go `verifyHost`,
 * `verifySTSHostnameFormat`): the global host only in `aws`; otherwise the host must be one the
 * SDK resolves for its region whose domain is the verifier partition's, or the default host of
 * the verifier's own region. Returns the region the host names (the credential scope must match).
 */
export const verifyStsHost = (host: string, scope: VerifierScope): Result<{ region: string }> => {
  if (host === GLOBAL_STS_HOST) {
    return scope.partition === 'aws'
      ? { ok: true, value: { region: 'us-east-1' } }
      : formatError(`global endpoint unsupported in partition ${scope.partition}`);
  }
  const parts = host.split('.');
  const region = parts.length >= 3 ? (parts[1] ?? '') : '';
  if (!region) return formatError(`could not parse region for pre-signed URL ${host}`);
  if (!validRegion(region)) return formatError(`invalid region identifier format provided: ${region}`);
  const domains = AUTHENTICATOR_DOMAINS[scope.partition];
  const unexpected = formatError(`unexpected hostname "${host}" in pre-signed URL`);
  if (!resolvedStsHosts(region).includes(host)) {
    // Regions the SDK does not know yet: the verifier's own region in its own partition.
    if (!domains || !validRegion(scope.region)) return unexpected;
    const defaults = [domains.domain, domains.dualStack]
      .filter((d): d is string => d !== undefined)
      .map((d) => `sts.${scope.region}.${d}`);
    return defaults.includes(host) ? { ok: true, value: { region } } : unexpected;
  }
  if (!domains) return unexpected;
  const actual = parts.slice(2).join('.');
  if (parts.length < 4 || (actual !== domains.domain && actual !== domains.dualStack)) {
    return formatError(`partition {${scope.partition}} does not support hostname ${host}`);
  }
  return { ok: true, value: { region } };
};

export interface SimCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, the token must carry this X-Amz-Security-Token. */
  sessionToken?: string;
  /** IAM principal of the credential: `arn:aws:iam::<acct>:role/<name>`, `…:user/<name>` or an assumed-role ARN. */
  principalArn: string;
}

export interface AccessEntry {
  principalArn: string;
  kubernetesGroups: string[];
  /** Defaults to the principal ARN (EKS uses the assumed-role ARN with `{{SessionName}}` for roles). */
  username?: string;
  /** EKS cluster the entry belongs to; every simulated EKS cluster when omitted. */
  clusterName?: string;
}

export interface ParsedToken {
  url: URL;
  params: Map<string, string>;
  accessKeyId: string;
  region: string;
  signedHeaders: string[];
  signature: string;
  signingDate: Date;
  expiresIn: number;
  sessionToken?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });
const formatError = (message: string) => fail(`input token was not properly formatted: ${message}`);

/** `YYYYMMDDTHHMMSSZ` → Date. */
export const parseAmzDate = (value: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** Decodes `k8s-aws-v1.<unpadded base64url>` into the presigned URL. */
export const decodeTokenUrl = (token: string): Result<URL> => {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return formatError('token is too large');
  if (!token.startsWith(TOKEN_PREFIX))
    return formatError(`token is missing expected "${TOKEN_PREFIX}" prefix`);
  const body = token.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) return formatError('illegal base64 data');
  try {
    return { ok: true, value: new URL(Buffer.from(body, 'base64url').toString('utf8')) };
  } catch {
    return formatError('token does not decode to a URL');
  }
};

/**
 * The format checks aws-iam-authenticator makes before calling STS (host, path, parameter
 * whitelist, Action, signed `x-k8s-aws-id`, X-Amz-Expires 0–900, X-Amz-Date present and not
 * older than 15 minutes) plus the checks STS makes on the credential scope and the date.
 */
export const parseToken = (
  token: string,
  now: Date,
  verifier: VerifierScope = DEFAULT_SCOPE,
): Result<ParsedToken> => {
  const decoded = decodeTokenUrl(token);
  if (!decoded.ok) return decoded;
  const url = decoded.value;
  if (url.protocol !== 'https:')
    return formatError(`unexpected scheme "${url.protocol.replace(':', '')}" in pre-signed URL`);
  const host = verifyStsHost(url.host, verifier);
  if (!host.ok) return host;
  if (url.pathname !== '/') return formatError('unexpected path in pre-signed URL');

  const params = new Map<string, string>();
  const lower = new Map<string, string>();
  for (const key of new Set(url.searchParams.keys())) {
    if (!ALLOWED_PARAMS.has(key.toLowerCase()))
      return formatError(`non-whitelisted query parameter "${key}"`);
    const values = url.searchParams.getAll(key);
    if (values.length !== 1 || lower.has(key.toLowerCase())) {
      return formatError('query parameter with multiple values not supported');
    }
    params.set(key, values[0] ?? '');
    lower.set(key.toLowerCase(), values[0] ?? '');
  }
  if (lower.get('action') !== 'GetCallerIdentity')
    return formatError('unexpected action parameter in pre-signed URL');
  if (lower.get('version') !== '2011-06-15')
    return formatError('unexpected version parameter in pre-signed URL');
  const signedHeaders = (lower.get('x-amz-signedheaders') ?? '').split(';').filter(Boolean);
  if (!signedHeaders.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) {
    return formatError(`client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`);
  }
  const expiresRaw = lower.get('x-amz-expires') ?? '';
  const expiresIn = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : Number.NaN;
  if (!(expiresIn >= 0 && expiresIn <= 900)) {
    return formatError(`invalid X-Amz-Expires parameter in pre-signed URL: ${expiresRaw}`);
  }
  const dateRaw = lower.get('x-amz-date');
  if (!dateRaw) return formatError('X-Amz-Date parameter must be present in pre-signed URL');
  const signingDate = parseAmzDate(dateRaw);
  if (!signingDate) return formatError(`error parsing X-Amz-Date parameter ${dateRaw}`);
  if (now.getTime() > signingDate.getTime() + PRESIGNED_URL_VALIDITY_MS) {
    return formatError(`X-Amz-Date parameter is expired (15 minute expiration) ${signingDate.toISOString()}`);
  }

  // From here on STS would answer 403: signature problems.
  const sts = (message: string) => fail(`sts getCallerIdentity failed: ${message}`);
  if (signingDate.getTime() > now.getTime() + PRESIGNED_URL_VALIDITY_MS) {
    return sts('Signature not yet current');
  }
  if (lower.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return sts('unsupported X-Amz-Algorithm');
  const scope = (lower.get('x-amz-credential') ?? '').split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = scope;
  if (scope.length !== 5 || !accessKeyId || service !== 'sts' || terminator !== 'aws4_request') {
    return sts('malformed X-Amz-Credential');
  }
  if (scopeDate !== dateRaw.slice(0, 8)) return sts('credential scope date does not match X-Amz-Date');
  const hostRegion = host.value.region;
  if (region !== hostRegion) return sts(`credential should be scoped to a valid region, not '${region}'`);
  const signature = lower.get('x-amz-signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) return sts('malformed X-Amz-Signature');
  const sessionToken = lower.get('x-amz-security-token');
  return {
    ok: true,
    value: {
      url,
      params,
      accessKeyId,
      region,
      signedHeaders: signedHeaders.map((h) => h.toLowerCase()),
      signature,
      signingDate,
      expiresIn,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    },
  };
};

/** The presigned signature of the token's request for one credential and one `x-k8s-aws-id` value. */
export const presignedSignature = async (
  parsed: ParsedToken,
  credential: { accessKeyId: string; secretAccessKey: string },
  clusterName: string,
): Promise<string> => {
  const query: Record<string, string> = {};
  for (const [key, value] of parsed.params) if (!PRESIGN_PARAMS.has(key)) query[key] = value;
  const signer = new SignatureV4({
    service: 'sts',
    region: parsed.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      ...(parsed.sessionToken === undefined ? {} : { sessionToken: parsed.sessionToken }),
    },
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: parsed.url.hostname,
    path: '/',
    query,
    headers: { host: parsed.url.host, [CLUSTER_ID_HEADER]: clusterName },
  });
  const signed = await signer.presign(request, {
    expiresIn: parsed.expiresIn,
    signingDate: parsed.signingDate,
  });
  const value = signed.query?.['X-Amz-Signature'];
  return typeof value === 'string' ? value : '';
};

const sameHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface VerifiedToken {
  accessKeyId: string;
  credential: SimCredential;
  /** The EKS cluster name the token was signed for (`x-k8s-aws-id`). */
  clusterName: string;
  sessionToken?: string;
}

/**
 * Full verification: format checks, then the STS emulation. `clusterNames` are the EKS clusters
 * the webhook serves (a token signed for any other name fails, as aws-iam-authenticator's STS call
 * does with its own cluster id in the header).
 */
export const verifyToken = async (
  token: string,
  context: {
    credentials: readonly SimCredential[];
    clusterNames: readonly string[];
    now: Date;
    /** The authenticator's partition and region; default `aws` and none. */
    scope?: VerifierScope;
  },
): Promise<Result<VerifiedToken>> => {
  const parsed = parseToken(token, context.now, context.scope);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  const sts = (message: string) => fail(`sts getCallerIdentity failed: ${message}`);
  const unsupported = p.signedHeaders.filter((h) => h !== 'host' && h !== CLUSTER_ID_HEADER);
  if (unsupported.length > 0) return sts(`cannot verify signed headers ${unsupported.join(',')}`);
  const credential = context.credentials.find((c) => c.accessKeyId === p.accessKeyId);
  if (!credential) return sts('The security token included in the request is invalid (unknown access key)');
  if (credential.sessionToken !== undefined && credential.sessionToken !== p.sessionToken) {
    return sts('The security token included in the request is invalid');
  }
  // Each partition's STS knows only its own principals: a key of another partition is unknown there.
  const hostPartition = p.url.host === GLOBAL_STS_HOST ? 'aws' : sdkPartitionOf(p.region);
  if (arnPartition(credential.principalArn) !== hostPartition) {
    return sts(
      `The security token included in the request is invalid (no such key in partition ${hostPartition})`,
    );
  }
  for (const clusterName of context.clusterNames) {
    const expected = await presignedSignature(p, credential, clusterName);
    if (sameHex(expected, p.signature)) {
      return {
        ok: true,
        value: {
          accessKeyId: p.accessKeyId,
          credential,
          clusterName,
          ...(p.sessionToken === undefined ? {} : { sessionToken: p.sessionToken }),
        },
      };
    }
  }
  return sts(
    'SignatureDoesNotMatch: the request signature does not match for any cluster this authenticator serves',
  );
};

/** `arn:<partition>:…` → the partition ('' when not an ARN). */
const arnPartition = (arn: string): string => /^arn:([\w-]+):/.exec(arn)?.[1] ?? '';

/**
 * `arn:aws:sts::<acct>:assumed-role/<role>/<session>` → `arn:aws:iam::<acct>:role/<role>` (what
 * access entries name); other ARNs unchanged.
 */
export const canonicalPrincipal = (
  arn: string,
): { canonical: string; accountId: string; sessionName?: string } => {
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) {
    const [, partition, accountId = '', role, sessionName = ''] = assumed;
    return { canonical: `arn:${partition}:iam::${accountId}:role/${role}`, accountId, sessionName };
  }
  const accountId = /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? '';
  return { canonical: arn, accountId };
};

export interface TokenReviewUser {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Maps the verified principal through the access-entry table (EKS access entries). */
export const resolveUser = (
  verified: VerifiedToken,
  accessEntries: readonly AccessEntry[],
): Result<TokenReviewUser> => {
  const { canonical, accountId, sessionName } = canonicalPrincipal(verified.credential.principalArn);
  const entry = accessEntries.find(
    (e) =>
      (e.clusterName === undefined || e.clusterName === verified.clusterName) &&
      canonicalPrincipal(e.principalArn).canonical === canonical,
  );
  if (!entry) return fail(`ARN is not mapped: ${canonical}`);
  const session = sessionName ?? verified.accessKeyId;
  const username = (entry.username ?? verified.credential.principalArn)
    .replaceAll('{{SessionName}}', session)
    .replaceAll('{{AccountID}}', accountId)
    .replaceAll('{{AccessKeyID}}', verified.accessKeyId);
  return {
    ok: true,
    value: {
      username,
      uid: `aws-iam-authenticator:${accountId}:${verified.accessKeyId}`,
      groups: [...entry.kubernetesGroups],
      extra: {
        accessKeyId: [verified.accessKeyId],
        arn: [verified.credential.principalArn],
        canonicalArn: [canonical],
        ...(sessionName ? { sessionName: [sessionName] } : {}),
      },
    },
  };
};

/** `authentication.k8s.io/v1` TokenReview as the kube-apiserver webhook sends and expects it. */
export interface TokenReview {
  apiVersion: string;
  kind: 'TokenReview';
  metadata?: Record<string, unknown>;
  /** Present on requests; answers leave it out (the token is never echoed). */
  spec?: { token: string; audiences?: string[] };
  status?: {
    authenticated: boolean;
    user?: TokenReviewUser;
    audiences?: string[];
    error?: string;
  };
}

/** Answers a TokenReview request (the body the kube-apiserver webhook posts). */
export const reviewToken = async (
  request: unknown,
  context: {
    credentials: readonly SimCredential[];
    clusterNames: readonly string[];
    accessEntries: readonly AccessEntry[];
    now: Date;
    scope?: VerifierScope;
  },
): Promise<TokenReview> => {
  const body = (request ?? {}) as Partial<TokenReview>;
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : 'authentication.k8s.io/v1';
  const token = typeof body.spec?.token === 'string' ? body.spec.token : '';
  const answer = (status: NonNullable<TokenReview['status']>): TokenReview => ({
    apiVersion,
    kind: 'TokenReview',
    metadata: { creationTimestamp: null },
    status,
  });
  if (body.kind !== 'TokenReview' || !token) {
    return answer({ authenticated: false, error: 'request is not a TokenReview with spec.token' });
  }
  const verified = await verifyToken(token, context);
  if (!verified.ok) return answer({ authenticated: false, error: verified.error });
  const user = resolveUser(verified.value, context.accessEntries);
  if (!user.ok) return answer({ authenticated: false, error: user.error });
  return answer({
    authenticated: true,
    user: user.value,
    ...(body.spec?.audiences ? { audiences: body.spec.audiences } : {}),
  });
};
