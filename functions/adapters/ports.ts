/**
 * Narrow ports between handlers and the outside world. Domain functions take data; handlers
 * take these ports. Each has an AWS/Kubernetes implementation in this folder, an in-memory fake
 * for unit tests (test/fakes), and is exercised over the wire against the local simulator and a
 * real kube-apiserver in e2e tests.
 */
import type { KubeEvent } from '#domain/kube-events.ts';
import type { KubeNode, KubeObject, KubePod } from '#domain/kube-types.ts';
import type {
  ClusterGuardState,
  ClusterNode,
  MergePatch,
  NodeHistory,
  WorkloadKind,
  WorkloadRef,
} from '#domain/types.ts';

// Observed-state types the domain decides on live in the domain; the ports hand them over.
export type { ClusterGuardState, ClusterNode, MergePatch, NodeHistory };

// ---------------------------------------------------------------- SageMaker HyperPod

export interface ClusterInstanceGroup {
  name: string;
  instanceType?: string;
  currentCount?: number;
  targetCount?: number;
  status?: string;
}

export interface ClusterInfo {
  name: string;
  arn: string;
  /** `InService`, `Updating`, … (open enum). */
  status: string;
  /** `Automatic` | `None` | anything newer (open enum); undefined when the API omits it. */
  nodeRecovery?: string;
  /** Last segment of `Orchestrator.Eks.ClusterArn`. */
  eksClusterName?: string;
  instanceGroups: ClusterInstanceGroup[];
}

export interface BatchNodeActionResult {
  successful: string[];
  /** Per-node failures, never thrown: `InstanceIdInUse`, `InvalidInstanceStatus`, `InstanceIdNotFound`, … */
  failed: { instanceId: string; code: string; message?: string }[];
}

export interface ClusterNodes {
  describeCluster(clusterName: string): Promise<ClusterInfo>;
  /** All pages. */
  listNodes(
    clusterName: string,
    filter?: { instanceGroupNameContains?: string; creationTimeAfter?: string },
  ): Promise<ClusterNode[]>;
  /** Undefined when SageMaker says the node is not in the cluster. */
  describeNode(clusterName: string, instanceId: string): Promise<ClusterNode | undefined>;
  /** Splits into calls of at most 25 ids. */
  rebootNodes(clusterName: string, instanceIds: string[]): Promise<BatchNodeActionResult>;
  replaceNodes(clusterName: string, instanceIds: string[]): Promise<BatchNodeActionResult>;
  /**
   * StartClusterHealthCheck: HyperPod's deep health check on the given instances (one request per
   * cluster may be active; HyperPod reboots or replaces instances that fail it).
   */
  startHealthCheck(clusterName: string, targets: DeepHealthCheckTarget[]): Promise<void>;
}

/** `InstanceStress` (hardware, DCGM L4, EFA loopback) and `InstanceConnectivity` (multi-node NCCL). */
export type DeepHealthCheckKind = 'InstanceStress' | 'InstanceConnectivity';

export interface DeepHealthCheckTarget {
  instanceGroupName: string;
  instanceIds: string[];
  deepHealthChecks: DeepHealthCheckKind[];
}

// ---------------------------------------------------------------- Kubernetes

