/**
 * vitest globalSetup of the e2e project: ONE tier-1 test-bed control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok) for the whole run, with our CRDs and RBAC.
 * Tests read it with `inject('testbed')`. Logs are kept when a test failed (or with
 * HPR_KEEP_TESTBED_LOGS=1); the path is printed.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { KUBE_GROUPS, KUBE_LAMBDAS, kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import { type ControlPlane, startControlPlane } from '#local/testbed/control-plane.ts';
import { installCrds } from '#local/testbed/crds.ts';
import { applyRbac } from '#local/testbed/rbac.ts';

export interface TestbedInfo {
  server: string;
  /** CA of the apiserver, base64 PEM (kubeconfig `certificate-authority-data`). */
  caData: string;
  /** Bearer token of `admin` (system:masters). */
  adminToken: string;
  kubeconfigPath: string;
  /** Bearer token of user `hyperpod-resilience-e2e` in every Lambda's group (KUBE_GROUPS): our RBAC and admission policies only. */
  rbacToken: string;
  /**
   * Per Kubernetes-calling Lambda, the bearer token of a user in that Lambda's group only, as its
   * EKS access entry maps its role (deploy/kubernetes-rbac.ts kubeGroupOf).
   */
  lambdaTokens: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[testbed] ${line}\n`);
  const rbacToken = randomBytes(24).toString('hex');
  const lambdaTokens = Object.fromEntries(
    KUBE_LAMBDAS.map((lambda) => [lambda, randomBytes(24).toString('hex')]),
  );
  log('starting tier-1 control plane (first run builds the binaries: progress below)');
  const cp: ControlPlane = await startControlPlane({
    tier: 1,
    log,
    staticTokens: [
      { token: rbacToken, user: 'hyperpod-resilience-e2e', uid: 'hpr-e2e', groups: [...KUBE_GROUPS] },
      ...KUBE_LAMBDAS.map((lambda) => ({
        token: lambdaTokens[lambda] ?? '',
        user: `hyperpod-resilience-e2e-${lambda}`,
        uid: `hpr-e2e-${lambda}`,
        groups: [kubeGroupOf(lambda)],
      })),
    ],
  });
  try {
    await installCrds(cp);
    await applyRbac(cp);
  } catch (err) {
    await cp.stop({ keepLogs: true });
    throw err;
  }
  log(`ready in ${cp.startupMs} ms at ${cp.server}; kubeconfig ${cp.kubeconfigPath}`);
  project.provide('testbed', {
    server: cp.server,
    caData: cp.caData,
    adminToken: cp.adminToken,
    kubeconfigPath: cp.kubeconfigPath,
    rbacToken,
    lambdaTokens,
  });

  return async () => {
    let failed = process.env.HPR_KEEP_TESTBED_LOGS === '1';
    try {
      failed ||= project.vitest.state.getCountOfFailedTests() > 0;
    } catch {
      // Older/newer vitest without that API: keep logs only on request.
    }
    await cp.stop({ keepLogs: failed });
    if (failed) log(`logs kept in ${cp.logDir}`);
  };
}
