/**
 * Loader of the real-shaped sample events in this folder, and the test
 * configuration they belong to. Test and local use only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type AppConfig, parseAppConfig } from '#contracts/config/app.ts';

const SAMPLE_SOURCES = ['aws.sagemaker', 'aws.cloudwatch', 'manual'] as const;
type SampleSource = (typeof SAMPLE_SOURCES)[number];

const SAMPLE_CLUSTER_NAME = 'ml-cluster';
const SAMPLE_CLUSTER_ARN = 'arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456';
const SAMPLE_EKS_CLUSTER_NAME = 'ml-cluster-eks';

const CASE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Reads `<source>/<name>.json` at call time and returns a private copy: mutate it freely.
 *
 * @example
 * const event = getTestEvent({ source: 'aws.sagemaker', name: 'node-health-unhealthy-terminate' });
 */
const getTestEvent = <T = Record<string, unknown>>({
  source,
  name,
}: {
  source: SampleSource;
  name: string;
}): T => {
  if (!SAMPLE_SOURCES.includes(source) || !CASE_NAME.test(name)) {
    throw new Error(`no sample event ${source}/${name}`);
  }
  const url = new URL(`./${source}/${name}.json`, import.meta.url);
  return structuredClone(JSON.parse(readFileSync(url, 'utf8')) as T);
};

/** Every sample, as `{ source, name }`, sorted: for contract tests over the whole folder. */
const listTestEvents = (): { source: SampleSource; name: string }[] =>
  SAMPLE_SOURCES.flatMap((source) =>
    readdirSync(new URL(`./${source}/`, import.meta.url))
      .filter((file) => file.endsWith('.json'))
      .map((file) => ({ source, name: file.slice(0, -'.json'.length) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );

/** One configured cluster, the one every sample names (except `node-health-unknown-cluster`). */
/**
 * The sample cluster, with the two sample alarms on HyperPod's pending-status metrics allowed to act
 * (one by name, one by ARN); the tagged composite alarm is not allowlisted (observe only).
 */
const sampleConfig: AppConfig = parseAppConfig({
  clusters: [{ name: SAMPLE_CLUSTER_NAME, arn: SAMPLE_CLUSTER_ARN, eksClusterName: SAMPLE_EKS_CLUSTER_NAME }],
  alarms: {
    allow: [
      {
        name: 'hpr-ml-cluster-i-0391f86fa0fe0d465-pending-replacement',
        cluster: SAMPLE_CLUSTER_NAME,
        meaning: 'metric',
        maxAction: 'replace',
      },
      {
        arn: 'arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-ml-cluster-i-0391f86fa0fe0d465-pending-repair',
        cluster: SAMPLE_CLUSTER_NAME,
        meaning: 'metric',
        maxAction: 'reboot',
      },
    ],
  },
});

export type { SampleSource };
export {
  getTestEvent,
  listTestEvents,
  SAMPLE_CLUSTER_ARN,
  SAMPLE_CLUSTER_NAME,
  SAMPLE_EKS_CLUSTER_NAME,
  SAMPLE_SOURCES,
  sampleConfig,
};
