/**
 * Our least-privilege Kubernetes identities as data, one per Kubernetes-calling Lambda: its own
 * group (`hyperpod-resilience:<lambda>`, the group our EKS access entry maps that Lambda's role to),
 * a ClusterRole and ClusterRoleBinding for its cluster-wide rules, and a Role and RoleBinding in our
 * namespace for the rest. The rules are generated from the same per-method table the adapter is
 * checked against (functions/adapters/kubernetes-permissions.ts) over the KubeApi members each
 * Lambda's code uses (deploy/task-iam.ts, derived from the code). On top of RBAC, two
 * ValidatingAdmissionPolicies let our groups change only what we own (docs/facts/kubernetes-identity.md).
 * Applied by the local test bed and by a person (`hpr rbac | kubectl apply -f -`); the e2e tests
 * prove on a real kube-apiserver that each identity is enough and no more.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeRulesFor } from '#adapters/kubernetes-permissions.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { KUBE_IDENTITY_LABELS, kubeIdentityText } from '#domain/kube-identity.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { POD_TEMPLATE_LAYOUTS } from '#domain/spare-tolerations.ts';
import { CLAIM_TOKEN_PATTERN, SPARE_TAINT_EFFECT, SPARE_TAINT_KEY } from '#domain/spares.ts';
import type { WorkloadKind } from '#domain/types.ts';
import { isWorkloadKind, WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { KUEUE_WORKLOAD } from '#domain/workload-suspension.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

type Labels = Record<string, string>;

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Labels };
  rules: PolicyRule[];
}

export interface Subject {
  apiGroup: 'rbac.authorization.k8s.io';
  kind: 'Group';
  name: string;
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: { name: string; labels: Labels };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: Subject[];
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; labels: Labels };
}

export interface Role {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: { name: string; namespace: string; labels: Labels };
  rules: PolicyRule[];
}

export interface RoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; labels: Labels };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role'; name: string };
  subjects: Subject[];
}

export interface AdmissionPolicy {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicy';
  metadata: { name: string; labels: Labels };
  spec: {
    failurePolicy: 'Fail';
    matchConstraints: {
      resourceRules: {
        apiGroups: string[];
        apiVersions: string[];
        operations: string[];
        resources: string[];
      }[];
    };
    matchConditions: { name: string; expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message: string; reason: 'Forbidden' }[];
  };
}

export interface AdmissionPolicyBinding {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicyBinding';
  metadata: { name: string; labels: Labels };
  spec: { policyName: string; validationActions: ['Deny'] };
}

export type Manifest =
  | Namespace
  | ClusterRole
  | ClusterRoleBinding
  | Role
  | RoleBinding
  | AdmissionPolicy
  | AdmissionPolicyBinding;

const labels: Labels = { ...KUBE_IDENTITY_LABELS };

/** Our own namespace: health-check Jobs run here and nowhere else. */
export const OUR_NAMESPACE = HEALTH_CHECK_NAMESPACE;
/** Where our namespaced Roles live (our namespace). */
export const NAMESPACE_OF_ROLES = OUR_NAMESPACE;

/** Prefix of our groups, roles, bindings and admission policies. */
const PREFIX = 'hyperpod-resilience';

/** The Lambdas that call the Kubernetes API (deploy/task-iam.ts, derived from the code). */
export const KUBE_LAMBDAS: readonly string[] = Object.entries(TASK_IAM)
  .filter(([, iam]) => iam.kubernetes)
  .map(([name]) => name)
  .sort();

/** The Kubernetes group a Lambda's role is mapped to (EKS access entry `kubernetesGroups`). */
export const kubeGroupOf = (lambda: string): string => `${PREFIX}:${lambda}`;

/** Every group of ours: the admission policies apply to requests from these. */
export const KUBE_GROUPS: readonly string[] = KUBE_LAMBDAS.map(kubeGroupOf);

/** The KubeApi members a Lambda's code uses (deploy/task-iam.ts). */
const kubeMethodsOf = (lambda: string): string[] =>
  (TASK_IAM[lambda]?.ports ?? [])
    .filter((p) => p.startsWith('KubeApi.'))
    .map((p) => p.slice('KubeApi.'.length));

