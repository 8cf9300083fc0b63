import { describe, expect, it } from 'vitest';
import type { ClusterGuardState } from '#adapters/ports.ts';
import {
  distinctNodesInWindow,
  evaluateGuardrails,
  GUARDRAIL_ORDER,
  type GuardrailInput,
  maxParallelLimit,
  recheckBeforeAction,
  registerRemediation,
  resetBreaker,
  resolveRemediationOwner,
  tripBreaker,
} from '#domain/guardrails.ts';
import { at, emptyGuardState, INSTANCE, NOW, named, OTHER_INSTANCE, policyWith } from './fixtures.ts';

const actPolicy = policyWith({ mode: 'act' });

/** Every gate passes: act mode, room under every limit. */
const passing = (overrides: Partial<GuardrailInput> = {}): GuardrailInput => ({
  policy: actPolicy,
  now: NOW,
  incidentId: 'inc-1',
  node: { clusterName: 'ml-cluster', instanceId: INSTANCE },
  nodeLabels: {},
  action: 'reboot',
  clusterStatus: 'InService',
  remediationOwner: 'hyperpod-resilience',
  breaker: emptyGuardState(),
  activeRemediations: 0,
  fleetSize: 100,
  ...overrides,
});

const remediated = (instanceId: string, minutesAgo: number, incidentId = `inc-${instanceId}`) => ({
  instanceId,
  incidentId,
  at: at({ minutes: -minutesAgo }),
});

const guardState = (
  remediations: ClusterGuardState['remediations'],
  extra: Partial<ClusterGuardState> = {},
) => ({
  version: 4,
  remediations,
  ...extra,
});

/** One failing setting per gate, keyed by the gate it fails. */
const FAILING: Record<(typeof GUARDRAIL_ORDER)[number], Partial<GuardrailInput>> = {
  'no-action-needed': { action: 'observe' },
  paused: { paused: { reason: 'maintenance window' } },
  'wrong-eks-cluster': { eksCluster: { configured: 'ml-eks', orchestrator: 'other-eks' } },
  'cluster-updating': { clusterStatus: 'SystemUpdating' },
  'opted-out': { nodeLabels: { 'hyperpod-resilience.io/opt-out': 'true' } },
  'needs-attention': { needsAttention: { reason: 'replacement did not fix it' } },
  duplicate: { duplicateOf: 'inc-0' },
  'lease-held': { leaseHeldBy: 'inc-0' },
  'detector-disagreement': {
    fleetSize: 4,
    burst: {
      faultClass: 'recoverable',
      instanceIds: ['i-0000000000000000a', 'i-0000000000000000b', INSTANCE],
    },
  },
  'breaker-open': { breaker: guardState([], { breaker: { trippedAt: at({ hours: -1 }), reason: 'storm' } }) },
  'max-parallel': { activeRemediations: 2 },
  'observe-mode': { policy: policyWith({ mode: 'observe' }) },
};

describe('Gate: wrong-eks-cluster', () => {
  it.each([
    { case: 'HyperPod names the configured EKS cluster', orchestrator: 'ml-eks', skipped: false },
    { case: 'HyperPod does not report its orchestrator', orchestrator: undefined, skipped: false },
    { case: 'HyperPod names another EKS cluster', orchestrator: 'other-eks', skipped: true },
  ])(
    'skips only when the orchestrator differs from the configuration: $case',
    ({ orchestrator, skipped }) => {
      // Act
      const verdict = evaluateGuardrails(
        passing({
          eksCluster: { configured: 'ml-eks', ...(orchestrator ? { orchestrator } : {}) },
          policy: policyWith({ mode: 'act' }),
        }),
      );

      // Assess
      expect(verdict.outcome === 'skip' && verdict.reason === 'wrong-eks-cluster').toBe(skipped);
      if (skipped) expect(verdict).toMatchObject({ detail: expect.stringContaining('other-eks') });
    },
  );
});

describe('Constant: GUARDRAIL_ORDER', () => {
  it('checks observe mode last so observe mode records the decision that would have run', () => {
    // Assess
    expect(GUARDRAIL_ORDER.at(-1)).toBe('observe-mode');
    expect(GUARDRAIL_ORDER[0]).toBe('no-action-needed');
  });
});

