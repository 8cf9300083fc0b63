/**
 * The invariant checker of the chaos campaigns (local/chaos/invariants.ts): a clean history
 * passes, and each invariant fails on a hand-built broken history.
 */
import { describe, expect, it } from 'vitest';
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
      ].sort(),
    );
  });
});
