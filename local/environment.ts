/**
 * One offline HyperPod-on-EKS environment: a real control plane (etcd, kube-apiserver, KCM,
 * scheduler, kwok), the HyperPod simulator (SageMaker, EKS, SNS, STS token review), an in-memory
 * DynamoDB (dynalite) for the ledger, and our tasks wired to them through the REAL adapters:
 * SDK v3 clients over HTTP, EKS tokens verified by the API server's webhook, and our own
 * per-Lambda least-privilege identities (one Kubernetes group each) enforced by RBAC and our
 * admission policies. Events the simulator emits are matched against
 * the deployed EventBridge patterns and start node-recovery executions on the local runner.
 * Used by the e2e tests, `hpr demo`, `hpr simulate` and the benchmarks.
 */
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createKubeApiFactory } from '#adapters/eks.ts';
import { createKubeApi } from '#adapters/kubernetes.ts';
import { createDynamoLedger, ledgerTableDefinition } from '#adapters/ledger-dynamodb.ts';
import { createSnsNotifier } from '#adapters/notifier-sns.ts';
import type { KubeApi } from '#adapters/ports.ts';
import { createClusterNodes } from '#adapters/sagemaker.ts';
import { type AppConfig, type AppConfigInput, parseAppConfig } from '#contracts/config/app.ts';
import { KUBE_GROUPS, KUBE_LAMBDAS, kubeGroupOf } from '#deploy/kubernetes-rbac.ts';
import { buildRules } from '#events/rules.ts';
import type { MetricsSink, TaskDeps, TaskLogger } from '#functions/tasks/deps.ts';
import { createLocalConfigStore, type LocalConfigStore } from '#local/config-store.ts';
import { startDynamoLocal } from '#local/dynamo-local.ts';
import { matchingRules } from '#local/event-matcher.ts';
import { type DerivedPolicies, guardAwsClient, guardPorts } from '#local/iam-guard.ts';
import {
  type ExecutionReport,
  LOCAL_REGION,
  LocalExecutions,
  type RunOptions,
  runHealthCheck,
  runHealthSweep,
  runNodeRecovery,
} from '#local/runner.ts';
import {
  type SimulatedCheck,
  type SimulatedCheckResult,
  simulatedCheck,
} from '#local/simulated-health-checks.ts';
import {
  type ClusterSpec,
  type ConformanceMode,
  type SimEvent,
  type Simulator,
  type SimulatorTimings,
  startSimulator,
} from '#local/simulator/server.ts';
import { type ControlPlane, freePort, startControlPlane } from '#local/testbed/control-plane.ts';
import { installCrds } from '#local/testbed/crds.ts';
import { createKubeAdmin, type TestbedKubeAdmin } from '#local/testbed/kube-admin.ts';
import { gatedPodAnnotations } from '#local/testbed/kwok-stages.ts';
import { applyRbac } from '#local/testbed/rbac.ts';

export {
  passingVerdict,
  type SimulatedCheck,
  type SimulatedCheckResult,
} from '#local/simulated-health-checks.ts';

/** The local "Lambda role": its SigV4 credentials are known to the simulated STS. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'AKIDHPRLOCALLAMBDA01',
  secretAccessKey: 'hyperpod-resilience-local-secret',
};
export const LOCAL_LAMBDA_ROLE = 'arn:aws:iam::111122223333:role/hyperpod-resilience-tasks';

/**
 * Each Kubernetes-calling Lambda's own local role and credentials, as deployed: the simulated EKS
 * access entry maps that role to the Lambda's own Kubernetes group (deploy/kubernetes-rbac.ts).
 */
export const localLambdaIdentity = (lambda: string) => {
  const index = KUBE_LAMBDAS.indexOf(lambda);
  if (index < 0) throw new Error(`${lambda} does not call the Kubernetes API`);
  return {
    principalArn: `arn:aws:iam::111122223333:role/hyperpod-resilience-${lambda}`,
    credentials: {
      accessKeyId: `AKIDHPRLOCALKUBE${String(index).padStart(4, '0')}`,
      secretAccessKey: `hyperpod-resilience-local-${lambda}`,
    },
    group: kubeGroupOf(lambda),
  };
};
export const LOCAL_TOPIC_ARN = 'arn:aws:sns:us-west-2:111122223333:hyperpod-resilience';
export const LEDGER_TABLE = 'hyperpod-resilience-ledger';

