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
 * toleration. Our admission policy lets our groups change a template only this way, on a suspended
 * workload (deploy/kubernetes-rbac.ts `workloadPolicy`).
 */
import { InvalidInputError } from '#contracts/errors.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { SPARE_TAINT_KEY, spareToleration } from '#domain/spares.ts';
import type { MergePatch, WorkloadKind } from '#domain/types.ts';

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
  // kubernetes pkg/registry/batch/job/strategy.go: scheduling directives (tolerations among them)
  // of a suspended Job's template are mutable (KEP-2926, GA in 1.27) while `.status.startTime` is
  // unset; the Job controller clears it when the Job is suspended (facts `spares.job-mutable-
  // scheduling-directives`, `spares.job-start-time-reset`). Proven on the test bed's apiserver.
  Job: true,
  // jobset webhook: the pod template's scheduling directives may change while the JobSet is
  // suspended (facts `spares.jobset-mutable-while-suspended`).
  JobSet: true,
  // training-operator v1: no immutability rule on the replica specs (facts
  // `spares.training-operator-update`).
  PyTorchJob: true,
  MPIJob: true,
  // No webhook or rule known to refuse it (facts `spares.hyperpod-pytorchjob-update`): unverified on
  // a real HyperPod training operator; the admission policy still bounds what we may change.
  HyperPodPyTorchJob: true,
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

const isSpareToleration = (t: Toleration): boolean => isObject(t) && t.key === SPARE_TAINT_KEY;

/** How one kind's templates are found and patched. */
interface KindLayout {
  /** Field of `spec` that holds the templates. */
  field: string;
  shape: 'single' | 'map' | 'list';
  /** Path from one entry (the spec itself for `single`) to its PodTemplateSpec. */
  templatePath: readonly string[];
}

const LAYOUTS: Readonly<Record<WorkloadKind, KindLayout>> = {
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
  const layout = LAYOUTS[kind];
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
 * every template already has it. Throws InvalidInputError when a template is missing.
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
  const ours = spareToleration(token);
  return planTolerations(kind, workload, (tolerations) =>
    tolerations.some((t) => sameToleration(t, ours)) ? undefined : [...tolerations, { ...ours }],
  );
};

/**
 * Merge patch removing every toleration of key `hyperpod-resilience.io/spare` from every pod
 * template (cleanup after a promotion); undefined when there is none.
 */
export const removeSpareTolerations = (kind: WorkloadKind, workload: KubeObject): MergePatch | undefined =>
  planTolerations(kind, workload, (tolerations) =>
    tolerations.some(isSpareToleration) ? tolerations.filter((t) => !isSpareToleration(t)) : undefined,
  );