describe('Function: evaluateGuardrails', () => {
  it.each(
    named([
      {
        case: 'proceeds with a request when we own remediation',
        owner: 'hyperpod-resilience',
        acting: false,
        remediation: 'request',
      },
      {
        case: 'requests the recovery through the API when HyperPod owns recovery but has not started one',
        owner: 'hyperpod',
        acting: false,
        remediation: 'request',
      },
      {
        case: 'awaits HyperPod when it owns recovery and its own recovery is already triggered',
        owner: 'hyperpod',
        acting: true,
        remediation: 'await-hyperpod',
      },
      {
        case: 'requests the recovery when we own it even if HyperPod labelled the node',
        owner: 'hyperpod-resilience',
        acting: true,
        remediation: 'request',
      },
    ] as const),
  )('%s', (_case, { owner, acting, remediation }) => {
    // Act
    const verdict = evaluateGuardrails(
      passing({ action: 'replace', remediationOwner: owner, hyperpodAlreadyActing: acting }),
    );

    // Assess
    expect(verdict).toEqual({ outcome: 'proceed', action: 'replace', remediation });
  });

  it.each(GUARDRAIL_ORDER.map((gate, index) => [gate, index] as const))(
    'the first failing gate wins: %s when it and every later gate fail',
    (gate, index) => {
      // Prepare: fail this gate and all gates after it
      const failing: Partial<GuardrailInput> = Object.assign(
        {},
        ...GUARDRAIL_ORDER.slice(index).map((g) => FAILING[g]),
      );

      // Act
      const verdict = evaluateGuardrails(passing(failing));

      // Assess
      expect(verdict).toMatchObject({ outcome: 'skip', reason: gate });
    },
  );

  it.each(GUARDRAIL_ORDER.map((gate) => [gate] as const))(
    'skips with %s when only that gate fails',
    (gate) => {
      // Act
      const verdict = evaluateGuardrails(passing(FAILING[gate]));

      // Assess
      expect(verdict).toMatchObject({ outcome: 'skip', reason: gate });
      expect(verdict.outcome === 'skip' && verdict.detail).toBeTruthy();
    },
  );

  it.each(
    named([
      { case: 'ignore needs no guardrail', action: 'ignore' },
      { case: 'observe needs no guardrail', action: 'observe' },
    ] as const),
  )('%s', (_case, { action }) => {
    // Act
    const verdict = evaluateGuardrails(passing({ action }));

    // Assess
    expect(verdict).toEqual({ outcome: 'skip', reason: 'no-action-needed', detail: `decision is ${action}` });
  });

  it('observe mode records exactly the decision that would have run', () => {
    // Act
    const verdict = evaluateGuardrails(
      passing({
        policy: policyWith(),
        action: 'replace',
        remediationOwner: 'hyperpod',
        hyperpodAlreadyActing: true,
      }),
    );

    // Assess
    expect(verdict).toEqual({
      outcome: 'skip',
      reason: 'observe-mode',
      detail: 'policy mode is observe',
      wouldHave: { action: 'replace', remediation: 'await-hyperpod' },
    });
  });

  it.each(
    named([
      { case: 'Updating pauses remediation', status: 'Updating', pause: true, skipped: true },
      { case: 'SystemUpdating pauses remediation', status: 'SystemUpdating', pause: true, skipped: true },
      {
        case: 'an update does not pause when the policy says so',
        status: 'Updating',
        pause: false,
        skipped: false,
      },
      { case: 'RollingBack is not an update', status: 'RollingBack', pause: true, skipped: false },
    ]),
  )('%s', (_case, { status, pause, skipped }) => {
    // Act
    const verdict = evaluateGuardrails(
      passing({
        clusterStatus: status,
        policy: policyWith({ mode: 'act', pauseDuringClusterUpdates: pause }),
      }),
    );

    // Assess
    expect(verdict.outcome === 'skip' && verdict.reason === 'cluster-updating').toBe(skipped);
  });

  it.each(
    named([
      {
        case: 'an opt-out label set to true opts out',
        labels: { 'hyperpod-resilience.io/opt-out': 'true' },
        out: true,
      },
      {
        case: 'an empty opt-out label opts out',
        labels: { 'hyperpod-resilience.io/opt-out': '' },
        out: true,
      },
      {
        case: 'an opt-out label set to false does not',
        labels: { 'hyperpod-resilience.io/opt-out': ' False ' },
        out: false,
      },
      { case: 'a node without the label does not', labels: { other: 'true' }, out: false },
      {
        case: 'the configured label name is the one read',
        labels: { 'team.example.com/no-touch': 'yes' },
        policy: policyWith({ mode: 'act', optOutLabel: 'team.example.com/no-touch' }),
        out: true,
      },
    ] as { case: string; labels: Record<string, string>; out: boolean; policy?: typeof actPolicy }[]),
  )('%s', (_case, { labels, out, policy }) => {
    // Act
    const verdict = evaluateGuardrails(passing({ nodeLabels: labels, policy: policy ?? actPolicy }));

    // Assess
    expect(verdict.outcome === 'skip' && verdict.reason === 'opted-out').toBe(out);
  });

  it.each(
    named([
      {
        case: 'a duplicate of this very incident is not a duplicate (a retried execution)',
        input: { duplicateOf: 'inc-1' },
      },
      { case: 'a lease held by this very incident is ours', input: { leaseHeldBy: 'inc-1' } },
    ]),
  )('%s', (_case, { input }) => {
    // Act & Assess
    expect(evaluateGuardrails(passing(input)).outcome).toBe('proceed');
  });

  describe('circuit breaker', () => {
    it.each(
      named([
        {
          case: 'the third distinct node in the window is within the default limit of three',
          remediations: [remediated('i-0000000000000000a', 1), remediated('i-0000000000000000b', 2)],
          expected: 'proceed',
        },
        {
          case: 'a fourth distinct node in the window trips the breaker',
          remediations: [
            remediated('i-0000000000000000a', 1),
            remediated('i-0000000000000000b', 2),
            remediated('i-0000000000000000c', 3),
          ],
          expected: 'trip',
        },
        {
          case: 'a flapping node counts once in the breaker window',
          remediations: [
            remediated('i-0000000000000000a', 1, 'inc-a1'),
            remediated('i-0000000000000000a', 3, 'inc-a2'),
            remediated('i-0000000000000000a', 5, 'inc-a3'),
            remediated('i-0000000000000000b', 2),
          ],
          expected: 'proceed',
        },
        {
          case: 'a node already counted in the window does not count twice',
          remediations: [
            remediated('i-0000000000000000a', 1),
            remediated('i-0000000000000000b', 2),
            remediated(INSTANCE, 3, 'inc-earlier'),
          ],
          expected: 'proceed',
        },
        {
          case: 'a remediation exactly 10 minutes old has left the window',
          remediations: [
            remediated('i-0000000000000000a', 1),
            remediated('i-0000000000000000b', 2),
            remediated('i-0000000000000000c', 10),
          ],
          expected: 'proceed',
        },
        {
          case: 'a remediation just under 10 minutes old still counts',
          remediations: [
            remediated('i-0000000000000000a', 1),
            remediated('i-0000000000000000b', 2),
            { ...remediated('i-0000000000000000c', 10), at: at({ minutes: -10, ms: 1 }) },
          ],
          expected: 'trip',
        },
      ]),
    )('%s', (_case, { remediations, expected }) => {
      // Act
      const verdict = evaluateGuardrails(passing({ breaker: guardState(remediations) }));

      // Assess
      if (expected === 'proceed') expect(verdict.outcome).toBe('proceed');
      else
        expect(verdict).toEqual({
          outcome: 'skip',
          reason: 'breaker-open',
          detail: '4 distinct nodes within 10 min exceeds 3',
          wouldHave: { action: 'reboot', remediation: 'request' },
          tripBreaker: true,
        });
    });

    it('a latched breaker stays open after the window has moved on', () => {
      // Prepare
      const breaker = guardState([], { breaker: { trippedAt: at({ days: -2 }), reason: 'storm' } });

      // Act
      const verdict = evaluateGuardrails(passing({ breaker }));

      // Assess
      expect(verdict).toMatchObject({ outcome: 'skip', reason: 'breaker-open' });
      expect(verdict).not.toHaveProperty('tripBreaker');
    });

    it('a breaker of one node per window trips on the second node', () => {
      // Prepare
      const policy = policyWith({ mode: 'act', circuitBreaker: { maxNodesPerWindow: 1 } });

      // Act
      const verdict = evaluateGuardrails(
        passing({ policy, breaker: guardState([remediated(OTHER_INSTANCE, 1)]) }),
      );

      // Assess
      expect(verdict).toMatchObject({ outcome: 'skip', reason: 'breaker-open', tripBreaker: true });
    });
  });

  it.each(
    named([
      { case: 'one in flight leaves room under a limit of two', active: 1, fleet: 100, outcome: 'proceed' },
      { case: 'two in flight reach a limit of two', active: 2, fleet: 100, outcome: 'skip' },
      { case: 'a small fleet still allows one', active: 0, fleet: 3, outcome: 'proceed' },
      { case: 'a small fleet allows only one', active: 1, fleet: 3, outcome: 'skip' },
    ]),
  )('max parallel: %s', (_case, { active, fleet, outcome }) => {
    // Act
    const verdict = evaluateGuardrails(passing({ activeRemediations: active, fleetSize: fleet }));

    // Assess
    expect(verdict.outcome).toBe(outcome);
  });
});

