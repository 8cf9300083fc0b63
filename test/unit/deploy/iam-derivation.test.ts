/**
 * The permissions the deploy grants are read from the code: the generated task-iam.ts must equal a
 * fresh derivation, the derivation must see what the code does (spot checks on known tasks and
 * adapters), and the Kubernetes side must be covered by the RBAC manifest the e2e tests enforce.
 */
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KUBE_API_RULES, type KubeRule } from '#adapters/kubernetes-permissions.ts';
import { LAMBDA_DEPS } from '#composition/lambda-deps.ts';
import {
  type Derivation,
  deriveTaskPermissions,
  lambdaDeps,
  lambdaPermissions,
} from '#deploy/iam-derivation.ts';
import { type LambdaIdentity, lambdaIdentity, NAMESPACE_OF_ROLES } from '#deploy/kubernetes-rbac.ts';
import { PORT_ACTIONS, TASK_IAM } from '#deploy/task-iam.ts';
import { allFunctions } from '#state-machines/registry.ts';

let derivation: Derivation;

beforeAll(() => {
  derivation = deriveTaskPermissions();
}, 120_000);

/** Whether one Lambda's ClusterRole (or, in our namespace, its Role) allows the rule. */
const allowedByRbac = (identity: LambdaIdentity, rule: KubeRule): boolean => {
  const matches = (rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = []) =>
    rules.some(
      (r) =>
        r.apiGroups.includes(rule.apiGroup) &&
        r.resources.includes(rule.resource) &&
        r.verbs.includes(rule.verb),
    );
  return (
    matches(identity.clusterRole?.rules) ||
    ((rule.namespace === NAMESPACE_OF_ROLES || rule.namespace === undefined) && matches(identity.role?.rules))
  );
};

