/**
 * The invariants every chaos campaign and property run must keep, written once as code. Pure: it
 * takes what was observed of the world after a run (the destructive calls HyperPod performed for
 * us, the ledger's incidents, the nodes and workloads as Kubernetes has them now, every write we
 * made to a workload) and returns the violations; an empty list means the run kept every invariant.
 *
 * What "at most one destructive action per node per incident" means here: an incident requests a
 * given action (reboot or replace) at most once; the one permitted second action of an incident is
 * the replacement that follows a reboot that did not fix the node (remediation-policy
 * `reboot-did-not-fix`). A retried task that asks again is a violation.
 */

import { claimToken } from '#domain/spares.ts';

export const INVARIANTS = [
  'destructive-once-per-incident',
  'per-node-reboot-limit',
  'breaker-limit',
  'max-parallel',
  'incident-ends',
  'incident-deadline',
  'no-orphan-quarantine',
  'no-orphan-suspension',
  'suspend-resume-balance',
  'foreign-workload-untouched',
  'ledger-matches-actions',
  'spare-claimed-once',
  'spare-job-tolerates-claim',
  'claim-toleration-only-promoted',
] as const;
export type InvariantId = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: InvariantId;
  detail: string;
}

export interface ChaosLimits {
  /** policy.circuitBreaker */
  maxNodesPerWindow: number;
  windowMinutes: number;
  /** maxParallelLimit(fleet size, policy) */
  maxParallel: number;
  /** policy.perNode */
  maxRebootsPerNode: number;
  rebootWindowHours: number;
  /** The longest an incident may stay open (policy.leaseTtlMinutes: the lease that guards it). */
  deadlineMinutes: number;
}

/** One successful per-node reboot/replace HyperPod performed at our request (not its own recovery). */
export interface DestructiveCall {
  op: 'reboot' | 'replace';
  instanceId: string;
}

/** The ledger's view of one incident (a subset of IncidentRecord). */
export interface ObservedIncident {
  incidentId: string;
  instanceId?: string;
  nodeName?: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  actions: { type: string; at: string; detail?: Record<string, unknown> }[];
}

export interface ObservedNode {
  name: string;
  /** Carries our quarantine taint or our cordon annotation. */
  quarantinedByUs: boolean;
  /** The incident named by our quarantined-by annotation. */
  quarantinedBy?: string;
  /** The value of the spare taint when it is a claim token (not `pool`). */
  spareClaimTaint?: string;
}

/** Our writes to one workload's suspend switch, in order. */
export interface ObservedWorkload {
  key: string;
  /** Incidents our suspended-by annotation names now. */
  holders: string[];
  /** Writes that set the switch to suspended (by us). */
  suspends: number;
  /** Writes that set it back to running (by us). */
  resumes: number;
  /** Any write we made to it at all. */
  writes: number;
  /** Not ours to touch: suspended by someone else, opted out, or on no faulty node. */
  foreign: boolean;
}

export interface ObservedWorld {
  limits: ChaosLimits;
  calls: DestructiveCall[];
  incidents: ObservedIncident[];
  nodes: ObservedNode[];
  workloads: ObservedWorkload[];
  /** Quarantine writes that added our taint, as (node name, incident) pairs. */
  quarantineWrites: { nodeName: string; incidentId: string }[];
  /**
   * Our writes of a spare's claimed-by annotation, in order: the incident that claimed the node,
   * or null where a write removed the claim (release, rollback, or the node back in the pool).
   */
  spareClaimWrites?: { nodeName: string; incidentId: string | null }[];
  /** Claim-token tolerations (spare taint key, not the pool's value) a workload carried or got written. */
  spareTolerations?: { workload: string; token: string }[];
}

const MINUTE_MS = 60_000;
const ms = (iso: string): number => Date.parse(iso);

/** Statuses in which an incident may still hold a node or a job (people own needs-attention nodes). */
const HOLDS_NODE = new Set(['open', 'needs-attention']);