/** Rules with the same API group and verbs share one PolicyRule; order is deterministic. */
const compact = (rules: { apiGroup: string; resource: string; verb: string }[]): PolicyRule[] => {
  const verbs = new Map<string, Set<string>>();
  for (const r of rules) {
    const key = `${r.apiGroup}|${r.resource}`;
    verbs.set(key, (verbs.get(key) ?? new Set()).add(r.verb));
  }
  const merged = new Map<string, PolicyRule>();
  for (const [key, set] of [...verbs].sort(([a], [b]) => a.localeCompare(b))) {
    const [apiGroup = '', resource = ''] = key.split('|');
    const sortedVerbs = [...set].sort();
    const mergeKey = `${apiGroup}|${sortedVerbs.join(',')}`;
    const existing = merged.get(mergeKey);
    if (existing) existing.resources.push(resource);
    else merged.set(mergeKey, { apiGroups: [apiGroup], resources: [resource], verbs: sortedVerbs });
  }
  return [...merged.values()];
};

export interface LambdaIdentity {
  lambda: string;
  group: string;
  /** Its cluster-wide rules (absent when it has none). */
  clusterRole?: ClusterRole;
  clusterRoleBinding?: ClusterRoleBinding;
  /** Its rules in our namespace (absent when it has none). */
  role?: Role;
  roleBinding?: RoleBinding;
}

/** One Lambda's Kubernetes identity: its group, roles and bindings. */
export const lambdaIdentity = (lambda: string): LambdaIdentity => {
  const group = kubeGroupOf(lambda);
  const name = group;
  const subjects: Subject[] = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }];
  const rules = kubeRulesFor(lambda, kubeMethodsOf(lambda));
  const other = rules.filter((r) => r.namespace !== undefined && r.namespace !== OUR_NAMESPACE);
  if (other.length > 0)
    throw new Error(`${lambda}: rules in a namespace other than ours: ${JSON.stringify(other)}`);
  const clusterRules = compact(rules.filter((r) => r.namespace === undefined));
  const namespacedRules = compact(rules.filter((r) => r.namespace === OUR_NAMESPACE));
  const identity: LambdaIdentity = { lambda, group };
  if (clusterRules.length > 0) {
    identity.clusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: clusterRules,
    };
    identity.clusterRoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    };
  }
  if (namespacedRules.length > 0) {
    identity.role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: OUR_NAMESPACE, labels },
      rules: namespacedRules,
    };
    identity.roleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: OUR_NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    };
  }
  return identity;
};

export const LAMBDA_IDENTITIES: readonly LambdaIdentity[] = KUBE_LAMBDAS.map(lambdaIdentity);

/**
 * Pod Security Admission level our namespace enforces (docs/facts/kubernetes-identity.md
 * `k8s.pod-security-labels`): `restricted`, which the quick-check Job as built meets (non-root,
 * no privilege escalation, every capability dropped, seccomp RuntimeDefault: functions/domain/
 * health-check-job.ts, docs/facts/health-check-pod.md) and which refuses anything else in our
 * namespace. A deploy that sets `healthChecks.quick.privileged: true` must label the namespace
 * `privileged` itself (README "Security review checklist").
 */
export const POD_SECURITY_ENFORCE = 'restricted';
export const POD_SECURITY_AUDIT = 'restricted';

export const ourNamespace: Namespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: OUR_NAMESPACE,
    labels: {
      'app.kubernetes.io/name': 'hyperpod-resilience',
      'pod-security.kubernetes.io/enforce': POD_SECURITY_ENFORCE,
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/audit': POD_SECURITY_AUDIT,
      'pod-security.kubernetes.io/audit-version': 'latest',
      'pod-security.kubernetes.io/warn': POD_SECURITY_AUDIT,
      'pod-security.kubernetes.io/warn-version': 'latest',
    },
  },
};

// --- Admission policies: our groups change only what we own ------------------------------