describe('Function: maxParallelLimit', () => {
  it.each(
    named([
      { case: 'the absolute cap wins on a large fleet', fleet: 1000, absolute: 2, percent: 5, limit: 2 },
      { case: 'the percentage wins on a small fleet', fleet: 20, absolute: 10, percent: 5, limit: 1 },
      { case: 'rounds the percentage up', fleet: 21, absolute: 10, percent: 5, limit: 2 },
      { case: 'rounds a fraction of one node up to one', fleet: 10, absolute: 10, percent: 5, limit: 1 },
      {
        case: 'does not round float noise up (7% of 100 is 7)',
        fleet: 100,
        absolute: 50,
        percent: 7,
        limit: 7,
      },
      {
        case: 'does not round float noise up (0.1% of 3000 is 3)',
        fleet: 3000,
        absolute: 50,
        percent: 0.1,
        limit: 3,
      },
      { case: 'clamps to the fleet size', fleet: 3, absolute: 10, percent: 100, limit: 3 },
      { case: 'never goes below one even at 0%', fleet: 100, absolute: 10, percent: 0, limit: 1 },
      { case: 'allows one on an empty fleet', fleet: 0, absolute: 10, percent: 50, limit: 1 },
      { case: 'allows one on a negative fleet size', fleet: -4, absolute: 10, percent: 50, limit: 1 },
    ]),
  )('%s', (_case, { fleet, absolute, percent, limit }) => {
    // Prepare
    const policy = policyWith({ maxParallel: { absolute, percent } });

    // Act & Assess
    expect(maxParallelLimit(fleet, policy)).toBe(limit);
  });
});

