/**
 * Each Lambda's Kubernetes identity on the real kube-apiserver of global-setup.ts (our RBAC and
 * ValidatingAdmissionPolicies applied as `hpr rbac` prints them): every group is refused what lies
 * outside its allowance, by RBAC (HTTP 403 "cannot …") or by our admission policies (HTTP 403
 * "ValidatingAdmissionPolicy … denied request"), and is allowed what its code does. Requests go
 * through our own adapter (createKubeApi), with a token whose user is in that Lambda's group only,
 * as its EKS access entry maps its role.
 */
import { randomBytes } from 'node:crypto';
import { BatchV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { ConcurrentUpdateError } from '#contracts/errors.ts';
import { KUBE_LAMBDAS, lambdaIdentity } from '#deploy/kubernetes-rbac.ts';
import { buildQuickCheckJob } from '#domain/health-check-job.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { planQuarantine, QUARANTINE_TAINT_KEY } from '#domain/quarantine.ts';
import { KUEUE_WORKLOAD } from '#domain/workload-suspension.ts';
import { checkKubeIdentity } from '#functions/tasks/kube-identity-drift.ts';
import { createKubeAdmin, mergePatch, testbedKubeConfig } from '#local/testbed/kube-admin.ts';
import { batchJob, jobSet, pytorchJob } from './workloads-helpers.ts';

const tb = inject('testbed');
const cp = { server: tb.server, caData: tb.caData, adminToken: tb.adminToken };
const admin = createKubeAdmin(cp);
const batch = testbedKubeConfig(cp, tb.adminToken).makeApiClient(BatchV1Api);
const customs = testbedKubeConfig(cp, tb.adminToken).makeApiClient(CustomObjectsApi);
const rbac = testbedKubeConfig(cp, tb.adminToken).makeApiClient(RbacAuthorizationV1Api);
const adminApi = createKubeApi({ server: tb.server, caData: tb.caData, token: tb.adminToken });
const as = (lambda: string): KubeApi => {
  const token = tb.lambdaTokens[lambda];
  if (!token) throw new Error(`no test-bed token for ${lambda}`);
  return createKubeApi({ server: tb.server, caData: tb.caData, token });
};

const suffix = randomBytes(3).toString('hex');
const ns = `e2e-identity-${suffix}`;
let node = '';

type Outcome = 'allowed' | 'rbac' | 'admission' | string;

/** Who refused the request: RBAC, our admission policy, or (unexpected) something else. */
const outcome = async (request: Promise<unknown>): Promise<Outcome> => {
  try {
    await request;
    return 'allowed';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/HTTP 403/.test(message) && /ValidatingAdmissionPolicy 'hyperpod-resilience-/.test(message)) {
      return 'admission';
    }
    if (/HTTP 403/.test(message) && /cannot (patch|create|list|get|delete)/.test(message)) return 'rbac';
    return message;
  }
};

const readNode = async () => {
  const got = await adminApi.getNode(node);
  if (!got) throw new Error(`node ${node} is gone`);
  return got;
};

// record-health-check marks a verified hot spare `ready` (functions/tasks/record-health-check.ts);
// promote-spare retaints a spare for its incident.
const NODE_PATCHERS = [
  'promote-spare',
  'quarantine-node',
  'record-health-check',
  'repair-stale-state',
  'restore-node',
];
const WORKLOAD_PATCHERS = [
  'escalate-incident',
  // Resumes the jobs it moved to a spare, after adding the claim toleration (functions/tasks/promote-spare.ts).
  'promote-spare',
  'repair-stale-state',
  'resume-job',
  'resume-workloads',
  'suspend-workloads',
];