/** Label and annotation keys we own: every one we write starts with this prefix. */
export const OWNED_KEY_PREFIX = 'hyperpod-resilience.io/';
/** Our node taint (functions/domain/quarantine.ts QUARANTINE_TAINT_KEY). */
const OUR_TAINT_KEY = 'hyperpod-resilience.io/quarantine';

const celString = (s: string): string => JSON.stringify(s);

/** `object.<path>` and `oldObject.<path>` both absent, or equal. */
const unchanged = (path: string): string => {
  const dot = path.lastIndexOf('.');
  const parent = path.slice(0, dot);
  const field = path.slice(dot + 1);
  return (
    `(has(object.${parent}.${field}) == has(oldObject.${parent}.${field}) && ` +
    `(!has(object.${parent}.${field}) || object.${parent}.${field} == oldObject.${parent}.${field}))`
  );
};

/** Variables: the labels and annotations maps of both objects (empty when absent). */
const metadataVariables = [
  { name: 'newLabels', expression: 'has(object.metadata.labels) ? object.metadata.labels : {}' },
  { name: 'oldLabels', expression: 'has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
  {
    name: 'newAnnotations',
    expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}',
  },
  {
    name: 'oldAnnotations',
    expression: 'has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}',
  },
];

/** Every key not ours has the same value before and after. */
const onlyOwnedKeys = (what: 'Labels' | 'Annotations') => {
  const next = `variables.new${what}`;
  const prev = `variables.old${what}`;
  const ours = (k: string) => `${k}.startsWith(${celString(OWNED_KEY_PREFIX)})`;
  return {
    expression:
      `${next}.all(k, ${ours('k')} || (k in ${prev} && ${prev}[k] == ${next}[k])) && ` +
      `${prev}.all(k, ${ours('k')} || k in ${next})`,
    message: `hyperpod-resilience may change only its own ${what.toLowerCase()} (${OWNED_KEY_PREFIX}*)`,
    reason: 'Forbidden' as const,
  };
};

const ourGroupsCondition = () => ({
  name: 'hyperpod-resilience-groups',
  expression: `request.userInfo.groups.exists(g, g in [${KUBE_GROUPS.map(celString).join(', ')}])`,
});

/** Taint keys we own: the quarantine and the hot spare's (functions/domain/spares.ts). */
const OUR_TAINT_KEYS = [OUR_TAINT_KEY, SPARE_TAINT_KEY];

const otherTaints = (root: 'object' | 'oldObject') =>
  `(has(${root}.spec.taints) ? ${root}.spec.taints : []).filter(t, !(t.key in [${OUR_TAINT_KEYS.map(celString).join(', ')}]))`;

/** Node spec fields besides `unschedulable` and `taints` (core/v1 NodeSpec). */
const OTHER_NODE_SPEC_FIELDS = ['podCIDR', 'podCIDRs', 'providerID', 'externalID', 'configSource'];

export const NODE_POLICY_NAME = `${PREFIX}-nodes`;
export const WORKLOAD_POLICY_NAME = `${PREFIX}-workloads`;

/** Nodes: cordon (`spec.unschedulable`), our taint, our labels and annotations; nothing else. */
export const nodePolicy: AdmissionPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: NODE_POLICY_NAME, labels },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['nodes'] }],
    },
    matchConditions: [ourGroupsCondition()],
    variables: metadataVariables,
    validations: [
      {
        expression: `${otherTaints('object')} == ${otherTaints('oldObject')}`,
        message: `hyperpod-resilience may add or remove only its own taints (${OUR_TAINT_KEYS.join(', ')})`,
        reason: 'Forbidden',
      },
      {
        expression: OTHER_NODE_SPEC_FIELDS.map((f) => unchanged(`spec.${f}`)).join(' && '),
        message: 'hyperpod-resilience may change only spec.unschedulable and its own taint in a Node spec',
        reason: 'Forbidden',
      },
      onlyOwnedKeys('Labels'),
      onlyOwnedKeys('Annotations'),
    ],
  },
};

