import { describe, expect, it } from 'vitest';
import { LAMBDA_IDENTITIES } from '#deploy/kubernetes-rbac.ts';
import { kubeIdentityText } from '#domain/kube-identity.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { checkKubeIdentity } from '#functions/tasks/kube-identity-drift.ts';
import { createFakeKubeApi } from '../../fakes/fake-kube-api.ts';

const recorder = () => {
  const metrics: { name: string; dimensions?: Record<string, string>; value?: number }[] = [];
  const errors: { message: string; extra?: Record<string, unknown> }[] = [];
  return {
    metrics,
    errors,
    deps: {
      metrics: {
        count: (name: string, dimensions?: Record<string, string>, value?: number) =>
          metrics.push({ name, dimensions, value }),
      },
      logger: {
        info: () => {},
        warn: () => {},
        error: (message: string, extra?: Record<string, unknown>) => errors.push({ message, extra }),
      },
    },
  };
};

/** The generated objects as a cluster that applied `hpr rbac` holds them. */
const applied = (): KubeObject[] =>
  LAMBDA_IDENTITIES.flatMap((id) => [id.clusterRole, id.clusterRoleBinding, id.role, id.roleBinding]).filter(
    (o) => o !== undefined,
  ) as unknown as KubeObject[];

describe('Task: checkKubeIdentity (the sweep’s drift check)', () => {
  it('reports no drift, with the metric at 0, when the cluster holds exactly the generated objects', async () => {
    // Prepare
    const kube = createFakeKubeApi();
    for (const o of applied()) kube.addObject(structuredClone(o));
    const expected = kubeIdentityText(applied());
    const r = recorder();

    // Act
    const drift = await checkKubeIdentity(kube, 'ml-cluster', r.deps, expected);

    // Assess
    expect(drift).toEqual({ missing: [], unexpected: [] });
    expect(r.metrics).toEqual([
      { name: 'KubernetesIdentityDrift', dimensions: { clusterName: 'ml-cluster' }, value: 0 },
    ]);
    expect(r.errors).toEqual([]);
  });

  it('fails loudly (error log, metric 1) naming the role someone widened', async () => {
    // Prepare
    const kube = createFakeKubeApi();
    const objects = applied();
    for (const o of objects) kube.addObject(structuredClone(o));
    const expected = kubeIdentityText(objects);
    const widened = objects.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith(':sweep-cluster'),
    );
    if (!widened) throw new Error('sweep-cluster has no ClusterRole');
    kube.addObject({
      ...widened,
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    } as unknown as KubeObject);
    const r = recorder();

    // Act
    const drift = await checkKubeIdentity(kube, 'ml-cluster', r.deps, expected);

    // Assess
    expect(drift.missing).toEqual(['ClusterRole /hyperpod-resilience:sweep-cluster']);
    expect(r.metrics[0]?.value).toBe(1);
    expect(r.errors[0]?.message).toMatch(/apply `hpr rbac` again/);
  });

  it('counts an unreadable cluster (the manifest never applied) as drift', async () => {
    // Prepare
    const kube = createFakeKubeApi();
    kube.failNext('listIdentityObjects', new Error('HTTP 403 Forbidden'));
    const r = recorder();

    // Act
    const drift = await checkKubeIdentity(kube, 'ml-cluster', r.deps);

    // Assess
    expect(drift.unreadable).toBe('Error: HTTP 403 Forbidden');
    expect(r.metrics[0]?.value).toBe(1);
  });
});
