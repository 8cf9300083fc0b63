/** Builders shared by the domain unit tests: defaults plus the fields a case cares about. */
import type { ClusterGuardState, NodeHistory } from '#adapters/ports.ts';
import { type Policy, policySchema } from '#contracts/config/policy.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import type { Fault } from '#domain/types.ts';

export const NOW = '2026-03-10T12:00:00.000Z';
export const INSTANCE = 'i-0123456789abcdef0';
export const OTHER_INSTANCE = 'i-0fedcba9876543210';
export const CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
/** `spec.providerID` of a HyperPod node of CLUSTER_ARN (shape: docs/facts/node-identity.md). */
export const hyperpodProviderId = (
  instanceId: string,
  clusterId = 'abcdef123456',
  azId = 'usw2-az1',
): string => `aws:///${azId}/sagemaker/cluster/hyperpod-${clusterId}-${instanceId}`;

/** `NOW` shifted by the given amount (negative = earlier). */
export const at = (offset: { minutes?: number; hours?: number; days?: number; ms?: number }): string =>
  new Date(
    Date.parse(NOW) +
      (offset.ms ?? 0) +
      (offset.minutes ?? 0) * 60_000 +
      (offset.hours ?? 0) * 3_600_000 +
      (offset.days ?? 0) * 86_400_000,
  ).toISOString();

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** Default policy (observe mode) with overrides merged one level deep. */
export const policyWith = (overrides: DeepPartial<Policy> = {}): Policy => {
  const base = policySchema.parse({});
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = (base as Record<string, unknown>)[key];
    merged[key] =
      typeof value === 'object' && value !== null && typeof current === 'object'
        ? { ...current, ...value }
        : value;
  }
  return policySchema.parse(merged);
};

export const emptyHistory = (): NodeHistory => ({ faults: [], reboots: [], replacements: [] });

export const emptyGuardState = (): ClusterGuardState => ({ version: 0, remediations: [] });

export const aFault = (overrides: Partial<Fault> = {}): Fault => ({
  source: 'node-health',
  class: 'recoverable',
  code: 'NvidiaErrorReboot',
  severity: 'high',
  recommendedAction: 'reboot',
  evidence: [],
  ...overrides,
});

export const aNode = (overrides: Partial<KubeNode> = {}): KubeNode => ({
  metadata: { name: `hyperpod-${INSTANCE}`, resourceVersion: '7', labels: {}, annotations: {} },
  spec: { providerID: hyperpodProviderId(INSTANCE) },
  status: { nodeInfo: { bootID: 'boot-1' } },
  ...overrides,
});

/**
 * Table rows → `[case, row]` tuples, so `it.each(named(rows))('%s', (_, row) => …)` prints the whole
 * case sentence (vitest's `$case` truncates names at 40 characters).
 */
export const named = <T extends { case: string }>(rows: readonly T[]): [string, T][] =>
  rows.map((row) => [row.case, row]);