export interface KubeApi {
  getNode(name: string): Promise<KubeNode | undefined>;
  listNodes(options?: { labelSelector?: string }): Promise<KubeNode[]>;
  /**
   * Merge-patches a node. With `resourceVersion` the patch fails with ConcurrentUpdateError
   * when the node changed since it was read (optimistic concurrency).
   */
  patchNode(name: string, patch: MergePatch, options?: { resourceVersion?: string }): Promise<KubeNode>;
  listPods(options: { nodeName?: string; namespace?: string; labelSelector?: string }): Promise<KubePod[]>;
  /**
   * Creates a batch/v1 Job in `namespace`. A Job of that name already there (a retried call) is
   * returned with `created: false` instead of an error.
   */
  createJob(namespace: string, job: KubeObject): Promise<{ job: KubeObject; created: boolean }>;
  /** Undefined on 404. */
  getJob(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Deletes a Job and, in the background, its pods. Absent already: no error. */
  deleteJob(namespace: string, name: string): Promise<void>;
  /** Any namespaced object by apiVersion/kind (used to walk ownerReferences). Undefined on 404. */
  getObject(ref: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
  }): Promise<KubeObject | undefined>;
  getWorkload(ref: WorkloadRef): Promise<KubeObject | undefined>;
  patchWorkload(
    ref: WorkloadRef,
    patch: MergePatch,
    options?: { resourceVersion?: string },
  ): Promise<KubeObject>;
  /** Cluster-wide list of one kind; an uninstalled CRD yields []. */
  listWorkloads(kind: WorkloadKind, options?: { labelSelector?: string }): Promise<KubeObject[]>;
  /**
   * Objects of any known namespaced kind (e.g. Kueue Workloads), in one namespace or all; an
   * uninstalled CRD yields [].
   */
  listObjects(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    labelSelector?: string;
  }): Promise<KubeObject[]>;
  /**
   * Our own RBAC objects and admission policies, found by `labelSelector`: ClusterRoles,
   * ClusterRoleBindings, ValidatingAdmissionPolicies and their bindings cluster-wide, Roles and
   * RoleBindings in `namespace` (the sweep compares them with the generated ones).
   */
  listIdentityObjects(namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /**
   * API discovery: the versions an API group serves, its preferred version first; [] when the
   * group is not served at all (e.g. Kueue not installed).
   */
  servedVersions(group: string): Promise<string[]>;
  /** Merge-patches any known namespaced object; `resourceVersion` guards like patchWorkload. */
  patchObject(
    ref: { apiVersion: string; kind: string; namespace: string; name: string },
    patch: MergePatch,
    options?: { resourceVersion?: string },
  ): Promise<KubeObject>;
  /**
   * Asks the eviction API (policy/v1) to evict a pod, which honours PodDisruptionBudgets.
   * `blocked`: the API answered 429 (a budget allows no disruption now, or the budget is not
   * computed yet) — back-pressure, not a failure; `gone`: the pod no longer exists.
   */
  evictPod(
    pod: { namespace: string; name: string },
    options?: { gracePeriodSeconds?: number },
  ): Promise<EvictionResult>;
  /**
   * Deletes a pod; `gracePeriodSeconds: 0` force-deletes (no kubelet confirmation, no budget).
   * With `uid` the delete applies only to that incarnation of the pod. `gone` on 404 or a uid
   * mismatch (someone recreated it).
   */
  deletePod(
    pod: { namespace: string; name: string; uid?: string },
    options?: { gracePeriodSeconds?: number },
  ): Promise<'deleted' | 'gone'>;
  /**
   * Creates an events.k8s.io/v1 Event in `event.metadata.namespace`. An Event of that name already
   * there (a retried task: names are deterministic) is `created: false`, not an error.
   */
  createEvent(event: KubeEvent): Promise<{ created: boolean }>;
}

export interface EvictionResult {
  outcome: 'evicted' | 'blocked' | 'gone';
  /** The API's message when blocked. */
  message?: string;
}

/** Builds a KubeApi for one configured cluster (EKS endpoint, CA and token, cached < 14 min). */
export type KubeApiFactory = (eksClusterName: string) => Promise<KubeApi>;

// ---------------------------------------------------------------- Ledger (DynamoDB)

export interface LeaseResult {
  acquired: boolean;
  /** Incident that holds the lease when not acquired. */
  heldBy?: string;
}

export interface SpareClaimResult {
  claimed: boolean;
  /** Incident that holds the spare when not claimed. */
  heldBy?: string;
}

/** A live claim on a spare node (docs/design/hot-spares.md). */
export interface SpareClaim {
  instanceId: string;
  incidentId: string;
  claimedAt: string;
  expiresAt: string;
}

export interface AuditAction {
  /** `quarantined`, `workloads-suspended`, `remediation-requested`, `node-ready`, … */
  type: string;
  at: string;
  detail?: Record<string, unknown>;
}

export interface IncidentRecord {
  incidentId: string;
  clusterName: string;
  instanceId?: string;
  nodeName?: string;
  executionName?: string;
  trigger: Record<string, unknown>;
  fault?: Record<string, unknown>;
  decision?: Record<string, unknown>;
  /** `open` → `resolved` | `skipped` | `needs-attention`. */
  status: string;
  outcome?: string;
  startedAt: string;
  endedAt?: string;
  actions: AuditAction[];
}

