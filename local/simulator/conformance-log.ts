/**
 * Conformance violations not yet acknowledged, from every simulator of this process. The test
 * setup (test/setup-env.ts) drains it after each test and fails the test when it is not empty, so
 * a violation fails the test even when the code under test swallowed the simulator's error answer.
 * A test that provokes violations on purpose acknowledges them with `sim.takeConformanceViolations()`.
 */

interface ConformanceViolation {
  /** `sagemaker`, `eks`, `sns` or `sts`. */
  service: string;
  operation: string;
  /** What was checked: what the simulator received, answered, or answered as an error. */
  direction: 'request' | 'response' | 'error';
  path: string;
  message: string;
}

const pending = new Set<ConformanceViolation>();

const reportViolation = (violation: ConformanceViolation): void => {
  pending.add(violation);
};

const acknowledgeViolations = (violations: Iterable<ConformanceViolation>): void => {
  for (const v of violations) pending.delete(v);
};

/** Returns and forgets every violation not yet acknowledged. */
const drainUnacknowledgedViolations = (): ConformanceViolation[] => {
  const all = [...pending];
  pending.clear();
  return all;
};

const describeViolation = (v: ConformanceViolation): string =>
  `${v.service}:${v.operation} ${v.direction} ${v.path}: ${v.message}`;

export {
  acknowledgeViolations,
  type ConformanceViolation,
  describeViolation,
  drainUnacknowledgedViolations,
  reportViolation,
};
