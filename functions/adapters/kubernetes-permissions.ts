/**
 * The Kubernetes RBAC each KubeApi method needs, next to its implementation (kubernetes.ts). The
 * AWS actions of the other adapters need no such table: they are read from the adapters' code
 * (deploy/iam-derivation.ts). Kubernetes calls go through generic clients whose resource
 * is a runtime value, so the resources are declared here, built from the same constants the
 * adapter and the domain use; the verbs are not trusted to this table alone: a unit test derives
 * each method's verbs from the client calls in kubernetes.ts and compares, and proves that our
 * per-Lambda ClusterRoles and namespaced Roles (kubernetes-rbac.ts) allow what each deployed task uses.
 */
import type { KubeApi } from '#adapters/ports.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { KUEUE_WORKLOAD } from '#domain/workload-suspension.ts';

interface KubeRule {
  /** API group; '' is the core group. */
  apiGroup: string;
  /** Plural resource, with subresource (`pods/eviction`). */
  resource: string;
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** Only in this namespace (a Role there); absent = cluster-wide (the ClusterRole). */
  namespace?: string;
}

const workloadRules = (verb: KubeRule['verb']): KubeRule[] =>
  Object.values(WORKLOAD_KINDS).map(({ group, plural }) => ({ apiGroup: group, resource: plural, verb }));

const kueue = (verb: KubeRule['verb']): KubeRule => ({
  apiGroup: KUEUE_WORKLOAD.group,
  resource: KUEUE_WORKLOAD.plural,
  verb,
});

/** The controllers podOwnership walks through (functions/tasks/workloads.ts `WALKABLE_OWNERS`). */
const OWNER_CONTROLLERS = ['replicasets', 'deployments', 'statefulsets'];

/**
 * Per KubeApi method, every rule it may need. Typed over `keyof KubeApi`: a new port method does
 * not compile until its rules are declared here.
 */
const KUBE_API_RULES: { readonly [M in keyof KubeApi]-?: readonly KubeRule[] } = {
  getNode: [{ apiGroup: '', resource: 'nodes', verb: 'get' }],
  listNodes: [{ apiGroup: '', resource: 'nodes', verb: 'list' }],
  patchNode: [{ apiGroup: '', resource: 'nodes', verb: 'patch' }],
  listPods: [{ apiGroup: '', resource: 'pods', verb: 'list' }],
  // Health-check Jobs live in our namespace only; a retried create reads the Job that is there.
  createJob: [
    { apiGroup: 'batch', resource: 'jobs', verb: 'create', namespace: HEALTH_CHECK_NAMESPACE },
    { apiGroup: 'batch', resource: 'jobs', verb: 'get', namespace: HEALTH_CHECK_NAMESPACE },
  ],
  getJob: [{ apiGroup: 'batch', resource: 'jobs', verb: 'get', namespace: HEALTH_CHECK_NAMESPACE }],
  deleteJob: [{ apiGroup: 'batch', resource: 'jobs', verb: 'delete', namespace: HEALTH_CHECK_NAMESPACE }],
  // Owner walk: pods, the apps controllers, the workload kinds and Kueue Workloads (every kind
  // the adapter's plural table resolves).
  getObject: [
    { apiGroup: '', resource: 'pods', verb: 'get' },
    ...OWNER_CONTROLLERS.map((resource) => ({ apiGroup: 'apps', resource, verb: 'get' as const })),
    ...workloadRules('get'),
    kueue('get'),
  ],
  getWorkload: workloadRules('get'),
  patchWorkload: workloadRules('patch'),
  listWorkloads: workloadRules('list'),
  // Used for Kueue Workloads only (functions/tasks/workloads.ts).
  listObjects: [kueue('list')],
  patchObject: [kueue('patch')],
  // Our own RBAC objects and admission policies, read by the sweep's drift check.
  listIdentityObjects: [
    { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'list' },
    { apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'list' },
    {
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'roles',
      verb: 'list',
      namespace: HEALTH_CHECK_NAMESPACE,
    },
    {
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'rolebindings',
      verb: 'list',
      namespace: HEALTH_CHECK_NAMESPACE,
    },
    { apiGroup: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies', verb: 'list' },
    { apiGroup: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicybindings', verb: 'list' },
  ],
  // Discovery is a non-resource URL (`/apis`) that the default system:discovery ClusterRole
  // grants every authenticated user: no rule of ours.
  servedVersions: [],
  evictPod: [{ apiGroup: '', resource: 'pods/eviction', verb: 'create' }],
  deletePod: [{ apiGroup: '', resource: 'pods', verb: 'delete' }],
  // events.k8s.io/v1 Events about the nodes and jobs we act on (docs/facts/kubernetes-events.md):
  // create only; a retried create of the same name is AlreadyExists, never an update.
  createEvent: [{ apiGroup: 'events.k8s.io', resource: 'events', verb: 'create' }],
};

/**
 * Per Lambda, the KubeApi methods it calls in our namespace only: its Kubernetes identity gets
 * their rules there (a Role), not cluster-wide. poll-quick-check lists the pods of its own
 * health-check Job (functions/tasks/poll-quick-check.ts), always in HEALTH_CHECK_NAMESPACE.
 */
const NAMESPACED_USES: Readonly<Record<string, readonly (keyof KubeApi)[]>> = {
  'poll-quick-check': ['listPods'],
};

/**
 * The rules one Lambda's Kubernetes identity needs: the union of its KubeApi methods' rules
 * (`methods` = the `KubeApi.*` members deploy/task-iam.ts derives from its code), narrowed to our
 * namespace where NAMESPACED_USES says so.
 */
const kubeRulesFor = (lambda: string, methods: readonly string[]): KubeRule[] => {
  const narrowed = new Set<string>(NAMESPACED_USES[lambda] ?? []);
  const seen = new Map<string, KubeRule>();
  for (const method of methods) {
    const rules = KUBE_API_RULES[method as keyof KubeApi];
    if (rules === undefined) throw new Error(`${lambda}: unknown KubeApi method ${method}`);
    for (const rule of rules) {
      const scoped =
        narrowed.has(method) && !rule.namespace ? { ...rule, namespace: HEALTH_CHECK_NAMESPACE } : rule;
      seen.set(`${scoped.apiGroup}|${scoped.resource}|${scoped.verb}|${scoped.namespace ?? ''}`, scoped);
    }
  }
  return [...seen.values()];
};

export type { KubeRule };
export { KUBE_API_RULES, kubeRulesFor, NAMESPACED_USES };
