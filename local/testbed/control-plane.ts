/**
 * A real Kubernetes control plane for e2e tests, the demo and benchmarks, without Docker:
 * etcd + kube-apiserver (tier 0), plus kube-controller-manager, kube-scheduler and kwok fake
 * kubelets (tier 1). Binaries come from local/testbed/build-binaries.sh (built from Go modules,
 * cached by version outside the repository). Every listener binds 127.0.0.1; processes are
 * stopped by PID. See local/testbed/README.md for the flags and the measured start-up times.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { poll, pollUntil } from '#local/poll.ts';
import { kwokConfigYaml } from './kwok-stages.ts';

const execFileAsync = promisify(execFile);

export interface StaticToken {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

export interface StartControlPlaneOptions {
  /** Folder with the binaries; default: run build-binaries.sh (a no-op when cached). */
  binDir?: string;
  /** 0: etcd + kube-apiserver. 1 (default): + kube-controller-manager, kube-scheduler, kwok. */
  tier?: 0 | 1;
  /** Folder for PKI, etcd data, configs and logs; default: a fresh temporary folder. */
  workDir?: string;
  /**
   * EKS-style bearer tokens: the apiserver sends a TokenReview (authentication.k8s.io/v1) to
   * `url` for every token it does not know. http:// and https:// URLs both work; `caPem`
   * verifies an https server.
   */
  tokenWebhook?: { url: string; caPem?: string };
  /** Extra static bearer tokens (the admin token is always there). */
  staticTokens?: StaticToken[];
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /**
   * Kubernetes feature gates for kube-apiserver and kube-controller-manager (`--feature-gates`),
   * e.g. to run a Kubernetes version's default behaviour from before a gate turned on.
   */
  featureGates?: Record<string, boolean>;
}

export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  server: string;
  caPem: string;
  /** caPem, base64 (kubeconfig `certificate-authority-data`). */
  caData: string;
  /** Bearer token of `admin` in `system:masters`. */
  adminToken: string;
  /** Admin kubeconfig (self-contained: CA inlined). */
  kubeconfigPath: string;
  workDir: string;
  logDir: string;
  binDir: string;
  tier: 0 | 1;
  /** PID per component, in start order. */
  pids: Record<string, number>;
  /** Wall-clock milliseconds from the call to a usable control plane (binaries already built). */
  startupMs: number;
  /** Runs the bundled kubectl against this control plane as admin. */
  kubectl(args: string[], input?: string): Promise<string>;
  /**
   * Kills the kube-apiserver process (SIGKILL, by PID), waits `downMs`, and starts it again with
   * the same flags on the same port over the same etcd data; resolves once /readyz answers 200.
   */
  restartApiServer(options?: { downMs?: number }): Promise<void>;
  /** Stops all processes (reverse order; SIGTERM, SIGKILL after 10 s); deletes workDir unless keepLogs. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ADMIN_TOKEN_BYTES = 24;
/** Label/annotation kwok selects the nodes it manages by. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Runs build-binaries.sh (progress goes to stderr) and returns the binary folder it prints last. */
export async function ensureBinaries(): Promise<string> {
  const script = join(HERE, 'build-binaries.sh');
  return await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], detached: false });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop()?.trim() ?? '';
      if (code === 0 && last !== '' && existsSync(join(last, 'kube-apiserver'))) resolve(last);
      else reject(new Error(`build-binaries.sh failed (exit ${code}); stdout tail: ${out.slice(-500)}`));
    });
  });
}

/** A free TCP port on 127.0.0.1 (the OS picks; closed again before use). */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: boolean;
  exitInfo?: string;
}

interface HttpResult {
  status: number;
  body: string;
}

function httpGet(
  url: string,
  options: { ca?: string; token?: string; insecure?: boolean; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const onRes = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req =
      u.protocol === 'https:'
        ? https.get(
            u,
            { headers, ca: options.ca, rejectUnauthorized: !options.insecure, agent: false },
            onRes,
          )
        : http.get(u, { headers, agent: false }, onRes);
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
  });
}

