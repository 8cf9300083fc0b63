/**
 * Who runs `hpr`: the ARN of the caller's AWS identity, from STS `GetCallerIdentity` signed with
 * the caller's own credentials (docs/facts/cli.md cli.caller-identity). The manual commands record
 * it as `requestedBy` (and `hpr pause` as `by`) instead of anything a person can set, such as
 * `$USER`. The call needs no IAM permission and changes nothing.
 *
 * The request is the Query protocol's form POST (`Action=GetCallerIdentity&Version=2011-06-15`),
 * SigV4-signed for `sts` in the region, sent to the regional endpoint, or to `AWS_ENDPOINT_URL_STS`
 * when set (the SDK's service-specific endpoint variable, docs/FACTS.md cli.endpoint-env).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, type SignatureV4Init } from '@smithy/signature-v4';
import { partitionOf } from '#adapters/eks-token.ts';

/** An IAM or STS principal ARN: `arn:<partition>:(iam|sts)::<12 digits>:<resource>`. */
const CALLER_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[\w+=,.@/-]{1,1024}$/;

/** STS did not say who the caller is: nothing was started. */
export class CallerIdentityError extends Error {}

export interface CallerIdentityOptions {
  region: string;
  credentials: SignatureV4Init['credentials'];
  /** `AWS_ENDPOINT_URL_STS`, else `https://sts.<region>.<dnsSuffix>`. */
  endpoint?: string;
  fetch?: typeof fetch;
}

/**
 * The caller's ARN, e.g. `arn:aws:sts::111122223333:assumed-role/oncall/alice`.
 *
 * @example
 * await callerArn({ region: 'us-west-2', credentials: fromNodeProviderChain() });
 * // 'arn:aws:sts::111122223333:assumed-role/oncall/alice'
 */
export const callerArn = async (options: CallerIdentityOptions): Promise<string> => {
  const url = new URL(
    options.endpoint || `https://sts.${options.region}.${partitionOf(options.region).dnsSuffix}`,
  );
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body,
  });
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'sts',
    sha256: Sha256,
  });
  const signed = await signer.sign(request);
  const send = options.fetch ?? fetch;
  let text: string;
  let status: number;
  try {
    const response = await send(url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new CallerIdentityError(`sts:GetCallerIdentity failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const arn = /<Arn>([^<]*)<\/Arn>/.exec(text)?.[1]?.trim();
  if (status !== 200 || !arn || !CALLER_ARN.test(arn)) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    throw new CallerIdentityError(
      `sts:GetCallerIdentity did not name the caller (HTTP ${status}${code ? ` ${code}` : ''}): ` +
        'check your AWS credentials',
    );
  }
  return arn;
};
