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
import { describeViolation, drainUnacknowledgedViolations } from '#local/simulator/conformance-log.ts';

afterEach(() => {
  const violations = drainUnacknowledgedViolations();
  if (violations.length > 0) {
    throw new Error(
      `AWS model conformance violations (test/fixtures/aws-models):\n${violations.map(describeViolation).join('\n')}`,
    );
  }
});