const requested = (incident: ObservedIncident) =>
  incident.actions.filter((a) => a.type === 'remediation-requested');
const requestedOp = (action: { detail?: Record<string, unknown> }): string => String(action.detail?.action);

const destructiveOncePerIncident = (world: ObservedWorld): Violation[] =>
  world.incidents.flatMap((incident) => {
    const ops = requested(incident).map(requestedOp);
    const reboots = ops.filter((op) => op === 'reboot').length;
    const replaces = ops.filter((op) => op === 'replace').length;
    return reboots > 1 || replaces > 1
      ? [
          {
            invariant: 'destructive-once-per-incident' as const,
            detail: `incident ${incident.incidentId} on ${incident.instanceId} requested ${ops.join(', ')}`,
          },
        ]
      : [];
  });

const perNodeRebootLimit = (world: ObservedWorld): Violation[] => {
  const byNode = new Map<string, number[]>();
  for (const incident of world.incidents) {
    if (!incident.instanceId) continue;
    for (const action of requested(incident)) {
      if (requestedOp(action) !== 'reboot') continue;
      byNode.set(incident.instanceId, [...(byNode.get(incident.instanceId) ?? []), ms(action.at)]);
    }
  }
  const windowMs = world.limits.rebootWindowHours * 60 * MINUTE_MS;
  return [...byNode].flatMap(([instanceId, times]) => {
    const worst = Math.max(...times.map((t) => times.filter((u) => u <= t && u > t - windowMs).length));
    return worst > world.limits.maxRebootsPerNode
      ? [
          {
            invariant: 'per-node-reboot-limit' as const,
            detail: `${instanceId} rebooted ${worst} times within ${world.limits.rebootWindowHours} h (limit ${world.limits.maxRebootsPerNode})`,
          },
        ]
      : [];
  });
};

/** Incidents that asked HyperPod to act, with the time they were admitted and the node. */
const remediated = (world: ObservedWorld) =>
  world.incidents
    .filter((i) => i.instanceId !== undefined && requested(i).length > 0)
    .map((i) => ({
      incident: i,
      instanceId: i.instanceId as string,
      admittedAt: ms(i.startedAt),
      from: Math.min(...requested(i).map((a) => ms(a.at))),
      to: i.endedAt ? ms(i.endedAt) : Number.POSITIVE_INFINITY,
    }));

const breakerLimit = (world: ObservedWorld): Violation[] => {
  const windowMs = world.limits.windowMinutes * MINUTE_MS;
  const all = remediated(world);
  return all.flatMap((r) => {
    const nodes = new Set(
      all
        .filter((o) => o.admittedAt <= r.admittedAt && o.admittedAt > r.admittedAt - windowMs)
        .map((o) => o.instanceId),
    );
    return nodes.size > world.limits.maxNodesPerWindow
      ? [
          {
            invariant: 'breaker-limit' as const,
            detail: `${nodes.size} distinct nodes remediated within ${world.limits.windowMinutes} min up to incident ${r.incident.incidentId} (limit ${world.limits.maxNodesPerWindow})`,
          },
        ]
      : [];
  });
};

const maxParallel = (world: ObservedWorld): Violation[] => {
  const all = remediated(world);
  return all.flatMap((r) => {
    const overlapping = all.filter((o) => o.from <= r.from && o.to > r.from);
    const nodes = new Set(overlapping.map((o) => o.instanceId));
    return nodes.size > world.limits.maxParallel
      ? [
          {
            invariant: 'max-parallel' as const,
            detail: `${nodes.size} nodes under remediation at once when incident ${r.incident.incidentId} acted (limit ${world.limits.maxParallel})`,
          },
        ]
      : [];
  });
};