/**
 * Where each kind we suspend keeps its pod templates (docs/facts/kubernetes-identity.md
 * `k8s.pod-template-paths`), and the Kueue Workload's pod sets: none may change, but for the claim
 * tolerations of a suspended workload (the layout of each kind's templates:
 * functions/domain/spare-tolerations.ts `POD_TEMPLATE_LAYOUTS`). The Kueue Workload's never change.
 */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, { group: string; plural: string; path: string }>> = {
  Job: { group: WORKLOAD_KINDS.Job.group, plural: WORKLOAD_KINDS.Job.plural, path: 'spec.template' },
  JobSet: {
    group: WORKLOAD_KINDS.JobSet.group,
    plural: WORKLOAD_KINDS.JobSet.plural,
    path: 'spec.replicatedJobs',
  },
  PyTorchJob: {
    group: WORKLOAD_KINDS.PyTorchJob.group,
    plural: WORKLOAD_KINDS.PyTorchJob.plural,
    path: 'spec.pytorchReplicaSpecs',
  },
  MPIJob: {
    group: WORKLOAD_KINDS.MPIJob.group,
    plural: WORKLOAD_KINDS.MPIJob.plural,
    path: 'spec.mpiReplicaSpecs',
  },
  HyperPodPyTorchJob: {
    group: WORKLOAD_KINDS.HyperPodPyTorchJob.group,
    plural: WORKLOAD_KINDS.HyperPodPyTorchJob.plural,
    path: 'spec.replicaSpecs',
  },
  Workload: { group: KUEUE_WORKLOAD.group, plural: KUEUE_WORKLOAD.plural, path: 'spec.podSets' },
};

/*
 * The comparison fails closed: it walks the objects as maps, so every field — including one a later
 * Kubernetes or operator version adds, or one a CRD preserves unknown — must be equal unless it is
 * the one path we exempt. A ValidatingAdmissionPolicy's `object`/`oldObject` are declared `dyn` and
 * bound to the unstructured (map) form of the object (k8s.io/apiserver pkg/admission/plugin/cel
 * compile.go `cel.Variable(ObjectVarName, cel.DynType)`, condition.go `objectToResolveVal`:
 * `convertObjectToUnstructured`), so `m.all(k, …)` iterates its keys (docs/FACTS.md
 * `spares.vap-objects-are-maps`). Iteration variables are numbered, as CEL macros nest.
 */
let celVar = 0;
const fresh = (base: string): string => `${base}${celVar++}`;

/** Maps `n` and `o` have the same keys and values, but for key `except`, which `inner` compares. */
const sameExcept = (
  n: string,
  o: string,
  except: string,
  inner: (n: string, o: string) => string,
): string => {
  const k = fresh('k');
  const key = celString(except);
  return (
    `(${n}.all(${k}, ${k} == ${key} || (${k} in ${o} && ${o}[${k}] == ${n}[${k}])) && ` +
    `${o}.all(${k}, ${k} == ${key} || ${k} in ${n}) && (${key} in ${n}) == (${key} in ${o}) && ` +
    `(!(${key} in ${n}) || ${inner(`${n}[${key}]`, `${o}[${key}]`)}))`
  );
};

/**
 * A claim toleration, exactly as the promotion adds it (functions/domain/spare-tolerations.ts
 * `isClaimToleration`): key SPARE_TAINT_KEY, operator Equal, a claim token as value, effect
 * NoSchedule and nothing else. Not `Exists` (any spare), not the pool's value (borrowing), not
 * NoExecute: those stay the user's to add.
 */
const isClaimToleration = (t: string): string =>
  `(size(${t}) == 4 && ${celString('key')} in ${t} && ${t}.key == ${celString(SPARE_TAINT_KEY)} && ` +
  `${celString('operator')} in ${t} && ${t}.operator == ${celString('Equal')} && ` +
  `${celString('effect')} in ${t} && ${t}.effect == ${celString(SPARE_TAINT_EFFECT)} && ` +
  `${celString('value')} in ${t} && string(${t}.value).matches(${celString(CLAIM_TOKEN_PATTERN)}))`;

/** A list of tolerations without the claim tolerations. */
const otherTolerations = (podSpec: string): string => {
  const t = fresh('t');
  return (
    `(${celString('tolerations')} in ${podSpec} ? ${podSpec}.tolerations : [])` +
    `.filter(${t}, !${isClaimToleration(t)})`
  );
};

