/**
 * The derived-policy guard: in local runs, every call a task makes is checked against the policy
 * deploy/iam-derivation.ts derived for the Lambda running it (deploy/task-iam.ts), so a call the
 * derivation missed fails here instead of with AccessDenied in an account.
 *
 * - `guardAwsClient`: a Smithy middleware at the `initialize` step of an SDK v3 client. It maps
 *   the command to its IAM action (`<IAM prefix of the client's service>:<operation>`,
 *   docs/facts/iam.md iam.action-is-operation-name) and throws `OutsideDerivedPolicyError` when
 *   the Lambda's `actions` lack it. A DynamoDB document client shares its base client's stack:
 *   guard the base client; a lib-dynamodb `GetCommand` runs as `GetItemCommand`
 *   (iam.document-client-commands).
 * - `guardPorts`: the same check one level up, for deps whose ports are in-memory fakes (the
 *   integration harness): each port member called must be in the Lambda's `ports`.
 *
 * Which Lambda runs comes from local/lambda-context.ts (the local runner sets it per task); a
 * call outside any task (test setup, assertions) is not checked. Every refusal is also logged:
 * test/setup-env.ts fails the test that caused one, even when the state machine caught the error.
 */
import type { ClusterNodes, KubeApi, KubeApiFactory, Ledger, Notifier } from '#adapters/ports.ts';
import { TASK_IAM, type TaskIam } from '#deploy/task-iam.ts';
import type { TaskDeps } from '#functions/tasks/deps.ts';
import { currentLambda } from './lambda-context.ts';

/** Lambda name → what its role allows (deploy/task-iam.ts, or a test's altered copy). */
export type DerivedPolicies = Readonly<Record<string, Pick<TaskIam, 'ports' | 'actions'>>>;

/**
 * SDK `serviceId` → IAM service prefix: botocore's `signingName` (else `endpointPrefix`) of the
 * service model, which for these services is the prefix of the Service Authorization Reference
 * (docs/facts/iam.md iam.service-prefix). A client of any other service is refused.
 */
export const IAM_PREFIX_BY_SERVICE_ID: Readonly<Record<string, string>> = {
  SageMaker: 'sagemaker',
  EKS: 'eks',
  DynamoDB: 'dynamodb',
  SNS: 'sns',
};

/** `BatchRebootClusterNodesCommand` of the SageMaker client → `sagemaker:BatchRebootClusterNodes`. */
export const iamActionOf = (serviceId: string, commandName: string): string => {
  const prefix = IAM_PREFIX_BY_SERVICE_ID[serviceId];
  if (!prefix) {
    throw new Error(`no IAM prefix known for the SDK service ${serviceId}: add it to local/iam-guard.ts`);
  }
  if (!commandName.endsWith('Command')) throw new Error(`${commandName} is not an SDK command name`);
  return `${prefix}:${commandName.slice(0, -'Command'.length)}`;
};

/** A call the running Lambda's derived policy does not allow. */
export class OutsideDerivedPolicyError extends Error {
  constructor(lambda: string, call: string, needs: string, allowed: readonly string[]) {
    super(
      `${lambda} ${call}, which needs ${needs}: not in its derived policy (deploy/task-iam.ts allows ${allowed.join(', ') || 'nothing'}); regenerate with npx tsx deploy/iam-derivation.ts --write, or see why the derivation missed it`,
    );
    this.name = 'OutsideDerivedPolicyError';
  }
}

const violations: string[] = [];

/** The refusals so far, emptied (test/setup-env.ts fails a test that leaves one). */
export const drainPolicyViolations = (): string[] => violations.splice(0);

const refuse = (error: OutsideDerivedPolicyError): never => {
  violations.push(error.message);
  throw error;
};

/** The part of an SDK v3 client's middleware stack the guard uses. */
interface InitializeStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority?: 'high' | 'normal' | 'low' },
  ): void;
}

export const GUARD_MIDDLEWARE = 'hprDerivedPolicyGuard';

/** Installs the guard on an SDK v3 client (once; the client is returned for chaining). */
export const guardAwsClient = <C extends { config: object; middlewareStack: object }>(
  client: C,
  policies: DerivedPolicies = TASK_IAM,
): C => {
  const serviceId = (client.config as { serviceId?: string }).serviceId;
  if (!serviceId) throw new Error('the client has no serviceId in its config: not an SDK v3 client');
  iamActionOf(serviceId, 'ProbeCommand'); // fail at install time for an unknown service
  (client.middlewareStack as InitializeStack).add(
    (next, context) => async (args) => {
      const lambda = currentLambda();
      if (lambda !== undefined) {
        const command = context.commandName ?? 'an unnamed command';
        const action = iamActionOf(serviceId, command);
        const allowed = policies[lambda]?.actions ?? [];
        if (!allowed.includes(action)) {
          refuse(new OutsideDerivedPolicyError(lambda, `sent ${serviceId} ${command}`, action, allowed));
        }
      }
      return next(args);
    },
    { step: 'initialize', name: GUARD_MIDDLEWARE, priority: 'high' },
  );
  return client;
};

/** Checks one port member (`Ledger.getIncident`, `KubeApiFactory`) against the running Lambda's ports. */
const checkPort = (member: string, policies: DerivedPolicies): void => {
  const lambda = currentLambda();
  if (lambda === undefined) return;
  const allowed = policies[lambda]?.ports ?? [];
  if (!allowed.includes(member))
    refuse(new OutsideDerivedPolicyError(lambda, `called ${member}`, member, allowed));
};

/** The port `port` of name `name`, each method checked when called. */
const guardPort = <P extends object>(name: string, port: P, policies: DerivedPolicies): P =>
  new Proxy(port, {
    get: (target, property, receiver) => {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        checkPort(`${name}.${property}`, policies);
        return Reflect.apply(value, target, args);
      };
    },
  });

/** `deps` with every port checked against the running Lambda's derived `ports`. */
export const guardPorts = (deps: TaskDeps, policies: DerivedPolicies = TASK_IAM): TaskDeps => {
  const kubeFor: KubeApiFactory = async (eksClusterName) => {
    checkPort('KubeApiFactory', policies);
    return guardPort<KubeApi>('KubeApi', await deps.kubeFor(eksClusterName), policies);
  };
  return {
    ...deps,
    clusterNodes: guardPort<ClusterNodes>('ClusterNodes', deps.clusterNodes, policies),
    ledger: guardPort<Ledger>('Ledger', deps.ledger, policies),
    notifier: guardPort<Notifier>('Notifier', deps.notifier, policies),
    kubeFor,
  };
};
