/**
 * CheckNodeRecovery: one poll of the node's return, between Wait states (never a sleeping Lambda).
 * A reboot is proven by the same instance's node Ready with a NEW boot id; a replacement by a new
 * instance of the same instance group (same NodeLogicalId when known) whose node joined Ready.
 * Past the deadline it throws NodeNotRecoveredError and the incident escalates.
 */
import type { ClusterNode, KubeApi } from '#adapters/ports.ts';
import type { KubeNode } from '#domain/kube-types.ts';
import { type ClusterRef, identityFrom } from '#domain/node-identity.ts';
import type { NodeIdentity } from '#domain/types.ts';
import { findCluster } from '#shared/config-schema.ts';
import { NodeNotRecoveredError, PolicyViolationError, UnknownClusterError } from '#shared/errors.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { findKubeNode } from './resolve-node.ts';

export type AwaitState = NonNullable<IncidentState['await']>;

const GONE_STATUSES = new Set(['ShuttingDown', 'Terminated', 'NotFound']);

export const isNodeReady = (node: KubeNode | undefined): boolean =>
  node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/**
 * Candidates for the instance that replaced `old`: same group, launched after the request. With a
 * NodeLogicalId (it persists across a replacement) only the instance with that id qualifies;
 * without one, any fresh Running instance does, and the caller claims it with a lease so two
 * concurrent replacements in one group never adopt the same node.
 */
const replacementCandidates = (nodes: ClusterNode[], old: NodeIdentity): ClusterNode[] => {
  const fresh = nodes.filter((n) => n.instanceId !== old.instanceId && n.status === 'Running');
  return old.nodeLogicalId ? fresh.filter((n) => n.nodeLogicalId === old.nodeLogicalId) : fresh;
};

const readyIdentity = async (
  kube: KubeApi,
  cluster: ClusterRef,
  clusterNode: ClusterNode,
): Promise<{ identity: NodeIdentity; ready: boolean }> => {
  const kubeNode = await findKubeNode(kube, cluster, clusterNode.instanceId, clusterNode);
  return { identity: identityFrom(cluster, clusterNode, kubeNode), ready: isNodeReady(kubeNode) };
};

export const checkNodeRecovery = async (raw: unknown, deps: TaskDeps): Promise<AwaitState> => {
  const state = parseIncident(raw, 'CheckNodeRecovery');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const remediation = state.remediation;
  if (!remediation) throw new PolicyViolationError('CheckNodeRecovery needs a requested remediation');
  const policy = deps.config.policy.awaitNode;
  const now = deps.now();
  const timeout =
    remediation.action === 'replace' ? policy.replaceTimeoutMinutes : policy.rebootTimeoutMinutes;
  const deadline = addMinutes(remediation.requestedAt, timeout);
  const attempts = (state.await?.attempts ?? 0) + 1;
  const pending: AwaitState = { pollSeconds: policy.pollSeconds, attempts, deadline, status: 'pending' };

  const cluster = findCluster(deps.config, state.clusterName);
  if (!cluster) throw new UnknownClusterError(`cluster ${state.clusterName} is not configured`);
  const kube = await deps.kubeFor(state.eksClusterName);
  const current = await deps.clusterNodes.describeNode(state.clusterName, node.instanceId);
  let back: NodeIdentity | undefined;
  if (current && !GONE_STATUSES.has(current.status)) {
    // Same instance: back only once it rebooted (new boot id) and is Running and Ready.
    if (current.status === 'Running') {
      const { identity, ready } = await readyIdentity(kube, cluster, current);
      const rebooted = node.bootId ? identity.bootId !== undefined && identity.bootId !== node.bootId : true;
      if (ready && rebooted && remediation.action === 'reboot') back = identity;
    }
  } else {
    const candidates = await deps.clusterNodes.listNodes(state.clusterName, {
      instanceGroupNameContains: node.instanceGroupName,
      creationTimeAfter: remediation.requestedAt,
    });
    const sameGroup = candidates.filter(
      (c) => !node.instanceGroupName || c.instanceGroupName === node.instanceGroupName,
    );
    for (const replacement of replacementCandidates(sameGroup, node)) {
      const { identity, ready } = await readyIdentity(kube, cluster, replacement);
      if (!ready) continue;
      const claim = await deps.ledger.acquireLease({
        clusterName: state.clusterName,
        instanceId: replacement.instanceId,
        incidentId: state.incidentId,
        now,
        ttlMinutes: deps.config.policy.leaseTtlMinutes,
      });
      if (claim.acquired) {
        back = identity;
        break;
      }
    }
  }

  if (back) {
    await recordAction(deps, state, 'node-ready', {
      instanceId: back.instanceId,
      nodeName: back.nodeName,
      bootId: back.bootId,
      replaced: back.instanceId !== node.instanceId,
      attempts,
    });
    return { ...pending, status: 'ready', node: back };
  }
  if (Date.parse(now) > Date.parse(deadline)) {
    throw new NodeNotRecoveredError(
      `${node.instanceId} did not come back within ${timeout} min of the ${remediation.action} (status ${current?.status ?? 'gone'})`,
    );
  }
  return pending;
};
