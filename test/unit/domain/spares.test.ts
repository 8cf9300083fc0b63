import { describe, expect, it } from 'vitest';
import { CLAIM_TOKEN_PATTERN, claimToken, SPARE_TAINT_KEY, spareToleration } from '#domain/spares.ts';

// A taint value and a label value: at most 63 characters, alphanumeric at both ends, `-_.` inside
// (kubernetes.io "Labels and Selectors", "Taints and Tolerations": the value follows label rules).
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('claimToken', () => {
  it('is a valid taint value even for an 80-character incident id', () => {
    const token = claimToken('x'.repeat(80));
    expect(token).toMatch(/^c-[0-9a-f]{16}$/);
    expect(token).toMatch(new RegExp(CLAIM_TOKEN_PATTERN));
    expect(token.length).toBeLessThanOrEqual(63);
    expect(token).toMatch(LABEL_VALUE);
  });

  it('is the same for the same incident and differs between incidents that share a long prefix', () => {
    const prefix = 'sweep-hyperpod-labels-ml-cluster-i-0123456789abcdef0-2026-12-03T18-00-';
    expect(claimToken(`${prefix}00Z`)).toBe(claimToken(`${prefix}00Z`));
    expect(claimToken(`${prefix}00Z`)).not.toBe(claimToken(`${prefix}01Z`));
  });
});

describe('spareToleration', () => {
  it('tolerates exactly the spare taint with the claim token as value', () => {
    expect(spareToleration('c-0123456789abcdef')).toEqual({
      key: SPARE_TAINT_KEY,
      operator: 'Equal',
      value: 'c-0123456789abcdef',
      effect: 'NoSchedule',
    });
  });
});
