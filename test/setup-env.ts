// Lambda-like environment for every test: dummy credentials, no IMDS, quiet SDK warnings.
// Nothing here can reach AWS: endpoints of real services are never configured in tests.
process.env.AWS_REGION ??= 'us-west-2';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDLOCALTEST000000';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local-test-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

// AWS model conformance: every simulator checks what it receives and answers against AWS's
// published models (local/simulator/conformance.ts). A violation fails the test that caused it,
// even when the code under test swallowed the simulator's error answer.
import { afterEach } from 'vitest';
import { drainPolicyViolations } from '#local/iam-guard.ts';
import { describeViolation, drainUnacknowledgedViolations } from '#local/simulator/conformance-log.ts';

afterEach(() => {
  // The derived-policy guard (local/iam-guard.ts): a task called something its Lambda's derived
  // IAM policy does not allow. Fails the test even when the state machine caught the error.
  const outside = drainPolicyViolations();
  if (outside.length > 0) {
    throw new Error(`calls outside the derived IAM policy (deploy/task-iam.ts):\n${outside.join('\n')}`);
  }
  const violations = drainUnacknowledgedViolations();
  if (violations.length > 0) {
    throw new Error(
      `AWS model conformance violations (test/fixtures/aws-models):\n${violations.map(describeViolation).join('\n')}`,
    );
  }
});