export interface Ledger {
  /**
   * Records the first sighting of (cluster, instance, fault class) for the dedupe window.
   * Returns `firstSighting: false` (and the incident that saw it first) inside the window.
   */
  recordSighting(input: {
    clusterName: string;
    instanceId: string;
    faultClass: string;
    incidentId: string;
    now: string;
    windowMinutes: number;
  }): Promise<{ firstSighting: boolean; firstIncidentId?: string }>;
  /**
   * Unexpired sightings of one fault class in a cluster, one per instance (strongly consistent:
   * an Admit that recorded its own sighting first sees every sighting recorded before it).
   */
  listSightings(
    clusterName: string,
    faultClass: string,
    now: string,
  ): Promise<{ instanceId: string; incidentId: string; firstSeenAt: string }[]>;
  /** Conditional write: one incident per node in flight. Re-acquiring one's own lease succeeds. */
  acquireLease(input: {
    clusterName: string;
    instanceId: string;
    incidentId: string;
    now: string;
    ttlMinutes: number;
  }): Promise<LeaseResult>;
  /** Deletes the lease only if `incidentId` holds it. Idempotent. */
  releaseLease(input: { clusterName: string; instanceId: string; incidentId: string }): Promise<void>;
  /** Unexpired leases of a cluster (in-flight remediations). */
  listLeases(
    clusterName: string,
    now: string,
  ): Promise<{ instanceId: string; incidentId: string; expiresAt: string }[]>;
  /**
   * Conditional write: a spare node (by instance id) is claimed by at most one incident. A spare
   * held by another unexpired incident is never taken; the same incident re-claiming succeeds
   * (and extends its claim).
   */
  claimSpare(input: {
    clusterName: string;
    instanceId: string;
    incidentId: string;
    now: string;
    ttlMinutes: number;
  }): Promise<SpareClaimResult>;
  /** Deletes the claim only if `incidentId` holds it. Idempotent. */
  releaseSpare(input: { clusterName: string; instanceId: string; incidentId: string }): Promise<void>;
  /** Unexpired spare claims of a cluster. */
  listSpareClaims(clusterName: string, now: string): Promise<SpareClaim[]>;
  getClusterState(clusterName: string): Promise<ClusterGuardState>;
  /** Conditional on `expectedVersion`; throws ConcurrentUpdateError when someone else wrote first. */
  putClusterState(clusterName: string, state: ClusterGuardState, expectedVersion: number): Promise<void>;
  getNodeHistory(clusterName: string, instanceId: string): Promise<NodeHistory>;
  putNodeHistory(clusterName: string, instanceId: string, history: NodeHistory): Promise<void>;
  /** Creates the record if absent (idempotent on incidentId). */
  createIncident(record: IncidentRecord): Promise<void>;
  /** Appends to `actions` and merges the given top-level fields. */
  updateIncident(
    clusterName: string,
    incidentId: string,
    update: {
      actions?: AuditAction[];
      fields?: Partial<Omit<IncidentRecord, 'actions' | 'incidentId' | 'clusterName'>>;
    },
  ): Promise<void>;
  getIncident(clusterName: string, incidentId: string): Promise<IncidentRecord | undefined>;
  /** Newest first. */
  listIncidents(clusterName: string, options?: { limit?: number }): Promise<IncidentRecord[]>;
  /**
   * The cluster's open incidents, newest first, through an index: its cost does not grow with the
   * history. Eventually consistent (an incident opened a moment ago may be missing): read by id
   * what must be known for sure.
   */
  listOpenIncidents(clusterName: string): Promise<IncidentRecord[]>;
  /**
   * The cluster's incidents that started at or after `since` (ISO time, compared as text: our
   * times are all UTC ISO strings of one form), newest first, through an index: its cost grows
   * with the window, not the history. Eventually consistent.
   */
  listIncidentsSince(clusterName: string, since: string): Promise<IncidentRecord[]>;
  /** The incidents of every cluster in the table, newest first (an operator's read: a full scan). */
  listAllIncidents(options?: { limit?: number }): Promise<IncidentRecord[]>;
}

// ---------------------------------------------------------------- Notifier (SNS)

export interface Notification {
  subject: string;
  message: string;
  severity: 'info' | 'warning' | 'critical';
  clusterName: string;
  incidentId?: string;
  instanceId?: string;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
