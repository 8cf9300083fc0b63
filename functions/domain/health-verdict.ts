/**
 * Quick health-check verdicts. The check container writes ONE compact JSON document as its
 * termination message (`/dev/termination-log`); our Lambda reads it from the pod status (never
 * from logs) and judges it here. Everything that is not a well-formed, complete, passing verdict
 * is a failure with a reason a person can act on — never a pass:
 *
 * - no message, a message over Kubernetes' 4096-byte limit, text that is not JSON, JSON that does
 *   not match {@link verdictSchema};
 * - a check the configuration lists that did not report;
 * - a check that says it failed, or whose metrics contradict our own expectations for the
 *   instance type (GPU count, EFA devices, NCCL bus bandwidth) even if it says it passed;
 * - a non-zero exit code next to a verdict that says everything passed (inconsistent).
 *
 * Verdict shape (also written by the script of health-check-job.ts):
 * `{"v":1,"checks":[{"name":"gpu-count","pass":true,"metrics":{"count":8}}, …]}`
 */
import * as z from 'zod';

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const MAX_VERDICT_BYTES = 4096;
/** Longest reason we produce: enough for a person, small inside a state-machine payload. */
const MAX_REASON_LENGTH = 1000;

const metricValue = z.union([z.number(), z.string().max(256), z.boolean()]);

export const verdictSchema = z.object({
  v: z.literal(1).optional(),
  checks: z
    .array(
      z.object({
        name: z.string().min(1).max(64),
        pass: z.boolean(),
        metrics: z.record(z.string().max(64), metricValue).optional(),
        detail: z.string().max(512).optional(),
      }),
    )
    .min(1)
    .max(20),
});
export type Verdict = z.infer<typeof verdictSchema>;

/** What the configuration and the instance type say a healthy node shows. */
export interface CheckExpectations {
  /** Check names the configuration lists: every one must report. */
  checks: readonly string[];
  gpus?: number;
  efaDevices?: number;
  ncclBusBandwidthGBps?: number;
  neuronDevices?: number;
  neuronCores?: number;
  nccomBusBandwidthGBps?: number;
}

export interface CheckResult {
  name: string;
  pass: boolean;
  metrics?: Record<string, number | string | boolean>;
  /** Why it failed, when it did. */
  reason?: string;
}

export interface VerdictAssessment {
  status: 'passed' | 'failed';
  reason: string;
  checks: CheckResult[];
}

/** Known checks whose metrics we judge ourselves as well: metric, expectation, comparison. */
const JUDGED_METRICS: Record<string, { metric: string; expected: keyof CheckExpectations; op: 'eq' | 'ge' }> =
  {
    'gpu-count': { metric: 'count', expected: 'gpus', op: 'eq' },
    efa: { metric: 'devices', expected: 'efaDevices', op: 'ge' },
    'nccl-all-reduce': { metric: 'busBandwidthGBps', expected: 'ncclBusBandwidthGBps', op: 'ge' },
    'neuron-device-count': { metric: 'count', expected: 'neuronDevices', op: 'eq' },
    'nccom-all-reduce': { metric: 'busBandwidthGBps', expected: 'nccomBusBandwidthGBps', op: 'ge' },
  };

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Our own reading of a check's metrics, if we judge this check and it reported the metric. */
const contradiction = (
  check: Verdict['checks'][number],
  expectations: CheckExpectations,
): string | undefined => {
  const rule = JUDGED_METRICS[check.name];
  if (!rule) return undefined;
  const expected = expectations[rule.expected];
  const value = check.metrics?.[rule.metric];
  if (typeof expected !== 'number' || typeof value !== 'number') return undefined;
  const ok = rule.op === 'eq' ? value === expected : value >= expected;
  if (ok) return undefined;
  return `${rule.metric} ${value} ${rule.op === 'eq' ? '≠' : '<'} ${expected} expected`;
};

const failed = (reason: string, checks: CheckResult[] = []): VerdictAssessment => ({
  status: 'failed',
  reason: clip(reason, MAX_REASON_LENGTH),
  checks,
});

/**
 * Judges the termination message of a quick-check container.
 *
 * @example
 * assessVerdict('{"v":1,"checks":[{"name":"gpu-count","pass":true,"metrics":{"count":8}}]}',
 *   { checks: ['gpu-count'], gpus: 8 }, { exitCode: 0 });
 * // → { status: 'passed', reason: 'all 1 checks passed: gpu-count', checks: [...] }
 * assessVerdict('oops', { checks: ['gpu-count'] }, { exitCode: 1 }).reason;
 * // → 'the verdict is not JSON: "oops"'
 */
export const assessVerdict = (
  message: string | undefined,
  expectations: CheckExpectations,
  container: { exitCode?: number } = {},
): VerdictAssessment => {
  if (message === undefined || message.trim() === '') {
    return failed(
      `the check wrote no verdict (empty termination message, exit code ${container.exitCode ?? 'unknown'})`,
    );
  }
  const bytes = new TextEncoder().encode(message).length;
  if (bytes > MAX_VERDICT_BYTES) {
    return failed(`the verdict is ${bytes} bytes, more than the ${MAX_VERDICT_BYTES} Kubernetes keeps`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return failed(`the verdict is not JSON: ${JSON.stringify(clip(message.trim(), 120))}`);
  }
  const result = verdictSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return failed(`the verdict does not match the schema: ${issues.slice(0, 3).join('; ')}`);
  }

  const checks: CheckResult[] = result.data.checks.map((check) => {
    const against = contradiction(check, expectations);
    const reason = !check.pass
      ? `${check.name} failed${check.detail ? `: ${check.detail}` : ''}${against ? ` (${against})` : ''}`
      : against
        ? `${check.name} reported a pass but ${against}`
        : undefined;
    return {
      name: check.name,
      pass: check.pass && against === undefined,
      ...(check.metrics ? { metrics: check.metrics } : {}),
      ...(reason ? { reason } : {}),
    };
  });
  const reported = new Set(checks.map((c) => c.name));
  const missing = expectations.checks.filter((name) => !reported.has(name));
  const problems = [
    ...checks.filter((c) => !c.pass).map((c) => c.reason as string),
    ...missing.map((name) => `${name} did not report`),
  ];
  if (problems.length > 0) return failed(problems.join('; '), checks);
  if (container.exitCode !== undefined && container.exitCode !== 0) {
    return failed(`exit code ${container.exitCode} next to a verdict where every check passed`, checks);
  }
  return {
    status: 'passed',
    reason: clip(
      `all ${checks.length} checks passed: ${checks.map((c) => c.name).join(', ')}`,
      MAX_REASON_LENGTH,
    ),
    checks,
  };
};
