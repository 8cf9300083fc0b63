/**
 * The HyperPod simulator: one HTTP server on 127.0.0.1 speaking the wire protocols the AWS SDK v3
 * clients use, so adapters reach it through ordinary endpoint settings:
 *
 *   new SageMakerClient({ endpoint: sim.url, region: 'us-west-2', credentials })
 *   new EKSClient({ endpoint: sim.url, … })   new SNSClient({ endpoint: sim.url, … })
 *
 * Routes: SageMaker awsJson1_1 (`X-Amz-Target: SageMaker.<Op>`), EKS restJson1
 * (`GET /clusters/<name>`), SNS awsQuery (`Action=Publish`), the kube-apiserver token webhook
 * (`POST /authenticate[/<eks-cluster>]`, TokenReview), and a JSON admin API under `/_sim/`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { awsModel, type ModelledService } from '#local/simulator/aws-models.ts';
import {
  formatViolations,
  type Violation,
  validateError,
  validateInput,
  validateOutput,
  validateQueryInput,
} from '#local/simulator/conformance.ts';
import {
  acknowledgeViolations,
  type ConformanceViolation,
  reportViolation,
} from '#local/simulator/conformance-log.ts';
import {
  type CapacityMode,
  type EngineOptions,
  type InjectFaultOptions,
  type NodeActionErrorCode,
  type ReconcileAction,
  SimEngine,
  type SimulatorTimings,
  type StartedOperation,
} from '#local/simulator/engine.ts';
import type { SimKubeAdmin } from '#local/simulator/kube-admin.ts';
import type { ClusterSpec, NodeRecovery, SimCluster, SimEvent, SimInstance } from '#local/simulator/model.ts';
import { SAGEMAKER_OPERATIONS } from '#local/simulator/sagemaker-api.ts';
import {
  type AccessEntry,
  decodeTokenUrl,
  reviewToken,
  type SimCredential,
} from '#local/simulator/token-review.ts';
import {
  epochSeconds,
  readBody,
  SimApiError,
  sendAwsJson,
  sendAwsJsonError,
  sendJson,
  sendQueryXml,
  sendQueryXmlError,
  sendRestJson,
  sendRestJsonError,
  xmlEscape,
} from '#local/simulator/wire.ts';

export type { ConformanceViolation } from '#local/simulator/conformance-log.ts';
export type {
  CapacityMode,
  InjectFaultOptions,
  NodeActionErrorCode,
  ReconcileAction,
  SimulatorTimings,
  StartedOperation,
} from '#local/simulator/engine.ts';
export { DEFAULT_TIMINGS } from '#local/simulator/engine.ts';
export type { ClusterSpec, SimCluster, SimEvent, SimInstance } from '#local/simulator/model.ts';
export type { AccessEntry, SimCredential } from '#local/simulator/token-review.ts';

const SNS_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * How AWS requests and answers are checked against AWS's published models (botocore extracts in
 * test/fixtures/aws-models): `strict` (default) records each violation, answers a request that
 * violates the input shape with a 400 ValidationException as AWS would, and replaces an answer
 * that violates the output or error shape with an HTTP 500 `SimulatorConformanceViolation` naming
 * the violations; `record` only records them; `off` checks nothing.
 */
export type ConformanceMode = 'strict' | 'record' | 'off';

/**
 * Error codes any operation may answer without declaring them in its model (AWS "Common Errors",
 * e.g. https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html, plus the
 * protocol-level codes the SDK parsers know). Their bodies are not checked.
 */
const COMMON_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'ThrottlingException',
  'Throttling',
  'ValidationError',
  'ValidationException',
  'UnknownOperationException',
  'SerializationException',
  'RequestEntityTooLarge',
]);

const CONFORMANCE_ERROR = 'SimulatorConformanceViolation';

