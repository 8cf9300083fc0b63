/**
 * CheckNodeRecovery: one poll of the node's return, between Wait states (never a sleeping Lambda).
 * A reboot is proven by the same instance's node Ready with a NEW boot id; a replacement by a new
 * instance of the same instance group whose node joined Ready. Past the deadline it throws
 * NodeNotRecoveredError and the incident escalates.
 *
 * A recovery we did not request (HyperPod's own: `awaiting-hyperpod`, or one found under way:
 * `hyperpod-acting`) may end either way, so both proofs count. While HyperPod was only left to
 * act (`awaiting-hyperpod`), it must visibly start within `awaitNode.hyperpodStartGraceMinutes`
 * (hyperpod-recovery.ts `recoveryStartedEvidence`); otherwise RecoveryNotStartedError escalates
 * the incident and the jobs are resumed instead of staying suspended for the full timeout.
 */

import type { ClusterNode, KubeApi } from '#adapters/ports.ts';
import { requireCluster } from '#contracts/clusters.ts';
import {
  NodeNotRecoveredError,
  OutOfSequenceInputError,
  RecoveryNotStartedError,
} from '#contracts/errors.ts';
import { recoveryStartedEvidence } from '#domain/hyperpod-recovery.ts';
import { isNodeReady } from '#domain/kube-types.ts';
import { type ClusterRef, identityFrom } from '#domain/node-identity.ts';
import type { NodeIdentity } from '#domain/types.ts';
import type { IncidentState } from '#state-machines/node-recovery.contract.ts';
import type { TaskDeps } from './deps.ts';
import { incidentNode, parseIncident, recordAction, withIncidentKeys } from './incident.ts';
import { findKubeNode } from './resolve-node.ts';

export type AwaitState = NonNullable<IncidentState['await']>;

const GONE_STATUSES = new Set(['ShuttingDown', 'Terminated', 'NotFound']);

const earliest = (a: string, b: string): string => {
  const [ta, tb] = [Date.parse(a), Date.parse(b)];
  if (Number.isNaN(ta)) return b;
  return Number.isNaN(tb) || ta < tb ? new Date(ta).toISOString() : b;
};

const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/**
 * Candidates for the instance that replaced `old`, best first: new instances of the group carrying
 * the old NodeLogicalId, when any does (the id survived the replacement); otherwise every new
 * instance, because whether a NodeLogicalId survives a replacement is not documented (the SDK
 * says it persists "from provisioning request to termination"). The caller claims a candidate
 * with a lease, so two concurrent replacements in one group never adopt the same node.
 */
const replacementCandidates = (
  nodes: ClusterNode[],
  old: NodeIdentity,
): { own: ClusterNode[]; others: ClusterNode[] } => {
  const fresh = nodes.filter((n) => n.instanceId !== old.instanceId);
  const own = old.nodeLogicalId ? fresh.filter((n) => n.nodeLogicalId === old.nodeLogicalId) : [];
  return { own, others: fresh.filter((n) => !own.includes(n)) };
};

const readyIdentity = async (
  kube: KubeApi,
  cluster: ClusterRef,
  clusterNode: ClusterNode,
): Promise<{ identity: NodeIdentity; ready: boolean }> => {
  const kubeNode = await findKubeNode(kube, cluster, clusterNode.instanceId, clusterNode);
  return { identity: identityFrom(cluster, clusterNode, kubeNode), ready: isNodeReady(kubeNode) };
};

/**
 * Every poll renews the node's lease (re-acquiring one's own lease moves its expiry to now + TTL),
 * so it never lapses while the machine still waits and acts: a reboot, a replacement after it and
 * the checks after that may together outlast any fixed length. A lease found taken by another
 * incident (it lapsed before this poll) is logged and the wait goes on: the remediation was
 * already requested, and RequestRemediation re-checks the lease before any further destructive call.
 */
const renewLease = async (
  deps: TaskDeps,
  state: ReturnType<typeof parseIncident>,
  instanceId: string,
  now: string,
): Promise<void> => {
  const lease = await deps.ledger.acquireLease({
    clusterName: state.clusterName,
    instanceId,
    incidentId: state.incidentId,
    now,
    ttlMinutes: deps.config.policy.leaseTtlMinutes,
  });
  if (!lease.acquired) {
    deps.logger.warn('node lease held by another incident while waiting', {
      instanceId,
      heldBy: lease.heldBy,
    });
  }
};

