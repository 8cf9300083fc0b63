/**
 * Tier 2 of the test bed (local/testbed/README.md, tier 2): the real JobSet controller (v0.12.0) and Kubeflow
 * training-operator v1 (v1.9.0, PyTorchJob only) beside a running tier-1 control plane, so that
 * JobSet and PyTorchJob suspend/resume delete and recreate real pods. Opt-in: binaries come from
 * local/testbed/build-controllers.sh; tests use them unless `HPR_TIER2=0`, and fail when they are
 * missing (tier2Plan).
 *
 * - Both run out of cluster with the admin kubeconfig, no leader election, metrics off, health
 *   probes on 127.0.0.1; stopped by PID.
 * - The upstream CRDs (copied beside the binaries) replace our minimal ones by server-side apply
 *   (the JobSet CRD is too large for client-side apply's annotation).
 * - JobSet: its defaults live in its mutating webhook, so the webhooks are served on 127.0.0.1
 *   with a certificate signed by the test bed's CA and registered by URL (pod webhooks only for
 *   pods labelled `jobset.sigs.k8s.io/jobset-name`, as upstream's kustomize patch does).
 * - training-operator: its cert rotator needs namespace `kubeflow` with an existing Secret and a
 *   ValidatingWebhookConfiguration named `validator.training-operator.kubeflow.org` to inject its
 *   CA into (we register no webhooks in it: its certificate names the in-cluster Service, and it
 *   defaults PyTorchJobs in its reconciler anyway); then it waits for the Secret's certificate in
 *   the fixed folder /tmp/k8s-webhook-server/serving-certs, which we fill from the Secret. Its
 *   webhook server listens on all interfaces (no host flag): a free port is used.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { poll, pollUntil } from '#local/poll.ts';
import { apiRequest } from './api.ts';
import { type ControlPlane, freePort } from './control-plane.ts';

const execFileAsync = promisify(execFile);

export const JOBSET_BINARY = 'jobset';
export const TRAINING_OPERATOR_BINARY = 'training-operator.v1';
export const JOBSET_CRD_FILE = 'crds/jobset.x-k8s.io_jobsets.yaml';
export const PYTORCHJOB_CRD_FILE = 'crds/kubeflow.org_pytorchjobs.yaml';
/** Hard-coded by training-operator v1.9.0 (pkg/cert/cert.go). */
export const TRAINING_OPERATOR_CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';
const TRAINING_OPERATOR_NAMESPACE = 'kubeflow';
const TRAINING_OPERATOR_SECRET = 'training-operator-webhook-cert';
const TRAINING_OPERATOR_WEBHOOK_CONFIG = 'validator.training-operator.kubeflow.org';
const JOBSET_WEBHOOK_CONFIG = 'hpr-tier2-jobset';

/** Which tier-2 controllers have their binary and CRD in `binDir`. */
export function tier2Binaries(binDir: string): { jobset: boolean; trainingOperator: boolean } {
  return {
    jobset: existsSync(join(binDir, JOBSET_BINARY)) && existsSync(join(binDir, JOBSET_CRD_FILE)),
    trainingOperator:
      existsSync(join(binDir, TRAINING_OPERATOR_BINARY)) && existsSync(join(binDir, PYTORCHJOB_CRD_FILE)),
  };
}

/** Tier 2 runs unless `HPR_TIER2=0` (the controllers must have been built: build-binaries.sh does it). */
export const tier2Requested = (env: NodeJS.ProcessEnv = process.env): boolean => env.HPR_TIER2 !== '0';

/** The binary folder build-binaries.sh uses by default (same variables, same versions). */
export function defaultBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HPR_BIN_DIR) return env.HPR_BIN_DIR;
  const cacheRoot =
    env.HPR_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? '', '.cache'), 'hyperpod-resilience');
  return join(cacheRoot, 'k8s-v1.36.3-etcd-v3.6.16-kwok-v0.8.0');
}

/** Tier 2 was requested (HPR_TIER2 is not `0`) but a controller's binary or CRD is missing. */
export class Tier2ControllersMissingError extends Error {
  override readonly name = 'Tier2ControllersMissingError';
  constructor(
    readonly binDir: string,
    readonly missing: readonly string[],
  ) {
    super(
      `tier-2 controllers missing in ${binDir}: ${missing.join(', ')}. ` +
        `Build them with \`HPR_BIN_DIR=${binDir} bash local/testbed/build-controllers.sh\`, ` +
        'or set HPR_TIER2=0 to run the workload tests at CRD level.',
    );
  }
}