export interface SimulatorOptions {
  clusters: ClusterSpec[];
  /** The Kubernetes side of each HyperPod cluster (called once per cluster, with its HyperPod name). */
  kube?: (clusterName: string) => SimKubeAdmin;
  timings?: Partial<SimulatorTimings>;
  /** Capacity per instance group name (or `<cluster>/<group>`); default available. */
  capacity?: Record<string, CapacityMode>;
  onEvent?: (event: SimEvent) => void;
  /** Credentials the emulated STS knows (token webhook). */
  credentials?: SimCredential[];
  /** EKS access entries: principal → Kubernetes username and groups (token webhook). */
  accessEntries?: AccessEntry[];
  /** Endpoint and base64 CA that EKS DescribeCluster returns (the test bed's kube-apiserver). */
  eksEndpoint?: (eksClusterName: string) => { endpoint: string; caData: string };
  /** Run `reconcile()` (HyperPod automatic node recovery) on this interval; off when omitted. */
  reconcileIntervalMs?: number;
  /** Whether a replacement keeps the old NodeLogicalId (default true; undocumented either way). */
  logicalIdSurvivesReplacement?: boolean;
  /** ListClusterNodes/ListClusterEvents page size when the request has no MaxResults (default 10). */
  defaultMaxResults?: number;
  /** SNS topics that exist; any well-formed topic ARN is accepted when omitted. */
  topics?: string[];
  /** Record the body of every AWS request in `requests` (for wire-format assertions). */
  recordRequests?: boolean;
  /** Checks against AWS's published models; `strict` unless set (see ConformanceMode). */
  conformance?: ConformanceMode;
  /**
   * TEST HOOK: rewrites a successful answer (`sagemaker:<Op>`, `eks:DescribeCluster`,
   * `sns:Publish`) before it is checked and sent, to prove that a wrong answer fails the caller.
   */
  transformResponse?: (operation: string, body: Record<string, unknown>) => Record<string, unknown>;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Serve HTTPS (the kube-apiserver token webhook needs TLS): PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface SimNotification {
  messageId: string;
  topicArn?: string;
  targetArn?: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, { dataType: string; value: string }>;
  receivedAt: Date;
}

export interface FaultRule {
  kind: 'throttle' | 'fail';
  /** `sagemaker:<Op>`, `eks:DescribeCluster`, `sns:Publish`, or a bare SageMaker operation name; all AWS calls when omitted. */
  operation?: string;
  remaining: number;
  status: number;
}

export interface Simulator {
  url: string;
  port: number;
  /** Live cluster state (mutating it changes what the APIs answer). */
  readonly clusters: SimCluster[];
  /** Calls per operation (`sagemaker:ListClusterNodes`, `eks:DescribeCluster`, `sns:Publish`, `authenticate`). */
  readonly calls: Record<string, number>;
  /** SNS Publish messages received. */
  readonly notifications: SimNotification[];
  /** EventBridge events emitted (also passed to `onEvent`). */
  readonly events: SimEvent[];
  /** Raw AWS request bodies when `recordRequests` is on. */
  readonly requests: { operation: string; body: string }[];
  /** Errors raised inside lifecycle tasks. */
  readonly errors: unknown[];
  /** Every reboot/replace/delete the simulated HyperPod started for a node, ours (`api`) or its own. */
  readonly started: readonly StartedOperation[];
  /** Every conformance violation seen so far (requests, answers and errors checked against AWS's models). */
  conformanceViolations(): ConformanceViolation[];
  /**
   * Returns the violations not yet taken and acknowledges them, so the test setup's after-each
   * check does not fail the test: for tests that send invalid requests on purpose.
   */
  takeConformanceViolations(): ConformanceViolation[];
  getCluster(nameOrArn: string): SimCluster | undefined;
  getInstance(instanceId: string): SimInstance | undefined;
  injectFault(options: InjectFaultOptions): Promise<SimEvent>;
  loseGpus(instanceId: string, remaining: number): Promise<void>;
  failInstance(instanceId: string, message?: string): Promise<void>;
  failHealthCheck(instanceId: string): void;
  /** The next `count` reboot/replace calls answer this per-node code for the instance. */
  failNodeAction(instanceId: string, code: NodeActionErrorCode, count?: number): void;
  /** A software update or passing deep health check holds the instance for `forMs`. */
  holdNode(instanceId: string, status: 'SystemUpdating' | 'DeepHealthCheckInProgress', forMs: number): void;
  setCapacity(group: string, mode: CapacityMode, options?: { cluster?: string }): void;
  setNodeRecovery(cluster: string, mode: NodeRecovery): void;
  /** The next `count` matching calls answer ThrottlingException (400). */
  throttle(options: { operation?: string; count: number }): void;
  /** The next `count` matching calls answer InternalFailure (500 by default; 503 → ServiceUnavailable). */
  failNext(options: { operation?: string; count: number; status?: number }): void;
  clearFaults(): void;
  /** HyperPod automatic node recovery, once. */
  reconcile(): Promise<ReconcileAction[]>;
  /** Resolves when no lifecycle is in flight. */
  whenIdle(timeoutMs?: number): Promise<void>;
  resetCalls(): void;
  stop(): Promise<void>;
}

const operationMatches = (rule: FaultRule, key: string): boolean => {
  if (key === 'authenticate') return false;
  if (rule.operation === undefined) return true;
  return rule.operation.includes(':') ? rule.operation === key : `sagemaker:${rule.operation}` === key;
};

const faultError = (rule: FaultRule, key: string): SimApiError => {
  if (rule.kind === 'throttle') {
    return new SimApiError(
      key.startsWith('sns:') ? 'Throttling' : 'ThrottlingException',
      'Rate exceeded',
      400,
    );
  }
  return rule.status === 503
    ? new SimApiError('ServiceUnavailable', 'Service is unavailable. Please try again.', 503)
    : new SimApiError(
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
        rule.status,
      );
};

/** What AWS answers a request that violates the input shape (400, before the operation runs). */
const requestRejection = (violations: readonly Violation[]): SimApiError =>
  new SimApiError(
    'ValidationException',
    `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: ${formatViolations(violations)}`,
  );

/** The simulator's own answer broke AWS's model: a loud 500 naming every violation. */
const conformanceFailure = (
  service: ModelledService,
  key: string,
  direction: ConformanceViolation['direction'],
  violations: readonly Violation[],
): SimApiError =>
  new SimApiError(
    CONFORMANCE_ERROR,
    `The simulator's ${key} ${direction} violates AWS's model (botocore ${awsModel(service).source.version}): ` +
      formatViolations(violations),
    500,
  );

/** awsQuery result members as XML elements (flat string/number members only). */
const queryXmlMembers = (body: Record<string, unknown>): string =>
  Object.entries(body)
    .map(([name, value]) => `<${name}>${xmlEscape(String(value))}</${name}>`)
    .join('');

const snapshot = (cluster: SimCluster) => ({
  ...cluster,
  creationTime: cluster.creationTime.toISOString(),
  nodes: cluster.nodes.map((n) => ({
    ...n,
    launchTime: n.launchTime.toISOString(),
    ...(n.operation ? { operation: { ...n.operation, startedAt: n.operation.startedAt.toISOString() } } : {}),
  })),
});

class SimulatorServer implements Simulator {
  url = '';
  port = 0;
  readonly calls: Record<string, number> = {};
  readonly notifications: SimNotification[] = [];
  readonly requests: { operation: string; body: string }[] = [];
  private readonly faults: FaultRule[] = [];
  private readonly engine: SimEngine;
  private readonly server: http.Server;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly fakeEndpointIds = new Map<string, string>();
  private readonly violations: ConformanceViolation[] = [];
  private violationsTaken = 0;