beforeAll(async () => {
  await admin.core.createNamespace({ body: { metadata: { name: ns } } });
  node = `hyperpod-i-0${suffix}identity01`;
  await admin.createNode({
    name: node,
    instanceId: `i-0${suffix}identity01`,
    instanceType: 'ml.p5.48xlarge',
    instanceGroupName: 'workers',
    clusterName: 'e2e',
    clusterId: 'e2eclusterid',
    gpus: 8,
    bootId: 'boot-identity-1',
    region: 'us-west-2',
    availabilityZone: 'us-west-2a',
    availabilityZoneId: 'usw2-az1',
  });
  // Suspended from the start: the Job strategy then allows scheduling changes to its pod
  // template, so only our admission policy stands between a stolen role and the template.
  const job = batchJob(ns, 'job', [node]);
  await batch.createNamespacedJob({
    namespace: ns,
    body: { ...job, spec: { ...job.spec, suspend: true } } as never,
  });
  const custom = async (body: KubeObject, plural: string) => {
    const [group = '', version = ''] = (body.apiVersion ?? '').split('/');
    await customs.createNamespacedCustomObject({ group, version, namespace: ns, plural, body });
  };
  await custom(pytorchJob(ns, 'pt', [node]), 'pytorchjobs');
  await custom(jobSet(ns, 'js', [node]), 'jobsets');
  await custom(
    {
      apiVersion: 'sagemaker.amazonaws.com/v1',
      kind: 'HyperPodPyTorchJob',
      metadata: { name: 'hp', namespace: ns },
      spec: {
        runPolicy: { suspend: false },
        replicaSpecs: [
          { name: 'pods', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'a:1' }] } } },
        ],
      },
    } as KubeObject,
    'hyperpodpytorchjobs',
  );
  await custom(
    {
      apiVersion: `${KUEUE_WORKLOAD.group}/v1beta2`,
      kind: KUEUE_WORKLOAD.kind,
      metadata: { name: 'wl', namespace: ns },
      spec: {
        active: true,
        queueName: 'team',
        podSets: [
          { name: 'main', count: 1, template: { spec: { containers: [{ name: 'c', image: 'a:1' }] } } },
        ],
      },
    } as KubeObject,
    KUEUE_WORKLOAD.plural,
  );
}, 60_000);

afterAll(async () => {
  await admin.core.deleteNamespace({ name: ns }).catch(() => {});
  await admin.core.deleteNode({ name: node }).catch(() => {});
});

