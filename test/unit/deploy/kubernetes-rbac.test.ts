import { describe, expect, it } from 'vitest';
import { EXPECTED_KUBE_IDENTITY_TEXT } from '#contracts/kube-identity-expected.ts';
import { WORKLOAD_KIND_NAMES } from '#contracts/workload-kinds.ts';
import {
  admissionPolicies,
  admissionPolicyBindings,
  expectedIdentityText,
  KUBE_GROUPS,
  KUBE_LAMBDAS,
  LAMBDA_IDENTITIES,
  lambdaIdentity,
  OUR_NAMESPACE,
  ourNamespace,
  POD_TEMPLATE_PATHS,
  rbacManifests,
  rbacManifestYaml,
} from '#deploy/kubernetes-rbac.ts';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { POD_TEMPLATE_LAYOUTS } from '#domain/spare-tolerations.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';

const verbsOf = (lambda: string) => {
  const id = lambdaIdentity(lambda);
  return new Set([...(id.clusterRole?.rules ?? []), ...(id.role?.rules ?? [])].flatMap((r) => r.verbs));
};

describe('RBAC: one Kubernetes identity per Lambda', () => {
  it('gives every Kubernetes-calling Lambda its own group, bound to its own roles only', () => {
    // Assess
    expect(KUBE_LAMBDAS).toEqual(
      Object.entries(TASK_IAM)
        .filter(([, iam]) => iam.kubernetes)
        .map(([name]) => name)
        .sort(),
    );
    expect(new Set(KUBE_GROUPS).size).toBe(KUBE_LAMBDAS.length);
    for (const id of LAMBDA_IDENTITIES) {
      expect(id.group).toBe(`hyperpod-resilience:${id.lambda}`);
      for (const binding of [id.clusterRoleBinding, id.roleBinding].filter((b) => b !== undefined)) {
        expect(binding.subjects).toEqual([
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: id.group },
        ]);
      }
      expect(id.clusterRoleBinding?.roleRef.name).toBe(id.clusterRole?.metadata.name);
      expect(id.roleBinding?.roleRef.name).toBe(id.role?.metadata.name);
    }
  });

  it('lets the six read-only Lambdas only get and list', () => {
    // Assess
    for (const lambda of [
      'check-node-recovery',
      'plan-job-resume',
      'poll-deep-health-check',
      'prepare-health-check',
      'request-remediation',
      'sweep-cluster',
    ]) {
      expect(
        [...verbsOf(lambda)].every((v) => v === 'get' || v === 'list'),
        lambda,
      ).toBe(true);
    }
  });

  it('keeps the quick-check Lambdas to our namespace, except reading the node they check', () => {
    // Assess
    expect(lambdaIdentity('poll-quick-check').clusterRole).toBeUndefined();
    expect(lambdaIdentity('poll-quick-check').role?.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['delete', 'get'] },
    ]);
    expect(lambdaIdentity('start-quick-check').clusterRole?.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ]);
    expect(lambdaIdentity('start-quick-check').role?.metadata.namespace).toBe(OUR_NAMESPACE);
    expect(lambdaIdentity('start-quick-check').role?.rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get'] },
    ]);
  });

  it('grants patch on nodes only to the Lambdas that cordon or uncordon, or mark hot spares', () => {
    // Assess
    const patchers = LAMBDA_IDENTITIES.filter((id) =>
      id.clusterRole?.rules.some((r) => r.resources.includes('nodes') && r.verbs.includes('patch')),
    ).map((id) => id.lambda);
    // record-health-check marks a verified hot spare `ready` (functions/domain/spare-pool.ts).
    expect(patchers).toEqual([
      'promote-spare',
      'quarantine-node',
      'record-health-check',
      'repair-stale-state',
      'restore-node',
    ]);
  });

  it('never grants pods/log, secrets, update, or create outside events, evictions and our namespace', () => {
    // Assess
    for (const id of LAMBDA_IDENTITIES) {
      const rules = id.clusterRole?.rules ?? [];
      expect(rules.flatMap((r) => r.resources)).not.toContain('pods/log');
      expect(rules.flatMap((r) => r.resources)).not.toContain('secrets');
      expect(rules.flatMap((r) => r.verbs)).not.toContain('update');
      const creates = rules.filter((r) => r.verbs.includes('create')).flatMap((r) => r.resources);
      expect(
        creates.every((r) => r === 'events' || r === 'pods/eviction'),
        id.lambda,
      ).toBe(true);
    }
  });
});

