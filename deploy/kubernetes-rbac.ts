/**
 * Our least-privilege Kubernetes RBAC as data: the ClusterRole `hyperpod-resilience` and its
 * ClusterRoleBinding to the group `hyperpod-resilience`, the group our EKS access entry maps the
 * Lambda role to. Deployed by the stack and by the local test bed (`kubectl apply -f -` of
 * `rbacManifestYaml()`); the e2e tests prove on a real kube-apiserver that it is enough and no more.
 */
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';

export const RBAC_GROUP = 'hyperpod-resilience';
export const CLUSTER_ROLE_NAME = 'hyperpod-resilience';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Record<string, string> };
  rules: PolicyRule[];
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: { name: string; labels: Record<string, string> };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Group'; name: string }[];
}

const labels = { 'app.kubernetes.io/name': 'hyperpod-resilience', 'app.kubernetes.io/component': 'rbac' };

export const clusterRole: ClusterRole = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: CLUSTER_ROLE_NAME, labels },
  rules: [
    // Cordon, taint and label nodes; read their conditions.
    { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
    // Find the pods on a node; delete those that eviction cannot move.
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'get', 'delete'] },
    // Drain through the eviction API, which honours PodDisruptionBudgets.
    { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
    // Suspend and resume batch Jobs; read health-check Jobs (created only in our namespace: Role below).
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'patch'] },
    // Suspend and resume training jobs.
    { apiGroups: ['jobset.x-k8s.io'], resources: ['jobsets'], verbs: ['get', 'list', 'patch'] },
    { apiGroups: ['kubeflow.org'], resources: ['pytorchjobs', 'mpijobs'], verbs: ['get', 'list', 'patch'] },
    {
      apiGroups: ['sagemaker.amazonaws.com'],
      resources: ['hyperpodpytorchjobs'],
      verbs: ['get', 'list', 'patch'],
    },
    // Kueue-managed jobs are stopped by deactivating their Kueue Workload (spec.active), never by
    // flipping the job's suspend switch that Kueue owns.
    { apiGroups: ['kueue.x-k8s.io'], resources: ['workloads'], verbs: ['get', 'list', 'patch'] },
    // Walk pod owners up to the workload.
    { apiGroups: ['apps'], resources: ['replicasets', 'deployments', 'statefulsets'], verbs: ['get'] },
    // Tell operators in `kubectl describe` what we did and why (Events in every namespace: the
    // jobs' own, and `default` for Nodes). Create only: our Event names never repeat.
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
    // Predict whether a drain is blocked.
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list'] },
  ],
};

export const clusterRoleBinding: ClusterRoleBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: CLUSTER_ROLE_NAME, labels },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_ROLE_NAME },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: RBAC_GROUP }],
};

/** Our own namespace: health-check Jobs run here and nowhere else. */
export const OUR_NAMESPACE = HEALTH_CHECK_NAMESPACE;
export const HEALTH_CHECK_ROLE_NAME = 'hyperpod-resilience-health-checks';

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; labels: Record<string, string> };
}

export interface Role {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  rules: PolicyRule[];
}

export interface RoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role'; name: string };
  subjects: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Group'; name: string }[];
}

export const ourNamespace: Namespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: OUR_NAMESPACE, labels: { 'app.kubernetes.io/name': 'hyperpod-resilience' } },
};

/** Creating (and cleaning up) health-check Jobs, in our namespace only. */
export const healthCheckRole: Role = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: HEALTH_CHECK_ROLE_NAME, namespace: OUR_NAMESPACE, labels },
  rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete'] }],
};

export const healthCheckRoleBinding: RoleBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: HEALTH_CHECK_ROLE_NAME, namespace: OUR_NAMESPACE, labels },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: HEALTH_CHECK_ROLE_NAME },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: RBAC_GROUP }],
};

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

/**
 * Our namespace, the ClusterRole and its binding, and the health-check Role and its binding, as
 * one multi-document YAML text for `kubectl apply -f -`.
 */
export function rbacManifestYaml(): string {
  return [ourNamespace, clusterRole, clusterRoleBinding, healthCheckRole, healthCheckRoleBinding]
    .map((doc) => toYaml(doc))
    .join('---\n');
}
