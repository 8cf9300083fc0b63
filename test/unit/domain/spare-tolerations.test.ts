import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '#contracts/errors.ts';
import { WORKLOAD_KIND_NAMES } from '#contracts/workload-kinds.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import {
  addSpareToleration,
  isClaimToleration,
  jobSuspensionSettled,
  removeSpareTolerations,
  SPARE_TOLERATION_SUPPORTED,
  spareTolerationRefusal,
} from '#domain/spare-tolerations.ts';
import { claimToken, SPARE_POOL_TAINT_VALUE, SPARE_TAINT_KEY, spareToleration } from '#domain/spares.ts';
import { KUEUE_QUEUE_NAME_LABEL } from '#domain/workload-suspension.ts';
import { applyMergePatch } from '../../fakes/merge-patch.ts';

const TOKEN = 'c-0123456789abcdef';
const OTHER_TOKEN = 'c-fedcba9876543210';
const ours = spareToleration(TOKEN);
const gpu = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
const meta = { name: 'llm', namespace: 'ml', resourceVersion: '42' };

const podTemplate = (tolerations?: unknown[], image = 'trainer:1') => ({
  metadata: { labels: { app: 'llm' } },
  spec: {
    containers: [{ name: 'main', image, command: ['torchrun'] }],
    restartPolicy: 'Never',
    ...(tolerations ? { tolerations } : {}),
  },
});

const job = (tolerations?: unknown[]): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta,
  spec: { suspend: true, parallelism: 2, template: podTemplate(tolerations) },
});

const pytorchJob = (master?: unknown[], worker?: unknown[]): KubeObject => ({
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: meta,
  spec: {
    runPolicy: { suspend: true },
    pytorchReplicaSpecs: {
      Master: { replicas: 1, restartPolicy: 'OnFailure', template: podTemplate(master) },
      Worker: { replicas: 3, restartPolicy: 'OnFailure', template: podTemplate(worker, 'trainer:2') },
    },
  },
});

const mpiJob = (worker?: unknown[]): KubeObject => ({
  apiVersion: 'kubeflow.org/v2beta1',
  kind: 'MPIJob',
  metadata: meta,
  spec: {
    runPolicy: { suspend: true },
    mpiReplicaSpecs: {
      Launcher: { replicas: 1, template: podTemplate([gpu]) },
      Worker: { replicas: 2, template: podTemplate(worker) },
    },
  },
});

const replicatedJob = (name: string, tolerations?: unknown[]) => ({
  name,
  replicas: 2,
  template: {
    metadata: { labels: { rj: name } },
    spec: { parallelism: 4, template: podTemplate(tolerations) },
  },
});

const jobSet = (leader?: unknown[], workers?: unknown[]): KubeObject => ({
  apiVersion: 'jobset.x-k8s.io/v1alpha2',
  kind: 'JobSet',
  metadata: meta,
  spec: {
    suspend: true,
    replicatedJobs: [replicatedJob('leader', leader), replicatedJob('workers', workers)],
  },
});

const hyperPodJob = (worker?: unknown[]): KubeObject => ({
  apiVersion: 'sagemaker.amazonaws.com/v1',
  kind: 'HyperPodPyTorchJob',
  metadata: meta,
  spec: {
    runPolicy: { suspend: true },
    replicaSpecs: [{ name: 'pod', replicas: 4, template: podTemplate(worker) }],
  },
});

/** Every PodSpec in the object, with the path it sits at. */
const podSpecs = (obj: unknown, path = ''): { path: string; spec: Record<string, unknown> }[] => {
  if (typeof obj !== 'object' || obj === null) return [];
  const found: { path: string; spec: Record<string, unknown> }[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const here = path ? `${path}.${k}` : k;
    if (k === 'spec' && typeof v === 'object' && v !== null && 'containers' in v)
      found.push({ path: here, spec: v as Record<string, unknown> });
    else found.push(...podSpecs(v, here));
  }
  return found;
};

/** The object with every PodSpec's tolerations left out: what must not change. */
const withoutTolerations = (obj: unknown): unknown =>
  JSON.parse(JSON.stringify(obj, (k, v) => (k === 'tolerations' ? undefined : v)));

const samples: Record<(typeof WORKLOAD_KIND_NAMES)[number], () => KubeObject> = {
  Job: () => job([gpu]),
  PyTorchJob: () => pytorchJob([gpu], undefined),
  MPIJob: () => mpiJob(),
  JobSet: () => jobSet([gpu], undefined),
  HyperPodPyTorchJob: () => hyperPodJob([gpu]),
};

