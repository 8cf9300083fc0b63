import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  EVENT_INCIDENT_ANNOTATION,
  type EventInput,
  EventReasons,
  eventName,
  NOTE_LIMIT_BYTES,
  nodeRef,
  REPORTING_CONTROLLER,
  skipEventType,
  toMicroTime,
  truncateUtf8,
  workloadRef,
} from '#domain/kube-events.ts';
import { named } from './fixtures.ts';

const NODE = { metadata: { name: 'hyperpod-i-0123456789abcdef0', uid: 'node-uid-1' } };
const JOB = {
  kind: 'PyTorchJob' as const,
  apiVersion: 'kubeflow.org/v1',
  namespace: 'training',
  name: 'llama',
  uid: 'job-uid-1',
};

const input = (overrides: Partial<EventInput> = {}): EventInput => ({
  reason: EventReasons.NodeQuarantined,
  type: 'Warning',
  regarding: nodeRef(NODE),
  incidentId: 'hpr-incident-1',
  message: 'cordoned and tainted hyperpod-resilience.io/quarantine (NvidiaErrorTerminate)',
  at: '2026-11-29T10:00:01.234Z',
  instance: 'QuarantineNode',
  ...overrides,
});

describe('Function: buildEvent', () => {
  it('builds an events.k8s.io/v1 Event with every field the API server requires for a new Event', () => {
    // Act
    const event = buildEvent(input());

    // Assess
    expect(event).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: expect.stringMatching(/^hyperpod-i-0123456789abcdef0\.[0-9a-f]{16}$/),
        namespace: 'default',
        annotations: { [EVENT_INCIDENT_ANNOTATION]: 'hpr-incident-1' },
      },
      eventTime: '2026-11-29T10:00:01.234000Z',
      type: 'Warning',
      reason: 'NodeQuarantined',
      action: 'Quarantine',
      note: 'Incident hpr-incident-1: cordoned and tainted hyperpod-resilience.io/quarantine (NvidiaErrorTerminate)',
      regarding: { apiVersion: 'v1', kind: 'Node', name: 'hyperpod-i-0123456789abcdef0', uid: 'node-uid-1' },
      reportingController: 'hyperpod-resilience.io/node-recovery',
      reportingInstance: 'QuarantineNode',
    });
  });

  it.each(
    named([
      { case: 'an Event about a Node lives in default', regarding: nodeRef(NODE), namespace: 'default' },
      {
        case: 'an Event about a job lives in the job namespace',
        regarding: workloadRef(JOB),
        namespace: 'training',
      },
    ]),
  )('%s', (_name, { regarding, namespace }) => {
    // Act
    const event = buildEvent(input({ regarding }));

    // Assess
    expect(event.metadata.namespace).toBe(namespace);
    expect(event.regarding.uid).toBe(regarding.uid);
  });

  it('cuts a long note to the 1 KiB the API server allows, counted in UTF-8 bytes, without splitting a character', () => {
    // Act
    const event = buildEvent(input({ message: 'é'.repeat(2000) }));

    // Assess
    const bytes = new TextEncoder().encode(event.note).length;
    expect(bytes).toBeLessThanOrEqual(NOTE_LIMIT_BYTES);
    expect(bytes).toBeGreaterThan(NOTE_LIMIT_BYTES - 4);
    expect(event.note.startsWith('Incident hpr-incident-1: éé')).toBe(true);
    expect(event.note.endsWith('é...')).toBe(true);
  });

  it('names every reason in UpperCamelCase and gives each a machine-readable action', () => {
    // Assess
    for (const reason of Object.values(EventReasons)) {
      const event = buildEvent(input({ reason }));
      expect(reason).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(event.action).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(event.reason.length).toBeLessThanOrEqual(128);
    }
  });

  it('uses a reportingController that is a Kubernetes qualified name (prefix / name of at most 63)', () => {
    // Assess: k8s.io/apimachinery validation.IsQualifiedName
    const [prefix, name] = REPORTING_CONTROLLER.split('/');
    expect(prefix).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    expect(name).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });
});