export interface LocalEnvironmentOptions {
  cluster: ClusterSpec;
  policy?: AppConfigInput['policy'];
  /** The `healthChecks` section of the config (production defaults when omitted). */
  healthChecks?: AppConfigInput['healthChecks'];
  /** The `sweep` section of the config (production defaults when omitted). */
  sweep?: AppConfigInput['sweep'];
  /** The `alarms` section of the config (no alarm may act when omitted). */
  alarms?: AppConfigInput['alarms'];
  /** The `spares` section of the config (hot-spare pools; none when omitted). */
  spares?: AppConfigInput['spares'];
  /**
   * LOCAL MODE ONLY — the simulated result of each quick health check. The test bed runs no
   * containers: kwok ends a pod carrying `sim.test/verdict` with that text as its termination
   * message (local/testbed/kwok-stages.ts). This hook picks the text per check; a decorator
   * around the tasks' Kubernetes client adds the annotations to the Job's pod template, so the
   * production Job spec and read path stay untouched. Undefined (or no hook): the check pod keeps
   * running, as a hung check would.
   */
  healthCheckVerdicts?: (check: SimulatedCheck) => SimulatedCheckResult | undefined;
  timings?: Partial<SimulatorTimings>;
  /** How the simulator checks AWS calls against AWS's published models (default `strict`). */
  conformance?: ConformanceMode;
  /** Start node-recovery for every event the simulator emits that our rules match (default true). */
  autoDispatch?: boolean;
  /** Milliseconds each WaitForNode lasts locally (default 100). */
  pollMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * Reuse a running control plane whose token webhook points at `simulatorPort` (tests share
   * one control plane per run; each environment's simulator then listens on that port).
   */
  controlPlane?: ControlPlane;
  /** Extra kube-apiserver flags for the control plane this environment starts (not for a reused one). */
  apiServerArgs?: string[];
  simulatorPort?: number;
  logger?: TaskLogger;
  /** What each Lambda may call (default: the derived deploy/task-iam.ts; local/iam-guard.ts). */
  policies?: DerivedPolicies;
}

export interface LocalEnvironment {
  /** The configuration written as the config store's first version. */
  config: AppConfig;
  /** The config store the tasks read before every step (write a version to switch the mode). */
  configStore: LocalConfigStore;
  controlPlane: ControlPlane;
  simulator: Simulator;
  /** Deps holding every Lambda's Kubernetes group: prefer depsOf(lambda). */
  deps: TaskDeps;
  /** The deps a Lambda runs with in an execution: its own Kubernetes identity, as deployed. */
  depsOf(lambda: string): TaskDeps;
  /** Admin view of the cluster for setting up workloads and assertions (not what the tasks use). */
  admin: KubeApi;
  kubeAdmin: TestbedKubeAdmin;
  /** Executions started so far, in start order. */
  executions: Promise<ExecutionReport>[];
  /** Metrics the tasks emitted. */
  metrics: { name: string; dimensions?: Record<string, string>; value?: number; at: number }[];
  /** Executions started by startExecution states (sweep → node-recovery, check → node-recovery, …). */
  localExecutions: LocalExecutions;
  /** Runs the health-sweep once (input `{}` sweeps every cluster); what it starts is tracked. */
  runSweep(input?: unknown): Promise<ExecutionReport>;
  /** Runs one health-check execution (console input: README "The health-check machine"). */
  runHealthCheck(input: unknown, options?: Pick<RunOptions, 'executionName'>): Promise<ExecutionReport>;
  /** Routes one EventBridge event like the deployed rules; returns the executions it started. */
  dispatch(event: unknown): Promise<ExecutionReport>[];
  /** Waits for every execution started so far (and any they cause). */
  settled(): Promise<ExecutionReport[]>;
  /**
   * Aborts every running execution (as StopExecution would) and returns the reports of those cut
   * short (status ABORTED). Executions started afterwards are aborted at once.
   */
  abort(reason?: string): Promise<ExecutionReport[]>;
  /** kubectl apply of plain objects as admin. */
  apply(objects: object[]): Promise<void>;
  /** Aborts what still runs, then stops the simulator, the ledger and the control plane it started. */
  stop(): Promise<void>;
}

/**
 * LOCAL MODE ONLY: wraps the tasks' Kubernetes clients so that health-check Jobs carry the kwok
 * annotations of the simulated result (`sim.test/verdict`, …) in their pod template.
 */
const withSimulatedCheckResults = (
  factory: (eksClusterName: string) => Promise<KubeApi>,
  hook: LocalEnvironmentOptions['healthCheckVerdicts'],
  names: string[],
  neuronNames: string[],
): ((eksClusterName: string) => Promise<KubeApi>) => {
  if (!hook) return factory;
  return async (eksClusterName) => {
    const kube = await factory(eksClusterName);
    const createJob: KubeApi['createJob'] = async (namespace, job) => {
      const check = simulatedCheck(job, names, neuronNames);
      const result = check ? hook(check) : undefined;
      if (!result) return kube.createJob(namespace, job);
      const decorated = structuredClone(job);
      const template = (decorated.spec?.template ?? {}) as {
        metadata?: { annotations?: Record<string, string> };
      };
      template.metadata = {
        ...template.metadata,
        annotations: {
          ...template.metadata?.annotations,
          ...gatedPodAnnotations({
            verdict: result.verdict,
            ...(result.outcome ? { outcome: result.outcome } : {}),
            ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
            runFor: result.runFor ?? '1s',
          }),
        },
      };
      return kube.createJob(namespace, decorated);
    };
    return new Proxy(kube, {
      get: (target, property, receiver) =>
        property === 'createJob' ? createJob : Reflect.get(target, property, receiver),
    });
  };
};

export const startLocalEnvironment = async (options: LocalEnvironmentOptions): Promise<LocalEnvironment> => {
  const log = options.log ?? (() => {});
  let controlPlane = options.controlPlane;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    // The simulator serves the API server's token webhook and creates the cluster's Nodes, so the
    // control plane starts first, pointed at the port the simulator will listen on.
    const simulatorPort = options.simulatorPort ?? (await freePort());
    if (!controlPlane) {
      log(
        'starting the Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)',
      );
      controlPlane = await startControlPlane({
        tokenWebhook: { url: `http://127.0.0.1:${simulatorPort}/authenticate` },
        ...(options.apiServerArgs ? { apiServerArgs: options.apiServerArgs } : {}),
        log,
      });
      const started = controlPlane;
      stops.push(() => started.stop());
      await installCrds(controlPlane);
      await applyRbac(controlPlane);
      log(`control plane ready in ${controlPlane.startupMs} ms`);
    }
    const cp = controlPlane;
    let routeEvent: (event: SimEvent) => void = () => {};
    const simulator = await startSimulator({
      clusters: [options.cluster],
      timings: options.timings,
      ...(options.conformance ? { conformance: options.conformance } : {}),
      port: simulatorPort,
      kube: () => createKubeAdmin(cp),
      credentials: [
        { ...LOCAL_CREDENTIALS, principalArn: LOCAL_LAMBDA_ROLE },
        ...KUBE_LAMBDAS.map(localLambdaIdentity).map((id) => ({
          ...id.credentials,
          principalArn: id.principalArn,
        })),
      ],
      accessEntries: [
        // The shared role (env.deps) holds every Lambda's group: only for tests that call tasks
        // directly without naming the Lambda; executions use each Lambda's own role (depsFor).
        {
          principalArn: LOCAL_LAMBDA_ROLE,
          kubernetesGroups: [...KUBE_GROUPS],
          username: 'hyperpod-resilience',
        },
        ...KUBE_LAMBDAS.map(localLambdaIdentity).map((id) => ({
          principalArn: id.principalArn,
          kubernetesGroups: [id.group],
          username: `hyperpod-resilience-${id.principalArn.split('/').pop()}`,
        })),
      ],
      eksEndpoint: () => ({ endpoint: cp.server, caData: cp.caData }),
      topics: [LOCAL_TOPIC_ARN],
      // HyperPod's default is NodeRecovery=Automatic: then the simulator recovers labelled nodes itself.
      reconcileIntervalMs: (options.cluster.nodeRecovery ?? 'Automatic') === 'Automatic' ? 500 : undefined,
      onEvent: (event) => routeEvent(event),
    });
    stops.push(() => simulator.stop());
    const ledgerServer = await startDynamoLocal();
    stops.push(ledgerServer.close);

    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    // The ledger client keeps the SDK's default retries, as the Lambdas' does: dynalite closes an
    // idle kept-alive socket after Node's 5 s, and a request that picks it up at that moment fails
    // with ECONNRESET, which the SDK retries (seen once in CI as a LedgerTransientError).
    // Every client the tasks use carries the derived-policy guard (local/iam-guard.ts): a command
    // outside the running Lambda's deploy/task-iam.ts actions fails, as AccessDenied would.
    const dynamo = guardAwsClient(
      new DynamoDBClient({
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoint: ledgerServer.endpoint,
      }),
      options.policies,
    );
    await dynamo.send(new CreateTableCommand(ledgerTableDefinition(LEDGER_TABLE)));
    // dynalite answers CreateTable while the table is still CREATING (ACTIVE a tick later).
    await waitUntilTableExists(
      { client: dynamo, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { TableName: LEDGER_TABLE },
    );

    const simCluster = simulator.getCluster(options.cluster.name);
    if (!simCluster) throw new Error(`simulator has no cluster ${options.cluster.name}`);
    const config = parseAppConfig({
      clusters: [{ name: simCluster.name, arn: simCluster.arn, eksClusterName: simCluster.eksClusterName }],
      policy: { mode: 'act', ...options.policy },
      ...(options.healthChecks ? { healthChecks: options.healthChecks } : {}),
      ...(options.sweep ? { sweep: options.sweep } : {}),
      ...(options.spares ? { spares: options.spares } : {}),
      ...(options.alarms ? { alarms: options.alarms } : {}),
    });
    // The tasks read their configuration from the config store before every step, as the
    // Lambdas do (max age 0 locally: a switch takes effect at the next step).
    const configStore = await createLocalConfigStore({ client: dynamo, config, maxAgeSeconds: 0 });
    const metrics: LocalEnvironment['metrics'] = [];
    const metricsSink: MetricsSink = {
      count: (name, dimensions, value) => metrics.push({ name, dimensions, value, at: Date.now() }),
    };
    const kubeForCredentials = (credentials: typeof LOCAL_CREDENTIALS) =>
      withSimulatedCheckResults(
        createKubeApiFactory({
          eks: guardAwsClient(new EKSClient({ ...clientConfig, endpoint: simulator.url }), options.policies),
          region: LOCAL_REGION,
          credentials,
        }),
        options.healthCheckVerdicts,
        config.healthChecks.quick.checks.map((check) => check.name),
        config.healthChecks.quick.neuronChecks.map((check) => check.name),
      );
    const baseDeps: TaskDeps = {
      config,
      configSource: configStore.reader,
      clusterNodes: createClusterNodes(
        guardAwsClient(new SageMakerClient({ ...clientConfig, endpoint: simulator.url }), options.policies),
      ),
      kubeFor: kubeForCredentials(LOCAL_CREDENTIALS),
      ledger: createDynamoLedger({
        client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        tableName: LEDGER_TABLE,
      }),
      notifier: createSnsNotifier({
        client: guardAwsClient(new SNSClient({ ...clientConfig, endpoint: simulator.url }), options.policies),
        topicArn: LOCAL_TOPIC_ARN,
      }),
      metrics: metricsSink,
      logger: options.logger ?? { info: () => {}, warn: () => {}, error: () => {} },
      now: () => new Date().toISOString(),
    };
    const deps: TaskDeps = guardPorts(baseDeps, options.policies);

    // Each Kubernetes-calling Lambda runs under its own identity, as deployed.
    const lambdaDeps = new Map(
      KUBE_LAMBDAS.map((lambda) => [
        lambda,
        guardPorts(
          { ...baseDeps, kubeFor: kubeForCredentials(localLambdaIdentity(lambda).credentials) },
          options.policies,
        ),
      ]),
    );
    const depsOf = (lambda: string): TaskDeps => lambdaDeps.get(lambda) ?? deps;

    const rules = buildRules(config);
    const executions: Promise<ExecutionReport>[] = [];
    const localExecutions = new LocalExecutions({
      onStart: (started) => {
        if (started.report) executions.push(started.report);
      },
    });
    // Aborting it cuts every execution short, those started by startExecution states included.
    const aborter = new AbortController();
    const runOptions: RunOptions = {
      waitMs: options.pollMs ?? 100,
      executions: localExecutions,
      signal: aborter.signal,
      depsFor: depsOf,
    };
    const abort = async (reason = 'the local environment stopped') => {
      if (!aborter.signal.aborted) aborter.abort(reason);
      let seen = -1;
      while (seen !== executions.length) {
        seen = executions.length;
        await Promise.allSettled(executions);
      }
      const reports = await Promise.allSettled(executions);
      return reports.flatMap((r) =>
        r.status === 'fulfilled' && r.value.status === 'ABORTED' ? [r.value] : [],
      );
    };
    const dispatch = (event: unknown): Promise<ExecutionReport>[] =>
      matchingRules(rules, event).map(() => {
        const execution = runNodeRecovery(event, deps, runOptions);
        executions.push(execution);
        return execution;
      });
    if (options.autoDispatch !== false) routeEvent = (event) => void dispatch(event);

    const admin = createKubeApi({ server: cp.server, caData: cp.caData, token: cp.adminToken });
    return {
      config,
      configStore,
      controlPlane: cp,
      simulator,
      deps,
      depsOf,
      admin,
      kubeAdmin: createKubeAdmin(cp),
      executions,
      metrics,
      localExecutions,
      runSweep: (input = {}) => runHealthSweep(input, deps, runOptions),
      runHealthCheck: (input, runOptionsOverride = {}) =>
        runHealthCheck(input, deps, { ...runOptions, ...runOptionsOverride }),
      dispatch,
      async settled() {
        let seen = -1;
        while (seen !== executions.length) {
          seen = executions.length;
          await Promise.allSettled(executions);
        }
        return Promise.all(executions);
      },
      async apply(objects) {
        if (objects.length === 0) return;
        await cp.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
        );
      },
      abort,
      async stop() {
        // Running executions would otherwise hold the teardown for as long as they wait.
        await abort();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
