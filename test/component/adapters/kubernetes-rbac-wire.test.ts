/**
 * The RBAC each KubeApi method declares (kubernetes-permissions.ts) against the requests it really
 * sends: every method is called through every branch (each kind it resolves, the AlreadyExists
 * path of createJob), each request is turned into the attributes the API server authorizes
 * (verb from the HTTP method and whether the path names one object; API group, resource,
 * subresource and namespace from the path: docs/facts/kubernetes-http.md `kube-http.request-verbs`)
 * and must be one of the method's rules; and every rule must be used by some request, so the
 * table grants nothing the code never asks for. The static derivation (iam-derivation.ts) cannot
 * see the resources that only the runtime resolves; this test can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi } from '#adapters/kubernetes.ts';
import { KUBE_API_RULES, type KubeRule } from '#adapters/kubernetes-permissions.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { buildEvent, EventReasons } from '#domain/kube-events.ts';
import { WORKLOAD_KINDS } from '#domain/workload-kinds.ts';
import { KUEUE_WORKLOAD } from '#domain/workload-suspension.ts';
import {
  kubeStatus,
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from './recording-server.ts';

interface Attributes {
  verb: string;
  apiGroup: string;
  resource: string;
  namespace?: string;
}

/**
 * The authorization attributes of a resource request, per the Kubernetes authorization docs
 * ("Determine the Request Verb": POST create, GET get/list, PATCH patch, DELETE delete;
 * `/api/v1/...` and `/apis/<group>/<version>/...` are resource requests, anything else is not).
 */
const attributesOf = (request: RecordedRequest): Attributes | 'non-resource' => {
  const parts = request.path.split('/').filter(Boolean);
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length > 2) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length > 3) {
    apiGroup = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    return 'non-resource';
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const verb = (
    {
      POST: 'create',
      GET: name ? 'get' : 'list',
      PATCH: 'patch',
      PUT: 'update',
      DELETE: name ? 'delete' : 'deletecollection',
    } as Record<string, string>
  )[request.method];
  return {
    verb: verb ?? request.method.toLowerCase(),
    apiGroup,
    resource: subresource ? `${resource}/${subresource}` : (resource ?? ''),
    ...(namespace ? { namespace } : {}),
  };
};

const allows = (rule: KubeRule, request: Attributes): boolean =>
  rule.verb === request.verb &&
  rule.apiGroup === request.apiGroup &&
  rule.resource === request.resource &&
  (rule.namespace === undefined || rule.namespace === request.namespace);

const WORKLOAD_REFS = Object.entries(WORKLOAD_KINDS).map(([kind, info]) => ({
  kind: kind as keyof typeof WORKLOAD_KINDS,
  apiVersion: info.apiVersion,
  namespace: 'ml',
  name: 'w',
}));
const KUEUE_REF = {
  apiVersion: `${KUEUE_WORKLOAD.group}/v1beta1`,
  kind: KUEUE_WORKLOAD.kind,
  namespace: 'ml',
};