/** Two PodSpecs equal but for claim tolerations (added or removed). */
const samePodSpecButSpare = (n: string, o: string): string => {
  const k = fresh('k');
  const key = celString('tolerations');
  return (
    `(${n}.all(${k}, ${k} == ${key} || (${k} in ${o} && ${o}[${k}] == ${n}[${k}])) && ` +
    `${o}.all(${k}, ${k} == ${key} || ${k} in ${n}) && ${otherTolerations(n)} == ${otherTolerations(o)})`
  );
};

/** Two values equal but for the spare tolerations of the PodTemplateSpec at `path` (+ `spec`). */
const sameButSpareAt =
  (path: readonly string[]) =>
  (n: string, o: string): string => {
    const [head, ...rest] = path;
    return head === undefined
      ? sameExcept(n, o, 'spec', samePodSpecButSpare)
      : sameExcept(n, o, head, sameButSpareAt(rest));
  };

/** The templates field of a kind changed only in its spare tolerations. */
const onlySpareTolerationsChanged = (kind: WorkloadKind, field: string): string => {
  const { shape, templatePath } = POD_TEMPLATE_LAYOUTS[kind];
  const n = `object.${field}`;
  const o = `oldObject.${field}`;
  const entry = sameButSpareAt(templatePath);
  if (shape === 'single') return entry(n, o);
  if (shape === 'map') {
    const k = fresh('k');
    return `(${n}.all(${k}, ${k} in ${o} && ${entry(`${n}[${k}]`, `${o}[${k}]`)}) && ${o}.all(${k}, ${k} in ${n}))`;
  }
  const r = fresh('r');
  const x = fresh('x');
  const p = fresh('p');
  return (
    `(size(${n}) == size(${o}) && ` +
    `${n}.all(${r}, ${n}.exists_one(${x}, ${x}.name == ${r}.name) && ${o}.exists_one(${p}, ${p}.name == ${r}.name) && ` +
    `${o}.all(${p}, ${p}.name != ${r}.name || ${entry(r, p)})))`
  );
};

/** `oldObject`'s suspend switch (WORKLOAD_KINDS suspendPath) is true. */
const wasSuspended = (kind: WorkloadKind): string => {
  const path = WORKLOAD_KINDS[kind].suspendPath;
  const guards = path.map((_, i) => `has(oldObject.${path.slice(0, i + 1).join('.')})`);
  return `(${guards.join(' && ')} && oldObject.${path.join('.')} == true)`;
};

const templateTargets = Object.entries(POD_TEMPLATE_PATHS).map(([kind, target]) => ({ kind, ...target }));

const forResource = (group: string, plural: string, expression: string): string =>
  `request.resource.group != ${celString(group)} || request.resource.resource != ${celString(plural)} || ${expression}`;

/** Per kind: its pod templates unchanged, or changed only in spare tolerations while it was suspended. */
const templateValidations = templateTargets.flatMap(({ kind, group, plural, path }) => {
  const field = path.split('.').slice(1).join('.');
  if (!isWorkloadKind(kind))
    return [
      {
        expression: forResource(group, plural, unchanged(path)),
        message: `hyperpod-resilience may not change ${path} of ${plural}.${group} (pod templates are not ours)`,
        reason: 'Forbidden' as const,
      },
    ];
  const both = `has(object.${path}) && has(oldObject.${path})`;
  return [
    {
      expression: forResource(group, plural, `${unchanged(path)} || ${wasSuspended(kind)}`),
      message: `hyperpod-resilience may not change ${path} of ${plural}.${group} while it is not suspended`,
      reason: 'Forbidden' as const,
    },
    {
      expression: forResource(
        group,
        plural,
        `${unchanged(path)} || (${both} && ${onlySpareTolerationsChanged(kind, `spec.${field}`)})`,
      ),
      message:
        `hyperpod-resilience may change ${path} of ${plural}.${group} only by adding or removing ` +
        `claim tolerations (${SPARE_TAINT_KEY}=c-<16 hex>:${SPARE_TAINT_EFFECT}, operator Equal; pod templates are not ours)`,
      reason: 'Forbidden' as const,
    },
  ];
});