function tail(path: string, lines = 25): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startControlPlane(options: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const tier = options.tier ?? 1;
  const gates = Object.entries(options.featureGates ?? {});
  const featureGateArgs =
    gates.length > 0 ? [`--feature-gates=${gates.map(([g, on]) => `${g}=${on}`).join(',')}`] : [];
  const binDir = options.binDir ?? (await ensureBinaries());
  const tStart = options.binDir ? t0 : performance.now();
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'hpr-testbed-')));
  const pki = join(workDir, 'pki');
  const logDir = join(workDir, 'logs');
  await mkdir(pki, { recursive: true });
  await mkdir(logDir, { recursive: true });

  const procs: Proc[] = [];
  const pids: Record<string, number> = {};
  const killAllSync = () => {
    for (const p of [...procs].reverse()) if (!p.exited) p.child.kill('SIGKILL');
  };
  // A test run that dies must not leave etcd or the apiserver behind: SIGKILL the children on exit
  // and on the usual signals (re-raised when nobody else handles them).
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    killAllSync();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.once('exit', killAllSync);
  for (const sig of signals) process.once(sig, onSignal);

  const bin = (name: string) => join(binDir, name);
  const launch = (name: string, file: string, args: string[]) => {
    const logPath = join(logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: false, cwd: workDir });
    closeSync(fd);
    const proc: Proc = { name, child, logPath, exited: false };
    child.on('exit', (code, signal) => {
      proc.exited = true;
      proc.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    child.on('error', (err) => {
      proc.exited = true;
      proc.exitInfo = String(err);
    });
    if (child.pid === undefined) throw new Error(`${name}: spawn failed (${file})`);
    procs.push(proc);
    pids[name] = child.pid;
    log(`${name} started (pid ${child.pid}), log ${logPath}`);
    return proc;
  };

  const stopAll = async () => {
    for (const p of [...procs].reverse()) {
      if (p.exited) continue;
      p.child.kill('SIGTERM');
      await poll(() => p.exited, { timeoutMs: 10_000, intervalMs: 50 });
      if (!p.exited) {
        p.child.kill('SIGKILL');
        await poll(() => p.exited, { timeoutMs: 5_000, intervalMs: 50 });
      }
    }
    process.removeListener('exit', killAllSync);
    for (const sig of signals) process.removeListener(sig, onSignal);
  };

  /** Waits for `what`; fails at once when a process exits, naming it and the tail of its log. */
  const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) =>
    pollUntil(check, {
      what,
      timeoutMs,
      retryErrors: true,
      failWhen: () => {
        const dead = procs.find((p) => p.exited);
        return (
          dead &&
          `${dead.name} exited (${dead.exitInfo}) while waiting for ${what}; log ${dead.logPath}:\n${tail(dead.logPath)}`
        );
      },
    });

  try {
    // --- ports and PKI -------------------------------------------------------------------
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await uniquePorts(6);
    const server = `https://127.0.0.1:${apiPort}`;
    await makePki(pki);
    const caPem = await readFile(join(pki, 'ca.crt'), 'utf8');
    const caData = Buffer.from(caPem).toString('base64');

    const adminToken = randomBytes(ADMIN_TOKEN_BYTES).toString('hex');
    const tokens: StaticToken[] = [
      { token: adminToken, user: 'admin', uid: 'admin-uid', groups: ['system:masters'] },
      ...(options.staticTokens ?? []),
    ];
    const csvCell = (s: string) => (/[",\s]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    await writeFile(
      join(pki, 'tokens.csv'),
      `${tokens.map((t) => [t.token, t.user, t.uid, t.groups.join(',')].map(csvCell).join(',')).join('\n')}\n`,
      { mode: 0o600 },
    );

    const kubeconfigPath = join(workDir, 'admin.kubeconfig');
    await writeFile(
      kubeconfigPath,
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'testbed',
          clusters: [{ name: 'testbed', cluster: { server, 'certificate-authority-data': caData } }],
          users: [{ name: 'admin', user: { token: adminToken } }],
          contexts: [{ name: 'testbed', context: { cluster: 'testbed', user: 'admin' } }],
        },
        null,
        2,
      ),
      { mode: 0o600 },
    );

    // --- etcd ----------------------------------------------------------------------------
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    launch('etcd', bin('etcd'), [
      '--name=default',
      `--data-dir=${join(workDir, 'etcd')}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--initial-cluster-state=new',
    ]);
    await waitFor('etcd /health', async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"');
    });
    log(`etcd ready after ${Math.round(performance.now() - tStart)} ms`);

    // --- kube-apiserver ------------------------------------------------------------------
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${join(pki, 'sa.key')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // No kubelet-style service accounts for pods; tier 0 has no KCM to remove the not-ready taint.
      `--disable-admission-plugins=${tier === 0 ? 'ServiceAccount,TaintNodesByCondition' : 'ServiceAccount'}`,
      // Loopback addresses are invalid in the `kubernetes` Service endpoints: do not reconcile them.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=1',
      ...featureGateArgs,
    ];
    if (options.tokenWebhook) {
      const wh = options.tokenWebhook;
      const whPath = join(workDir, 'token-webhook.kubeconfig');
      const cluster: Record<string, string> = { server: wh.url };
      if (wh.caPem) cluster['certificate-authority-data'] = Buffer.from(wh.caPem).toString('base64');
      await writeFile(
        whPath,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'webhook',
          clusters: [{ name: 'webhook', cluster }],
          users: [{ name: 'kube-apiserver', user: {} }],
          contexts: [{ name: 'webhook', context: { cluster: 'webhook', user: 'kube-apiserver' } }],
        }),
      );
      apiArgs.push(
        `--authentication-token-webhook-config-file=${whPath}`,
        '--authentication-token-webhook-version=v1',
        '--authentication-token-webhook-cache-ttl=10s',
      );
    }
    launch('kube-apiserver', bin('kube-apiserver'), apiArgs);
    const apiReady = () =>
      waitFor('kube-apiserver /readyz', async () => {
        const r = await httpGet(`${server}/readyz`, { ca: caPem, token: adminToken });
        return r.status === 200;
      });
    await apiReady();
    log(`kube-apiserver ready after ${Math.round(performance.now() - tStart)} ms`);

    // --- tier 1 --------------------------------------------------------------------------
    if (tier === 1) {
      const kc = kubeconfigPath;
      launch('kube-controller-manager', bin('kube-controller-manager'), [
        // No --authentication/authorization-kubeconfig: with them KCM and the scheduler log an error
        // loop about the missing requestheader CA; /healthz and /readyz are always allowed anyway.
        `--kubeconfig=${kc}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(workDir, 'kcm-certs')}`,
        '--leader-elect=false',
        // Cloud controllers only log that they cannot run without a cloud provider.
        '--controllers=*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller',
        '--use-service-account-credentials=false',
        `--root-ca-file=${join(pki, 'ca.crt')}`,
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        // kwok renews node leases every 10 s; a loaded 2-core host can stall it for a while.
        '--node-monitor-grace-period=120s',
        '--v=1',
        ...featureGateArgs,
      ]);
      launch('kube-scheduler', bin('kube-scheduler'), [
        // No --authentication/authorization-kubeconfig: with them KCM and the scheduler log an error
        // loop about the missing requestheader CA; /healthz and /readyz are always allowed anyway.
        `--kubeconfig=${kc}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedPort}`,
        `--cert-dir=${join(workDir, 'scheduler-certs')}`,
        '--leader-elect=false',
        '--v=1',
      ]);
      const kwokConfigPath = join(workDir, 'kwok.yaml');
      await writeFile(kwokConfigPath, await kwokConfigYaml(join(binDir, 'kwok-stages')));
      launch('kwok', bin('kwok'), [
        `--kubeconfig=${kc}`,
        `--config=${kwokConfigPath}`,
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        '--cidr=10.244.0.0/16',
        '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${kwokPort}`,
      ]);
      await waitFor('kube-controller-manager /healthz', async () => {
        const r = await httpGet(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true });
        return r.status === 200;
      });
      await waitFor('kube-scheduler /readyz', async () => {
        const r = await httpGet(`https://127.0.0.1:${schedPort}/readyz`, { insecure: true });
        return r.status === 200;
      });
      await waitFor('kwok /healthz', async () => {
        const r = await httpGet(`http://127.0.0.1:${kwokPort}/healthz`);
        return r.status === 200;
      });
      // KCM's informers have synced once the serviceaccount controller made `default/default`.
      await waitFor('KCM controllers (serviceaccount default/default)', async () => {
        const r = await httpGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
          ca: caPem,
          token: adminToken,
        });
        return r.status === 200;
      });
    }
    const startupMs = Math.round(performance.now() - tStart);
    log(`tier ${tier} control plane ready at ${server} after ${startupMs} ms (logs: ${logDir})`);

    let stopped = false;
    const kubectl = async (args: string[], input?: string): Promise<string> => {
      return await new Promise<string>((resolve, reject) => {
        const child = spawn(bin('kubectl'), [`--kubeconfig=${kubeconfigPath}`, ...args], {
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: false,
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code === 0) resolve(out);
          else reject(new Error(`kubectl ${args.join(' ')} failed (exit ${code}): ${err.trim()}`));
        });
        child.stdin.end(input ?? '');
      });
    };

    return {
      server,
      caPem,
      caData,
      adminToken,
      kubeconfigPath,
      workDir,
      logDir,
      binDir,
      tier,
      pids,
      startupMs,
      kubectl,
      async restartApiServer(restartOptions?: { downMs?: number }) {
        const old = procs.find((p) => p.name === 'kube-apiserver' && !p.exited);
        if (!old) throw new Error('kube-apiserver is not running');
        old.child.kill('SIGKILL');
        await pollUntil(() => old.exited, { what: 'kube-apiserver to exit', timeoutMs: 10_000 });
        procs.splice(procs.indexOf(old), 1);
        await new Promise((r) => setTimeout(r, restartOptions?.downMs ?? 0));
        launch('kube-apiserver', bin('kube-apiserver'), apiArgs);
        await apiReady();
        log(`kube-apiserver restarted (pid ${pids['kube-apiserver']})`);
      },
      async stop(stopOptions?: { keepLogs?: boolean }) {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (stopOptions?.keepLogs) log(`control plane stopped; logs kept in ${logDir}`);
        else if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
        else await rm(join(workDir, 'etcd'), { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`test-bed control plane failed to start: ${msg}\nlogs kept in ${logDir}`, { cause: err });
  }
}

async function uniquePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execFileAsync('openssl', args, { cwd });
}

/** CA, apiserver serving cert (SAN 127.0.0.1/localhost), service-account key. */
async function makePki(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-days',
      '30',
      '-subj',
      '/CN=hpr-testbed-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  await openssl(
    ['req', ...ec, '-subj', '/CN=kube-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr'],
    dir,
  );
  await writeFile(
    join(dir, 'apiserver.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'apiserver.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '30',
      '-extfile',
      'apiserver.ext',
      '-out',
      'apiserver.crt',
    ],
    dir,
  );
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
}