/**
 * Which tier-2 controllers a run uses: none with `HPR_TIER2=0`, otherwise both, and a missing
 * binary or CRD is an error (never a silent fall back to CRD-level assertions).
 */
export function tier2Plan(
  binDir: string = defaultBinDir(),
  env: NodeJS.ProcessEnv = process.env,
): { jobset: boolean; trainingOperator: boolean } {
  if (!tier2Requested(env)) return { jobset: false, trainingOperator: false };
  const found = tier2Binaries(binDir);
  const missing = [
    ...(found.jobset ? [] : [`${JOBSET_BINARY} (+ ${JOBSET_CRD_FILE})`]),
    ...(found.trainingOperator ? [] : [`${TRAINING_OPERATOR_BINARY} (+ ${PYTORCHJOB_CRD_FILE})`]),
  ];
  if (missing.length > 0) throw new Tier2ControllersMissingError(binDir, missing);
  return found;
}

export interface Tier2Controllers {
  jobset: boolean;
  trainingOperator: boolean;
  pids: Record<string, number>;
  /** Milliseconds from the call to both controllers ready. */
  startupMs: number;
  /** Unregisters the webhooks, then stops the processes (SIGTERM, SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface StartTier2Options {
  jobset?: boolean;
  trainingOperator?: boolean;
  log?: (line: string) => void;
  timeoutMs?: number;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(3000, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** A serving certificate for 127.0.0.1 signed by the test bed's CA. */
async function servingCert(cp: ControlPlane, dir: string): Promise<void> {
  const pki = join(cp.workDir, 'pki');
  await mkdir(dir, { recursive: true });
  const run = (args: string[]) => execFileAsync('openssl', args, { cwd: dir });
  await run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'tls.key',
    '-out',
    'tls.csr',
  ]);
  await writeFile(
    join(dir, 'ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await run([
    'x509',
    '-req',
    '-in',
    'tls.csr',
    '-CA',
    join(pki, 'ca.crt'),
    '-CAkey',
    join(pki, 'ca.key'),
    '-set_serial',
    `0x${Date.now().toString(16)}`,
    '-days',
    '30',
    '-extfile',
    'ext',
    '-out',
    'tls.crt',
  ]);
}