  constructor(private readonly options: SimulatorOptions) {
    const engineOptions: EngineOptions = {
      clusters: options.clusters,
      ...(options.kube ? { kube: options.kube } : {}),
      ...(options.timings ? { timings: options.timings } : {}),
      ...(options.capacity ? { capacity: options.capacity } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.logicalIdSurvivesReplacement === undefined
        ? {}
        : { logicalIdSurvivesReplacement: options.logicalIdSurvivesReplacement }),
    };
    this.engine = new SimEngine(engineOptions);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
        else res.destroy();
      });
    };
    this.server = options.tls
      ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : http.createServer(handler);
  }

  get clusters(): SimCluster[] {
    return this.engine.clusters;
  }
  get events(): SimEvent[] {
    return this.engine.events;
  }
  get errors(): unknown[] {
    return this.engine.errors;
  }

  get started(): readonly StartedOperation[] {
    return this.engine.started;
  }

  async listen(): Promise<void> {
    await this.engine.init();
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `${this.options.tls ? 'https' : 'http'}://${host}:${this.port}`;
    if (this.options.reconcileIntervalMs) {
      this.reconcileTimer = setInterval(() => {
        this.engine.reconcile().catch((error: unknown) => this.engine.errors.push(error));
      }, this.options.reconcileIntervalMs);
      this.reconcileTimer.unref();
    }
  }

  // ---------------------------------------------------------------- Simulator API

  getCluster(nameOrArn: string): SimCluster | undefined {
    return this.engine.findCluster(nameOrArn);
  }
  getInstance(instanceId: string): SimInstance | undefined {
    for (const c of this.engine.clusters) {
      const found = c.nodes.find((n) => n.instanceId === instanceId);
      if (found) return found;
    }
    return undefined;
  }
  injectFault(options: InjectFaultOptions): Promise<SimEvent> {
    return this.engine.injectFault(options);
  }
  loseGpus(instanceId: string, remaining: number): Promise<void> {
    return this.engine.loseGpus(instanceId, remaining);
  }
  failInstance(instanceId: string, message?: string): Promise<void> {
    return this.engine.failInstance(instanceId, message);
  }
  failHealthCheck(instanceId: string): void {
    this.engine.failHealthCheck(instanceId);
  }
  failNodeAction(instanceId: string, code: NodeActionErrorCode, count?: number): void {
    this.engine.failNodeAction(instanceId, code, count);
  }
  holdNode(instanceId: string, status: 'SystemUpdating' | 'DeepHealthCheckInProgress', forMs: number): void {
    this.engine.holdNode(instanceId, status, forMs);
  }
  setCapacity(group: string, mode: CapacityMode, options?: { cluster?: string }): void {
    this.engine.setCapacity(group, mode, options);
  }
  setNodeRecovery(cluster: string, mode: NodeRecovery): void {
    this.engine.setNodeRecovery(cluster, mode);
  }
  throttle(options: { operation?: string; count: number }): void {
    this.faults.push({
      kind: 'throttle',
      ...(options.operation ? { operation: options.operation } : {}),
      remaining: options.count,
      status: 400,
    });
  }
  failNext(options: { operation?: string; count: number; status?: number }): void {
    this.faults.push({
      kind: 'fail',
      ...(options.operation ? { operation: options.operation } : {}),
      remaining: options.count,
      status: options.status ?? 500,
    });
  }
  clearFaults(): void {
    this.faults.length = 0;
  }
  reconcile(): Promise<ReconcileAction[]> {
    return this.engine.reconcile();
  }
  whenIdle(timeoutMs?: number): Promise<void> {
    return this.engine.whenIdle(timeoutMs);
  }
  resetCalls(): void {
    for (const key of Object.keys(this.calls)) delete this.calls[key];
  }
  conformanceViolations(): ConformanceViolation[] {
    return [...this.violations];
  }
  takeConformanceViolations(): ConformanceViolation[] {
    const taken = this.violations.slice(this.violationsTaken);
    this.violationsTaken = this.violations.length;
    acknowledgeViolations(taken);
    return taken;
  }
  async stop(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await this.engine.stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- conformance (AWS models)

  /** Records what `check` finds; returns it in strict mode (the caller then answers otherwise), else []. */
  private conform(
    service: ModelledService,
    operation: string,
    direction: ConformanceViolation['direction'],
    check: (model: ReturnType<typeof awsModel>) => Violation[],
  ): Violation[] {
    const mode = this.options.conformance ?? 'strict';
    if (mode === 'off') return [];
    const found = check(awsModel(service));
    for (const { path, message } of found) {
      const violation: ConformanceViolation = { service, operation, direction, path, message };
      this.violations.push(violation);
      reportViolation(violation);
    }
    return mode === 'strict' ? found : [];
  }

  /** The answer as it travels (JSON: `undefined` members dropped), after the test hook. */
  private transform(key: string, body: unknown): Record<string, unknown> {
    const wire = JSON.parse(JSON.stringify(body ?? {})) as Record<string, unknown>;
    return this.options.transformResponse ? this.options.transformResponse(key, wire) : wire;
  }

  // ---------------------------------------------------------------- routing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith('/_sim/')) return this.handleAdmin(req.method ?? 'GET', url, body, res);
    if (req.method === 'POST' && /^\/authenticate(\/[^/]+)?\/?$/.test(url.pathname)) {
      return this.handleTokenReview(url, body, res);
    }
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('SageMaker.')) {
      return this.handleSageMaker(target.slice('SageMaker.'.length), body, res);
    }
    const eks = /^\/clusters\/([^/]+)\/?$/.exec(url.pathname);
    if (req.method === 'GET' && eks?.[1]) return this.handleEks(decodeURIComponent(eks[1]), res);
    const contentType = req.headers['content-type'] ?? '';
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
      return this.handleSns(new URLSearchParams(body), res);
    }
    sendJson(res, 404, { message: `no simulated route for ${req.method} ${url.pathname}` });
  }

  private count(key: string, body: string): FaultRule | undefined {
    this.calls[key] = (this.calls[key] ?? 0) + 1;
    if (this.options.recordRequests) this.requests.push({ operation: key, body });
    const rule = this.faults.find((f) => f.remaining > 0 && operationMatches(f, key));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(this.faults.indexOf(rule), 1);
    return rule;
  }

  private handleSageMaker(operation: string, body: string, res: ServerResponse) {
    const key = `sagemaker:${operation}`;
    const rule = this.count(key, body);
    const fail = (error: SimApiError) => this.sendSageMakerError(operation, error, res);
    if (rule) return fail(faultError(rule, key));
    const op = SAGEMAKER_OPERATIONS[operation];
    if (!op) {
      return fail(
        new SimApiError('UnknownOperationException', `The simulator does not implement ${operation}.`),
      );
    }
    let input: Record<string, unknown>;
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return fail(new SimApiError('SerializationException', 'Malformed JSON body.'));
    }
    const invalid = this.conform('sagemaker', operation, 'request', (model) =>
      validateInput(model, operation, input),
    );
    if (invalid.length) return fail(requestRejection(invalid));
    let output: unknown;
    try {
      output = op(this.engine, input, { defaultMaxResults: this.options.defaultMaxResults ?? 10 });
    } catch (error) {
      if (error instanceof SimApiError) return fail(error);
      throw error;
    }
    const answer = this.transform(key, output);
    const wrong = this.conform('sagemaker', operation, 'response', (model) =>
      validateOutput(model, operation, answer),
    );
    if (wrong.length) return sendAwsJsonError(res, conformanceFailure('sagemaker', key, 'response', wrong));
    sendAwsJson(res, answer);
  }

  private sendSageMakerError(operation: string, error: SimApiError, res: ServerResponse) {
    const wrong = this.conform('sagemaker', operation, 'error', (model) =>
      validateError(model, {
        operation,
        code: error.code,
        status: error.status,
        body: { Message: error.message, ...error.fields },
        commonErrors: COMMON_ERRORS,
      }),
    );
    sendAwsJsonError(
      res,
      wrong.length ? conformanceFailure('sagemaker', `sagemaker:${operation}`, 'error', wrong) : error,
    );
  }

  private handleEks(name: string, res: ServerResponse) {
    const key = 'eks:DescribeCluster';
    const rule = this.count(key, name);
    const fail = (error: SimApiError) => this.sendEksError(error, res);
    if (rule) return fail(faultError(rule, key));
    const invalid = this.conform('eks', 'DescribeCluster', 'request', (model) =>
      validateInput(model, 'DescribeCluster', { name }),
    );
    if (invalid.length) return fail(requestRejection(invalid));
    const cluster = this.engine.findEksCluster(name);
    if (!cluster) {
      return fail(
        new SimApiError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404, {
          clusterName: name,
        }),
      );
    }
    const { endpoint, caData } = this.options.eksEndpoint?.(name) ?? this.fakeEndpoint(name);
    const answer = this.transform(key, {
      cluster: {
        name,
        arn: cluster.eksClusterArn,
        createdAt: epochSeconds(cluster.creationTime),
        version: '1.32',
        endpoint,
        roleArn: `arn:aws:iam::111122223333:role/${name}-cluster-role`,
        resourcesVpcConfig: {
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
          endpointPublicAccess: false,
          endpointPrivateAccess: true,
        },
        kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
        status: 'ACTIVE',
        certificateAuthority: { data: caData },
        platformVersion: 'eks.1',
        accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      },
    });
    const wrong = this.conform('eks', 'DescribeCluster', 'response', (model) =>
      validateOutput(model, 'DescribeCluster', answer, { bodyOnly: true }),
    );
    if (wrong.length) return sendRestJsonError(res, conformanceFailure('eks', key, 'response', wrong));
    sendRestJson(res, answer);
  }

  private sendEksError(error: SimApiError, res: ServerResponse) {
    const wrong = this.conform('eks', 'DescribeCluster', 'error', (model) =>
      validateError(model, {
        operation: 'DescribeCluster',
        code: error.code,
        status: error.status,
        body: { message: error.message, ...error.fields },
        commonErrors: COMMON_ERRORS,
      }),
    );
    sendRestJsonError(
      res,
      wrong.length ? conformanceFailure('eks', 'eks:DescribeCluster', 'error', wrong) : error,
    );
  }

  private fakeEndpoint(name: string): { endpoint: string; caData: string } {
    let id = this.fakeEndpointIds.get(name);
    if (!id) {
      id = randomBytes(16).toString('hex').toUpperCase();
      this.fakeEndpointIds.set(name, id);
    }
    return {
      endpoint: `https://${id}.gr7.us-west-2.eks.amazonaws.com`,
      caData: Buffer.from('-----BEGIN CERTIFICATE-----\nU0lNVUxBVEVE\n-----END CERTIFICATE-----\n').toString(
        'base64',
      ),
    };
  }

  private handleSns(params: URLSearchParams, res: ServerResponse) {
    const action = params.get('Action') ?? '';
    const key = `sns:${action}`;
    const rule = this.count(key, params.toString());
    const fail = (error: SimApiError) => this.sendSnsError(action, error, res);
    if (rule) return fail(faultError(rule, key));
    if (action !== 'Publish') {
      return fail(new SimApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`));
    }
    const invalid = (message: string) =>
      fail(new SimApiError('InvalidParameter', `Invalid parameter: ${message}`));
    const nonConforming = this.conform('sns', 'Publish', 'request', (model) =>
      validateQueryInput(model, 'Publish', params.entries()),
    );
    if (nonConforming.length) return invalid(formatViolations(nonConforming));
    const topicArn = params.get('TopicArn') ?? undefined;
    const targetArn = params.get('TargetArn') ?? undefined;
    const message = params.get('Message');
    const subject = params.get('Subject') ?? undefined;
    const arn = topicArn ?? targetArn;
    if (!arn) return invalid('TopicArn or TargetArn Reason: no value for required parameter');
    if (!/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]+$/.test(arn)) return invalid('TopicArn');
    if (!message) return invalid('Empty message');
    if (Buffer.byteLength(message) > 256 * 1024) return invalid('Message too long');
    if (subject !== undefined && (subject.length === 0 || subject.length > 100)) return invalid('Subject');
    if (this.options.topics && !this.options.topics.includes(arn)) {
      return fail(new SimApiError('NotFound', 'Topic does not exist', 404));
    }
    const messageAttributes: SimNotification['messageAttributes'] = {};
    for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const prefix = `MessageAttributes.entry.${i}`;
      messageAttributes[params.get(`${prefix}.Name`) ?? ''] = {
        dataType: params.get(`${prefix}.Value.DataType`) ?? 'String',
        value: params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`) ?? '',
      };
    }
    const messageId = randomUUID();
    this.notifications.push({
      messageId,
      ...(topicArn ? { topicArn } : {}),
      ...(targetArn ? { targetArn } : {}),
      ...(subject !== undefined ? { subject } : {}),
      message,
      messageAttributes,
      receivedAt: new Date(),
    });
    const answer = this.transform(key, { MessageId: messageId });
    const wrong = this.conform('sns', 'Publish', 'response', (model) => [
      ...validateOutput(model, 'Publish', answer),
      ...(model.operations.Publish?.output?.resultWrapper === 'PublishResult'
        ? []
        : [{ path: '$', message: 'the model wraps the Publish answer otherwise than PublishResult' }]),
    ]);
    if (wrong.length) {
      return sendQueryXmlError(res, SNS_NAMESPACE, conformanceFailure('sns', key, 'response', wrong));
    }
    sendQueryXml(res, 'Publish', SNS_NAMESPACE, queryXmlMembers(answer));
  }

  private sendSnsError(action: string, error: SimApiError, res: ServerResponse) {
    const wrong = this.conform('sns', action, 'error', (model) =>
      validateError(model, {
        operation: action,
        code: error.code,
        status: error.status,
        commonErrors: COMMON_ERRORS,
      }),
    );
    sendQueryXmlError(
      res,
      SNS_NAMESPACE,
      wrong.length ? conformanceFailure('sns', `sns:${action}`, 'error', wrong) : error,
    );
  }

  private async handleTokenReview(url: URL, body: string, res: ServerResponse): Promise<void> {
    this.count('authenticate', '');
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { message: 'TokenReview body is not JSON' });
    }
    const only = /^\/authenticate\/([^/]+)/.exec(url.pathname)?.[1];
    const known = this.engine.clusters.map((c) => c.eksClusterName);
    const clusterNames = only ? known.filter((n) => n === decodeURIComponent(only)) : known;
    const review = await reviewToken(request, {
      credentials: this.options.credentials ?? [],
      accessEntries: this.options.accessEntries ?? [],
      clusterNames,
      now: new Date(),
    });
    if (review.status?.authenticated) {
      // STS answered this presigned GetCallerIdentity request: it must be one STS's model accepts.
      const token = (request as { spec?: { token?: string } }).spec?.token ?? '';
      const decoded = decodeTokenUrl(token);
      const query = decoded.ok
        ? [...decoded.value.searchParams.entries()].filter(([name]) => !/^X-Amz-/i.test(name))
        : [];
      const wrong = this.conform('sts', 'GetCallerIdentity', 'request', (model) =>
        validateQueryInput(model, 'GetCallerIdentity', query),
      );
      if (wrong.length) {
        return sendJson(res, 200, {
          ...review,
          status: {
            authenticated: false,
            error: `${CONFORMANCE_ERROR}: the presigned sts:GetCallerIdentity request violates AWS's model: ${formatViolations(wrong)}`,
          },
        });
      }
    }
    sendJson(res, 200, review);
  }

  // ---------------------------------------------------------------- admin API (/_sim/…)

  private async handleAdmin(method: string, url: URL, body: string, res: ServerResponse): Promise<void> {
    let input: Record<string, unknown> = {};
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    const str = (field: string): string => {
      const value = input[field];
      if (typeof value !== 'string' || value === '') throw new Error(`${field} (string) is required`);
      return value;
    };
    const num = (field: string, fallback?: number): number => {
      const value = input[field] ?? fallback;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new Error(`${field} (number) is required`);
      return value;
    };
    const optStr = (field: string): string | undefined =>
      typeof input[field] === 'string' ? (input[field] as string) : undefined;
    const route = `${method} ${url.pathname.replace(/\/$/, '')}`;
    try {
      const cluster = /^GET \/_sim\/clusters\/(.+)$/.exec(route)?.[1];
      if (cluster) {
        const found = this.engine.findCluster(decodeURIComponent(cluster));
        return found
          ? sendJson(res, 200, snapshot(found))
          : sendJson(res, 404, { error: `cluster ${cluster} not found` });
      }
      switch (route) {
        case 'GET /_sim/health':
          return sendJson(res, 200, { ok: true, url: this.url, busy: this.engine.busy });
        case 'GET /_sim/state':
          return sendJson(res, 200, { clusters: this.engine.clusters.map(snapshot), faults: this.faults });
        case 'GET /_sim/calls':
          return sendJson(res, 200, this.calls);
        case 'POST /_sim/calls/reset':
          this.resetCalls();
          return sendJson(res, 200, {});
        case 'GET /_sim/notifications':
          return sendJson(res, 200, this.notifications);
        case 'GET /_sim/events':
          return sendJson(res, 200, this.engine.events);
        case 'GET /_sim/errors':
          return sendJson(res, 200, this.engine.errors.map(String));
        case 'POST /_sim/faults': {
          const action = optStr('action');
          const event = await this.injectFault({
            instanceId: str('instanceId'),
            faultType: str('faultType'),
            ...(optStr('cluster') ? { cluster: str('cluster') } : {}),
            ...(typeof input.labels === 'boolean' ? { labels: input.labels } : {}),
            ...(typeof input.emit === 'boolean' ? { emit: input.emit } : {}),
            ...(action === 'reboot' || action === 'replace' ? { action } : {}),
            ...(optStr('neuronError') ? { neuronError: str('neuronError') } : {}),
          });
          return sendJson(res, 200, { event });
        }
        case 'POST /_sim/lose-gpus':
          await this.loseGpus(str('instanceId'), num('remaining'));
          return sendJson(res, 200, {});
        case 'POST /_sim/fail-instance':
          await this.failInstance(str('instanceId'), optStr('message'));
          return sendJson(res, 200, {});
        case 'POST /_sim/fail-health-check':
          this.failHealthCheck(str('instanceId'));
          return sendJson(res, 200, {});
        case 'POST /_sim/throttle':
          this.throttle({
            count: num('count', 1),
            ...(optStr('operation') ? { operation: str('operation') } : {}),
          });
          return sendJson(res, 200, { faults: this.faults });
        case 'POST /_sim/fail-next':
          this.failNext({
            count: num('count', 1),
            status: num('status', 500),
            ...(optStr('operation') ? { operation: str('operation') } : {}),
          });
          return sendJson(res, 200, { faults: this.faults });
        case 'POST /_sim/faults/clear':
          this.clearFaults();
          return sendJson(res, 200, {});
        case 'POST /_sim/capacity': {
          const mode = str('mode');
          if (mode !== 'available' && mode !== 'unavailable')
            throw new Error('mode must be available|unavailable');
          this.setCapacity(str('group'), mode, optStr('cluster') ? { cluster: str('cluster') } : {});
          return sendJson(res, 200, {});
        }
        case 'POST /_sim/node-recovery': {
          const mode = str('mode');
          if (mode !== 'Automatic' && mode !== 'None') throw new Error('mode must be Automatic|None');
          this.setNodeRecovery(str('cluster'), mode);
          return sendJson(res, 200, {});
        }
        case 'POST /_sim/reconcile':
          return sendJson(res, 200, { actions: await this.reconcile() });
        case 'POST /_sim/idle':
          await this.whenIdle(num('timeoutMs', 10_000));
          return sendJson(res, 200, {});
        default:
          return sendJson(res, 404, { error: `no admin route ${route}` });
      }
    } catch (error) {
      return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Starts the simulator on 127.0.0.1 (random port unless `port` is given). */
export const startSimulator = async (options: SimulatorOptions): Promise<Simulator> => {
  const simulator = new SimulatorServer(options);
  await simulator.listen();
  return simulator;
};
