/**
 * The operator role (deploy config `operators.principals`): what a person needs to stop, resume
 * and steer automation — pause / unpause a cluster, reset its circuit breaker, clear a node marked
 * "needs attention" (the ledger's cluster-state and node items) and write a new config version
 * (mode switch) — and nothing else. No role when no principal is configured.
 *
 * Scope (docs/facts/config-store.md):
 * - config table: GetItem, BatchGetItem (show, history) and PutItem (the conditional writes of a
 *   new version); no DeleteItem, no UpdateItem: a version is never changed once written;
 * - ledger: GetItem, PutItem, Query only on the partitions of the configured clusters
 *   (`dynamodb:LeadingKeys` = `CLUSTER#<name>`), never a Scan, a DeleteItem or the indexes.
 *   DynamoDB's condition keys cannot name a sort key, so within a cluster's partition the role
 *   could also write an incident or lease item: the CLI writes only `STATE` and `NODE#…`.
 */
import { ledgerKeys } from '#adapters/ledger-keys.ts';
import { checkName, type PlanContext } from './names.ts';
import type { Json, PolicyDocument } from './types.ts';

export interface OperatorRolePlan {
  roleName: string;
  arn: string;
  /** The configured principals may assume it (in this account or another that trusts us). */
  trust: Json;
  policy: PolicyDocument;
}

export const planOperatorRole = (context: PlanContext): OperatorRolePlan | undefined => {
  const principals = [...context.config.operators.principals].sort();
  if (principals.length === 0) return undefined;
  const roleName = checkName('role', `${context.prefix}-operator`);
  const clusterPartitions = context.config.app.clusters.map((c) => ledgerKeys.pk(c.name)).sort();
  return {
    roleName,
    arn: context.roleArn(roleName),
    trust: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' }],
    },
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ConfigStoreVersions',
          Effect: 'Allow',
          Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: [context.configStore.arn],
        },
        {
          Sid: 'LedgerClusterGuards',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
          Resource: [context.ledger.arn],
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': clusterPartitions } },
        },
      ],
    },
  };
};