/**
 * Workloads: the suspend switch (or a Kueue Workload's `spec.active`), our labels and annotations,
 * and, while suspended, the spare tolerations of its pod templates.
 */
export const workloadPolicy: AdmissionPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: WORKLOAD_POLICY_NAME, labels },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [...new Set(templateTargets.map((t) => t.group))].map((group) => ({
        apiGroups: [group],
        apiVersions: ['*'],
        operations: ['UPDATE'],
        resources: templateTargets.filter((t) => t.group === group).map((t) => t.plural),
      })),
    },
    matchConditions: [ourGroupsCondition()],
    variables: metadataVariables,
    validations: [...templateValidations, onlyOwnedKeys('Labels'), onlyOwnedKeys('Annotations')],
  },
};

const bindingOf = (policy: AdmissionPolicy): AdmissionPolicyBinding => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: policy.metadata.name, labels },
  spec: { policyName: policy.metadata.name, validationActions: ['Deny'] },
});

export const admissionPolicies: readonly AdmissionPolicy[] = [nodePolicy, workloadPolicy];
export const admissionPolicyBindings: readonly AdmissionPolicyBinding[] = admissionPolicies.map(bindingOf);

/** Every object we apply, namespace first, in apply order. */
export const rbacManifests = (): Manifest[] => [
  ourNamespace,
  ...LAMBDA_IDENTITIES.flatMap((id) =>
    [id.clusterRole, id.clusterRoleBinding, id.role, id.roleBinding].filter(
      (m): m is NonNullable<typeof m> => !!m,
    ),
  ),
  ...admissionPolicies,
  ...admissionPolicyBindings,
];

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(v: unknown): string {
  if (typeof v === 'string') {
    return /^[A-Za-z][A-Za-z0-9_./-]*$/.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Block-style YAML for plain JSON data (strings quoted when they could be misread). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value
      .map((item) => {
        if (isObject(item) || Array.isArray(item)) {
          const inner = toYaml(item, indent + 2);
          return `${pad}- ${inner.slice(indent + 2)}`;
        }
        return `${pad}- ${scalar(item)}\n`;
      })
      .join('');
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries
      .map(([k, v]) => {
        const key = scalar(k);
        if ((isObject(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
          return `${pad}${key}:\n${toYaml(v, Array.isArray(v) ? indent : indent + 2)}`;
        }
        if (isObject(v)) return `${pad}${key}: {}\n`;
        if (Array.isArray(v)) return `${pad}${key}: []\n`;
        return `${pad}${key}: ${scalar(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

/** Every manifest (rbacManifests) as one multi-document YAML text for `kubectl apply -f -`. */
export function rbacManifestYaml(): string {
  return rbacManifests()
    .map((doc) => toYaml(doc))
    .join('---\n');
}

/** The canonical text of our identity objects as generated (the sweep compares the cluster's with it). */
export const expectedIdentityText = (): string =>
  kubeIdentityText(rbacManifests().filter((m) => m.kind !== 'Namespace') as unknown as KubeObject[]);

/** The text of contracts/kube-identity-expected.ts. */
export const renderExpectedIdentity = (): string => `/**
 * GENERATED from deploy/kubernetes-rbac.ts — do not edit; regenerate (after deploy/iam-derivation.ts) with
 *
 *   npx tsx deploy/kubernetes-rbac.ts --write
 *
 * The canonical text (functions/domain/kube-identity.ts kubeIdentityText) of the RBAC objects and
 * admission policies \`hpr rbac\` prints: the sweep reads ours back from each cluster and reports
 * drift when they differ. test/unit/deploy/kubernetes-rbac.test.ts fails when this file is stale.
 */

export const EXPECTED_KUBE_IDENTITY_TEXT = ${JSON.stringify(expectedIdentityText())};
`;

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv.includes('--write')) {
  const out = join(fileURLToPath(new URL('..', import.meta.url)), 'contracts/kube-identity-expected.ts');
  writeFileSync(out, renderExpectedIdentity());
  execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'inherit' });
  process.stdout.write(`wrote ${out}\n`);
}
