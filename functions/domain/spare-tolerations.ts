/**
 * Spare tolerations: the merge patches that let a suspended workload's pods onto the spare its
 * incident promoted (docs/design/hot-spares.md step 5), and that take that permission away again.
 *
 * Where each kind keeps its pod templates (docs/FACTS.md `k8s.pod-template-paths`):
 * - batch/v1 Job: `spec.template`;
 * - PyTorchJob / MPIJob: `spec.<pytorch|mpi>ReplicaSpecs.<Type>.template` — a map, so the patch
 *   carries only the tolerations of the replica types it changes (RFC 7386 merges objects);
 * - JobSet: `spec.replicatedJobs[].template.spec.template` and HyperPodPyTorchJob
 *   `spec.replicaSpecs[].template` — lists, which a merge patch replaces whole: the patch carries the
 *   full list, unchanged but for the tolerations, and the caller sends it with the object's
 *   resourceVersion so that a concurrent change is refused (409) rather than overwritten.
 *
 * Tolerations already there are kept (the patch carries the template's full tolerations list, as a
 * merge patch replaces lists). Adding is idempotent: no patch when every template already has the
 * toleration. Our admission policy lets our groups change a template only this way — adding or
 * removing claim tolerations (`isClaimToleration`) — and only on a suspended workload
 * (deploy/kubernetes-rbac.ts `workloadPolicy`).
 */
import { InvalidInputError } from '#contracts/errors.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { CLAIM_TOKEN_PATTERN, spareToleration } from '#domain/spares.ts';
import type { MergePatch, WorkloadKind } from '#domain/types.ts';
import { isKueueManaged } from '#domain/workload-suspension.ts';

type Json = Record<string, unknown>;
/** A toleration as found (kept as it is, whatever its shape). */
type Toleration = unknown;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether our groups may give a kind's suspended workload the spare toleration (the apiserver and
 * the kind's own admission webhook accept a toleration change while it is suspended). A kind marked
 * `false` is never promoted to a spare: the promotion records `no-spare` with reason
 * `kind-cannot-change-tolerations`. Evidence per kind: docs/facts/spares-spare-tolerations.md.
 */
export const SPARE_TOLERATION_SUPPORTED: Readonly<Record<WorkloadKind, boolean>> = {
  // Kubernetes 1.36+ (KEP-5440 MutableSchedulingDirectivesForSuspendedJobs, beta, on by default): a
  // suspended Job's template takes a toleration change once the Job controller marked it Suspended
  // with no active pod, even if it ran before (facts `spares.job-suspended-scheduling-directives`).
  // Before 1.36 only a Job that never started (`status.startTime` unset) takes it: a Job that ran
  // and was suspended keeps its startTime and the API answers 422 "field is immutable" (facts
  // `spares.job-started-before-1-36`); the promotion treats that 422 as
  // `kind-cannot-change-tolerations`. Both proven on the test bed's apiserver.
  Job: true,
  // JobSet webhook: a suspended JobSet's pod templates may change in tolerations, node selector,
  // labels, annotations and scheduling gates; its controller copies them into the child Jobs on
  // resume, clearing their startTime first (facts `spares.jobset-tolerations-while-suspended`).
  JobSet: true,
  // training-operator v1: its webhook has no immutability rule on the replica specs; pods are
  // created from the current template on resume (facts `spares.training-operator-update`).
  PyTorchJob: true,
  // mpi-operator v0.8.0+ copies the launcher template's scheduling directives into the suspended
  // launcher Job; workers are pods made from the template on resume (facts
  // `spares.mpi-operator-update`). Not in the test bed: checked at CRD level only.
  MPIJob: true,
  // Not until shown on a real HyperPod cluster: its CRD and operator are not public, and Kueue hands
  // it scheduling data (tolerations among them) through `status.podSetInfos`, not the template
  // (facts `spares.hyperpod-pytorchjob-update`). The promotion records `no-spare` for it.
  HyperPodPyTorchJob: false,
};

const podSpecOf = (template: unknown, where: string): Json => {
  if (!isObject(template) || !isObject(template.spec))
    throw new InvalidInputError('workload without a pod template', [
      { path: where, message: 'expected a pod template with a spec' },
    ]);
  return template.spec;
};

const specOf = (workload: KubeObject): Json => {
  if (!isObject(workload.spec))
    throw new InvalidInputError('workload without a spec', [{ path: 'spec', message: 'expected an object' }]);
  return workload.spec;
};

