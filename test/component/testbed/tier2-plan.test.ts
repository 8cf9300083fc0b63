/**
 * tier2Plan: the e2e workload tests use the real controllers unless HPR_TIER2=0, and a missing
 * controller is a failure that names the build command, never a silent drop to CRD level.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultBinDir,
  JOBSET_BINARY,
  JOBSET_CRD_FILE,
  PYTORCHJOB_CRD_FILE,
  Tier2ControllersMissingError,
  TRAINING_OPERATOR_BINARY,
  tier2Plan,
} from '#local/testbed/controllers.ts';

let dir: string;
const touch = (file: string) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), '');
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hpr-tier2-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tier2Plan', () => {
  it('uses no controller when HPR_TIER2=0, even with none built', () => {
    expect(tier2Plan(dir, { HPR_TIER2: '0' })).toEqual({ jobset: false, trainingOperator: false });
  });

  it('fails naming the build command when tier 2 is not turned off and nothing is built', () => {
    const plan = () => tier2Plan(dir, {});
    expect(plan).toThrow(Tier2ControllersMissingError);
    expect(plan).toThrow(/bash local\/testbed\/build-controllers\.sh/);
    expect(plan).toThrow(/HPR_TIER2=0/);
    expect(plan).toThrow(new RegExp(`${JOBSET_BINARY}.*${TRAINING_OPERATOR_BINARY.replace('.', '\\.')}`));
  });

  it('fails when only one controller is built, naming the missing one', () => {
    touch(JOBSET_BINARY);
    touch(JOBSET_CRD_FILE);
    expect(() => tier2Plan(dir, { HPR_TIER2: '1' })).toThrow(/missing in .*: training-operator\.v1 /);
  });

  it('fails when a binary is there but its CRD is not', () => {
    touch(JOBSET_BINARY);
    touch(JOBSET_CRD_FILE);
    touch(TRAINING_OPERATOR_BINARY);
    expect(() => tier2Plan(dir, {})).toThrow(/training-operator\.v1/);
  });

  it('uses both controllers when both binaries and CRDs are built', () => {
    for (const file of [JOBSET_BINARY, JOBSET_CRD_FILE, TRAINING_OPERATOR_BINARY, PYTORCHJOB_CRD_FILE])
      touch(file);
    expect(tier2Plan(dir, {})).toEqual({ jobset: true, trainingOperator: true });
  });
});

describe('defaultBinDir', () => {
  it('follows build-binaries.sh: HPR_BIN_DIR, then HPR_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    const script = readFileSync(new URL('../../../local/testbed/build-binaries.sh', import.meta.url), 'utf8');
    const version = (name: string) => script.match(new RegExp(`${name}="\\$\\{${name}:-(v[0-9.]+)\\}"`))?.[1];
    const versions = `k8s-${version('K8S_VERSION')}-etcd-${version('ETCD_VERSION')}-kwok-${version('KWOK_VERSION')}`;
    expect(versions).toBe('k8s-v1.36.3-etcd-v3.6.16-kwok-v0.8.0');
    expect(defaultBinDir({ HPR_BIN_DIR: '/b', HPR_CACHE_DIR: '/c' })).toBe('/b');
    expect(defaultBinDir({ HPR_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe(`/c/${versions}`);
    expect(defaultBinDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe(`/x/hyperpod-resilience/${versions}`);
    expect(defaultBinDir({ HOME: '/h' })).toBe(`/h/.cache/hyperpod-resilience/${versions}`);
  });
});