/** Every method through every branch. */
const EXERCISES: { readonly [M in keyof KubeApi]-?: (kube: KubeApi) => Promise<unknown> } = {
  getNode: (kube) => kube.getNode('n1'),
  listNodes: (kube) => kube.listNodes({ labelSelector: 'a=b' }),
  patchNode: (kube) => kube.patchNode('n1', { spec: { unschedulable: true } }, { resourceVersion: '1' }),
  listPods: async (kube) => {
    await kube.listPods({ nodeName: 'n1' });
    await kube.listPods({ namespace: 'ml', labelSelector: 'a=b' });
  },
  // The AlreadyExists branch reads the Job that is there (the server answers 409 to every POST).
  createJob: (kube) =>
    kube.createJob(HEALTH_CHECK_NAMESPACE, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } }),
  getJob: (kube) => kube.getJob(HEALTH_CHECK_NAMESPACE, 'j'),
  deleteJob: (kube) => kube.deleteJob(HEALTH_CHECK_NAMESPACE, 'j'),
  getObject: async (kube) => {
    for (const [apiVersion, kind] of [
      ['v1', 'Pod'],
      ['apps/v1', 'ReplicaSet'],
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
      [KUEUE_REF.apiVersion, KUEUE_REF.kind],
      ...WORKLOAD_REFS.map((r) => [r.apiVersion, r.kind]),
    ] as const) {
      await kube.getObject({ apiVersion, kind, namespace: 'ml', name: 'x' });
    }
  },
  getWorkload: async (kube) => {
    for (const ref of WORKLOAD_REFS) await kube.getWorkload(ref);
  },
  patchWorkload: async (kube) => {
    for (const ref of WORKLOAD_REFS) await kube.patchWorkload(ref, { spec: {} }, { resourceVersion: '1' });
  },
  listWorkloads: async (kube) => {
    for (const ref of WORKLOAD_REFS) await kube.listWorkloads(ref.kind, { labelSelector: 'a=b' });
  },
  listObjects: async (kube) => {
    await kube.listObjects({ ...KUEUE_REF, labelSelector: 'a=b' });
    await kube.listObjects({ apiVersion: KUEUE_REF.apiVersion, kind: KUEUE_REF.kind });
  },
  patchObject: (kube) => kube.patchObject({ ...KUEUE_REF, name: 'w' }, { spec: { active: false } }),
  servedVersions: (kube) => kube.servedVersions(KUEUE_WORKLOAD.group),
  listIdentityObjects: (kube) => kube.listIdentityObjects(HEALTH_CHECK_NAMESPACE, 'a=b'),
  evictPod: (kube) => kube.evictPod({ namespace: 'ml', name: 'p' }, { gracePeriodSeconds: 5 }),
  deletePod: (kube) => kube.deletePod({ namespace: 'ml', name: 'p', uid: 'u' }),
  createEvent: (kube) =>
    kube.createEvent(
      buildEvent({
        reason: EventReasons.NodeQuarantined,
        type: 'Warning',
        regarding: { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' },
        incidentId: 'inc-1',
        message: 'cordoned',
        at: '2026-11-29T10:00:01.234Z',
        instance: 'QuarantineNode',
      }),
    ),
};

let server: RecordingServer;
let kube: KubeApi;

beforeAll(async () => {
  server = await startRecordingServer();
  server.respond = (request) =>
    request.method === 'POST' && request.path.endsWith('/jobs')
      ? { status: 409, body: kubeStatus(409, 'AlreadyExists', 'jobs.batch "j" already exists') }
      : request.path === '/apis'
        ? { body: { kind: 'APIGroupList', groups: [] } }
        : { body: { metadata: { name: 'x' }, items: [] } };
  kube = createKubeApi({ server: server.url, token: 't' });
});

afterAll(async () => {
  await server.close();
});

describe('KUBE_API_RULES on the wire', () => {
  it.each(Object.keys(EXERCISES))(
    '%s sends only requests its rules allow, and uses every rule it declares',
    async (method) => {
      // Prepare
      server.requests.length = 0;
      const rules = KUBE_API_RULES[method as keyof KubeApi];

      // Act
      await EXERCISES[method as keyof KubeApi](kube);

      // Assess
      const sent = server.requests.map(attributesOf);
      expect(sent.length, method).toBeGreaterThan(0);
      const resourceRequests = sent.filter((a): a is Attributes => a !== 'non-resource');
      expect(
        resourceRequests.filter((a) => !rules.some((rule) => allows(rule, a))),
        `${method}: requests no rule allows`,
      ).toEqual([]);
      expect(
        rules.filter((rule) => !resourceRequests.some((a) => allows(rule, a))),
        `${method}: rules no request used`,
      ).toEqual([]);
    },
  );

  it('reads discovery as a non-resource GET of /apis (granted by system:discovery, no rule of ours)', async () => {
    // Prepare
    server.requests.length = 0;

    // Act
    await kube.servedVersions(KUEUE_WORKLOAD.group);

    // Assess
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /apis']);
    expect(server.requests.map(attributesOf)).toEqual(['non-resource']);
    expect(KUBE_API_RULES.servedVersions).toEqual([]);
  });
});