describe('Kubernetes identity per Lambda: nodes', () => {
  it.each(KUBE_LAMBDAS.filter((l) => !NODE_PATCHERS.includes(l)))(
    '%s cannot cordon a node (RBAC)',
    async (lambda) => {
      // Act
      const result = await outcome(as(lambda).patchNode(node, { spec: { unschedulable: true } }));

      // Assess
      expect(result).toBe('rbac');
      expect((await readNode()).spec?.unschedulable).not.toBe(true);
    },
  );

  it.each(NODE_PATCHERS)(
    '%s may cordon and add our taint and annotations, but no other taint, label, annotation or spec field (admission policy)',
    async (lambda) => {
      // Prepare
      const kube = as(lambda);
      const before = await readNode();
      const others = before.spec?.taints ?? [];
      // As the task does: plan from a fresh read and patch with its resourceVersion, so a taint the
      // node controller adds meanwhile (a late kwok heartbeat on a loaded machine) is a conflict to
      // retry, not a foreign taint our patch would drop (which the admission policy refuses).
      const quarantineAs = async (): Promise<Outcome> => {
        for (let attempt = 0; ; attempt++) {
          const current = await readNode();
          const plan = planQuarantine(current, {
            incidentId: `inc-${lambda}`,
            reason: 'xid 79',
            now: '2026-12-03T00:00:00Z',
          });
          try {
            await kube.patchNode(node, plan.patch, { resourceVersion: current.metadata.resourceVersion });
            return 'allowed';
          } catch (error) {
            if (!(error instanceof ConcurrentUpdateError) || attempt >= 5)
              return outcome(Promise.reject(error));
          }
        }
      };

      // Act
      const forbidden = {
        otherTaint: await outcome(
          kube.patchNode(node, {
            spec: { taints: [...others, { key: 'evil.example/taint', effect: 'NoSchedule' }] },
          }),
        ),
        otherLabel: await outcome(
          kube.patchNode(node, { metadata: { labels: { 'node.kubernetes.io/evil': 'x' } } }),
        ),
        otherAnnotation: await outcome(
          kube.patchNode(node, { metadata: { annotations: { 'evil.example/a': 'x' } } }),
        ),
        podCIDR: await outcome(
          kube.patchNode(node, { spec: { podCIDR: '10.244.99.0/24', podCIDRs: ['10.244.99.0/24'] } }),
        ),
      };
      const quarantine = await quarantineAs();

      // Assess
      expect(forbidden).toEqual({
        otherTaint: 'admission',
        otherLabel: 'admission',
        otherAnnotation: 'admission',
        podCIDR: 'admission',
      });
      expect(quarantine).toBe('allowed');
      const after = await readNode();
      expect(after.spec?.unschedulable).toBe(true);
      expect(after.spec?.taints?.map((t) => t.key)).toContain(QUARANTINE_TAINT_KEY);
      expect(after.metadata.labels?.['node.kubernetes.io/evil']).toBeUndefined();

      // Cleanup (as admin): the next Lambda starts from a clean node.
      await adminApi.patchNode(node, {
        spec: { unschedulable: null, taints: others.length ? others : null },
        metadata: {
          annotations: Object.fromEntries(
            Object.keys(after.metadata.annotations ?? {})
              .filter((k) => k.startsWith('hyperpod-resilience.io/'))
              .map((k) => [k, null]),
          ),
        },
      });
    },
  );
});

/** A change inside each kind's pod template (image), and the suspend switch. */
const KINDS: {
  kind: string;
  apiVersion: string;
  name: string;
  suspend: Record<string, unknown>;
  template: Record<string, unknown>;
}[] = [
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    name: 'job',
    suspend: { spec: { suspend: true } },
    template: { spec: { template: { spec: { nodeSelector: { 'evil.example/pool': 'x' } } } } },
  },
  {
    kind: 'PyTorchJob',
    apiVersion: 'kubeflow.org/v1',
    name: 'pt',
    suspend: { spec: { runPolicy: { suspend: true } } },
    template: {
      spec: {
        pytorchReplicaSpecs: {
          Worker: {
            template: { spec: { containers: [{ name: 'pytorch', image: 'evil:1', command: ['sh'] }] } },
          },
        },
      },
    },
  },
  {
    kind: 'JobSet',
    apiVersion: 'jobset.x-k8s.io/v1alpha2',
    name: 'js',
    suspend: { spec: { suspend: true } },
    template: { spec: { replicatedJobs: [] } },
    // Our policy refuses it here; on a real cluster the JobSet webhook also refuses any change of
    // replicatedJobs but the scheduling directives of a suspended JobSet (jobset
    // pkg/webhooks/jobset_webhook.go ValidateUpdate; the CRD's `self == oldSelf` rules guard
    // failurePolicy, successPolicy, startupPolicy, network and each entry's dependsOn, not the list).
  },
  {
    kind: 'HyperPodPyTorchJob',
    apiVersion: 'sagemaker.amazonaws.com/v1',
    name: 'hp',
    suspend: { spec: { runPolicy: { suspend: true } } },
    template: {
      spec: {
        replicaSpecs: [
          { name: 'pods', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'evil:1' }] } } },
        ],
      },
    },
  },
];

