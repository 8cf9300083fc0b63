/**
 * The sweep's drift check of our Kubernetes identities: it reads our RBAC objects and admission
 * policies back from the cluster and compares them with the generated ones
 * (contracts/kube-identity-expected.ts, from deploy/kubernetes-rbac.ts). A difference, or a read that
 * fails (the manifest was never applied, or the sweep's own role was changed), is an error log, the
 * metric `KubernetesIdentityDrift` = 1 and its alarm; the sweep itself goes on (a sweep that stopped
 * on drift would stop finding faults too).
 */
import type { KubeApi } from '#adapters/ports.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { EXPECTED_KUBE_IDENTITY_TEXT } from '#contracts/kube-identity-expected.ts';
import { KUBE_IDENTITY_SELECTOR, kubeIdentityDrift, kubeIdentityText } from '#domain/kube-identity.ts';
import type { TaskDeps } from './deps.ts';

export interface IdentityDrift {
  missing: string[];
  unexpected: string[];
  /** The read failed: the error's name and message. */
  unreadable?: string;
}

export const checkKubeIdentity = async (
  kube: KubeApi,
  clusterName: string,
  deps: Pick<TaskDeps, 'logger' | 'metrics'>,
  expected: string = EXPECTED_KUBE_IDENTITY_TEXT,
): Promise<IdentityDrift> => {
  let drift: IdentityDrift;
  try {
    const live = await kube.listIdentityObjects(HEALTH_CHECK_NAMESPACE, KUBE_IDENTITY_SELECTOR);
    drift = kubeIdentityDrift(expected, kubeIdentityText(live));
  } catch (error) {
    const unreadable = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    drift = { missing: [], unexpected: [], unreadable };
  }
  const drifted = drift.missing.length > 0 || drift.unexpected.length > 0 || drift.unreadable !== undefined;
  deps.metrics.count('KubernetesIdentityDrift', { clusterName }, drifted ? 1 : 0);
  if (drifted) {
    deps.logger.error(
      'our Kubernetes RBAC objects or admission policies differ from the generated ones: apply `hpr rbac` again',
      { clusterName, ...drift },
    );
  }
  return drift;
};
