/**
 * The invariant checker of the chaos campaigns (local/chaos/invariants.ts): a clean history
 * passes, and each invariant fails on a hand-built broken history.
 */
import { describe, expect, it } from 'vitest';
import { claimToken } from '#domain/spares.ts';
import {
  checkInvariants,
  INVARIANTS,
  type ObservedIncident,
  type ObservedWorld,
} from '#local/chaos/invariants.ts';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const incident = (
  id: string,
  instanceId: string,
  actions: [string, number, Record<string, unknown>?][],
  fields: Partial<ObservedIncident> = {},
): ObservedIncident => ({
  incidentId: id,
  instanceId,
  nodeName: `hyperpod-${instanceId}`,
  status: 'resolved',
  startedAt: at(0),
  endedAt: at(30),
  actions: actions.map(([type, minute, detail]) => ({ type, at: at(minute), ...(detail ? { detail } : {}) })),
  ...fields,
});

/** One node rebooted by one incident, its job suspended and resumed once: every invariant holds. */
const cleanWorld = (): ObservedWorld => ({
  limits: {
    maxNodesPerWindow: 2,
    windowMinutes: 10,
    maxParallel: 1,
    maxRebootsPerNode: 1,
    rebootWindowHours: 24,
    deadlineMinutes: 240,
  },
  calls: [{ op: 'reboot', instanceId: 'i-a' }],
  incidents: [
    incident('inc-1', 'i-a', [
      ['quarantined', 1, { nodeName: 'hyperpod-i-a', already: false }],
      ['remediation-requested', 2, { action: 'reboot', attempt: 1 }],
    ]),
  ],
  nodes: [{ name: 'hyperpod-i-a', quarantinedByUs: false }],
  workloads: [
    { key: 'PyTorchJob/training/llama', holders: [], suspends: 1, resumes: 1, writes: 2, foreign: false },
  ],
  quarantineWrites: [{ nodeName: 'hyperpod-i-a', incidentId: 'inc-1' }],
});

const LLAMA = 'PyTorchJob/training/llama';
const SPARE = 'hyperpod-i-s';

/** The clean world with a hot spare: inc-1 promoted `i-s` and resumed its job there with the claim toleration. */
const spareWorld = (): ObservedWorld => {
  const world = cleanWorld();
  world.incidents = [
    incident('inc-1', 'i-a', [
      ['quarantined', 1, { nodeName: 'hyperpod-i-a', already: false }],
      ['workloads-suspended', 1, { suspended: [LLAMA] }],
      ['spare-promoted', 2, { spare: SPARE, token: claimToken('inc-1'), resumed: [LLAMA] }],
      ['remediation-requested', 2, { action: 'reboot', attempt: 1 }],
    ]),
  ];
  world.nodes.push({ name: SPARE, quarantinedByUs: false, spareClaimTaint: claimToken('inc-1') });
  world.spareClaimWrites = [{ nodeName: SPARE, incidentId: 'inc-1' }];
  world.spareTolerations = [{ workload: LLAMA, token: claimToken('inc-1') }];
  return world;
};

const broken = (invariant: string, world: ObservedWorld) =>
  checkInvariants(world).filter((v) => v.invariant === invariant);

