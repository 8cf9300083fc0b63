/**
 * Writes what the offline policy checks read (scripts/policy-checks/run.py): every IAM policy
 * document the deploy creates, taken from the same plan sst.config.ts deploys (deploy/deploy-plan.ts),
 * and every Kubernetes manifest we apply or create (our RBAC and namespace, and a quick health-check
 * Job as the start-quick-check task builds it with the default configuration).
 *
 * Usage: npx tsx scripts/policy-checks/synthesize.ts <out-dir>
 *   <out-dir>/iam/<kind>-<name>.json   one policy document per file (identity or resource policy)
 *   <out-dir>/k8s/<name>.yaml          one manifest per file
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NVIDIA_GPU_RESOURCE } from '#contracts/accelerator-table.ts';
import { parseAppConfig } from '#contracts/config/app.ts';
import { resolveDeployConfig } from '#deploy/deploy-config.ts';
import { planDeployment } from '#deploy/deploy-plan.ts';
import { ourNamespace, rbacManifests, toYaml } from '#deploy/kubernetes-rbac.ts';
import { buildQuickCheckJob, quickCheckJobName } from '#functions/domain/health-check-job.ts';

const REGION = 'us-west-2';
const ACCOUNT = '123456789012';

/** A deploy as a platform team would write it: two clusters, act mode, Lambdas in a VPC. */
export const SAMPLE_DEPLOY_CONFIG = {
  app: {
    clusters: [
      {
        name: 'ml-cluster',
        arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/abcdef123456`,
        eksClusterName: 'ml-eks',
      },
      {
        name: 'eval-cluster',
        arn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/0123456789ab`,
        eksClusterName: 'eval-eks',
      },
    ],
    policy: { mode: 'act' },
    healthChecks: {
      quick: {
        enabled: true,
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/hpr-checks@sha256:${'0'.repeat(64)}`,
      },
    },
  },
  notifications: { emails: ['oncall@example.com'] },
  logRetentionDays: 30,
  operators: { principals: [`arn:aws:iam::${ACCOUNT}:role/platform-oncall`] },
  vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
};

/** The KMS key ARN the deploy creates for the topic (a placeholder of the real form). */
const TOPIC_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

export function synthesize(outDir: string): { iam: string[]; k8s: string[] } {
  const deploy = resolveDeployConfig(SAMPLE_DEPLOY_CONFIG, 'production');
  const plan = planDeployment(deploy, {
    stage: 'production',
    region: REGION,
    account: ACCOUNT,
    partition: 'aws',
  });
  const iam: [string, unknown][] = [
    ...plan.lambdas.map((fn) => [`lambda-${fn.name}`, fn.policy(TOPIC_KEY_ARN)] as [string, unknown]),
    ...plan.machines.map((m) => [`sfn-${m.name}`, m.policy] as [string, unknown]),
    ...plan.eventRoles.map((r) => [`events-${r.target}`, r.policy] as [string, unknown]),
    ...(plan.operatorRole ? [['operator', plan.operatorRole.policy] as [string, unknown]] : []),
    ['resource-topic-key', plan.topic.keyPolicy],
    ['resource-logs-key', plan.logs.keyPolicy],
    ['resource-dead-letters', plan.deadLetters.policy],
  ];

  const app = parseAppConfig(SAMPLE_DEPLOY_CONFIG.app);
  const quick = app.healthChecks.quick;
  const job = buildQuickCheckJob({
    name: quickCheckJobName('inc-1#0#i-0123456789abcdef0'),
    namespace: ourNamespace.metadata.name,
    nodeName: 'hyperpod-i-0123456789abcdef0',
    instanceId: 'i-0123456789abcdef0',
    purpose: 'verify',
    incidentId: 'inc-1',
    image: quick.image ?? '',
    imagePullPolicy: quick.imagePullPolicy,
    checks: quick.checks,
    timeoutSeconds: quick.timeoutSeconds,
    ttlSecondsAfterFinished: quick.ttlSecondsAfterFinished,
    privileged: quick.privileged,
    runAsUser: quick.runAsUser,
    compute: { ...quick.compute },
    accelerator: { resource: NVIDIA_GPU_RESOURCE, devices: 8 },
    efaDevices: 32,
    expectations: { gpus: 8, efaDevices: 32 },
  });
  const k8s: [string, unknown][] = [
    ...rbacManifests().map(
      (doc) =>
        [
          `${doc.kind.replace(/[A-Z]/g, (c, i) => `${i ? '-' : ''}${c.toLowerCase()}`)}-${doc.metadata.name.replace(':', '-')}`,
          doc,
        ] as [string, unknown],
    ),
    ['health-check-job', job],
  ];

  mkdirSync(join(outDir, 'iam'), { recursive: true });
  mkdirSync(join(outDir, 'k8s'), { recursive: true });
  for (const [name, doc] of iam)
    writeFileSync(join(outDir, 'iam', `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  for (const [name, doc] of k8s) writeFileSync(join(outDir, 'k8s', `${name}.yaml`), toYaml(doc));
  return { iam: iam.map(([n]) => n), k8s: k8s.map(([n]) => n) };
}

const out = process.argv[2];
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!out) {
    console.error('usage: npx tsx scripts/policy-checks/synthesize.ts <out-dir>');
    process.exit(2);
  }
  const written = synthesize(out);
  console.log(
    `wrote ${written.iam.length} IAM policies and ${written.k8s.length} Kubernetes manifests to ${out}`,
  );
}