const tolerationsOf = (podSpec: Json): Toleration[] =>
  Array.isArray(podSpec.tolerations) ? podSpec.tolerations : [];

const sameToleration = (a: Toleration, b: Json): boolean =>
  isObject(a) &&
  (['key', 'operator', 'value', 'effect', 'tolerationSeconds'] as const).every((f) => a[f] === b[f]);

const CLAIM_TOKEN = new RegExp(CLAIM_TOKEN_PATTERN);

/**
 * A claim toleration: `spareToleration(token)` of some incident, exactly as the promotion adds it.
 * The only kind of toleration our groups may add or remove (deploy/kubernetes-rbac.ts
 * `workloadPolicy`); a borrower's toleration of the pool (value `pool`, never a claim token) is the user's.
 */
export const isClaimToleration = (t: unknown): boolean =>
  isObject(t) &&
  typeof t.value === 'string' &&
  CLAIM_TOKEN.test(t.value) &&
  Object.keys(t).length === 4 &&
  sameToleration(t, spareToleration(t.value));

/** How one kind's templates are found and patched. */
export interface PodTemplateLayout {
  /** Field of `spec` that holds the templates. */
  field: string;
  shape: 'single' | 'map' | 'list';
  /** Path from one entry (the spec itself for `single`) to its PodTemplateSpec. */
  templatePath: readonly string[];
}

/**
 * Where each kind keeps its pod templates under `spec` (docs/FACTS.md `k8s.pod-template-paths`):
 * `single`: `spec.<field>` is the PodTemplateSpec; `map`: replica type → replica spec; `list`:
 * replica specs keyed by `name` (JobSet `replicatedJobs` is a list-map keyed by name in its CRD;
 * HyperPodPyTorchJob `replicaSpecs` entries are named). `templatePath` leads from one entry to its
 * PodTemplateSpec. The admission policy is generated from the same table.
 */
export const POD_TEMPLATE_LAYOUTS: Readonly<Record<WorkloadKind, PodTemplateLayout>> = {
  Job: { field: 'template', shape: 'single', templatePath: [] },
  PyTorchJob: { field: 'pytorchReplicaSpecs', shape: 'map', templatePath: ['template'] },
  MPIJob: { field: 'mpiReplicaSpecs', shape: 'map', templatePath: ['template'] },
  JobSet: { field: 'replicatedJobs', shape: 'list', templatePath: ['template', 'spec', 'template'] },
  HyperPodPyTorchJob: { field: 'replicaSpecs', shape: 'list', templatePath: ['template'] },
};

const at = (value: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), value);

/** `value` with its PodSpec at `path` (+ `spec`) given these tolerations; other fields as they were. */
const withTolerations = (value: Json, path: readonly string[], tolerations: Toleration[]): Json => {
  const [head, ...rest] = path;
  if (head === undefined) return { ...value, spec: { ...(value.spec as Json), tolerations } };
  return { ...value, [head]: withTolerations(value[head] as Json, rest, tolerations) };
};

/** `{a: {b: {spec: {tolerations}}}}` for path `[a, b]`: the map-shaped patch of one entry. */
const nestedTolerations = (path: readonly string[], tolerations: Toleration[]): Json =>
  path.reduceRight<Json>((inner, key) => ({ [key]: inner }), { spec: { tolerations } });

/**
 * The patch that gives every template the tolerations `change` returns for it (undefined when it
 * returns undefined for all: nothing to do).
 */
const planTolerations = (
  kind: WorkloadKind,
  workload: KubeObject,
  change: (tolerations: Toleration[]) => Toleration[] | undefined,
): MergePatch | undefined => {
  const layout = POD_TEMPLATE_LAYOUTS[kind];
  const spec = specOf(workload);
  const container = spec[layout.field];
  const where = `spec.${layout.field}`;
  if (layout.shape === 'single') {
    const next = change(tolerationsOf(podSpecOf(container, where)));
    return next && { spec: { template: { spec: { tolerations: next } } } };
  }
  if (layout.shape === 'map') {
    if (!isObject(container))
      throw new InvalidInputError('workload without replica specs', [
        { path: where, message: 'expected a map' },
      ]);
    const patch: Json = {};
    for (const [type, replica] of Object.entries(container)) {
      const next = change(
        tolerationsOf(podSpecOf(at(replica, layout.templatePath), `${where}.${type}.template`)),
      );
      if (next) patch[type] = nestedTolerations(layout.templatePath, next);
    }
    return Object.keys(patch).length > 0 ? { spec: { [layout.field]: patch } } : undefined;
  }
  if (!Array.isArray(container))
    throw new InvalidInputError('workload without replica specs', [
      { path: where, message: 'expected a list' },
    ]);
  let changed = false;
  const list = container.map((entry: unknown, i: number) => {
    const templateWhere = `${where}[${i}].${layout.templatePath.join('.')}`;
    const next = change(tolerationsOf(podSpecOf(at(entry, layout.templatePath), templateWhere)));
    if (!next) return entry;
    changed = true;
    return withTolerations(entry as Json, layout.templatePath, next);
  });
  return changed ? { spec: { [layout.field]: list } } : undefined;
};