describe('addSpareToleration', () => {
  for (const kind of WORKLOAD_KIND_NAMES) {
    it(`gives every pod template of a ${kind} the spare toleration, keeps its other tolerations and changes nothing else`, () => {
      const before = samples[kind]();
      const patch = addSpareToleration(kind, before, TOKEN);
      expect(patch).toBeDefined();
      const after = applyMergePatch(before, patch) as KubeObject;
      expect(withoutTolerations(after)).toEqual(withoutTolerations(before));
      const beforeSpecs = podSpecs(before);
      const afterSpecs = podSpecs(after);
      expect(afterSpecs.map((s) => s.path)).toEqual(beforeSpecs.map((s) => s.path));
      afterSpecs.forEach(({ spec }, i) => {
        const previous = (beforeSpecs[i]?.spec.tolerations as unknown[] | undefined) ?? [];
        expect(spec.tolerations).toEqual([...previous, ours]);
      });
    });

    it(`plans nothing for a ${kind} whose every template already has the toleration (idempotent)`, () => {
      const before = samples[kind]();
      const once = applyMergePatch(before, addSpareToleration(kind, before, TOKEN)) as KubeObject;
      expect(addSpareToleration(kind, once, TOKEN)).toBeUndefined();
    });
  }

  it('patches only the tolerations of a Job template, not the rest of the spec', () => {
    expect(addSpareToleration('Job', job(), TOKEN)).toEqual({
      spec: { template: { spec: { tolerations: [ours] } } },
    });
  });

  it('patches only the tolerations paths of the PyTorchJob replica types that lack it', () => {
    expect(addSpareToleration('PyTorchJob', pytorchJob([gpu, ours], [gpu]), TOKEN)).toEqual({
      spec: { pytorchReplicaSpecs: { Worker: { template: { spec: { tolerations: [gpu, ours] } } } } },
    });
  });

  it('carries the whole JobSet replicatedJobs list, the jobs that already tolerate unchanged', () => {
    const before = jobSet([ours], [gpu]);
    const patch = addSpareToleration('JobSet', before, TOKEN);
    const list = (patch as { spec: { replicatedJobs: unknown[] } }).spec.replicatedJobs;
    expect(list).toHaveLength(2);
    expect(list[0]).toEqual(replicatedJob('leader', [ours]));
    expect(list[1]).toEqual(replicatedJob('workers', [gpu, ours]));
  });

  it('adds its own toleration beside a spare toleration of another incident', () => {
    expect(addSpareToleration('Job', job([spareToleration(OTHER_TOKEN)]), TOKEN)).toEqual({
      spec: { template: { spec: { tolerations: [spareToleration(OTHER_TOKEN), ours] } } },
    });
  });

  it('adds its toleration when the spare key is tolerated with another effect or a time limit', () => {
    const noExecute = { ...ours, effect: 'NoExecute' };
    const limited = { ...ours, tolerationSeconds: 60 };
    expect(addSpareToleration('Job', job([noExecute, limited, 'odd']), TOKEN)).toEqual({
      spec: { template: { spec: { tolerations: [noExecute, limited, 'odd', ours] } } },
    });
  });

  it('refuses a workload without a spec, without templates or with a template without a spec', () => {
    const broken: [WorkloadKind, KubeObject][] = [
      ['Job', { metadata: meta }],
      ['Job', { metadata: meta, spec: { template: { metadata: {} } } }],
      ['PyTorchJob', { metadata: meta, spec: { pytorchReplicaSpecs: [] } }],
      ['MPIJob', { metadata: meta, spec: { mpiReplicaSpecs: { Worker: { replicas: 1 } } } }],
      ['JobSet', { metadata: meta, spec: { replicatedJobs: {} } }],
      ['JobSet', { metadata: meta, spec: { replicatedJobs: [{ name: 'a', template: { spec: {} } }] } }],
      ['HyperPodPyTorchJob', { metadata: meta, spec: { replicaSpecs: [null] } }],
    ];
    for (const [kind, workload] of broken)
      expect(() => addSpareToleration(kind, workload, TOKEN), `${kind} ${JSON.stringify(workload)}`).toThrow(
        InvalidInputError,
      );
  });

  it('refuses a token that is not a claim token (the pool value among them), planning nothing', () => {
    for (const token of ['pool', 'c-0123', 'C-0123456789ABCDEF', ''])
      expect(() => addSpareToleration('Job', job(), token), token).toThrow(InvalidInputError);
  });
});

type WorkloadKind = (typeof WORKLOAD_KIND_NAMES)[number];