describe('RBAC: our namespace and the manifest', () => {
  it('labels our namespace for Pod Security Admission: restricted enforced, audited and warned', () => {
    // Assess: label names from the Pod Security Admission docs (docs/facts/kubernetes-identity.md).
    expect(ourNamespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  it('ships the namespace first, then the roles and their bindings, then the admission policies and their bindings', () => {
    // Act
    const kinds = rbacManifestYaml()
      .split('---\n')
      .map((doc) => /^kind: (\S+)$/m.exec(doc)?.[1]);

    // Assess
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.slice(-4)).toEqual([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicyBinding',
    ]);
    expect(new Set(kinds.slice(1, -4))).toEqual(
      new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']),
    );
    expect(rbacManifests()).toHaveLength(kinds.length);
  });

  it('binds each admission policy with Deny and applies it to our groups only', () => {
    // Assess
    expect(admissionPolicyBindings.map((b) => [b.spec.policyName, b.spec.validationActions])).toEqual(
      admissionPolicies.map((p) => [p.metadata.name, ['Deny']]),
    );
    for (const policy of admissionPolicies) {
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(policy.spec.matchConditions[0]?.expression).toContain('"hyperpod-resilience:quarantine-node"');
      expect(policy.spec.matchConstraints.resourceRules.every((r) => r.operations.join() === 'UPDATE')).toBe(
        true,
      );
    }
  });
});

describe('Admission policy: the pod templates of workloads', () => {
  it('guards, for every workload kind, the same templates field the spare-toleration planner patches', () => {
    for (const kind of WORKLOAD_KIND_NAMES)
      expect(POD_TEMPLATE_PATHS[kind]?.path, kind).toBe(`spec.${POD_TEMPLATE_LAYOUTS[kind].field}`);
  });

  it('lets a template change through only while the workload was suspended, at each kind’s own suspend switch', () => {
    const workloads = admissionPolicies.find((p) => p.metadata.name === 'hyperpod-resilience-workloads');
    for (const kind of WORKLOAD_KIND_NAMES) {
      const { group, plural, suspendPath } = WORKLOAD_KINDS[kind];
      const rules = workloads?.spec.validations.filter((v) =>
        v.expression.startsWith(
          `request.resource.group != "${group}" || request.resource.resource != "${plural}"`,
        ),
      );
      expect(
        rules?.map((r) => r.message.includes('while it is not suspended')),
        kind,
      ).toEqual([true, false]);
      expect(rules?.[0]?.expression).toContain(`oldObject.${suspendPath.join('.')} == true`);
      expect(rules?.[1]?.expression).toContain('.matches("^c-[0-9a-f]{16}$")');
    }
  });
});

describe('RBAC: the drift check’s expected text', () => {
  it('matches the generated contracts/kube-identity-expected.ts (else: npx tsx deploy/kubernetes-rbac.ts --write)', () => {
    // Assess
    expect(EXPECTED_KUBE_IDENTITY_TEXT).toBe(expectedIdentityText());
  });

  it('lets only the sweep read our RBAC objects and admission policies', () => {
    // Assess
    const readers = LAMBDA_IDENTITIES.filter((id) =>
      id.clusterRole?.rules.some((r) => r.resources.includes('clusterroles')),
    ).map((id) => id.lambda);
    expect(readers).toEqual(['sweep-cluster']);
  });
});
