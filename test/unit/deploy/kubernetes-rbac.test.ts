import { describe, expect, it } from 'vitest';
import {
  clusterRole,
  healthCheckRole,
  healthCheckRoleBinding,
  OUR_NAMESPACE,
  RBAC_GROUP,
  rbacManifestYaml,
} from '#deploy/kubernetes-rbac.ts';

describe('RBAC: health-check Jobs', () => {
  it('creates and deletes Jobs only in our own namespace', () => {
    // Assess
    expect(OUR_NAMESPACE).toBe('hyperpod-resilience');
    expect(healthCheckRole.metadata.namespace).toBe(OUR_NAMESPACE);
    expect(healthCheckRole.rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete'] },
    ]);
    expect(healthCheckRoleBinding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: RBAC_GROUP },
    ]);
    const jobs = clusterRole.rules.find((r) => r.apiGroups.includes('batch'));
    expect(jobs?.verbs).not.toContain('create');
    expect(jobs?.verbs).not.toContain('delete');
  });

  it('reads the check pods by label without pods/log access', () => {
    // Assess
    const resources = clusterRole.rules.flatMap((r) => r.resources);
    expect(resources).not.toContain('pods/log');
    expect(clusterRole.rules.find((r) => r.resources.includes('pods'))?.verbs).toContain('list');
  });

  it('ships the namespace first, then the roles and their bindings', () => {
    // Act
    const kinds = rbacManifestYaml()
      .split('---\n')
      .map((doc) => /^kind: (\S+)$/m.exec(doc)?.[1]);

    // Assess
    expect(kinds).toEqual(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
  });
});
