/**
 * LOCAL MODE ONLY: simulated quick health-check results. The test bed runs no containers; a
 * test or the demo decides what each check "prints", and kwok turns it into the pod's
 * termination message (local/testbed/kwok-stages.ts). Production code never sees these types.
 */
import { HEALTH_CHECK_INSTANCE_LABEL } from '#domain/health-check-job.ts';
import type { KubeObject } from '#domain/kube-types.ts';

/** A quick check as the local verdict hook sees it. */
export interface SimulatedCheck {
  nodeName: string;
  instanceId?: string;
  jobName: string;
  /** The configured check names, in order. */
  checks: string[];
  /** What the Job was told to expect (from its environment). */
  expectations: {
    gpus: number;
    efaDevices: number;
    ncclBusBandwidthGBps?: number;
    neuronDevices?: number;
    nccomBusBandwidthGBps?: number;
  };
}

/** What the simulated check container ends with. */
export interface SimulatedCheckResult {
  /** The termination message: normally a verdict JSON, any text to test the read path. */
  verdict: string;
  /** `fail` ends the pod Failed (exit code `exitCode`, default 1); default `succeed`. */
  outcome?: 'succeed' | 'fail';
  exitCode?: number;
  /** How long the check runs (Go duration); default 1 s. */
  runFor?: string;
}

/** The verdict a healthy node's checks would print (metrics meeting every expectation). */
export const passingVerdict = (check: SimulatedCheck, failing: readonly string[] = []): string => {
  const metrics: Record<string, Record<string, number>> = {
    'gpu-count': { count: check.expectations.gpus },
    'dcgm-diag': { level: 2, exitCode: 0, failures: 0 },
    'nccl-all-reduce': { busBandwidthGBps: (check.expectations.ncclBusBandwidthGBps ?? 100) * 1.2 },
    efa: { devices: check.expectations.efaDevices },
    'neuron-device-count': { count: check.expectations.neuronDevices ?? 0 },
    'neuron-runtime': { exitCode: 0 },
    'nccom-all-reduce': { busBandwidthGBps: (check.expectations.nccomBusBandwidthGBps ?? 50) * 1.2 },
  };
  return JSON.stringify({
    v: 1,
    checks: check.checks.map((name) => ({
      name,
      pass: !failing.includes(name),
      metrics:
        failing.includes(name) && (name === 'nccl-all-reduce' || name === 'nccom-all-reduce')
          ? { busBandwidthGBps: 12.5 }
          : (metrics[name] ?? {}),
    })),
  });
};

/**
 * The check's view from its Job manifest (what the production code put there). A Job told to
 * expect Neuron devices runs the Neuron checks (`neuronCheckNames`), any other the GPU ones.
 */
export const simulatedCheck = (
  job: KubeObject,
  checkNames: string[],
  neuronCheckNames: string[] = checkNames,
): SimulatedCheck | undefined => {
  const template = job.spec?.template as
    | { spec?: { nodeName?: string; containers?: { env?: { name: string; value?: string }[] }[] } }
    | undefined;
  const nodeName = template?.spec?.nodeName;
  if (!nodeName) return undefined;
  const env = new Map((template?.spec?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value ?? '']));
  const nccl = Number(env.get('HPR_NCCL_MIN_GBPS') || Number.NaN);
  const neuronDevices = Number(env.get('HPR_EXPECTED_NEURON_DEVICES') || Number.NaN);
  const nccom = Number(env.get('HPR_NCCOM_MIN_GBPS') || Number.NaN);
  const neuron = Number.isFinite(neuronDevices);
  const instanceId = job.metadata.labels?.[HEALTH_CHECK_INSTANCE_LABEL];
  return {
    nodeName,
    ...(instanceId ? { instanceId } : {}),
    jobName: job.metadata.name,
    checks: [...(neuron ? neuronCheckNames : checkNames)],
    expectations: {
      gpus: Number(env.get('HPR_EXPECTED_GPUS') ?? 0),
      efaDevices: Number(env.get('HPR_EXPECTED_EFA') ?? 0),
      ...(Number.isFinite(nccl) ? { ncclBusBandwidthGBps: nccl } : {}),
      ...(neuron ? { neuronDevices } : {}),
      ...(Number.isFinite(nccom) ? { nccomBusBandwidthGBps: nccom } : {}),
    },
  };
};