describe('Kubernetes identity per Lambda: workloads', () => {
  it.each(KUBE_LAMBDAS.filter((l) => !WORKLOAD_PATCHERS.includes(l)))(
    '%s cannot suspend a PyTorchJob (RBAC)',
    async (lambda) => {
      // Act
      const result = await outcome(
        as(lambda).patchWorkload(
          { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', namespace: ns, name: 'pt' },
          {
            spec: { runPolicy: { suspend: true } },
          },
        ),
      );

      // Assess
      expect(result).toBe('rbac');
    },
  );

  it.each(KINDS.map((k) => [k.kind, k] as const))(
    'suspend-workloads may set the suspend switch of a %s and our labels, but not change its pod template or other labels (admission policy)',
    async (_kind, { kind, apiVersion, name, suspend, template }) => {
      // Prepare
      const kube = as('suspend-workloads');
      const ref = { kind: kind as never, apiVersion, namespace: ns, name };

      // Act
      const templateChange = await outcome(kube.patchWorkload(ref, template));
      const otherLabel = await outcome(
        kube.patchWorkload(ref, { metadata: { labels: { 'evil.example/l': 'x' } } }),
      );
      const suspended = await outcome(
        kube.patchWorkload(ref, {
          ...suspend,
          metadata: { labels: { 'hyperpod-resilience.io/suspended': 'true' } },
        }),
      );

      // Assess
      expect({ templateChange, otherLabel, suspended }).toEqual({
        templateChange: 'admission',
        otherLabel: 'admission',
        suspended: 'allowed',
      });
    },
  );

  it.each(WORKLOAD_PATCHERS)(
    "%s cannot change a PyTorchJob's pod template (admission policy)",
    async (lambda) => {
      // Act
      const result = await outcome(
        as(lambda).patchWorkload(
          { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', namespace: ns, name: 'pt' },
          {
            spec: {
              pytorchReplicaSpecs: {
                Master: { template: { spec: { containers: [{ name: 'pytorch', image: 'evil:1' }] } } },
              },
            },
          },
        ),
      );

      // Assess
      expect(result).toBe('admission');
    },
  );

  it('resume-workloads may flip a Kueue Workload active but not change its pod sets (admission policy)', async () => {
    // Prepare
    const kube = as('resume-workloads');
    const ref = {
      apiVersion: `${KUEUE_WORKLOAD.group}/v1beta2`,
      kind: KUEUE_WORKLOAD.kind,
      namespace: ns,
      name: 'wl',
    };

    // Act
    const podSets = await outcome(
      kube.patchObject(ref, {
        spec: {
          podSets: [
            { name: 'main', count: 1, template: { spec: { containers: [{ name: 'c', image: 'evil:1' }] } } },
          ],
        },
      }),
    );
    const active = await outcome(kube.patchObject(ref, { spec: { active: false } }));

    // Assess
    expect({ podSets, active }).toEqual({ podSets: 'admission', active: 'allowed' });
  });
});

describe('Kubernetes identity per Lambda: the quick-check Lambdas stay in our namespace', () => {
  const job = (namespace: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `qc-${suffix}`, namespace },
  });

  it('start-quick-check cannot create a Job outside our namespace, nor poll-quick-check read or delete one there (RBAC)', async () => {
    // Act
    const results = {
      create: await outcome(as('start-quick-check').createJob(ns, job(ns))),
      get: await outcome(as('poll-quick-check').getJob(ns, 'job')),
      delete: await outcome(as('poll-quick-check').deleteJob(ns, 'job')),
      listPods: await outcome(as('poll-quick-check').listPods({ namespace: ns })),
      listPodsEverywhere: await outcome(as('poll-quick-check').listPods({})),
    };

    // Assess
    expect(results).toEqual({
      create: 'rbac',
      get: 'rbac',
      delete: 'rbac',
      listPods: 'rbac',
      listPodsEverywhere: 'rbac',
    });
  });

  it('poll-quick-check may list pods and read Jobs in our namespace', async () => {
    // Act
    const results = {
      listPods: await outcome(as('poll-quick-check').listPods({ namespace: HEALTH_CHECK_NAMESPACE })),
      get: await outcome(as('poll-quick-check').getJob(HEALTH_CHECK_NAMESPACE, `absent-${suffix}`)),
    };

    // Assess
    expect(results).toEqual({ listPods: 'allowed', get: 'allowed' });
  });
});