const incidentEnds = (world: ObservedWorld): Violation[] =>
  world.incidents.flatMap((incident): Violation[] => {
    if (incident.status === 'open' || !incident.endedAt) {
      return [
        {
          invariant: 'incident-ends',
          detail: `incident ${incident.incidentId} on ${incident.instanceId} is still ${incident.status}`,
        },
      ];
    }
    const took = ms(incident.endedAt) - ms(incident.startedAt);
    return took > world.limits.deadlineMinutes * MINUTE_MS
      ? [
          {
            invariant: 'incident-deadline',
            detail: `incident ${incident.incidentId} took ${Math.round(took / MINUTE_MS)} min (deadline ${world.limits.deadlineMinutes} min)`,
          },
        ]
      : [];
  });

const statusOf = (world: ObservedWorld) => new Map(world.incidents.map((i) => [i.incidentId, i.status]));

const noOrphanQuarantine = (world: ObservedWorld): Violation[] => {
  const status = statusOf(world);
  return world.nodes.flatMap((node) => {
    if (!node.quarantinedByUs) return [];
    const holder = node.quarantinedBy;
    const holderStatus = holder ? status.get(holder) : undefined;
    return holderStatus !== undefined && HOLDS_NODE.has(holderStatus)
      ? []
      : [
          {
            invariant: 'no-orphan-quarantine' as const,
            detail: `${node.name} is quarantined by ${holder ?? 'nobody'} (${holderStatus ?? 'no such incident'})`,
          },
        ];
  });
};

const noOrphanSuspension = (world: ObservedWorld): Violation[] => {
  const status = statusOf(world);
  return world.workloads.flatMap((w) =>
    w.holders
      .filter((holder) => status.get(holder) !== 'open')
      .map((holder) => ({
        invariant: 'no-orphan-suspension' as const,
        detail: `${w.key} is held suspended by ${holder} (${status.get(holder) ?? 'no such incident'})`,
      })),
  );
};

const suspendResumeBalance = (world: ObservedWorld): Violation[] =>
  world.workloads.flatMap((w) => {
    const stillHeld = w.holders.length > 0 ? 1 : 0;
    return w.suspends - stillHeld !== w.resumes
      ? [
          {
            invariant: 'suspend-resume-balance' as const,
            detail: `${w.key} suspended ${w.suspends} times, resumed ${w.resumes} times${stillHeld ? ' (still held)' : ''}`,
          },
        ]
      : [];
  });

const foreignUntouched = (world: ObservedWorld): Violation[] =>
  world.workloads
    .filter((w) => w.foreign && w.writes > 0)
    .map((w) => ({
      invariant: 'foreign-workload-untouched' as const,
      detail: `${w.key} is not ours to touch and got ${w.writes} write(s)`,
    }));