describe('Function: distinctNodesInWindow', () => {
  it('lists each node once, in first-seen order, inside the window only', () => {
    // Prepare
    const state = guardState([
      remediated('i-0000000000000000a', 30),
      remediated('i-0000000000000000b', 5),
      remediated('i-0000000000000000c', 4),
      remediated('i-0000000000000000b', 1, 'inc-again'),
    ]);

    // Act & Assess
    expect(distinctNodesInWindow(state, NOW, 10)).toEqual(['i-0000000000000000b', 'i-0000000000000000c']);
    expect(distinctNodesInWindow(state, NOW, 60)).toHaveLength(3);
  });
});

describe('Function: registerRemediation', () => {
  const policy = policyWith();

  it('appends the remediation, trims the window and leaves the version to the ledger', () => {
    // Prepare
    const state = guardState([remediated('i-0000000000000000a', 11), remediated('i-0000000000000000b', 9)]);

    // Act
    const next = registerRemediation(state, { instanceId: INSTANCE, incidentId: 'inc-1', now: NOW }, policy);

    // Assess
    expect(next).toEqual({
      version: 4,
      remediations: [
        remediated('i-0000000000000000b', 9),
        { instanceId: INSTANCE, incidentId: 'inc-1', at: NOW },
      ],
    });
    expect(state.remediations).toHaveLength(2);
  });

  it('registers a retried step once', () => {
    // Prepare
    const once = registerRemediation(
      emptyGuardState(),
      { instanceId: INSTANCE, incidentId: 'inc-1', now: NOW },
      policy,
    );

    // Act
    const twice = registerRemediation(
      once,
      { instanceId: INSTANCE, incidentId: 'inc-1', now: at({ minutes: 1 }) },
      policy,
    );

    // Assess
    expect(twice.remediations).toEqual([{ instanceId: INSTANCE, incidentId: 'inc-1', at: NOW }]);
  });

  it('keeps the breaker and pause as they are', () => {
    // Prepare
    const state = guardState([], {
      breaker: { trippedAt: NOW, reason: 'storm' },
      paused: { reason: 'r', by: 'alice', at: NOW },
    });

    // Act
    const next = registerRemediation(state, { instanceId: INSTANCE, incidentId: 'inc-1', now: NOW }, policy);

    // Assess
    expect(next.breaker).toEqual(state.breaker);
    expect(next.paused).toEqual(state.paused);
  });
});