describe('Pod Security Admission on our namespace', () => {
  it('refuses a privileged pod and a pod that asks for nothing in our namespace (enforce: restricted), and admits the quick-check pod as the task builds it', async () => {
    // Prepare
    const pod = (name: string, securityContext: Record<string, unknown>) => ({
      metadata: { name, namespace: HEALTH_CHECK_NAMESPACE },
      spec: {
        nodeName: node,
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'sim.local/check:1', securityContext }],
      },
    });
    const job = buildQuickCheckJob({
      name: `psa-check-${suffix}`,
      namespace: HEALTH_CHECK_NAMESPACE,
      nodeName: node,
      instanceId: 'i-0123456789abcdef0',
      purpose: 'verify',
      incidentId: 'inc-psa',
      image: `sim.local/check@sha256:${'0'.repeat(64)}`,
      imagePullPolicy: 'IfNotPresent',
      checks: [{ name: 'gpu-count', command: 'true', timeoutSeconds: 60 }],
      timeoutSeconds: 600,
      ttlSecondsAfterFinished: 60,
      privileged: false,
      runAsUser: 65532,
      compute: { cpu: '1', memory: '1Gi' },
      accelerator: { resource: 'nvidia.com/gpu', devices: 0 },
      efaDevices: 0,
      expectations: { gpus: 0, efaDevices: 0, ncclBusBandwidthGBps: 0 },
    });
    const checkPod = {
      metadata: { name: `psa-check-${suffix}`, namespace: HEALTH_CHECK_NAMESPACE },
      spec: {
        ...(job.spec as { template: { spec: Record<string, unknown> } }).template.spec,
        nodeName: node,
      },
    };
    const create = (body: unknown) =>
      admin.core.createNamespacedPod({ namespace: HEALTH_CHECK_NAMESPACE, body: body as never }).then(
        () => 'allowed',
        (error: unknown) => {
          const text = (error as { body?: unknown }).body;
          return typeof text === 'string'
            ? ((JSON.parse(text) as { message?: string }).message ?? text)
            : String(error);
        },
      );

    // Act
    const privileged = await create(pod(`psa-priv-${suffix}`, { privileged: true }));
    const plain = await create(pod(`psa-plain-${suffix}`, { allowPrivilegeEscalation: false }));
    const check = await create(checkPod);
    for (const name of [`psa-plain-${suffix}`, `psa-check-${suffix}`]) {
      await admin.core.deleteNamespacedPod({ name, namespace: HEALTH_CHECK_NAMESPACE }).catch(() => {});
    }

    // Assess: the Pod Security admission message (k8s.io/pod-security-admission).
    expect(privileged).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(plain).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(check).toBe('allowed');
  });
});

describe('The sweep’s drift check on the real API server', () => {
  it('finds no drift where `hpr rbac` was applied, and names a ClusterRole someone widened', async () => {
    // Prepare
    const quiet = {
      metrics: { count: () => {} },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    };
    const name = 'hyperpod-resilience:quarantine-node';
    const original = lambdaIdentity('quarantine-node').clusterRole?.rules ?? [];

    // Act
    const clean = await checkKubeIdentity(as('sweep-cluster'), 'e2e', quiet);
    await rbac.patchClusterRole(
      { name, body: { rules: [...original, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] } },
      mergePatch,
    );
    const widened = await checkKubeIdentity(as('sweep-cluster'), 'e2e', quiet).finally(() =>
      rbac.patchClusterRole({ name, body: { rules: original } }, mergePatch),
    );

    // Assess
    expect(clean).toEqual({ missing: [], unexpected: [] });
    expect(widened).toEqual({ missing: [`ClusterRole /${name}`], unexpected: [`ClusterRole /${name}`] });
  });
});