/**
 * Merge patch adding `spareToleration(token)` to every pod template of the workload; undefined when
 * every template already has it. Throws InvalidInputError when a template is missing or the token
 * is not a claim token (`claimToken`).
 *
 * @example
 * addSpareToleration('Job', job, 'c-0123456789abcdef');
 * // → { spec: { template: { spec: { tolerations: [...existing, spareToleration('c-0123456789abcdef')] } } } }
 */
export const addSpareToleration = (
  kind: WorkloadKind,
  workload: KubeObject,
  token: string,
): MergePatch | undefined => {
  if (!CLAIM_TOKEN.test(token))
    throw new InvalidInputError('not a claim token', [
      { path: 'token', message: `expected ${CLAIM_TOKEN_PATTERN}` },
    ]);
  const ours = spareToleration(token);
  return planTolerations(kind, workload, (tolerations) =>
    tolerations.some((t) => sameToleration(t, ours)) ? undefined : [...tolerations, { ...ours }],
  );
};

/**
 * Merge patch removing every claim toleration (`isClaimToleration`: of any incident) from every pod
 * template (cleanup after a promotion); undefined when there is none. Other tolerations of the
 * spare key (a borrower's toleration of the pool) stay: they are not ours.
 */
export const removeSpareTolerations = (kind: WorkloadKind, workload: KubeObject): MergePatch | undefined =>
  planTolerations(kind, workload, (tolerations) =>
    tolerations.some(isClaimToleration) ? tolerations.filter((t) => !isClaimToleration(t)) : undefined,
  );

/**
 * Whether the Job controller has caught up with a batch Job's suspension: `spec.suspend` is true,
 * no pod is active, and the Job either never started or carries the condition `Suspended` True. Only
 * then may its template take the toleration (Kubernetes 1.36+; before 1.36 a Job that ran is refused
 * even then: docs/FACTS.md `spares.job-started-before-1-36`). Right after our suspend patch it is
 * false until the controller's next sync: poll, do not patch.
 *
 * @example
 * jobSuspensionSettled(job); // false right after `spec.suspend: true`, true once the controller marked it
 */
export const jobSuspensionSettled = (job: KubeObject): boolean => {
  const status = isObject(job.status) ? job.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const markedSuspended = conditions.some(
    (c) => isObject(c) && c.type === 'Suspended' && c.status === 'True',
  );
  return job.spec?.suspend === true && !status.active && (status.startTime === undefined || markedSuspended);
};

/**
 * Why a suspended workload may not be given the spare toleration, or undefined when it may:
 * - `kind-cannot-change-tolerations`: its kind does not take the change (`SPARE_TOLERATION_SUPPORTED`);
 * - `kueue-managed`: Kueue admits it. A toleration change while its Workload is not admitted makes
 *   the job no longer match the Workload's pod sets, and Kueue then deletes that Workload and
 *   creates a new, active one: our hold on it (`spec.active: false`, our annotations) would be lost
 *   and Kueue could start the job behind our back (docs/FACTS.md `spares.kueue-recreates-workload`).
 *
 * @example
 * spareTolerationRefusal('PyTorchJob', job); // undefined: it may
 * spareTolerationRefusal('HyperPodPyTorchJob', job); // 'kind-cannot-change-tolerations'
 */
export const spareTolerationRefusal = (
  kind: WorkloadKind,
  workload: KubeObject,
): 'kind-cannot-change-tolerations' | 'kueue-managed' | undefined => {
  if (!SPARE_TOLERATION_SUPPORTED[kind]) return 'kind-cannot-change-tolerations';
  if (isKueueManaged(workload)) return 'kueue-managed';
  return undefined;
};