/** Applies a CRD file (server-side) and waits until the API server serves its resource. */
async function applyCrd(
  cp: ControlPlane,
  file: string,
  name: string,
  listPath: string,
  timeoutMs: number,
): Promise<void> {
  await cp.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(cp.binDir, file)]);
  await pollUntil(
    async () => {
      const r = await apiRequest(
        cp,
        cp.adminToken,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      const conditions = ((r.json.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions ?? []) as { type: string; status: string }[];
      return (
        conditions.some((c) => c.type === 'Established' && c.status === 'True') &&
        (await apiRequest(cp, cp.adminToken, 'GET', listPath)).status === 200
      );
    },
    { what: `CRD ${name} Established`, timeoutMs },
  );
}

export async function startTier2Controllers(
  cp: ControlPlane,
  options: StartTier2Options = {},
): Promise<Tier2Controllers> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 120_000;
  const available = tier2Binaries(cp.binDir);
  const wantJobset = (options.jobset ?? true) && available.jobset;
  const wantOperator = (options.trainingOperator ?? true) && available.trainingOperator;
  const dir = join(cp.workDir, 'tier2');
  await mkdir(dir, { recursive: true });
  const children: { name: string; child: ChildProcess; exited: boolean; logPath: string }[] = [];
  const pids: Record<string, number> = {};
  const cleanups: (() => Promise<void>)[] = [];

  const launch = (name: string, args: string[], env: Record<string, string> = {}) => {
    const logPath = join(cp.logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(join(cp.binDir, name), args, {
      stdio: ['ignore', fd, fd],
      cwd: dir,
      env: { ...process.env, ...env },
    });
    closeSync(fd);
    const entry = { name, child, exited: false, logPath };
    child.on('exit', () => {
      entry.exited = true;
    });
    if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
    children.push(entry);
    pids[name] = child.pid;
    log(`${name} started (pid ${child.pid}), log ${logPath}`);
    return entry;
  };

  /** Waits for `what`; fails at once when a controller exits, naming it and its log. */
  const waitUntil = (what: string, check: () => Promise<boolean>) =>
    pollUntil(check, {
      what,
      timeoutMs,
      intervalMs: 250,
      retryErrors: true,
      failWhen: () => {
        const dead = children.find((c) => c.exited);
        return dead && `${dead.name} exited while waiting for ${what}; log ${dead.logPath}`;
      },
    });

  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const entry of [...children].reverse()) {
      if (entry.exited) continue;
      entry.child.kill('SIGTERM');
      await poll(() => entry.exited, { timeoutMs: 10_000, intervalMs: 50 });
      if (!entry.exited) entry.child.kill('SIGKILL');
    }
  };

  try {
    if (wantJobset) {
      await applyCrd(
        cp,
        JOBSET_CRD_FILE,
        'jobsets.jobset.x-k8s.io',
        '/apis/jobset.x-k8s.io/v1alpha2/jobsets',
        timeoutMs,
      );
      const certDir = join(dir, 'jobset-certs');
      await servingCert(cp, certDir);
      const [webhookPort, healthPort] = [await freePort(), await freePort()];
      const configPath = join(dir, 'jobset-config.yaml');
      await writeFile(
        configPath,
        [
          'apiVersion: config.jobset.x-k8s.io/v1alpha1',
          'kind: Configuration',
          'leaderElection: {leaderElect: false}',
          'internalCertManagement: {enable: false}',
          `webhook: {port: ${webhookPort}, host: 127.0.0.1, certDir: ${JSON.stringify(certDir)}}`,
          'metrics: {bindAddress: "0"}',
          `health: {healthProbeBindAddress: "127.0.0.1:${healthPort}"}`,
          '',
        ].join('\n'),
      );
      launch(JOBSET_BINARY, [
        `--config=${configPath}`,
        `--kubeconfig=${cp.kubeconfigPath}`,
        '--zap-devel=false',
      ]);
      await waitUntil(
        'jobset /readyz',
        async () => (await httpStatus(`http://127.0.0.1:${healthPort}/readyz`)) === 200,
      );
      const url = (path: string) => ({ url: `https://127.0.0.1:${webhookPort}${path}`, caBundle: cp.caData });
      const podSelector = {
        objectSelector: { matchExpressions: [{ key: 'jobset.sigs.k8s.io/jobset-name', operator: 'Exists' }] },
      };
      const hook = (
        name: string,
        path: string,
        resources: { group: string; version: string; resource: string },
        operations: string[],
        extra = {},
      ) => ({
        name,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        clientConfig: url(path),
        rules: [
          {
            apiGroups: [resources.group],
            apiVersions: [resources.version],
            operations,
            resources: [resources.resource],
          },
        ],
        ...extra,
      });
      const jobsets = { group: 'jobset.x-k8s.io', version: 'v1alpha2', resource: 'jobsets' };
      const pods = { group: '', version: 'v1', resource: 'pods' };
      await cp.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'admissionregistration.k8s.io/v1',
              kind: 'MutatingWebhookConfiguration',
              metadata: { name: JOBSET_WEBHOOK_CONFIG },
              webhooks: [
                hook('mjobset.kb.io', '/mutate-jobset-x-k8s-io-v1alpha2-jobset', jobsets, ['CREATE']),
                hook('mpod.kb.io', '/mutate--v1-pod', pods, ['CREATE'], podSelector),
              ],
            },
            {
              apiVersion: 'admissionregistration.k8s.io/v1',
              kind: 'ValidatingWebhookConfiguration',
              metadata: { name: JOBSET_WEBHOOK_CONFIG },
              webhooks: [
                hook('vjobset.kb.io', '/validate-jobset-x-k8s-io-v1alpha2-jobset', jobsets, [
                  'CREATE',
                  'UPDATE',
                ]),
                hook('vpod.kb.io', '/validate--v1-pod', pods, ['CREATE'], podSelector),
              ],
            },
          ],
        }),
      );
      cleanups.push(async () => {
        await cp.kubectl([
          'delete',
          'mutatingwebhookconfiguration,validatingwebhookconfiguration',
          JOBSET_WEBHOOK_CONFIG,
          '--ignore-not-found',
        ]);
      });
      log(
        `jobset ready after ${Math.round(performance.now() - t0)} ms (webhooks on 127.0.0.1:${webhookPort})`,
      );
    }

    if (wantOperator) {
      await applyCrd(
        cp,
        PYTORCHJOB_CRD_FILE,
        'pytorchjobs.kubeflow.org',
        '/apis/kubeflow.org/v1/pytorchjobs',
        timeoutMs,
      );
      await cp.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TRAINING_OPERATOR_NAMESPACE } },
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: TRAINING_OPERATOR_SECRET, namespace: TRAINING_OPERATOR_NAMESPACE },
              type: 'Opaque',
            },
            {
              apiVersion: 'admissionregistration.k8s.io/v1',
              kind: 'ValidatingWebhookConfiguration',
              metadata: { name: TRAINING_OPERATOR_WEBHOOK_CONFIG },
              webhooks: [],
            },
          ],
        }),
      );
      cleanups.push(async () => {
        await cp.kubectl([
          'delete',
          'validatingwebhookconfiguration',
          TRAINING_OPERATOR_WEBHOOK_CONFIG,
          '--ignore-not-found',
        ]);
      });
      // A previous test bed's files would pass for this one's: the operator would start on a
      // certificate that does not match the key we are about to write ("tls: private key does
      // not match public key", seen in CI).
      await Promise.all(
        ['tls.crt', 'tls.key', 'ca.crt'].map((file) =>
          rm(join(TRAINING_OPERATOR_CERT_DIR, file), { force: true }),
        ),
      );
      const [webhookPort, healthPort] = [await freePort(), await freePort()];
      launch(
        TRAINING_OPERATOR_BINARY,
        [
          `--kubeconfig=${cp.kubeconfigPath}`,
          '--enable-scheme=pytorchjob',
          '--metrics-bind-address=0',
          `--health-probe-bind-address=127.0.0.1:${healthPort}`,
          `--webhook-server-port=${webhookPort}`,
          '--zap-devel=false',
        ],
        { MY_POD_NAMESPACE: TRAINING_OPERATOR_NAMESPACE },
      );
      // The rotator fills the Secret; the operator then waits for the files a volume would mount.
      await waitUntil('training-operator certificate in its Secret', async () => {
        const r = await apiRequest(
          cp,
          cp.adminToken,
          'GET',
          `/api/v1/namespaces/${TRAINING_OPERATOR_NAMESPACE}/secrets/${TRAINING_OPERATOR_SECRET}`,
        );
        const data = r.json.data as Record<string, string> | undefined;
        if (!data?.['tls.crt'] || !data['tls.key']) return false;
        await mkdir(TRAINING_OPERATOR_CERT_DIR, { recursive: true });
        // tls.crt last: the rotator (open-policy-agent/cert-controller ensureCertsMounted) waits
        // only for tls.crt to exist, then loads the pair; a key written after it was read stale.
        for (const file of ['ca.crt', 'tls.key', 'tls.crt']) {
          if (!data[file]) continue;
          const tmp = join(TRAINING_OPERATOR_CERT_DIR, `.${file}.${process.pid}`);
          await writeFile(tmp, Buffer.from(data[file], 'base64'), { mode: 0o600 });
          await rename(tmp, join(TRAINING_OPERATOR_CERT_DIR, file));
        }
        return true;
      });
      await waitUntil(
        'training-operator /readyz',
        async () => (await httpStatus(`http://127.0.0.1:${healthPort}/readyz`)) === 200,
      );
      log(`training-operator ready after ${Math.round(performance.now() - t0)} ms`);
    }
  } catch (error) {
    await stop();
    const tails = await Promise.all(
      children.map(
        async (c) => `${c.name}: ${(await readFile(c.logPath, 'utf8').catch(() => '')).slice(-1500)}`,
      ),
    );
    throw new Error(`tier-2 controllers failed to start: ${String(error)}\n${tails.join('\n')}`, {
      cause: error,
    });
  }
  return {
    jobset: wantJobset,
    trainingOperator: wantOperator,
    pids,
    startupMs: Math.round(performance.now() - t0),
    stop,
  };
}