describe('removeSpareTolerations', () => {
  for (const kind of WORKLOAD_KIND_NAMES) {
    it(`takes every claim toleration out of a ${kind}, whatever its incident, and keeps the others`, () => {
      const base = samples[kind]();
      const tolerated = applyMergePatch(base, addSpareToleration(kind, base, TOKEN)) as KubeObject;
      const twice = applyMergePatch(
        tolerated,
        addSpareToleration(kind, tolerated, OTHER_TOKEN),
      ) as KubeObject;
      const patch = removeSpareTolerations(kind, twice);
      const after = applyMergePatch(twice, patch) as KubeObject;
      expect(withoutTolerations(after)).toEqual(withoutTolerations(base));
      for (const { spec } of podSpecs(after))
        expect((spec.tolerations as { key?: string }[]).every((t) => t.key !== SPARE_TAINT_KEY)).toBe(true);
      expect(podSpecs(after).map((s) => s.spec.tolerations ?? [])).toEqual(
        podSpecs(base).map((s) => s.spec.tolerations ?? []),
      );
      expect(removeSpareTolerations(kind, after)).toBeUndefined();
    });
  }

  it('plans nothing for a workload without claim tolerations', () => {
    expect(removeSpareTolerations('Job', job([gpu]))).toBeUndefined();
    expect(removeSpareTolerations('JobSet', jobSet())).toBeUndefined();
  });

  it("keeps a borrower's toleration of the pool: it is the user's, not a claim", () => {
    const borrower = spareToleration(SPARE_POOL_TAINT_VALUE);
    expect(removeSpareTolerations('Job', job([borrower, ours]))).toEqual({
      spec: { template: { spec: { tolerations: [borrower] } } },
    });
  });
});

describe('isClaimToleration', () => {
  it("is true of an incident's spare toleration exactly as the promotion adds it", () => {
    expect(isClaimToleration(spareToleration(claimToken('inc-1')))).toBe(true);
  });

  it('is false of every other toleration of the spare key, and of anything that is not a toleration', () => {
    const others: unknown[] = [
      spareToleration(SPARE_POOL_TAINT_VALUE),
      { key: SPARE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' },
      { ...ours, operator: 'Exists' },
      { ...ours, effect: 'NoExecute' },
      { ...ours, value: 'c-0123' },
      { ...ours, tolerationSeconds: 60 },
      { ...ours, key: 'hyperpod-resilience.io/quarantine' },
      { operator: 'Exists' },
      'c-0123456789abcdef',
      null,
    ];
    for (const t of others) expect(isClaimToleration(t), JSON.stringify(t)).toBe(false);
  });
});

describe('SPARE_TOLERATION_SUPPORTED', () => {
  it('answers for every workload kind', () => {
    expect(Object.keys(SPARE_TOLERATION_SUPPORTED).sort()).toEqual([...WORKLOAD_KIND_NAMES].sort());
  });
});

describe('jobSuspensionSettled', () => {
  const at = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
    metadata: meta,
    spec,
    ...(status ? { status } : {}),
  });
  const suspendedCondition = { type: 'Suspended', status: 'True', reason: 'JobSuspended' };

  it('is true for a suspended Job that never started', () => {
    expect(jobSuspensionSettled(at({ suspend: true }))).toBe(true);
  });

  it('is true for a Job the controller marked Suspended with no active pod, startTime still set (1.35 and older)', () => {
    expect(
      jobSuspensionSettled(
        at({ suspend: true }, { startTime: '2026-12-03T18:00:00Z', conditions: [suspendedCondition] }),
      ),
    ).toBe(true);
  });

  it('is false right after the suspend patch: started, not yet marked, or pods still active', () => {
    expect(
      jobSuspensionSettled(at({ suspend: true }, { startTime: '2026-12-03T18:00:00Z', active: 2 })),
    ).toBe(false);
    expect(
      jobSuspensionSettled(
        at(
          { suspend: true },
          {
            startTime: '2026-12-03T18:00:00Z',
            conditions: [{ ...suspendedCondition, status: 'False' }, 'odd'],
          },
        ),
      ),
    ).toBe(false);
    expect(jobSuspensionSettled(at({ suspend: true }, { active: 1, conditions: [suspendedCondition] }))).toBe(
      false,
    );
  });

  it('is false for a running Job', () => {
    expect(jobSuspensionSettled(at({ suspend: false }))).toBe(false);
    expect(jobSuspensionSettled(at({}))).toBe(false);
  });
});

describe('spareTolerationRefusal', () => {
  it('lets a plain suspended Job, JobSet, PyTorchJob and MPIJob take the toleration', () => {
    for (const kind of ['Job', 'JobSet', 'PyTorchJob', 'MPIJob'] as const)
      expect(spareTolerationRefusal(kind, samples[kind]()), kind).toBeUndefined();
  });

  it('refuses a HyperPodPyTorchJob: its kind is not known to take the change', () => {
    expect(spareTolerationRefusal('HyperPodPyTorchJob', hyperPodJob())).toBe(
      'kind-cannot-change-tolerations',
    );
  });

  it('refuses a job Kueue admits, whatever its kind (Kueue would recreate its Workload)', () => {
    const queued = job();
    queued.metadata = { ...queued.metadata, labels: { [KUEUE_QUEUE_NAME_LABEL]: 'team-a' } };
    expect(spareTolerationRefusal('Job', queued)).toBe('kueue-managed');
  });
});
