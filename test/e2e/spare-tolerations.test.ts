/**
 * Spare tolerations on the real control plane (tier 1: kube-apiserver v1.36.3 with our admission
 * policies, kube-controller-manager, scheduler, kwok; tier 2 unless HPR_TIER2=0: the real JobSet
 * controller and training-operator with their webhooks). Our group (a workload patcher's token,
 * through our own adapter) may add the spare toleration the planner builds to a suspended
 * workload's pod templates and take it out again; it is refused any other template change, and any
 * template change at all while the workload runs. The controllers then create the pods with it.
 * Facts: docs/facts/spares-spare-tolerations.md.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { ConcurrentUpdateError } from '#contracts/errors.ts';
import { kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import {
  addSpareToleration,
  jobSuspensionSettled,
  removeSpareTolerations,
} from '#domain/spare-tolerations.ts';
import { SPARE_POOL_TAINT_VALUE, SPARE_TAINT_KEY, spareToleration } from '#domain/spares.ts';
import type { MergePatch, WorkloadKind, WorkloadRef } from '#domain/types.ts';
import { apiRequest } from '#local/testbed/api.ts';
import { startControlPlane } from '#local/testbed/control-plane.ts';
import { applyRbac } from '#local/testbed/rbac.ts';
import {
  batchJob,
  jobSet,
  livePods,
  pytorchJob,
  read,
  runningPods,
  startWorkloadsBed,
  TIER2,
  type WorkloadsBed,
  waitUntil,
} from './workloads-helpers.ts';

const TOKEN = 'c-0123456789abcdef';
/** A toleration of someone else's taint: never ours to add. */
const foreign = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

let bed: WorkloadsBed;
/** A workload patcher's own group (every group of ours is under the same admission policy). */
let kube: KubeApi;

type Outcome = 'allowed' | 'admission' | 'invalid' | 'webhook' | string;

/** Who refused: our admission policy (403), the API's own validation (422) or a webhook. */
const outcome = async (request: Promise<unknown>): Promise<Outcome> => {
  try {
    await request;
    return 'allowed';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // An expression that failed (e.g. over the CEL cost budget) also denies, but is not a verdict.
    if (/resulted in error|cost/i.test(message)) return message;
    if (/HTTP 403/.test(message) && /ValidatingAdmissionPolicy 'hyperpod-resilience-/.test(message))
      return 'admission';
    if (/admission webhook/.test(message)) return 'webhook';
    if (/HTTP 422/.test(message)) return 'invalid';
    return message;
  }
};

const API: Record<WorkloadKind, string> = {
  Job: 'batch/v1',
  JobSet: 'jobset.x-k8s.io/v1alpha2',
  PyTorchJob: 'kubeflow.org/v1',
  MPIJob: 'kubeflow.org/v2beta1',
  HyperPodPyTorchJob: 'sagemaker.amazonaws.com/v1',
};

const refOf = (kind: WorkloadKind, name: string): WorkloadRef => ({
  kind,
  apiVersion: API[kind],
  namespace: bed.ns,
  name,
});

const get = async (kind: WorkloadKind, name: string): Promise<KubeObject> =>
  waitUntil(`${kind} ${name}`, () => read(bed, API[kind], kind, name));

/** Our group's merge patch, guarded by the object's resourceVersion as the promotion sends it. */
const patchAsUs = async (
  kind: WorkloadKind,
  name: string,
  plan: (w: KubeObject) => MergePatch | undefined,
): Promise<Outcome> => {
  for (let attempt = 0; ; attempt++) {
    const workload = await get(kind, name);
    const patch = plan(workload);
    if (!patch) throw new Error(`nothing planned for ${kind} ${name}`);
    const request = kube.patchWorkload(refOf(kind, name), patch, {
      resourceVersion: workload.metadata.resourceVersion!,
    });
    // A controller's status update in between (409): read again and plan again, as the promotion does.
    if (
      attempt < 5 &&
      (await request.then(
        () => false,
        (e) => e instanceof ConcurrentUpdateError,
      ))
    )
      continue;
    return outcome(request);
  }
};

const addOurs = (kind: WorkloadKind) => (w: KubeObject) => addSpareToleration(kind, w, TOKEN);

/** The spare patch with `also` applied to every toleration list it carries (e.g. a foreign one). */
const addOursAnd =
  (kind: WorkloadKind, edit: (podSpec: Record<string, unknown>) => void) =>
  (w: KubeObject): MergePatch => {
    const patch = structuredClone(addSpareToleration(kind, w, TOKEN)!);
    const visit = (v: unknown) => {
      if (typeof v !== 'object' || v === null) return;
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.tolerations)) edit(o);
      else for (const x of Object.values(o)) visit(x);
    };
    visit(patch);
    return patch;
  };