describe('Function: eventName', () => {
  it.each(
    named([
      { case: 'a retry of the same incident, reason and object gets the same name', other: {}, same: true },
      { case: 'another incident gets another name', other: { incidentId: 'hpr-incident-2' }, same: false },
      { case: 'another reason gets another name', other: { reason: EventReasons.NodeRestored }, same: false },
      { case: 'another object gets another name', other: { regarding: workloadRef(JOB) }, same: false },
    ]),
  )('%s', (_name, { other, same }) => {
    // Prepare
    const a = input();
    const b = input(other);

    // Act
    const first = eventName(a.reason, a.regarding, a.incidentId);
    const second = eventName(b.reason, b.regarding, b.incidentId);

    // Assess
    expect(first === second).toBe(same);
  });

  it('names an object whose name has no alphanumeric prefix "object", and leaves out an unknown uid', () => {
    // Prepare
    const { uid: _unknown, ...withoutUid } = JOB;

    // Act
    const name = eventName(EventReasons.WorkloadSuspended, { ...workloadRef(JOB), name: '---' }, 'inc');
    const ref = workloadRef(withoutUid);

    // Assess
    expect(name).toMatch(/^object\.[0-9a-f]{16}$/);
    expect(ref).not.toHaveProperty('uid');
  });

  it('keeps a long object name within the 253 characters of a DNS subdomain and ends each part alphanumerically', () => {
    // Prepare
    const long = `${'a'.repeat(235)}-${'b'.repeat(17)}`;

    // Act
    const name = eventName(EventReasons.WorkloadSuspended, { ...workloadRef(JOB), name: long }, 'inc');

    // Assess
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });
});

describe('Function: toMicroTime', () => {
  it.each(
    named([
      {
        case: 'milliseconds become six fractional digits',
        iso: '2026-11-29T10:00:01.234Z',
        expected: '2026-11-29T10:00:01.234000Z',
      },
      {
        case: 'whole seconds get six zero digits',
        iso: '2026-11-29T10:00:01Z',
        expected: '2026-11-29T10:00:01.000000Z',
      },
      {
        case: 'an offset is turned into UTC',
        iso: '2026-11-29T12:00:01.5+02:00',
        expected: '2026-11-29T10:00:01.500000Z',
      },
    ]),
  )('%s', (_name, { iso, expected }) => {
    // Assess: metav1.RFC3339Micro is "2006-01-02T15:04:05.000000Z07:00" (exactly six digits).
    expect(toMicroTime(iso)).toBe(expected);
  });

  it('rejects text that is not a time', () => {
    // Assess
    expect(() => toMicroTime('yesterday')).toThrow(RangeError);
  });
});

describe('Function: truncateUtf8', () => {
  it.each(
    named([
      {
        case: 'short text stays as it is',
        text: 'quarantine lifted',
        limit: 64,
        expected: 'quarantine lifted',
      },
      { case: 'text at the limit stays as it is', text: 'abcd', limit: 4, expected: 'abcd' },
      {
        case: 'long ASCII text ends in an ellipsis within the limit',
        text: 'abcdefgh',
        limit: 6,
        expected: 'abc...',
      },
      {
        case: 'a multi-byte character is never split',
        text: '日本語テキスト',
        limit: 10,
        expected: '日本...',
      },
    ]),
  )('%s', (_name, { text, limit, expected }) => {
    // Assess
    expect(truncateUtf8(text, limit)).toBe(expected);
  });
});

describe('Function: skipEventType', () => {
  it.each(
    named([
      {
        case: 'observe mode is Normal (we hold back on purpose)',
        reason: 'observe-mode',
        expected: 'Normal',
      },
      { case: 'a pause is Normal', reason: 'paused', expected: 'Normal' },
      { case: 'an opted-out node is Normal', reason: 'opted-out', expected: 'Normal' },
      {
        case: 'an open breaker is a Warning (a fault stays unremediated)',
        reason: 'breaker-open',
        expected: 'Warning',
      },
      { case: 'the parallel limit is a Warning', reason: 'max-parallel', expected: 'Warning' },
      { case: 'the reboot limit is a Warning', reason: 'reboot-limit', expected: 'Warning' },
      { case: 'a node that needs a person is a Warning', reason: 'needs-attention', expected: 'Warning' },
      {
        case: 'a duplicate delivery writes none (its first incident explains the node)',
        reason: 'duplicate',
        expected: undefined,
      },
      { case: 'a node another incident holds writes none', reason: 'lease-held', expected: undefined },
      { case: 'a healthy report writes none (no node)', reason: 'not-a-fault', expected: undefined },
      { case: 'an unknown reason writes none', reason: 'something-new', expected: undefined },
      { case: 'no reason writes none', reason: undefined, expected: undefined },
    ]),
  )('%s', (_name, { reason, expected }) => {
    // Assess
    expect(skipEventType(reason)).toBe(expected);
  });
});
