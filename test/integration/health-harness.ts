/**
 * Health-check helpers for the integration harness: quick checks switched on, and the fake
 * Kubernetes API playing the check pod (the Job controller, kubelet and check container) with
 * the verdict a test chooses. The real read path — termination message in the pod status — is
 * what the tasks see.
 */

import type { AppConfigInput } from '#contracts/config/app.ts';
import type { KubeObject, KubePod } from '#domain/kube-types.ts';
import { type SimulatedCheck, simulatedCheck } from '#local/simulated-health-checks.ts';
import type { makeHarness } from './harness.ts';

type Harness = ReturnType<typeof makeHarness>;

export const CHECK_IMAGE =
  'registry.example.com/hpr/health-checks@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

export const QUICK_CHECKS_ON: NonNullable<AppConfigInput['healthChecks']> = {
  quick: { enabled: true, image: CHECK_IMAGE, pollSeconds: 1, timeoutSeconds: 600 },
};

export const CHECK_NAMES = ['gpu-count', 'dcgm-diag', 'nccl-all-reduce', 'efa'];

/** How a simulated check pod ends: a message and exit code, a Running pod, or a pod never started. */
export type PodScript =
  | { verdict: string; exitCode?: number }
  | { running: true }
  | { pending: { reason: string; message: string } }
  | { rejected: { reason: string; message: string } };

const basePod = (job: KubeObject): KubePod => ({
  metadata: { name: `${job.metadata.name}-x1`, creationTimestamp: new Date().toISOString() },
  spec: { containers: [{ name: 'health-check' }] },
});

export const podFor = (job: KubeObject, script: PodScript): KubePod => {
  const pod = basePod(job);
  if ('running' in script) {
    return {
      ...pod,
      status: { phase: 'Running', containerStatuses: [{ name: 'health-check', state: { running: {} } }] },
    };
  }
  if ('pending' in script) {
    return {
      ...pod,
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', ...script.pending }],
      },
    };
  }
  if ('rejected' in script) return { ...pod, status: { phase: 'Failed', ...script.rejected } };
  const exitCode = script.exitCode ?? 0;
  return {
    ...pod,
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [
        {
          name: 'health-check',
          state: {
            terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', message: script.verdict },
          },
        },
      ],
    },
  };
};

/** Every Job the tasks create gets the pod `script(check)` says (Running when it says nothing). */
export const simulateCheckPods = (h: Harness, script: (check: SimulatedCheck) => PodScript | undefined) => {
  const jobs: KubeObject[] = [];
  h.kube.onJobCreated = (job) => {
    jobs.push(job);
    const check = simulatedCheck(job, CHECK_NAMES);
    return podFor(job, (check && script(check)) ?? { running: true });
  };
  return jobs;
};

/** Replaces the pod of a Job already created (a check that finishes between polls). */
export const finishCheckPod = (h: Harness, job: KubeObject, script: PodScript) => {
  for (const [key, pod] of h.kube.pods) {
    if (pod.metadata.labels?.['job-name'] === job.metadata.name) {
      const next = podFor(job, script);
      h.kube.pods.set(key, { ...pod, status: next.status });
    }
  }
};