describe('Chaos invariants', () => {
  it('finds nothing wrong in a clean history', () => {
    expect(checkInvariants(cleanWorld())).toEqual([]);
  });

  it('catches an incident that requests the same action twice (a retry that re-requests a replacement)', () => {
    const world = cleanWorld();
    world.calls = [
      { op: 'replace', instanceId: 'i-a' },
      { op: 'replace', instanceId: 'i-a' },
    ];
    world.incidents = [
      incident('inc-1', 'i-a', [
        ['quarantined', 1, { nodeName: 'hyperpod-i-a' }],
        ['remediation-requested', 2, { action: 'replace' }],
        ['remediation-requested', 3, { action: 'replace' }],
      ]),
    ];
    expect(broken('destructive-once-per-incident', world)).toHaveLength(1);
  });

  it('allows the replacement that follows a reboot that did not fix the node', () => {
    const world = cleanWorld();
    world.calls.push({ op: 'replace', instanceId: 'i-a' });
    world.incidents[0]?.actions.push({
      type: 'remediation-requested',
      at: at(10),
      detail: { action: 'replace' },
    });
    expect(checkInvariants(world)).toEqual([]);
  });

  it('catches more reboots of one node within the window than the policy allows', () => {
    const world = cleanWorld();
    world.calls.push({ op: 'reboot', instanceId: 'i-a' });
    world.incidents.push(
      incident('inc-2', 'i-a', [['remediation-requested', 60, { action: 'reboot' }]], {
        startedAt: at(59),
        endedAt: at(90),
      }),
    );
    expect(broken('per-node-reboot-limit', world)).toHaveLength(1);
  });

  it('catches more distinct nodes remediated within the breaker window than its threshold', () => {
    const world = cleanWorld();
    world.limits.maxParallel = 10;
    for (const id of ['i-b', 'i-c']) {
      world.calls.push({ op: 'reboot', instanceId: id });
      world.incidents.push(
        incident(`inc-${id}`, id, [['remediation-requested', 40, { action: 'reboot' }]], {
          startedAt: at(1),
          endedAt: at(2),
        }),
      );
    }
    expect(broken('breaker-limit', world).length).toBeGreaterThan(0);
  });

  it('catches more nodes under remediation at once than max-parallel allows', () => {
    const world = cleanWorld();
    world.limits.maxNodesPerWindow = 10;
    world.calls.push({ op: 'reboot', instanceId: 'i-b' });
    world.incidents.push(incident('inc-2', 'i-b', [['remediation-requested', 5, { action: 'reboot' }]]));
    expect(broken('max-parallel', world).length).toBeGreaterThan(0);
  });

  it('catches an incident that is still open after the sweep', () => {
    const world = cleanWorld();
    world.incidents.push(incident('inc-2', 'i-b', [], { status: 'open', endedAt: undefined }));
    expect(broken('incident-ends', world)).toHaveLength(1);
  });

  it('catches an incident that ended after its deadline', () => {
    const world = cleanWorld();
    world.incidents.push(incident('inc-2', 'i-b', [], { endedAt: at(241) }));
    expect(broken('incident-deadline', world)).toHaveLength(1);
  });

  it('catches our quarantine left on a node whose incident is resolved', () => {
    const world = cleanWorld();
    world.nodes = [{ name: 'hyperpod-i-a', quarantinedByUs: true, quarantinedBy: 'inc-1' }];
    expect(broken('no-orphan-quarantine', world)).toHaveLength(1);
  });

  it('keeps the quarantine of a node that needs attention (a person decides)', () => {
    const world = cleanWorld();
    world.nodes = [{ name: 'hyperpod-i-a', quarantinedByUs: true, quarantinedBy: 'inc-1' }];
    (world.incidents[0] as ObservedIncident).status = 'needs-attention';
    expect(broken('no-orphan-quarantine', world)).toEqual([]);
  });

  it('catches a job held suspended by an incident that is over', () => {
    const world = cleanWorld();
    world.workloads = [
      { key: 'Job/training/eval', holders: ['inc-1'], suspends: 1, resumes: 0, writes: 1, foreign: false },
    ];
    expect(broken('no-orphan-suspension', world)).toHaveLength(1);
  });

  it('catches a job resumed more times than it was suspended', () => {
    const world = cleanWorld();
    world.workloads = [
      { key: 'Job/training/eval', holders: [], suspends: 1, resumes: 2, writes: 3, foreign: false },
    ];
    expect(broken('suspend-resume-balance', world)).toHaveLength(1);
  });

  it('catches a write to a job we did not suspend', () => {
    const world = cleanWorld();
    world.workloads.push({
      key: 'PyTorchJob/training/paused-by-user',
      holders: [],
      suspends: 0,
      resumes: 0,
      writes: 1,
      foreign: true,
    });
    expect(broken('foreign-workload-untouched', world)).toHaveLength(1);
  });

  it('catches a reboot HyperPod performed that the ledger does not record', () => {
    const world = cleanWorld();
    world.calls.push({ op: 'reboot', instanceId: 'i-a' });
    expect(broken('ledger-matches-actions', world)).toHaveLength(1);
  });

  it('catches a reboot the ledger records that never happened', () => {
    const world = cleanWorld();
    world.calls = [];
    expect(broken('ledger-matches-actions', world)).toHaveLength(1);
  });

  it('accepts a request the escalation records as unconfirmed, whether it reached HyperPod or not', () => {
    const world = cleanWorld();
    world.calls.push({ op: 'replace', instanceId: 'i-a' });
    world.incidents[0]?.actions.push({
      type: 'escalated',
      at: at(20),
      detail: { unconfirmedRequest: 'replace' },
    });
    expect(broken('ledger-matches-actions', world)).toEqual([]);
    world.calls.pop();
    expect(broken('ledger-matches-actions', world)).toEqual([]);
  });

  it('catches a quarantine written to a node that the ledger does not mention, and one the ledger invents', () => {
    const world = cleanWorld();
    world.quarantineWrites.push({ nodeName: 'hyperpod-i-b', incidentId: 'inc-2' });
    expect(broken('ledger-matches-actions', world)).toHaveLength(1);
    const invented = cleanWorld();
    invented.quarantineWrites = [];
    expect(broken('ledger-matches-actions', invented)).toHaveLength(1);
  });

  it('catches a quarantine the ledger gives a sweep incident when only another incident was seen writing that node', () => {
    // The shape of wire seeds 137/140/143/144/152: the fix lies in the observer (wire-observer.ts),
    // so the check itself must still fail when the write really was not seen.
    const world = cleanWorld();
    world.incidents.push(
      incident('sweep-hyperpod-labels-i-a-1', 'i-a', [
        ['quarantined', 40, { nodeName: 'hyperpod-i-a', already: false }],
      ]),
    );
    expect(broken('ledger-matches-actions', world).map((v) => v.detail)).toEqual([
      'the ledger says quarantine hyperpod-i-a sweep-hyperpod-labels-i-a-1, nobody wrote it',
    ]);
    world.quarantineWrites.push({ nodeName: 'hyperpod-i-a', incidentId: 'sweep-hyperpod-labels-i-a-1' });
    expect(broken('ledger-matches-actions', world)).toEqual([]);
  });

  it('finds nothing wrong in a clean history with a promoted hot spare', () => {
    expect(checkInvariants(spareWorld())).toEqual([]);
  });

  it('catches a spare claimed on the node by a second incident while the first still held it', () => {
    const world = spareWorld();
    world.spareClaimWrites?.push({ nodeName: SPARE, incidentId: 'inc-2' });
    expect(broken('spare-claimed-once', world).map((v) => v.detail)).toEqual([
      `${SPARE} claimed by inc-2 while inc-1 still held it`,
    ]);
    // Released first (the claim removed), the node may be claimed again.
    const released = spareWorld();
    released.spareClaimWrites?.push(
      { nodeName: SPARE, incidentId: null },
      { nodeName: SPARE, incidentId: 'inc-2' },
    );
    expect(broken('spare-claimed-once', released)).toEqual([]);
  });

  it('catches two incidents whose ledger records promote the same spare while both are open', () => {
    const world = spareWorld();
    world.incidents.push(
      incident('inc-2', 'i-b', [['spare-promoted', 10, { spare: SPARE, resumed: [] }]], {
        startedAt: at(5),
        endedAt: at(40),
      }),
    );
    expect(broken('spare-claimed-once', world)).toHaveLength(1);
    // After inc-1 ended (minute 30), the same node may be promoted again (it became a spare again).
    const later = spareWorld();
    later.incidents.push(
      incident('inc-2', 'i-b', [['spare-promoted', 35, { spare: SPARE, resumed: [] }]], {
        startedAt: at(32),
        endedAt: at(60),
      }),
    );
    expect(broken('spare-claimed-once', later)).toEqual([]);
  });

  it('catches a job resumed on a promoted spare without the toleration of its claim token', () => {
    const world = spareWorld();
    world.spareTolerations = [{ workload: LLAMA, token: claimToken('inc-other') }];
    expect(broken('spare-job-tolerates-claim', world).map((v) => v.detail)).toEqual([
      `${LLAMA} was resumed on spare ${SPARE} by inc-1 without its claim toleration`,
    ]);
  });

  it('catches a claim toleration on a job the promotion did not move, and one of an incident that promoted nothing', () => {
    const world = spareWorld();
    world.spareTolerations?.push({ workload: 'Job/training/bystander', token: claimToken('inc-1') });
    expect(broken('claim-toleration-only-promoted', world)).toHaveLength(1);
    const unpromoted = spareWorld();
    unpromoted.incidents.push(incident('inc-2', 'i-b', [['workloads-suspended', 1, { suspended: [LLAMA] }]]));
    unpromoted.spareTolerations?.push({ workload: LLAMA, token: claimToken('inc-2') });
    expect(broken('claim-toleration-only-promoted', unpromoted).map((v) => v.detail)).toEqual([
      `${LLAMA} tolerates the claim of inc-2, which did not move it to a spare`,
    ]);
    // A promotion that failed after patching tolerations undid the spare's taint: the toleration is inert.
    unpromoted.incidents[1]?.actions.push({
      type: 'spare-not-promoted',
      at: at(2),
      detail: { reason: 'promotion-failed', spare: SPARE },
    });
    expect(broken('claim-toleration-only-promoted', unpromoted)).toEqual([]);
  });

  it('catches a node left tainted with the claim token of an incident that did not promote it', () => {
    const world = spareWorld();
    world.incidents.push(
      incident('inc-2', 'i-b', [
        ['spare-not-promoted', 2, { reason: 'promotion-failed', spare: 'hyperpod-i-t' }],
      ]),
    );
    world.nodes.push({ name: 'hyperpod-i-t', quarantinedByUs: false, spareClaimTaint: claimToken('inc-2') });
    expect(broken('claim-toleration-only-promoted', world).map((v) => v.detail)).toEqual([
      `hyperpod-i-t is tainted with claim ${claimToken('inc-2')} (inc-2), which did not promote it`,
    ]);
  });

  it('has a failing test above for every invariant it checks', () => {
    expect([...INVARIANTS].sort()).toEqual(
      [
        'breaker-limit',
        'destructive-once-per-incident',
        'foreign-workload-untouched',
        'incident-deadline',
        'incident-ends',
        'ledger-matches-actions',
        'max-parallel',
        'no-orphan-quarantine',
        'no-orphan-suspension',
        'per-node-reboot-limit',
        'suspend-resume-balance',
        'spare-claimed-once',
        'spare-job-tolerates-claim',
        'claim-toleration-only-promoted',
      ].sort(),
    );
  });
});