describe('Function: tripBreaker and resetBreaker', () => {
  it('latches the breaker with its time and reason', () => {
    // Act
    const tripped = tripBreaker(emptyGuardState(), NOW, '4 distinct nodes in 10 min');

    // Assess
    expect(tripped.breaker).toEqual({ trippedAt: NOW, reason: '4 distinct nodes in 10 min' });
    expect(tripped.version).toBe(0);
  });

  it('keeps the first trip when tripped again', () => {
    // Prepare
    const tripped = tripBreaker(emptyGuardState(), NOW, 'first');

    // Act & Assess
    expect(tripBreaker(tripped, at({ minutes: 5 }), 'second').breaker).toEqual({
      trippedAt: NOW,
      reason: 'first',
    });
  });

  it('reset closes the breaker and clears the window so the next node does not re-trip it', () => {
    // Prepare
    const state = guardState([remediated('i-0000000000000000a', 1)], {
      breaker: { trippedAt: NOW, reason: 'storm' },
      paused: { reason: 'r', by: 'alice', at: NOW },
    });

    // Act
    const reset = resetBreaker(state);

    // Assess
    expect(reset).toEqual({ version: 4, remediations: [], paused: state.paused });
    expect(evaluateGuardrails(passing({ breaker: reset })).outcome).toBe('proceed');
  });
});

describe('Function: resolveRemediationOwner', () => {
  it.each(
    named([
      {
        case: 'auto with Automatic node recovery leaves it to HyperPod',
        configured: 'auto',
        rec: 'Automatic',
        owner: 'hyperpod',
      },
      { case: 'auto with None means we act', configured: 'auto', rec: 'None', owner: 'hyperpod-resilience' },
      {
        case: 'auto without NodeRecovery means we act',
        configured: 'auto',
        rec: undefined,
        owner: 'hyperpod-resilience',
      },
      {
        case: 'auto with an unknown value means we act',
        configured: 'auto',
        rec: 'Scheduled',
        owner: 'hyperpod-resilience',
      },
      {
        case: 'auto reads the value case-insensitively',
        configured: 'auto',
        rec: 'automatic',
        owner: 'hyperpod',
      },
      { case: 'an explicit hyperpod owner wins', configured: 'hyperpod', rec: 'None', owner: 'hyperpod' },
      {
        case: 'an explicit hyperpod-resilience owner wins',
        configured: 'hyperpod-resilience',
        rec: 'Automatic',
        owner: 'hyperpod-resilience',
      },
    ] as const),
  )('%s', (_case, { configured, rec, owner }) => {
    // Act & Assess
    expect(resolveRemediationOwner(configured, rec)).toBe(owner);
  });
});

describe('Function: recheckBeforeAction', () => {
  const breaker = emptyGuardState();

  it.each([
    {
      case: 'everything still says act and the lease is ours',
      input: { leaseHolder: 'inc-1' },
      refused: undefined,
    },
    { case: 'the lease expired and nobody took it', input: {}, refused: undefined },
    {
      case: 'observe mode is on now',
      input: { mode: 'observe' as const, leaseHolder: 'inc-1' },
      refused: 'observe-mode',
    },
    {
      case: 'an operator paused the cluster',
      input: { paused: { reason: 'maintenance' } },
      refused: 'paused',
    },
    {
      case: 'the breaker opened',
      input: { breaker: { ...breaker, breaker: { trippedAt: NOW, reason: 'storm' } } },
      refused: 'breaker-open',
    },
    { case: 'another incident holds the lease', input: { leaseHolder: 'inc-2' }, refused: 'lease-held' },
  ])('answers $refused when $case', ({ input, refused }) => {
    // Act
    const verdict = recheckBeforeAction({ mode: 'act', breaker, incidentId: 'inc-1', ...input });

    // Assess
    expect(verdict?.reason).toBe(refused);
    if (refused) expect(verdict?.detail.length).toBeGreaterThan(0);
  });
});