const countBy = <T>(items: T[], key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

const ledgerMatchesActions = (world: ObservedWorld): Violation[] => {
  const violations: Violation[] = [];
  // Destructive calls: counted, a second call is a second action. A request the escalation calls
  // unconfirmed (written ahead, then the task gave up) may or may not have reached HyperPod.
  const performed = countBy(world.calls, (c) => `${c.op} ${c.instanceId}`);
  const recorded = countBy(
    world.incidents.flatMap((i) =>
      requested(i).map((a) => ({ op: requestedOp(a), instanceId: i.instanceId })),
    ),
    (c) => `${c.op} ${c.instanceId}`,
  );
  const unconfirmed = countBy(
    world.incidents.flatMap((i) =>
      i.actions
        .filter((a) => a.type === 'escalated' && typeof a.detail?.unconfirmedRequest === 'string')
        .map((a) => ({ op: String(a.detail?.unconfirmedRequest), instanceId: i.instanceId })),
    ),
    (c) => `${c.op} ${c.instanceId}`,
  );
  for (const key of new Set([...performed.keys(), ...recorded.keys()])) {
    const did = performed.get(key) ?? 0;
    const says = recorded.get(key) ?? 0;
    const maybe = unconfirmed.get(key) ?? 0;
    if (did < says || did > says + maybe) {
      violations.push({
        invariant: 'ledger-matches-actions',
        detail: `${key}: HyperPod performed ${did}, the ledger records ${says}${maybe ? ` (+${maybe} unconfirmed)` : ''}`,
      });
    }
  }
  // Quarantines: an idempotent write, so as a set of (node, incident).
  const tainted = new Set(world.quarantineWrites.map((w) => `${w.nodeName} ${w.incidentId}`));
  const quarantineActions = world.incidents.flatMap((i) =>
    i.actions
      .filter((a) => a.type === 'quarantined')
      .map((a) => ({
        key: `${String(a.detail?.nodeName)} ${i.incidentId}`,
        already: a.detail?.already === true,
      })),
  );
  // A retried quarantine finds its own taint and says `already`: the write is still in the ledger.
  // The sweep records the quarantine it lifts in its holder's record (repair-stale-state).
  const noted = new Set([
    ...quarantineActions.map((a) => a.key),
    ...world.incidents
      .filter((i) => i.actions.some((a) => a.type === 'stale-quarantine-lifted'))
      .map((i) => `${i.nodeName} ${i.incidentId}`),
    // The escalation records the quarantine it leaves in place (escalate-incident).
    ...world.incidents.flatMap((i) =>
      i.actions
        .filter((a) => a.type === 'escalated' && typeof a.detail?.quarantined === 'string')
        .map((a) => `${String(a.detail?.quarantined)} ${i.incidentId}`),
    ),
  ]);
  const claimed = new Set(quarantineActions.filter((a) => !a.already).map((a) => a.key));
  for (const key of tainted) {
    if (!noted.has(key))
      violations.push({
        invariant: 'ledger-matches-actions',
        detail: `quarantine ${key} is not in the ledger`,
      });
  }
  for (const key of claimed) {
    if (!tainted.has(key))
      violations.push({
        invariant: 'ledger-matches-actions',
        detail: `the ledger says quarantine ${key}, nobody wrote it`,
      });
  }
  return violations;
};

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Incidents that promoted a spare: the spare's node name, when, and the jobs resumed there. */
const promotions = (world: ObservedWorld) =>
  world.incidents.flatMap((incident) =>
    incident.actions
      .filter((a) => a.type === 'spare-promoted')
      .map((a) => ({
        incident,
        spare: String(a.detail?.spare),
        at: ms(a.at),
        until: incident.endedAt ? ms(incident.endedAt) : Number.POSITIVE_INFINITY,
        resumed: list(a.detail?.resumed),
        moved: [...list(a.detail?.resumed), ...list(a.detail?.released)],
      })),
  );

/**
 * A spare is claimed by at most one incident at a time: on the node, a claim by another incident
 * never replaces a claim that was not removed first; in the ledger, two incidents never promote
 * the same spare while both are open (promotion to end).
 */
const spareClaimedOnce = (world: ObservedWorld): Violation[] => {
  const violations: Violation[] = [];
  const holder = new Map<string, string | null>();
  for (const write of world.spareClaimWrites ?? []) {
    const current = holder.get(write.nodeName) ?? null;
    if (current !== null && write.incidentId !== null && write.incidentId !== current)
      violations.push({
        invariant: 'spare-claimed-once',
        detail: `${write.nodeName} claimed by ${write.incidentId} while ${current} still held it`,
      });
    holder.set(write.nodeName, write.incidentId);
  }
  const all = promotions(world);
  for (const [i, a] of all.entries()) {
    for (const b of all.slice(i + 1)) {
      if (a.spare !== b.spare || a.incident.incidentId === b.incident.incidentId) continue;
      if (a.at < b.until && b.at < a.until)
        violations.push({
          invariant: 'spare-claimed-once',
          detail: `spare ${a.spare} promoted by ${a.incident.incidentId} and by ${b.incident.incidentId} at once`,
        });
    }
  }
  return violations;
};

/** Every job a promotion resumed on the spare carries the toleration of that incident's claim token. */
const spareJobToleratesClaim = (world: ObservedWorld): Violation[] => {
  const carried = new Set((world.spareTolerations ?? []).map((t) => `${t.workload} ${t.token}`));
  return promotions(world).flatMap((p) =>
    p.resumed
      .filter((workload) => !carried.has(`${workload} ${claimToken(p.incident.incidentId)}`))
      .map((workload) => ({
        invariant: 'spare-job-tolerates-claim' as const,
        detail: `${workload} was resumed on spare ${p.spare} by ${p.incident.incidentId} without its claim toleration`,
      })),
  );
};

/**
 * A claim toleration is only given to a job its incident moved to the spare it promoted (resumed
 * there, or released there while another incident still holds it). The one exception is inert: a
 * promotion that failed after patching tolerations records `spare-not-promoted` (promotion-failed)
 * and undoes the spare's taint, so its token admits the job nowhere. And no node is left tainted
 * with the token of an incident that did not promote it.
 */
const claimTolerationOnlyPromoted = (world: ObservedWorld): Violation[] => {
  const byToken = new Map<string, { incidentId: string; moved: Set<string>; failed: boolean }>();
  for (const incident of world.incidents)
    byToken.set(claimToken(incident.incidentId), {
      incidentId: incident.incidentId,
      moved: new Set(),
      failed: incident.actions.some(
        (a) => a.type === 'spare-not-promoted' && a.detail?.reason === 'promotion-failed',
      ),
    });
  for (const p of promotions(world))
    for (const workload of p.moved) byToken.get(claimToken(p.incident.incidentId))?.moved.add(workload);
  const promotedNodes = new Set(
    promotions(world).map((p) => `${p.spare} ${claimToken(p.incident.incidentId)}`),
  );
  const tolerations = (world.spareTolerations ?? []).flatMap((t): Violation[] => {
    const owner = byToken.get(t.token);
    if (owner?.moved.has(t.workload) || owner?.failed) return [];
    return [
      {
        invariant: 'claim-toleration-only-promoted',
        detail: owner
          ? `${t.workload} tolerates the claim of ${owner.incidentId}, which did not move it to a spare`
          : `${t.workload} tolerates claim ${t.token} of no incident`,
      },
    ];
  });
  const taints = world.nodes.flatMap((node): Violation[] =>
    node.spareClaimTaint === undefined || promotedNodes.has(`${node.name} ${node.spareClaimTaint}`)
      ? []
      : [
          {
            invariant: 'claim-toleration-only-promoted',
            detail: `${node.name} is tainted with claim ${node.spareClaimTaint} (${byToken.get(node.spareClaimTaint)?.incidentId ?? 'no incident'}), which did not promote it`,
          },
        ],
  );
  return [...tolerations, ...taints];
};

const CHECKS: Record<Exclude<InvariantId, 'incident-deadline'>, (world: ObservedWorld) => Violation[]> = {
  'destructive-once-per-incident': destructiveOncePerIncident,
  'per-node-reboot-limit': perNodeRebootLimit,
  'breaker-limit': breakerLimit,
  'max-parallel': maxParallel,
  'incident-ends': incidentEnds,
  'no-orphan-quarantine': noOrphanQuarantine,
  'no-orphan-suspension': noOrphanSuspension,
  'suspend-resume-balance': suspendResumeBalance,
  'foreign-workload-untouched': foreignUntouched,
  'ledger-matches-actions': ledgerMatchesActions,
  'spare-claimed-once': spareClaimedOnce,
  'spare-job-tolerates-claim': spareJobToleratesClaim,
  'claim-toleration-only-promoted': claimTolerationOnlyPromoted,
};

/** Every invariant over one observed world; an empty list means none was broken. */
export const checkInvariants = (world: ObservedWorld): Violation[] =>
  Object.values(CHECKS).flatMap((check) => check(world));

/** How many invariant checks a run makes (one per invariant). */
export const INVARIANT_CHECKS_PER_RUN = INVARIANTS.length;
