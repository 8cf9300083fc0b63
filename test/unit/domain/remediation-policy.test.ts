import { describe, expect, it } from 'vitest';
import type { NodeHistory } from '#adapters/ports.ts';
import { classifyFault } from '#domain/fault-classification.ts';
import {
  decideRemediation,
  faultCountInWindow,
  rebootCountInWindow,
  recordFault,
  recordRemediation,
} from '#domain/remediation-policy.ts';
import type { Fault } from '#domain/types.ts';
import { aFault, at, emptyHistory, INSTANCE, NOW, named, policyWith } from './fixtures.ts';

const fault = (faultClass: string, entryAt: string, incidentId: string): NodeHistory['faults'][number] => ({
  at: entryAt,
  faultClass,
  code: 'xid-94',
  incidentId,
});

const history = (overrides: Partial<NodeHistory> = {}): NodeHistory => ({ ...emptyHistory(), ...overrides });

describe('Function: decideRemediation', () => {
  const policy = policyWith();

  it.each(
    named([
      {
        case: 'a healthy node is ignored',
        fault: aFault({ class: 'healthy', recommendedAction: 'ignore' }),
        expected: { action: 'ignore', reason: 'node-healthy' },
      },
      {
        case: 'a contextual fault is ignored even with reboots exhausted',
        fault: aFault({ class: 'contextual', recommendedAction: 'ignore' }),
        hist: history({ reboots: [{ at: at({ hours: -1 }), incidentId: 'old' }] }),
        expected: { action: 'ignore', reason: 'contextual-fault' },
      },
      {
        case: 'an informational fault is observed',
        fault: aFault({ class: 'informational', recommendedAction: 'observe' }),
        expected: { action: 'observe', reason: 'informational-fault' },
      },
      {
        case: 'an unknown fault whose evidence only asks to observe is observed',
        fault: aFault({ class: 'unknown', recommendedAction: 'observe' }),
        expected: { action: 'observe', reason: 'observe-recommended' },
      },
      {
        case: 'an unknown fault whose evidence asks to ignore is ignored',
        fault: aFault({ class: 'unknown', recommendedAction: 'ignore' }),
        expected: { action: 'ignore', reason: 'ignore-recommended' },
      },
      {
        case: 'a fatal fault replaces at once',
        fault: aFault({ class: 'fatal', recommendedAction: 'replace' }),
        expected: { action: 'replace', reason: 'fatal-fault' },
      },
      {
        case: 'a manual replace request replaces',
        fault: aFault({ class: 'unknown', code: 'manual', recommendedAction: 'replace' }),
        expected: { action: 'replace', reason: 'replace-recommended' },
      },
      {
        case: 'a first recoverable fault reboots',
        fault: aFault(),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'a first unknown fault reboots',
        fault: aFault({ class: 'unknown', code: 'alarm' }),
        expected: { action: 'reboot', reason: 'unknown-fault' },
      },
      {
        case: 'a second fault within 7 days replaces instead of rebooting',
        fault: aFault(),
        hist: history({ faults: [fault('recoverable', at({ days: -3 }), 'inc-0')] }),
        expected: { action: 'replace', reason: 'repeat-offender', escalatedFrom: 'reboot' },
      },
      {
        case: 'a fault 7 days old has left the repeat-offender window',
        fault: aFault(),
        hist: history({ faults: [fault('recoverable', at({ days: -7 }), 'inc-0')] }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'a fault a millisecond inside 7 days still counts',
        fault: aFault(),
        hist: history({ faults: [fault('unknown', at({ days: -7, ms: 1 }), 'inc-0')] }),
        expected: { action: 'replace', reason: 'repeat-offender', escalatedFrom: 'reboot' },
      },
      {
        case: 'an earlier fatal fault counts toward the repeat-offender rule',
        fault: aFault(),
        hist: history({ faults: [fault('fatal', at({ days: -1 }), 'inc-0')] }),
        expected: { action: 'replace', reason: 'repeat-offender', escalatedFrom: 'reboot' },
      },
      {
        case: 'earlier contextual and informational faults do not make a repeat offender',
        fault: aFault(),
        hist: history({
          faults: [
            fault('contextual', at({ days: -1 }), 'inc-a'),
            fault('informational', at({ days: -1 }), 'inc-b'),
            fault('healthy', at({ days: -1 }), 'inc-c'),
          ],
        }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'this incident already recorded in the history is not counted twice',
        fault: aFault(),
        incidentId: 'inc-now',
        hist: history({
          faults: [fault('recoverable', NOW, 'inc-now'), fault('recoverable', NOW, 'inc-now')],
        }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'one earlier incident with several entries counts once',
        fault: aFault(),
        policy: policyWith({ repeatOffender: { faults: 3 } }),
        hist: history({
          faults: [
            fault('recoverable', at({ days: -2 }), 'inc-0'),
            fault('unknown', at({ days: -2 }), 'inc-0'),
          ],
        }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'a third fault trips a threshold of three',
        fault: aFault(),
        policy: policyWith({ repeatOffender: { faults: 3 } }),
        hist: history({
          faults: [
            fault('recoverable', at({ days: -2 }), 'inc-0'),
            fault('unknown', at({ days: -1 }), 'inc-1'),
          ],
        }),
        expected: { action: 'replace', reason: 'repeat-offender', escalatedFrom: 'reboot' },
      },
      {
        case: 'a reboot within 24 hours reaches the default limit of one',
        fault: aFault(),
        policy: policyWith({ repeatOffender: { faults: 5 } }),
        hist: history({ reboots: [{ at: at({ hours: -23 }), incidentId: 'inc-0' }] }),
        expected: { action: 'replace', reason: 'reboot-limit-reached', escalatedFrom: 'reboot' },
      },
      {
        case: 'a reboot exactly 24 hours ago has left the reboot window',
        fault: aFault(),
        policy: policyWith({ repeatOffender: { faults: 5 } }),
        hist: history({ reboots: [{ at: at({ hours: -24 }), incidentId: 'inc-0' }] }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'retried reboots of one incident count once',
        fault: aFault(),
        policy: policyWith({ repeatOffender: { faults: 5 }, perNode: { maxReboots: 2 } }),
        hist: history({
          reboots: [
            { at: at({ hours: -2 }), incidentId: 'inc-0' },
            { at: at({ hours: -1 }), incidentId: 'inc-0' },
          ],
        }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
      {
        case: 'a limit of zero reboots always replaces',
        fault: aFault(),
        policy: policyWith({ perNode: { maxReboots: 0 } }),
        expected: { action: 'replace', reason: 'reboot-limit-reached', escalatedFrom: 'reboot' },
      },
      {
        case: 'a reboot that did not fix the node replaces',
        fault: aFault(),
        previousAttempt: 'reboot',
        expected: { action: 'replace', reason: 'reboot-did-not-fix', escalatedFrom: 'reboot' },
      },
      {
        case: 'a replacement that did not fix the node stays replace and asks for people',
        fault: aFault({ class: 'fatal', recommendedAction: 'replace' }),
        previousAttempt: 'replace',
        expected: { action: 'replace', reason: 'replace-did-not-fix' },
      },
      {
        case: 'a failed attempt never turns an application fault into an action',
        fault: aFault({ class: 'contextual', recommendedAction: 'ignore' }),
        previousAttempt: 'reboot',
        expected: { action: 'ignore', reason: 'contextual-fault' },
      },
      {
        case: 'an unparseable history time never counts',
        fault: aFault(),
        hist: history({
          faults: [fault('fatal', 'yesterday', 'inc-0')],
          reboots: [{ at: 'soon', incidentId: 'x' }],
        }),
        expected: { action: 'reboot', reason: 'recoverable-fault' },
      },
    ] as {
      case: string;
      fault: Fault;
      hist?: NodeHistory;
      policy?: typeof policy;
      incidentId?: string;
      previousAttempt?: 'reboot' | 'replace';
      expected: object;
    }[]),
  )('%s', (_case, row) => {
    // Act
    const decision = decideRemediation({
      fault: row.fault,
      history: row.hist ?? emptyHistory(),
      policy: row.policy ?? policy,
      now: NOW,
      ...(row.previousAttempt ? { previousAttempt: row.previousAttempt } : {}),
      ...(row.incidentId ? { incidentId: row.incidentId } : {}),
    });

    // Assess
    expect(decision).toEqual(row.expected);
  });

  it('follows the reboot, verify, replace ladder for a failed deep health check without a pending label', () => {
    // Prepare: HyperPod's node-labels page says Failed "requires a reboot or replacement" and
    // leaves the choice to node-health-status; with no pending label the ladder decides.
    const fault = classifyFault({
      kind: 'node-labels',
      eventId: 'evt-1',
      time: NOW,
      clusterName: 'c1',
      instanceId: INSTANCE,
      nodeName: 'hyperpod-i-0123456789abcdef0',
      labels: { 'sagemaker.amazonaws.com/deep-health-check-status': 'Failed' },
      annotations: {},
      conditions: [],
    });

    // Act
    const first = decideRemediation({ fault, history: emptyHistory(), policy, now: NOW });
    const afterFailedVerify = decideRemediation({
      fault,
      history: emptyHistory(),
      policy,
      now: NOW,
      previousAttempt: 'reboot',
    });

    // Assess
    expect(first).toEqual({ action: 'reboot', reason: 'unknown-fault' });
    expect(afterFailedVerify).toEqual({
      action: 'replace',
      reason: 'reboot-did-not-fix',
      escalatedFrom: 'reboot',
    });
  });
});

describe('Function: faultCountInWindow', () => {
  it('counts the current fault even with an empty history', () => {
    // Act & Assess
    expect(faultCountInWindow(emptyHistory(), policyWith(), NOW)).toBe(1);
  });

  it('counts a fault dated after now (clock skew) so a skewed writer cannot bypass the rule', () => {
    // Prepare
    const hist = history({ faults: [fault('recoverable', at({ minutes: 5 }), 'inc-0')] });

    // Act & Assess
    expect(faultCountInWindow(hist, policyWith(), NOW)).toBe(2);
  });
});

describe('Function: rebootCountInWindow', () => {
  it('follows a longer configured window', () => {
    // Prepare
    const hist = history({ reboots: [{ at: at({ hours: -30 }), incidentId: 'inc-0' }] });

    // Act & Assess
    expect(rebootCountInWindow(hist, policyWith({ perNode: { rebootWindowHours: 48 } }), NOW)).toBe(1);
    expect(rebootCountInWindow(hist, policyWith(), NOW)).toBe(0);
  });
});

describe('Function: recordFault', () => {
  const policy = policyWith();

  it('appends the fault and keeps the rest of the history', () => {
    // Prepare
    const hist = history({ needsAttention: { at: NOW, incidentId: 'inc-x', reason: 'verify failed' } });
    const entry = fault('recoverable', NOW, 'inc-1');

    // Act
    const next = recordFault(hist, entry, NOW, policy);

    // Assess
    expect(next).toEqual({ ...hist, faults: [entry] });
    expect(hist.faults).toEqual([]);
  });

  it('is a no-op when the same incident records the same fault again (a retried step)', () => {
    // Prepare
    const entry = fault('recoverable', NOW, 'inc-1');
    const hist = history({ faults: [entry] });

    // Act & Assess
    expect(recordFault(hist, { ...entry, at: at({ minutes: 1 }) }, NOW, policy).faults).toEqual([entry]);
  });

  it('keeps a different fault of the same incident', () => {
    // Prepare
    const first = fault('recoverable', NOW, 'inc-1');
    const second = { ...first, code: 'xid-79', faultClass: 'fatal' };

    // Act & Assess
    expect(recordFault(history({ faults: [first] }), second, NOW, policy).faults).toEqual([first, second]);
  });

  it.each(
    named([
      { case: 'drops a fault just older than the 7-day window', age: { days: -7 }, kept: false },
      { case: 'keeps a fault just inside the 7-day window', age: { days: -7, ms: 1 }, kept: true },
      {
        case: 'keeps an old fault when the reboot window is the longest',
        age: { days: -8 },
        kept: true,
        policy: policyWith({ perNode: { rebootWindowHours: 24 * 9 } }),
      },
    ] as { case: string; age: Parameters<typeof at>[0]; kept: boolean; policy?: typeof policy }[]),
  )('%s', (_case, { age, kept, policy: rowPolicy }) => {
    // Prepare
    const old = fault('recoverable', at(age), 'inc-0');
    const hist = history({
      faults: [old],
      reboots: [{ at: at(age), incidentId: 'inc-0' }],
      replacements: [{ at: at(age), incidentId: 'inc-0' }],
    });

    // Act
    const next = recordFault(hist, fault('recoverable', NOW, 'inc-1'), NOW, rowPolicy ?? policy);

    // Assess
    expect(next.faults.includes(old)).toBe(kept);
    expect(next.reboots).toHaveLength(kept ? 1 : 0);
    expect(next.replacements).toHaveLength(kept ? 1 : 0);
  });
});

describe('Function: recordRemediation', () => {
  const policy = policyWith();

  it.each(
    named([
      { case: 'records a reboot', kind: 'reboot', key: 'reboots' },
      { case: 'records a replacement', kind: 'replace', key: 'replacements' },
    ] as const),
  )('%s', (_case, { kind, key }) => {
    // Act
    const next = recordRemediation(emptyHistory(), kind, 'inc-1', NOW, policy);

    // Assess
    expect(next[key]).toEqual([{ at: NOW, incidentId: 'inc-1' }]);
  });

  it('records one reboot per incident however often the step is retried', () => {
    // Prepare
    const once = recordRemediation(emptyHistory(), 'reboot', 'inc-1', NOW, policy);

    // Act
    const twice = recordRemediation(once, 'reboot', 'inc-1', at({ minutes: 2 }), policy);

    // Assess
    expect(twice.reboots).toEqual([{ at: NOW, incidentId: 'inc-1' }]);
  });

  it('trims entries that no window can see any more', () => {
    // Prepare
    const hist = history({ reboots: [{ at: at({ days: -30 }), incidentId: 'inc-0' }] });

    // Act & Assess
    expect(recordRemediation(hist, 'reboot', 'inc-1', NOW, policy).reboots).toEqual([
      { at: NOW, incidentId: 'inc-1' },
    ]);
  });
});
