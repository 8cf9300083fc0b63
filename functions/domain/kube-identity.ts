/**
 * Our Kubernetes identities as the sweep reads them back: the labels every object of ours carries,
 * and a canonical text of the fields we set (rules, role references and subjects, the admission
 * policies' match, variables and validations, the bindings' policy and actions). The generated
 * manifests (deploy/kubernetes-rbac.ts) and the live objects give the same text exactly when
 * nothing drifted: server defaults and bookkeeping (uid, resourceVersion, managedFields, defaulted
 * fields we never set) are left out. Pure.
 */
import type { KubeObject } from '#domain/kube-types.ts';

/** The labels on every RBAC object and admission policy of ours. */
export const KUBE_IDENTITY_LABELS = {
  'app.kubernetes.io/name': 'hyperpod-resilience',
  'app.kubernetes.io/component': 'rbac',
} as const;

/** `KUBE_IDENTITY_LABELS` as a label selector. */
export const KUBE_IDENTITY_SELECTOR = Object.entries(KUBE_IDENTITY_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

type Json = unknown;

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Only `keys` of `v`, in that order; absent keys stay absent. */
const pick = (v: unknown, keys: readonly string[]): Record<string, Json> => {
  const source = record(v);
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
};

/** The fields we set, per kind; undefined for a kind that is not ours. */
const projectFields = (object: KubeObject): Json => {
  const o = object as unknown as Record<string, unknown>;
  const spec = record(o.spec);
  switch (object.kind) {
    case 'ClusterRole':
    case 'Role':
      return list(o.rules).map((rule) => pick(rule, ['apiGroups', 'resources', 'verbs', 'resourceNames']));
    case 'ClusterRoleBinding':
    case 'RoleBinding':
      return {
        roleRef: pick(o.roleRef, ['apiGroup', 'kind', 'name']),
        subjects: list(o.subjects).map((s) => pick(s, ['apiGroup', 'kind', 'name', 'namespace'])),
      };
    case 'ValidatingAdmissionPolicy':
      return {
        failurePolicy: spec.failurePolicy,
        resourceRules: list(record(spec.matchConstraints).resourceRules).map((r) =>
          pick(r, ['apiGroups', 'apiVersions', 'operations', 'resources']),
        ),
        matchConditions: list(spec.matchConditions).map((c) => pick(c, ['name', 'expression'])),
        variables: list(spec.variables).map((v) => pick(v, ['name', 'expression'])),
        validations: list(spec.validations).map((v) => pick(v, ['expression', 'message', 'reason'])),
      };
    case 'ValidatingAdmissionPolicyBinding':
      return pick(spec, ['policyName', 'validationActions']);
    default:
      return undefined;
  }
};

/**
 * The canonical text of our identity objects: one line per object, `kind namespace/name fields`,
 * sorted; objects of other kinds are ignored.
 *
 * @example
 * kubeIdentityText([{ kind: 'Role', metadata: { name: 'r', namespace: 'n' }, rules: [] }]);
 * // 'Role n/r []'
 */
export const kubeIdentityText = (objects: readonly KubeObject[]): string =>
  objects
    .flatMap((object) => {
      const fields = projectFields(object);
      if (fields === undefined) return [];
      return [
        `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} ${JSON.stringify(fields)}`,
      ];
    })
    .sort()
    .join('\n');

/**
 * What differs between the expected text and the live one: lines only expected (missing or
 * changed on the cluster) and lines only live (added or changed), each by its `kind namespace/name`.
 *
 * @example
 * kubeIdentityDrift('Role n/r []', ''); // { missing: ['Role n/r'], unexpected: [] }
 */
export const kubeIdentityDrift = (
  expected: string,
  live: string,
): { missing: string[]; unexpected: string[] } => {
  const lines = (text: string) => new Set(text.split('\n').filter((l) => l !== ''));
  const want = lines(expected);
  const have = lines(live);
  const id = (line: string) => line.split(' ').slice(0, 2).join(' ');
  return {
    missing: [...want].filter((l) => !have.has(l)).map(id),
    unexpected: [...have].filter((l) => !want.has(l)).map(id),
  };
};
