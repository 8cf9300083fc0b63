/**
 * AWS's published API models (extracts of botocore's `service-2.json`, Apache-2.0) that the
 * simulator is checked against: test/fixtures/aws-models/<service>.json, written by
 * `npm run models:extract` (scripts/extract-aws-models.py) and committed, so tests need no Python.
 */
import { readFileSync } from 'node:fs';
import type { ServiceModel } from '#local/simulator/conformance.ts';

type ModelledService = 'sagemaker' | 'eks' | 'sns' | 'sts';

const cache = new Map<ModelledService, ServiceModel>();

/** The model extract of one service (read once per process). */
const awsModel = (service: ModelledService): ServiceModel => {
  let model = cache.get(service);
  if (!model) {
    const file = new URL(`../../test/fixtures/aws-models/${service}.json`, import.meta.url);
    model = JSON.parse(readFileSync(file, 'utf8')) as ServiceModel;
    cache.set(service, model);
  }
  return model;
};

export { awsModel, type ModelledService };
