/**
 * kwok Stage configuration for the test bed: kwok's upstream node and pod stages (copied beside
 * the binaries by build-binaries.sh) plus our gated stages, so that fake pods run until a test
 * says how they end, and fake nodes go NotReady when the simulator says so.
 *
 * Pods (annotations go into the pod template of a Job, JobSet replicatedJob or PyTorchJob replica):
 * - no `sim.test/*` annotation: the pod stays Running, like a long training job;
 * - `sim.test/outcome: succeed | fail`: after `sim.test/run-for` (Go duration such as "5s" or an
 *   RFC 3339 time; default 1 s) the pod ends Succeeded (exit 0) or Failed (exit code
 *   `sim.test/exit-code`, default 1);
 * - `sim.test/verdict: <text>`: a health-check pod; it ends Succeeded (Failed with
 *   `sim.test/outcome: fail`) and every container's `state.terminated.message` is `<text>`, the
 *   termination message our Lambda reads the verdict from.
 * kwok always gives the pod phase Succeeded/Failed whatever `restartPolicy` says.
 *
 * Nodes: `sim.test/node-ready: "false"` holds a kwok-managed node at Ready=False (the lease stays
 * renewed, so KCM keeps the reported condition and adds its not-ready taints); removing the
 * annotation lets kwok's node-initialize stage make it Ready again, keeping `nodeInfo.bootID`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SIM_OUTCOME = 'sim.test/outcome';
export const SIM_RUN_FOR = 'sim.test/run-for';
export const SIM_EXIT_CODE = 'sim.test/exit-code';
export const SIM_VERDICT = 'sim.test/verdict';
export const SIM_NODE_READY = 'sim.test/node-ready';

/** kwok's own stages we use, relative to the kwok-stages folder (never pod-complete: see README). */
export const UPSTREAM_STAGE_FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-delete.yaml',
] as const;

export interface GatedPodOptions {
  outcome?: 'succeed' | 'fail';
  /** Go duration ("30s", "2m") or RFC 3339 time; default 1 s after the pod is Running. */
  runFor?: string;
  exitCode?: number;
  /** Health-check verdict text, written to the containers' termination message. */
  verdict?: string;
}

/** Pod-template annotations for a gated pod. */
export function gatedPodAnnotations(options: GatedPodOptions): Record<string, string> {
  const a: Record<string, string> = {};
  if (options.outcome) a[SIM_OUTCOME] = options.outcome;
  if (options.runFor) a[SIM_RUN_FOR] = options.runFor;
  if (options.exitCode !== undefined) a[SIM_EXIT_CODE] = String(options.exitCode);
  if (options.verdict !== undefined) a[SIM_VERDICT] = options.verdict;
  return a;
}

const ann = (key: string) => `.metadata.annotations["${key}"]`;

const running = `
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']`;

const delay = `
  delay:
    durationMilliseconds: 1000
    durationFrom:
      expressionFrom: '${ann(SIM_RUN_FOR)}'`;

/** statusTemplate of a finished pod; `message` is a template expression or empty. */
function finishedPod(
  phase: 'Succeeded' | 'Failed',
  exitCode: string,
  reason: string,
  message: string,
): string {
  return `
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $annotations := or .metadata.annotations dict }}
      {{ $started := or .status.startTime $now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        reason: ${phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed'}
        status: "False"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        reason: ${phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed'}
        status: "False"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: ${exitCode}
            reason: ${reason}
            startedAt: {{ $started | Quote }}
            finishedAt: {{ $now | Quote }}${message ? `\n            message: ${message}` : ''}
      {{ end }}
      phase: ${phase}`;
}

const exitCodeFromAnnotation = `{{ or (index $annotations "${SIM_EXIT_CODE}") "1" | atoi }}`;
const verdictMessage = `{{ index $annotations "${SIM_VERDICT}" | Quote }}`;

function podStage(name: string, selector: string, next: string): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:${running}${selector}${delay}${next}
`;
}

/** Our stages, as one multi-document YAML text. */
export function simStagesYaml(): string {
  const noVerdict = `
    - key: '${ann(SIM_VERDICT)}'
      operator: 'DoesNotExist'`;
  const hasVerdict = `
    - key: '${ann(SIM_VERDICT)}'
      operator: 'Exists'`;
  const outcome = (values: string) => `
    - key: '${ann(SIM_OUTCOME)}'
      operator: 'In'
      values: [${values}]`;
  const notFail = `
    - key: '${ann(SIM_OUTCOME)}'
      operator: 'NotIn'
      values: ['fail']`;

  const docs = [
    podStage(
      'sim-pod-succeed',
      `${outcome("'succeed'")}${noVerdict}`,
      finishedPod('Succeeded', '0', 'Completed', ''),
    ),
    podStage(
      'sim-pod-fail',
      `${outcome("'fail'")}${noVerdict}`,
      finishedPod('Failed', exitCodeFromAnnotation, 'Error', ''),
    ),
    podStage(
      'sim-pod-verdict-succeed',
      `${hasVerdict}${notFail}`,
      finishedPod('Succeeded', '0', 'Completed', verdictMessage),
    ),
    podStage(
      'sim-pod-verdict-fail',
      `${hasVerdict}${outcome("'fail'")}`,
      finishedPod('Failed', exitCodeFromAnnotation, 'Error', verdictMessage),
    ),
    // Weight 1 beats node-initialize (weight 0), which also matches a node whose Ready is not True.
    // Idempotent: once Ready is False its times are kept, so the patch is a no-op (no event loop).
    `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: sim-node-not-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '${ann(SIM_NODE_READY)}'
      operator: 'In'
      values: ['false']
  weight: 1
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $since := $now }}
      {{ $beat := $now }}
      {{ range .status.conditions }}
      {{ if and (eq .type "Ready") (eq (toString .status) "False") }}
      {{ $since = or .lastTransitionTime $now }}
      {{ $beat = or .lastHeartbeatTime $now }}
      {{ end }}
      {{ end }}
      conditions:
      - lastHeartbeatTime: {{ $beat | Quote }}
        lastTransitionTime: {{ $since | Quote }}
        message: "simulated: node is not ready (${SIM_NODE_READY}=false)"
        reason: KubeletNotReady
        status: "False"
        type: Ready
`,
  ];
  return docs.join('---\n');
}

/** kwok `--config`: the upstream stages from `stagesDir` followed by ours. */
export async function kwokConfigYaml(stagesDir: string): Promise<string> {
  const upstream = await Promise.all(
    UPSTREAM_STAGE_FILES.map(async (f) => (await readFile(join(stagesDir, f), 'utf8')).trim()),
  );
  return `${[...upstream, simStagesYaml().trim()].join('\n---\n')}\n`;
}