describe('Function: deriveTaskPermissions', () => {
  it('matches the generated deploy/task-iam.ts and functions/composition/lambda-deps.ts (else: npx tsx deploy/iam-derivation.ts --write)', () => {
    // Act
    const fresh = lambdaPermissions(derivation);
    const portActions = Object.fromEntries(
      Object.entries(derivation.portActions).filter(([, actions]) => actions.length > 0),
    );

    // Assess
    expect(TASK_IAM).toEqual(fresh);
    expect(PORT_ACTIONS).toEqual(portActions);
    expect(LAMBDA_DEPS).toEqual(lambdaDeps(derivation));
  });

  it('names for each Lambda the TaskDeps ports its handler must wire: those its code uses, and no other', () => {
    // Assess: the ports map to their TaskDeps properties; KubeApi members come through kubeFor.
    expect(derivation.depsKeys).toEqual({
      ClusterNodes: 'clusterNodes',
      KubeApiFactory: 'kubeFor',
      Ledger: 'ledger',
      Notifier: 'notifier',
    });
    expect(lambdaDeps(derivation)['record-outcome']).toEqual(['ledger']);
    expect(lambdaDeps(derivation)['record-health-check']).toEqual(['kubeFor', 'ledger']);
    expect(lambdaDeps(derivation)['record-job-resume']).toEqual(['ledger', 'notifier']);
    expect(lambdaDeps(derivation)['quarantine-node']).toEqual(['kubeFor', 'ledger']);
  });

  it('covers every Lambda handler, and the handlers are exactly the functions of the registered machines', () => {
    // Prepare
    const handlers = readdirSync(new URL('../../../functions/handlers', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();

    // Assess
    expect(Object.keys(derivation.lambdas).sort()).toEqual(handlers);
    expect(handlers).toEqual(allFunctions());
  });

  it('reads the AWS actions from the adapters: SageMaker commands and paginators, document-client commands, SNS and EKS', () => {
    // Assess
    expect(derivation.portActions['ClusterNodes.listNodes']).toEqual(['sagemaker:ListClusterNodes']);
    expect(derivation.portActions['ClusterNodes.rebootNodes']).toEqual(['sagemaker:BatchRebootClusterNodes']);
    expect(derivation.portActions['Ledger.acquireLease']).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(derivation.portActions['Ledger.listIncidents']).toEqual(['dynamodb:Query']);
    expect(derivation.portActions['Notifier.notify']).toEqual(['sns:Publish']);
    // The token is a presigned STS URL: no sts grant; DescribeCluster gives endpoint and CA.
    expect(derivation.portActions.KubeApiFactory).toEqual(['eks:DescribeCluster']);
  });

  it('follows a task through its helpers: Escalate resumes jobs, so it patches workloads', () => {
    // Assess
    expect(derivation.lambdas['escalate-incident']).toEqual(
      expect.arrayContaining(['KubeApi.patchWorkload', 'Notifier.notify', 'Ledger.updateIncident']),
    );
    // RequestRemediation reads the node (SageMaker status, Kubernetes node) to tell what holds it
    // when SageMaker answers InstanceIdInUse / InvalidInstanceStatus, and re-reads the cluster's
    // guard state and the node's lease (Query) right before the call.
    expect(TASK_IAM['request-remediation']?.actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'eks:DescribeCluster',
      'sagemaker:BatchRebootClusterNodes',
      'sagemaker:BatchReplaceClusterNodes',
      'sagemaker:DescribeClusterNode',
    ]);
    expect(TASK_IAM['request-remediation']?.kubernetes).toBe(true);
  });

  it('gives no Lambda a SageMaker action it does not call', () => {
    // Assess
    const sagemaker = Object.fromEntries(
      Object.entries(TASK_IAM)
        .map(([name, iam]) => [name, iam.actions.filter((a) => a.startsWith('sagemaker:'))] as const)
        .filter(([, actions]) => actions.length > 0),
    );
    expect(sagemaker).toEqual({
      'admit-incident': ['sagemaker:DescribeCluster', 'sagemaker:DescribeClusterNode'],
      'check-node-recovery': ['sagemaker:DescribeClusterNode', 'sagemaker:ListClusterNodes'],
      'poll-deep-health-check': ['sagemaker:DescribeClusterNode'],
      'prepare-health-check': ['sagemaker:DescribeCluster', 'sagemaker:DescribeClusterNode'],
      'promote-spare': ['sagemaker:ListClusterNodes'],
      'request-remediation': [
        'sagemaker:BatchRebootClusterNodes',
        'sagemaker:BatchReplaceClusterNodes',
        'sagemaker:DescribeClusterNode',
      ],
      'start-deep-health-check': ['sagemaker:DescribeClusterNode', 'sagemaker:StartClusterHealthCheck'],
      'sweep-cluster': ['sagemaker:DescribeCluster', 'sagemaker:ListClusterNodes'],
    });
  });
});

describe('Kubernetes permissions', () => {
  it('declares for each KubeApi method exactly the verbs its implementation calls', () => {
    // Prepare
    const methods = Object.keys(KUBE_API_RULES);

    // Act
    const derived = Object.fromEntries(
      methods.map((m) => [
        m,
        [...new Set((derivation.kubeCalls[`KubeApi.${m}`] ?? []).map((c) => c.verb))].sort(),
      ]),
    );
    const declared = Object.fromEntries(
      methods.map((m) => [
        m,
        [...new Set(KUBE_API_RULES[m as keyof typeof KUBE_API_RULES].map((r) => r.verb))].sort(),
      ]),
    );

    // Assess
    expect(declared).toEqual(derived);
  });

  it('declares exactly the group and resource of every method whose calls name a fixed resource', () => {
    // Prepare: the methods whose every call names its resource as a constant (kubernetes.ts).
    const fixed = Object.entries(derivation.kubeCalls).filter(([, calls]) =>
      calls.every((c) => c.resource !== '*' && c.group !== '*'),
    );

    // Assess: not vacuous (nodes, pods, eviction, jobs, events), and each matches its rules.
    expect(fixed.map(([member]) => member).sort()).toEqual(
      [
        'createEvent',
        'createJob',
        'deleteJob',
        'deletePod',
        'evictPod',
        'getJob',
        'getNode',
        'listNodes',
        'listPods',
        'patchNode',
      ].map((m) => `KubeApi.${m}`),
    );
    for (const [member, calls] of fixed) {
      const method = member.slice('KubeApi.'.length) as keyof typeof KUBE_API_RULES;
      const declared = KUBE_API_RULES[method].map((r) => `${r.verb} ${r.apiGroup}/${r.resource}`).sort();
      expect(declared, member).toEqual(calls.map((c) => `${c.verb} ${c.group}/${c.resource}`).sort());
    }
  });

  it("is allowed, for every KubeApi method a deployed Lambda uses, by that Lambda's own ClusterRole and Role", () => {
    // Act
    const missing = Object.entries(derivation.lambdas).flatMap(([lambda, ports]) => {
      const members = ports.filter((p) => p.startsWith('KubeApi.'));
      if (members.length === 0) return [];
      const identity = lambdaIdentity(lambda);
      return members.flatMap((member) =>
        KUBE_API_RULES[member.slice('KubeApi.'.length) as keyof typeof KUBE_API_RULES]
          // A rule NAMESPACED_USES narrows to our namespace is allowed there by the Lambda's Role.
          .filter((rule) => !allowedByRbac(identity, rule))
          .map((rule) => `${lambda} ${member}: ${rule.verb} ${rule.apiGroup || 'core'}/${rule.resource}`),
      );
    });

    // Assess
    expect(missing).toEqual([]);
  });
});