export const checkNodeRecovery = async (raw: unknown, deps: TaskDeps): Promise<AwaitState> => {
  const state = parseIncident(raw, 'CheckNodeRecovery');
  withIncidentKeys(deps, state);
  const node = incidentNode(state);
  const remediation = state.remediation;
  if (!remediation) throw new OutOfSequenceInputError('CheckNodeRecovery needs a requested remediation');
  const policy = deps.config.policy.awaitNode;
  const now = deps.now();
  const timeout =
    remediation.action === 'replace' ? policy.replaceTimeoutMinutes : policy.rebootTimeoutMinutes;
  const deadline = addMinutes(remediation.requestedAt, timeout);
  const attempts = (state.await?.attempts ?? 0) + 1;

  const cluster = requireCluster(deps.config, state.clusterName);
  await renewLease(deps, state, node.instanceId, now);
  const kube = await deps.kubeFor(state.eksClusterName);
  const current = await deps.clusterNodes.describeNode(state.clusterName, node.instanceId);
  const requestedByUs = remediation.status === 'requested';

  // A recovery left to HyperPod counts only once it visibly started.
  let recoveryStartedAt =
    state.await?.recoveryStartedAt ??
    (remediation.status === 'hyperpod-acting' ? remediation.requestedAt : undefined);
  if (remediation.status === 'awaiting-hyperpod' && !recoveryStartedAt) {
    const sameNode =
      current && !GONE_STATUSES.has(current.status)
        ? await findKubeNode(kube, cluster, node.instanceId, current)
        : undefined;
    const evidence = recoveryStartedEvidence({
      status: current?.status,
      kubeNode: current ? sameNode : undefined,
      bootIdAtStart: node.bootId,
      wasReady: state.nodeReadyAtAdmission,
    });
    if (evidence) {
      recoveryStartedAt = now;
      await recordAction(deps, state, 'hyperpod-recovery-started', { evidence, attempts });
    }
  }
  const pending: AwaitState = {
    pollSeconds: policy.pollSeconds,
    attempts,
    deadline,
    status: 'pending',
    ...(recoveryStartedAt ? { recoveryStartedAt } : {}),
  };

  let back: NodeIdentity | undefined;
  if (current && !GONE_STATUSES.has(current.status)) {
    // Same instance: back only once it rebooted (new boot id) and is Running and Ready.
    const mayBeRebooted = requestedByUs ? remediation.action === 'reboot' : recoveryStartedAt !== undefined;
    if (current.status === 'Running' && mayBeRebooted) {
      const { identity, ready } = await readyIdentity(kube, cluster, current);
      const rebooted = node.bootId ? identity.bootId !== undefined && identity.bootId !== node.bootId : true;
      if (ready && rebooted) back = identity;
    }
  } else {
    // A recovery we did not request may have launched the new instance before we started waiting.
    const since = requestedByUs
      ? remediation.requestedAt
      : earliest(String(state.trigger.time), state.startedAt);
    const listed = await deps.clusterNodes.listNodes(state.clusterName, {
      instanceGroupNameContains: node.instanceGroupName,
      creationTimeAfter: since,
    });
    const sameGroup = listed.filter(
      (c) => !node.instanceGroupName || c.instanceGroupName === node.instanceGroupName,
    );
    const { own, others } = replacementCandidates(sameGroup, node);
    let ownHeldByOthers = own.length > 0;
    const tryClaim = async (candidates: ClusterNode[]): Promise<NodeIdentity | undefined> => {
      for (const replacement of candidates) {
        if (replacement.status !== 'Running') {
          ownHeldByOthers &&= !own.includes(replacement);
          continue;
        }
        const { identity, ready } = await readyIdentity(kube, cluster, replacement);
        if (!ready) {
          ownHeldByOthers &&= !own.includes(replacement);
          continue;
        }
        const claim = await deps.ledger.acquireLease({
          clusterName: state.clusterName,
          instanceId: replacement.instanceId,
          incidentId: state.incidentId,
          now,
          ttlMinutes: deps.config.policy.leaseTtlMinutes,
        });
        if (claim.acquired) return identity;
      }
      return undefined;
    };
    back = await tryClaim(own);
    // Our logical id is on nothing new (it did not survive), or only on nodes other incidents
    // claimed: any new instance of the group may be ours.
    if (!back && (own.length === 0 || ownHeldByOthers)) back = await tryClaim(others);
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
  const grace = policy.hyperpodStartGraceMinutes;
  if (
    remediation.status === 'awaiting-hyperpod' &&
    !recoveryStartedAt &&
    Date.parse(now) > Date.parse(addMinutes(remediation.requestedAt, grace))
  ) {
    throw new RecoveryNotStartedError(
      `HyperPod had a ${remediation.action} of ${node.instanceId} pending but nothing started within ${grace} min ` +
        `(status ${current?.status ?? 'gone'})`,
    );
  }
  if (Date.parse(now) > Date.parse(deadline)) {
    throw new NodeNotRecoveredError(
      `${node.instanceId} did not come back within ${timeout} min of the ${remediation.action} (status ${current?.status ?? 'gone'})`,
    );
  }
  return pending;
};
