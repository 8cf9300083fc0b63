import { describe, expect, it } from 'vitest';
import { KUBE_IDENTITY_SELECTOR, kubeIdentityDrift, kubeIdentityText } from '#domain/kube-identity.ts';
import type { KubeObject } from '#domain/kube-types.ts';

const role = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'hyperpod-resilience:quarantine-node' },
  rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }],
} as unknown as KubeObject;

/** The same role as the API server answers a list: bookkeeping added, nothing we set changed. */
const liveRole = {
  ...role,
  metadata: {
    ...role.metadata,
    uid: 'u-1',
    resourceVersion: '42',
    creationTimestamp: '2026-12-03T00:00:00Z',
    managedFields: [{ manager: 'kubectl' }],
    labels: { 'app.kubernetes.io/name': 'hyperpod-resilience' },
  },
} as unknown as KubeObject;

const binding = {
  kind: 'RoleBinding',
  metadata: { name: 'b', namespace: 'hyperpod-resilience' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'g' }],
} as unknown as KubeObject;

const policy = {
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'p' },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['nodes'] }],
    },
    matchConditions: [{ name: 'ours', expression: 'true' }],
    variables: [{ name: 'v', expression: '1' }],
    validations: [{ expression: 'true', message: 'm', reason: 'Forbidden' }],
  },
} as unknown as KubeObject;

/** The policy as the API server keeps it: defaults it adds to fields we never set. */
const livePolicy = {
  ...policy,
  spec: {
    ...(policy as unknown as { spec: Record<string, unknown> }).spec,
    matchConstraints: {
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      resourceRules: [
        { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['nodes'], scope: '*' },
      ],
    },
  },
} as unknown as KubeObject;

const policyBinding = {
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: 'p' },
  spec: { policyName: 'p', validationActions: ['Deny'] },
} as unknown as KubeObject;

describe('Function: kubeIdentityText', () => {
  it('gives the generated objects and the live ones the same text when only server bookkeeping and defaults differ', () => {
    // Act
    const generated = kubeIdentityText([role, binding, policy, policyBinding]);
    const live = kubeIdentityText([policyBinding, livePolicy, binding, liveRole]);

    // Assess
    expect(live).toBe(generated);
    expect(generated.split('\n')).toHaveLength(4);
  });

  it('changes when a rule, a subject, a validation or a binding action changes', () => {
    // Prepare
    const base = kubeIdentityText([role, binding, policy, policyBinding]);
    const widened = {
      ...role,
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['*'] }],
    } as unknown as KubeObject;
    const rebound = {
      ...binding,
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
    } as unknown as KubeObject;
    const warnOnly = {
      ...policyBinding,
      spec: { policyName: 'p', validationActions: ['Warn'] },
    } as unknown as KubeObject;

    // Act & Assess
    expect(kubeIdentityText([widened, binding, policy, policyBinding])).not.toBe(base);
    expect(kubeIdentityText([role, rebound, policy, policyBinding])).not.toBe(base);
    expect(kubeIdentityText([role, binding, policy, warnOnly])).not.toBe(base);
  });

  it('ignores kinds that are not RBAC objects or admission policies, and reads missing lists as empty', () => {
    // Act
    const text = kubeIdentityText([
      { kind: 'ConfigMap', metadata: { name: 'c' } } as KubeObject,
      { kind: 'Role', metadata: { name: 'r', namespace: 'n' } } as KubeObject,
      { kind: 'ClusterRoleBinding', metadata: { name: 'b' } } as KubeObject,
      { kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' } } as KubeObject,
    ]);

    // Assess
    expect(text.split('\n')).toEqual([
      'ClusterRoleBinding /b {"roleRef":{},"subjects":[]}',
      'Role n/r []',
      'ValidatingAdmissionPolicy /p {"resourceRules":[],"matchConditions":[],"variables":[],"validations":[]}',
    ]);
  });
});

describe('Function: kubeIdentityDrift', () => {
  it('names the objects missing or changed on the cluster and those it has in addition', () => {
    // Prepare
    const expected = kubeIdentityText([role, binding]);
    const changed = { ...binding, subjects: [] } as unknown as KubeObject;

    // Act
    const drift = kubeIdentityDrift(expected, kubeIdentityText([changed, policyBinding]));

    // Assess
    expect(drift).toEqual({
      missing: ['ClusterRole /hyperpod-resilience:quarantine-node', 'RoleBinding hyperpod-resilience/b'],
      unexpected: ['RoleBinding hyperpod-resilience/b', 'ValidatingAdmissionPolicyBinding /p'],
    });
  });

  it('finds no drift when the texts are equal, and selects our objects by both our labels', () => {
    // Act & Assess
    expect(kubeIdentityDrift(kubeIdentityText([role]), kubeIdentityText([liveRole]))).toEqual({
      missing: [],
      unexpected: [],
    });
    expect(KUBE_IDENTITY_SELECTOR).toBe(
      'app.kubernetes.io/name=hyperpod-resilience,app.kubernetes.io/component=rbac',
    );
  });
});