const withForeign = (kind: WorkloadKind) =>
  addOursAnd(kind, (podSpec) => (podSpec.tolerations as unknown[]).push(foreign));

/** Image and command changed in the first container, beside our toleration. */
const withImage = (kind: WorkloadKind, containers: (w: KubeObject) => unknown[]) => (w: KubeObject) => {
  const original = containers(w) as Record<string, unknown>[];
  return addOursAnd(kind, (podSpec) => {
    podSpec.containers = [{ ...original[0], image: 'evil.example/miner:1', command: ['sh', '-c', 'x'] }];
  })(w);
};

const tolerationsOfPods = (pods: KubePod[]) =>
  pods.map((p) => (p.spec as { tolerations?: { key?: string; value?: string }[] }).tolerations ?? []);

const hasOurs = (tolerations: { key?: string; value?: string }[]) =>
  tolerations.some((t) => t.key === SPARE_TAINT_KEY && t.value === TOKEN);

const suspendAsUs = (kind: WorkloadKind, name: string, suspend: boolean) =>
  kube.patchWorkload(
    refOf(kind, name),
    kind === 'Job' || kind === 'JobSet' ? { spec: { suspend } } : { spec: { runPolicy: { suspend } } },
  );

beforeAll(async () => {
  bed = await startWorkloadsBed('e2e-spares', { nodes: 4 });
  const cluster = bed.env.config.clusters[0]!;
  kube = await bed.env.depsOf('resume-workloads').kubeFor(cluster.eksClusterName);
});

afterAll(async () => {
  await bed?.stop();
});

