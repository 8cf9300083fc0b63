/**
 * The health-check machine on a Trainium node, with the real tasks and in-memory ports: the
 * quick check owns every Neuron device and runs the Neuron checks, a node short of Neuron devices
 * fails before any Job, the strict judge reads Neuron metrics, and the full level goes through
 * SageMaker's deep health check as on GPU nodes (docs/facts/accelerators.md).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NEURON_QUICK_CHECKS } from '#contracts/config/health-checks.ts';
import type { KubeObject } from '#domain/kube-types.ts';
import { runHealthCheck } from '#local/runner.ts';
import { passingVerdict, type SimulatedCheck, simulatedCheck } from '#local/simulated-health-checks.ts';
import { neuronNode } from '../fakes/fake-hyperpod.ts';
import { CLUSTER, makeHarness } from './harness.ts';
import { CHECK_NAMES, type PodScript, podFor, QUICK_CHECKS_ON } from './health-harness.ts';

const TRN = 'i-0a7a7a7a7a7a7a7a7';
const NEURON_CHECK_NAMES = DEFAULT_NEURON_QUICK_CHECKS.map((c) => c.name);

type Container = { resources: { limits: Record<string, string> }; env: { name: string; value: string }[] };

const trainiumHarness = (options: { allocatable?: number } = {}) => {
  const h = makeHarness({ healthChecks: QUICK_CHECKS_ON });
  h.hyperpod.addInstance({ instanceId: TRN, group: 'trainium', instanceType: 'ml.trn1.32xlarge' });
  if (options.allocatable !== undefined) {
    h.kube.addNode(neuronNode(TRN, 'ml.trn1.32xlarge', { allocatable: options.allocatable }));
  }
  return h;
};

const simulate = (h: ReturnType<typeof makeHarness>, script: (check: SimulatedCheck) => PodScript) => {
  const jobs: { job: KubeObject; check?: SimulatedCheck }[] = [];
  h.kube.onJobCreated = (job) => {
    const check = simulatedCheck(job, CHECK_NAMES, NEURON_CHECK_NAMES);
    jobs.push({ job, ...(check ? { check } : {}) });
    return podFor(job, check ? script(check) : { running: true });
  };
  return jobs;
};

const input = (extra: Record<string, unknown> = {}) => ({
  clusterName: CLUSTER.name,
  instanceId: TRN,
  requestedBy: 'alice@example.com',
  ...extra,
});

describe('State machine: health-check on Trainium', () => {
  it('passes a quick check that owns every Neuron device and runs the Neuron checks against the trn1 row', async () => {
    // Prepare
    const h = trainiumHarness();
    const jobs = simulate(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const report = await runHealthCheck(input(), h.deps);

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ status: 'passed', level: 'quick', instanceId: TRN });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.check?.checks).toEqual([
      'neuron-device-count',
      'neuron-runtime',
      'nccom-all-reduce',
      'efa',
    ]);
    const container = (jobs[0]!.job.spec!.template as { spec: { containers: Container[] } }).spec
      .containers[0]!;
    // The Neuron device plugin's device resource; never NeuronCores on top (they come with devices).
    expect(container.resources.limits).toEqual({ cpu: '4', memory: '16Gi', 'aws.amazon.com/neuron': '16' });
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'HPR_EXPECTED_NEURON_DEVICES', value: '16' },
        { name: 'HPR_NEURON_CORES', value: '32' },
        { name: 'HPR_NCCOM_MIN_GBPS', value: '50' },
        { name: 'HPR_EXPECTED_EFA', value: '8' },
      ]),
    );
  });

  it('fails a Trainium node short of Neuron devices before creating any Job', async () => {
    // Prepare
    const h = trainiumHarness({ allocatable: 15 });
    const jobs = simulate(h, (check) => ({ verdict: passingVerdict(check) }));

    // Act
    const report = await runHealthCheck(input(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.cause).toContain('only 15 of 16 Neuron devices allocatable');
    expect(jobs).toHaveLength(0);
  });

  it('fails a verdict whose neuron-device-count passed with too few devices (the strict judge)', async () => {
    // Prepare
    const h = trainiumHarness();
    simulate(h, (check) => ({
      verdict: JSON.stringify({
        v: 1,
        checks: check.checks.map((name) =>
          name === 'neuron-device-count'
            ? { name, pass: true, metrics: { count: 15 } }
            : {
                name,
                pass: true,
                metrics: JSON.parse(passingVerdict(check)).checks.find(
                  (c: { name: string }) => c.name === name,
                ).metrics,
              },
        ),
      }),
    }));

    // Act
    const report = await runHealthCheck(input(), h.deps);

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.error?.cause).toContain('neuron-device-count');
  });

  it('runs the full level on a Trainium instance through StartClusterHealthCheck, as on GPU instances', async () => {
    // Prepare
    const h = trainiumHarness();
    h.hyperpod.deepCheckPolls = 1;

    // Act
    const report = await runHealthCheck(
      input({ level: 'full', deepHealthChecks: ['InstanceStress'] }),
      h.deps,
    );

    // Assess
    expect(report.status).toBe('SUCCEEDED');
    expect(h.hyperpod.healthChecks).toEqual([{ instanceIds: [TRN], checks: ['InstanceStress'] }]);
    expect(report.output).toMatchObject({ status: 'passed', level: 'full' });
  });
});
