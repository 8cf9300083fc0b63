import { describe, expect, it } from 'vitest';
import { classifyXid, UNKNOWN_XID_VERDICT, XID_RULES } from '#domain/xid-table.ts';
import { named } from './fixtures.ts';

describe('Function: classifyXid', () => {
  it.each(
    named([
      { xid: 79, cls: 'fatal', action: 'replace', case: 'Xid 79: GPU fallen off the bus replaces' },
      { xid: 48, cls: 'fatal', action: 'replace', case: 'Xid 48: double-bit ECC replaces' },
      { xid: 95, cls: 'fatal', action: 'replace', case: 'Xid 95: uncontained ECC replaces' },
      { xid: 64, cls: 'fatal', action: 'replace', case: 'Xid 64: failed row-remap recording replaces' },
      { xid: 119, cls: 'fatal', action: 'replace', case: 'Xid 119: GSP RPC timeout replaces' },
      { xid: 120, cls: 'fatal', action: 'replace', case: 'Xid 120: GSP error replaces' },
      {
        xid: 74,
        cls: 'fatal',
        action: 'replace',
        case: 'Xid 74: NVLink error replaces (HyperPod marks it pending replacement)',
      },
      {
        xid: 63,
        cls: 'recoverable',
        action: 'reboot',
        case: 'Xid 63: recorded row-remap reboots so the remap applies',
      },
      { xid: 94, cls: 'recoverable', action: 'reboot', case: 'Xid 94: contained ECC reboots' },
      { xid: 62, cls: 'recoverable', action: 'reboot', case: 'Xid 62: micro-controller halt reboots' },
      { xid: 73, cls: 'recoverable', action: 'reboot', case: 'Xid 73: workshop NVLink line reboots' },
      {
        xid: 71,
        cls: 'recoverable',
        action: 'reboot',
        case: 'Xid 71: HMA documentation NVLink line reboots',
      },
      ...[46, 54, 109, 110, 136, 140, 142, 143, 151, 155, 156, 158].map((xid) => ({
        xid,
        cls: 'recoverable',
        action: 'reboot',
        case: `Xid ${xid} (node monitoring agent set) reboots until proven otherwise`,
      })),
      {
        xid: 13,
        cls: 'contextual',
        action: 'ignore',
        case: 'Xid 13: graphics engine exception is the application',
      },
      {
        xid: 31,
        cls: 'contextual',
        action: 'ignore',
        case: 'Xid 31: GPU memory page fault is the application',
      },
      {
        xid: 43,
        cls: 'contextual',
        action: 'ignore',
        case: 'Xid 43: GPU stopped processing is the application',
      },
      {
        xid: 45,
        cls: 'contextual',
        action: 'ignore',
        case: 'Xid 45: preemptive cleanup is a consequence, not a cause',
      },
      {
        xid: 92,
        cls: 'informational',
        action: 'observe',
        case: 'Xid 92: high single-bit ECC rate is trended',
      },
      {
        xid: 999,
        cls: 'informational',
        action: 'observe',
        case: 'Xid 999: an unlisted code is observed, never acted on',
      },
      { xid: 0, cls: 'informational', action: 'observe', case: 'Xid 0: code zero is unlisted' },
    ]),
  )('%s', (_case, { xid, cls, action }) => {
    // Act
    const verdict = classifyXid(xid);

    // Assess
    expect(verdict.class).toBe(cls);
    expect(verdict.action).toBe(action);
    expect(verdict.reason).not.toBe('');
  });

  it('lists every code in at most one row', () => {
    // Prepare
    const codes = XID_RULES.flatMap((rule) => rule.codes);

    // Assess
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('gives every row an action that matches its class', () => {
    // Prepare
    const expected = {
      fatal: 'replace',
      recoverable: 'reboot',
      contextual: 'ignore',
      informational: 'observe',
    };

    // Assess
    for (const rule of XID_RULES) expect(rule.action).toBe(expected[rule.class]);
  });

  it('returns a copy of the unknown verdict so callers cannot change the default', () => {
    // Act
    const verdict = classifyXid(12345);
    verdict.action = 'replace';

    // Assess
    expect(UNKNOWN_XID_VERDICT.action).toBe('observe');
  });
});