describe('batch Job (real apiserver and Job controller)', () => {
  it('a suspended Job that never ran takes the spare toleration from our group, keeps its other tolerations, and its pods carry it once resumed', async () => {
    // Prepare
    const job = batchJob(bed.ns, 'fresh', [bed.nodes[0]!], { pods: 2 });
    const spec = job.spec as { template: { spec: Record<string, unknown> } };
    spec.template.spec.tolerations = [foreign];
    await bed.env.apply([{ ...job, spec: { ...job.spec, suspend: true } }]);

    // Act
    const added = await patchAsUs('Job', 'fresh', addOurs('Job'));
    const again = addSpareToleration('Job', await get('Job', 'fresh'), TOKEN);
    await suspendAsUs('Job', 'fresh', false);
    const pods = await waitUntil('fresh running', () => runningPods(bed, 'fresh', 2));

    // Assess
    expect(added).toBe('allowed');
    expect(again).toBeUndefined();
    expect(tolerationsOfPods(pods).every((t) => hasOurs(t) && t.some((x) => x.key === foreign.key))).toBe(
      true,
    );
  });

  it('a Job that ran and was then suspended takes the toleration (v1.36: JobSuspended condition true, no active pod) and its new pods carry it', async () => {
    // Prepare: the Job runs (status.startTime set), then our group suspends it.
    await bed.env.apply([batchJob(bed.ns, 'ran', [bed.nodes[1]!], { pods: 2 })]);
    await waitUntil('ran running', () => runningPods(bed, 'ran', 2));
    const started = await get('Job', 'ran');
    await suspendAsUs('Job', 'ran', true);
    const suspended = await waitUntil('ran suspended, no active pod', async () => {
      const job = await get('Job', 'ran');
      return jobSuspensionSettled(job) ? job : undefined;
    });

    // Act
    const added = await patchAsUs('Job', 'ran', addOurs('Job'));
    await suspendAsUs('Job', 'ran', false);
    const pods = await waitUntil('ran running again', async () => {
      const live = await runningPods(bed, 'ran', 2);
      return live && tolerationsOfPods(live).every(hasOurs) ? live : undefined;
    });

    // Assess: the Job had started; the controller cleared startTime on suspension.
    expect((started.status as { startTime?: string }).startTime).toBeDefined();
    expect((suspended.status as { startTime?: string }).startTime).toBeUndefined();
    expect(added).toBe('allowed');
    expect(pods).toHaveLength(2);
  });

  it('refuses on a suspended Job a foreign toleration (our policy), and an image change beside the spare toleration (the Job API itself)', async () => {
    // Prepare
    const job = batchJob(bed.ns, 'guarded', [bed.nodes[0]!]);
    await bed.env.apply([{ ...job, spec: { ...job.spec, suspend: true } }]);
    const containers = (w: KubeObject) =>
      (w.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers;

    // Act
    const foreignToleration = await patchAsUs('Job', 'guarded', withForeign('Job'));
    const image = await patchAsUs('Job', 'guarded', withImage('Job', containers));
    const nodeSelector = await patchAsUs('Job', 'guarded', (w) => ({
      spec: { template: { spec: { nodeSelector: { 'evil.example/pool': 'x' }, ...addOursSpec(w) } } },
    }));
    const after = await get('Job', 'guarded');

    // Assess: a node selector is a scheduling directive the Job API allows here; only our policy
    // refuses it. The image change the Job API refuses itself (422), before validating admission.
    expect({ foreignToleration, image, nodeSelector }).toEqual({
      foreignToleration: 'admission',
      image: 'invalid',
      nodeSelector: 'admission',
    });
    expect(
      (after.spec as { template: { spec: Record<string, unknown> } }).template.spec.tolerations,
    ).toBeUndefined();
  });

  it('refuses the spare toleration on a running Job', async () => {
    // Prepare
    await bed.env.apply([batchJob(bed.ns, 'running', [bed.nodes[2]!])]);
    await waitUntil('running running', () => runningPods(bed, 'running', 1));

    // Act
    const added = await patchAsUs('Job', 'running', addOurs('Job'));

    // Assess: the Job API refuses first (422: the template of an unsuspended Job is immutable;
    // its validation runs before validating admission, so our policy is not reached).
    expect(added).toBe('invalid');
  });

  it('lets our group take the spare tolerations out of a suspended Job again', async () => {
    // Prepare
    const job = batchJob(bed.ns, 'cleanup', [bed.nodes[0]!]);
    await bed.env.apply([{ ...job, spec: { ...job.spec, suspend: true } }]);
    expect(await patchAsUs('Job', 'cleanup', addOurs('Job'))).toBe('allowed');

    // Act
    const removed = await patchAsUs('Job', 'cleanup', (w) => removeSpareTolerations('Job', w));

    // Assess
    expect(removed).toBe('allowed');
    expect(removeSpareTolerations('Job', await get('Job', 'cleanup'))).toBeUndefined();
  });
});

/** The `spec.template.spec` part of the Job patch the planner builds. */
const addOursSpec = (w: KubeObject) =>
  (addSpareToleration('Job', w, TOKEN) as { spec: { template: { spec: Record<string, unknown> } } }).spec
    .template.spec;

describe('JobSet', () => {
  const containers = (w: KubeObject) =>
    (
      w.spec as {
        replicatedJobs: { template: { spec: { template: { spec: { containers: unknown[] } } } } }[];
      }
    ).replicatedJobs[0]!.template.spec.template.spec.containers;

  it(
    TIER2.jobset
      ? 'a suspended JobSet takes the spare toleration from our group (real JobSet webhook) and its pods carry it once resumed (real JobSet controller)'
      : 'a suspended JobSet takes the spare toleration from our group (CRD level)',
    async () => {
      // Prepare: it ran, then our group suspended it.
      await bed.env.apply([jobSet(bed.ns, 'set', [bed.nodes[3]!], 2)]);
      if (TIER2.jobset) await waitUntil('set running', () => runningPods(bed, 'set', 2));
      await suspendAsUs('JobSet', 'set', true);
      if (TIER2.jobset)
        await waitUntil('set pods gone', async () => (await livePods(bed, 'set')).length === 0);

      // Act
      const foreignToleration = await patchAsUs('JobSet', 'set', withForeign('JobSet'));
      const image = await patchAsUs('JobSet', 'set', withImage('JobSet', containers));
      const added = await patchAsUs('JobSet', 'set', addOurs('JobSet'));
      await suspendAsUs('JobSet', 'set', false);
      const pods = TIER2.jobset
        ? await waitUntil('set running with the toleration', async () => {
            const live = await runningPods(bed, 'set', 2);
            return live && tolerationsOfPods(live).every(hasOurs) ? live : undefined;
          })
        : [];

      // Assess
      expect({ foreignToleration, image, added }).toEqual({
        foreignToleration: 'admission',
        image: 'admission',
        added: 'allowed',
      });
      if (TIER2.jobset) expect(pods).toHaveLength(2);
    },
  );

  it('refuses the spare toleration on a running JobSet (our policy)', async () => {
    // Prepare
    await bed.env.apply([jobSet(bed.ns, 'busy', [bed.nodes[2]!])]);

    // Act
    const added = await patchAsUs('JobSet', 'busy', addOurs('JobSet'));

    // Assess
    expect(added).toBe('admission');
  });
});

describe('PyTorchJob', () => {
  const containers = (w: KubeObject) =>
    (w.spec as { pytorchReplicaSpecs: { Worker: { template: { spec: { containers: unknown[] } } } } })
      .pytorchReplicaSpecs.Worker.template.spec.containers;

  it(
    TIER2.trainingOperator
      ? 'a suspended PyTorchJob takes the spare toleration from our group (real training-operator webhook) and its pods carry it once resumed'
      : 'a suspended PyTorchJob takes the spare toleration from our group (CRD level)',
    async () => {
      // Prepare
      const job = pytorchJob(bed.ns, 'torch', [bed.nodes[1]!]);
      await bed.env.apply([{ ...job, spec: { ...job.spec, runPolicy: { suspend: true } } }]);

      // Act
      const foreignToleration = await patchAsUs('PyTorchJob', 'torch', withForeign('PyTorchJob'));
      const image = await patchAsUs('PyTorchJob', 'torch', withImage('PyTorchJob', containers));
      const replicas = await patchAsUs('PyTorchJob', 'torch', (w) => {
        const patch = addSpareToleration('PyTorchJob', w, TOKEN) as {
          spec: { pytorchReplicaSpecs: { Worker: Record<string, unknown> } };
        };
        patch.spec.pytorchReplicaSpecs.Worker.replicas = 8;
        return patch;
      });
      const added = await patchAsUs('PyTorchJob', 'torch', addOurs('PyTorchJob'));
      await suspendAsUs('PyTorchJob', 'torch', false);
      const pods = TIER2.trainingOperator
        ? await waitUntil('torch running with the toleration', async () => {
            const live = await runningPods(bed, 'torch', 2);
            return live && tolerationsOfPods(live).every(hasOurs) ? live : undefined;
          })
        : [];

      // Assess
      expect({ foreignToleration, image, replicas, added }).toEqual({
        foreignToleration: 'admission',
        image: 'admission',
        replicas: 'admission',
        added: 'allowed',
      });
      if (TIER2.trainingOperator) expect(pods).toHaveLength(2);
    },
  );

  it('refuses the spare toleration on a running PyTorchJob (our policy)', async () => {
    // Prepare
    await bed.env.apply([pytorchJob(bed.ns, 'torch-busy', [bed.nodes[2]!])]);

    // Act
    const added = await patchAsUs('PyTorchJob', 'torch-busy', addOurs('PyTorchJob'));

    // Assess
    expect(added).toBe('admission');
  });
});

describe('MPIJob and HyperPodPyTorchJob (CRD level: no controller here)', () => {
  const template = (extra: Record<string, unknown> = {}) => ({
    spec: { containers: [{ name: 'main', image: 'trainer:1' }], ...extra },
  });
  const mpiJob = (name: string, suspend: boolean): KubeObject => ({
    apiVersion: API.MPIJob,
    kind: 'MPIJob',
    metadata: { name, namespace: bed.ns },
    spec: {
      runPolicy: { suspend },
      mpiReplicaSpecs: {
        Launcher: { replicas: 1, template: template() },
        Worker: { replicas: 2, template: template() },
      },
    },
  });
  const hyperPodJob = (name: string, suspend: boolean): KubeObject => ({
    apiVersion: API.HyperPodPyTorchJob,
    kind: 'HyperPodPyTorchJob',
    metadata: { name, namespace: bed.ns },
    spec: {
      runPolicy: { suspend },
      replicaSpecs: [
        { name: 'pods', replicas: 2, template: template({ futureField: { a: 1 } }) },
        { name: 'aux', replicas: 1, template: template() },
      ],
    },
  });

  it('a suspended MPIJob takes the claim toleration from our group; a running one does not; no other toleration of the spare key or of every key passes', async () => {
    // Prepare
    await bed.env.apply([mpiJob('mpi', true), mpiJob('mpi-busy', false)]);
    const addInstead = (toleration: Record<string, unknown>) =>
      addOursAnd('MPIJob', (podSpec) => {
        const list = podSpec.tolerations as unknown[];
        list[list.length - 1] = toleration;
      });

    // Act
    const refused = {
      everything: await patchAsUs('MPIJob', 'mpi', addInstead({ operator: 'Exists' })),
      anySpare: await patchAsUs('MPIJob', 'mpi', addInstead({ key: SPARE_TAINT_KEY, operator: 'Exists' })),
      pool: await patchAsUs('MPIJob', 'mpi', addInstead(spareToleration(SPARE_POOL_TAINT_VALUE))),
      noExecute: await patchAsUs(
        'MPIJob',
        'mpi',
        addInstead({ ...spareToleration(TOKEN), effect: 'NoExecute' }),
      ),
    };
    const added = await patchAsUs('MPIJob', 'mpi', addOurs('MPIJob'));
    const busy = await patchAsUs('MPIJob', 'mpi-busy', addOurs('MPIJob'));

    // Assess
    expect(refused).toEqual({
      everything: 'admission',
      anySpare: 'admission',
      pool: 'admission',
      noExecute: 'admission',
    });
    expect({ added, busy }).toEqual({ added: 'allowed', busy: 'admission' });
  });

  it('a suspended HyperPodPyTorchJob takes the spare toleration, but not with a field Kubernetes does not know changed, a replica renamed or dropped (fail closed); a reordered list of the same replicas passes', async () => {
    // Prepare
    await bed.env.apply([hyperPodJob('hp', true), hyperPodJob('hp-busy', false)]);
    type Replicas = { spec: { replicaSpecs: Record<string, unknown>[] } };

    // Act
    const unknownField = await patchAsUs('HyperPodPyTorchJob', 'hp', (w) => {
      const patch = addSpareToleration('HyperPodPyTorchJob', w, TOKEN) as Replicas;
      (patch.spec.replicaSpecs[0]!.template as { spec: Record<string, unknown> }).spec.futureField = { a: 2 };
      return patch;
    });
    const renamed = await patchAsUs('HyperPodPyTorchJob', 'hp', (w) => {
      const patch = addSpareToleration('HyperPodPyTorchJob', w, TOKEN) as Replicas;
      patch.spec.replicaSpecs[1]!.name = 'other';
      return patch;
    });
    const dropped = await patchAsUs('HyperPodPyTorchJob', 'hp', (w) => {
      const patch = addSpareToleration('HyperPodPyTorchJob', w, TOKEN) as Replicas;
      patch.spec.replicaSpecs.pop();
      return patch;
    });
    const added = await patchAsUs('HyperPodPyTorchJob', 'hp', addOurs('HyperPodPyTorchJob'));
    const busy = await patchAsUs('HyperPodPyTorchJob', 'hp-busy', addOurs('HyperPodPyTorchJob'));
    const removed = await patchAsUs('HyperPodPyTorchJob', 'hp', (w) =>
      removeSpareTolerations('HyperPodPyTorchJob', w),
    );
    const reordered = await patchAsUs('HyperPodPyTorchJob', 'hp', (w) => {
      const patch = addSpareToleration('HyperPodPyTorchJob', w, TOKEN) as Replicas;
      patch.spec.replicaSpecs.reverse();
      return patch;
    });

    // Assess: replicas are matched by name, so a reordered list with the same replicas passes
    // (our planner keeps the order anyway).
    expect({ unknownField, renamed, reordered, dropped, added, busy, removed }).toEqual({
      unknownField: 'admission',
      renamed: 'admission',
      reordered: 'allowed',
      dropped: 'admission',
      added: 'allowed',
      busy: 'admission',
      removed: 'allowed',
    });
  });
});

describe('batch Job before Kubernetes 1.36 (MutableSchedulingDirectivesForSuspendedJobs off, as 1.35 and older run)', () => {
  it('a Job that ran and was then suspended keeps status.startTime and refuses the toleration (422) until startTime is cleared through the status subresource', async () => {
    // Prepare: a control plane of its own with the gate off on the apiserver and the Job controller.
    const token = randomBytes(24).toString('hex');
    const cp = await startControlPlane({
      tier: 1,
      featureGates: { MutableSchedulingDirectivesForSuspendedJobs: false },
      staticTokens: [
        { token, user: 'e2e-spares-old', uid: 'e2e-spares-old', groups: [kubeGroupOf('resume-workloads')] },
      ],
      log: (line) => process.stderr.write(`[e2e-spares-1.35] ${line}\n`),
    });
    try {
      await applyRbac(cp);
      const admin = createKubeApi({ server: cp.server, caData: cp.caData, token: cp.adminToken });
      const us = createKubeApi({ server: cp.server, caData: cp.caData, token });
      const ns = 'old';
      await apiRequest(cp, cp.adminToken, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
      // No node: its pods stay Pending, but the Job controller sets startTime once it runs the Job.
      await admin.createJob(ns, batchJob(ns, 'ran', ['nowhere']));
      const ref: WorkloadRef = { kind: 'Job', apiVersion: 'batch/v1', namespace: ns, name: 'ran' };
      const status = (job: KubeObject | undefined) =>
        (job?.status ?? {}) as {
          startTime?: string;
          active?: number;
          conditions?: { type: string; status: string }[];
        };
      await waitUntil('ran started', async () => status(await admin.getWorkload(ref)).startTime);
      await us.patchWorkload(ref, { spec: { suspend: true } });
      const suspended = await waitUntil('ran suspended', async () => {
        const job = await admin.getWorkload(ref);
        return job && jobSuspensionSettled(job) ? job : undefined;
      });
      const tolerate = async () => {
        const job = (await admin.getWorkload(ref))!;
        return us
          .patchWorkload(ref, addSpareToleration('Job', job, TOKEN)!, {
            resourceVersion: job.metadata.resourceVersion!,
          })
          .then(
            () => 'allowed',
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
      };

      // Act
      const refused = await tolerate();
      // What the JobSet controller does before it changes a started child Job (jobset
      // pkg/controllers/jobset_controller.go resumeJob): clear startTime through the status subresource.
      const cleared = await apiRequest(
        cp,
        cp.adminToken,
        'PATCH',
        `/apis/batch/v1/namespaces/${ns}/jobs/ran/status`,
        { status: { startTime: null } },
        'application/merge-patch+json',
      );
      const afterClearing = await tolerate();

      // Assess
      expect(status(suspended).startTime).toBeDefined();
      // The Job API's own message (kubernetes pkg/apis/batch/validation: ValidateImmutableField).
      expect(refused).toMatch(/HTTP 422/);
      expect(refused).toMatch(/spec\.template(\.spec)?: Invalid value: [\s\S]*field is immutable/);
      expect(cleared.status).toBe(200);
      expect(afterClearing).toBe('allowed');
    } finally {
      await cp.stop();
    }
  }, 120_000);
});

describe('the admission policy within the CEL cost budget', () => {
  it('admits the claim toleration on a large suspended workload (16 replica specs of 3 containers with 200 variables each) and still refuses a change deep inside it', async () => {
    // Prepare: CRD level, so every byte reaches our policy.
    const container = (i: number) => ({
      name: `c${i}`,
      image: 'trainer:1',
      env: Array.from({ length: 200 }, (_, j) => ({
        name: `VAR_${j}`,
        value: `value-${j}-${'x'.repeat(40)}`,
      })),
    });
    const big: KubeObject = {
      apiVersion: API.MPIJob,
      kind: 'MPIJob',
      metadata: { name: 'big', namespace: bed.ns },
      spec: {
        runPolicy: { suspend: true },
        mpiReplicaSpecs: Object.fromEntries(
          Array.from({ length: 16 }, (_, r) => [
            `Type${r}`,
            { replicas: 4, template: { spec: { containers: [0, 1, 2].map(container) } } },
          ]),
        ),
      },
    };
    // Created directly: `kubectl apply` would copy it into an annotation, which may not hold 256 KiB.
    const cp = bed.env.controlPlane;
    const created = await apiRequest(
      cp,
      cp.adminToken,
      'POST',
      `/apis/${API.MPIJob}/namespaces/${bed.ns}/mpijobs`,
      big,
    );
    expect(created.status).toBe(201);
    type Types = {
      spec: { mpiReplicaSpecs: Record<string, { template: { spec: Record<string, unknown> } }> };
    };

    // Act
    const deepChange = await patchAsUs('MPIJob', 'big', (w) => {
      const patch = addSpareToleration('MPIJob', w, TOKEN) as Types;
      const last = (w.spec as Types['spec']).mpiReplicaSpecs.Type15!.template.spec.containers as {
        env: unknown[];
      }[];
      const env = structuredClone(last[2]!.env) as { name: string; value: string }[];
      env[199]!.value = 'changed';
      patch.spec.mpiReplicaSpecs.Type15!.template.spec.containers = [last[0], last[1], { ...last[2], env }];
      return patch;
    });
    const added = await patchAsUs('MPIJob', 'big', addOurs('MPIJob'));

    // Assess
    expect({ deepChange, added }).toEqual({ deepChange: 'admission', added: 'allowed' });
  });
});
