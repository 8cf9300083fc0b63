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
