/**
 * `hpr simulate` scenarios: a cluster, workloads, policy overrides and timed faults. A fault is a
 * fault type injected on a node (the simulator emits the real-shaped HMA event), or any raw
 * EventBridge event, inline or from a file, replayed as is. Raw events may name simulated nodes
 * and the cluster with placeholders: "${node:3}" (instance id of node 3), "${nodeName:3}",
 * "${clusterArn}", "${clusterName}".
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { alarmSelectionSchema } from '#contracts/config/app.ts';
import { CLUSTER_NAME } from '#contracts/config/ids.ts';
import { policySchema } from '#contracts/config/policy.ts';
import { sparePoolSchema } from '#contracts/config/spares.ts';

const nodeIndex = z.number().int().min(0).max(511);
const atMs = z.number().int().min(0).max(600_000).default(0);

const nodeTarget = z.union([nodeIndex, z.object({ podOf: z.string().min(1) }).strict()]);

const injectedFault = z
  .object({
    atMs,
    /** Node index in the cluster's instance list (groups in order), or the node of a workload's first pod. */
    node: nodeTarget,
    type: z.string().regex(/^\w{1,64}$/, 'an HMA fault type such as NvidiaErrorTerminate'),
    /** A Neuron hardware error (`HBM_UNCORRECTABLE_ERROR`, …) named in the event as the Neuron NPD names it. */
    neuronError: z
      .string()
      .regex(/^[A-Z][A-Z_]{0,63}$/, 'a Neuron hardware error such as HBM_UNCORRECTABLE_ERROR')
      .optional(),
    /** What HyperPod recommends (and labels): derived from the type's name when omitted. */
    action: z.enum(['reboot', 'replace']).optional(),
    /** Also set HyperPod's node-health-status label (as HMA does). */
    labels: z.boolean().default(true),
  })
  .strict();
const rawEvent = z.object({ atMs, event: z.record(z.string(), z.unknown()) }).strict();
const eventFile = z.object({ atMs, eventFile: z.string().min(1).max(1024) }).strict();
const loseGpus = z
  .object({ atMs, loseGpus: z.object({ node: nodeIndex, remaining: z.number().int().min(0) }).strict() })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().max(200).default('scenario'),
    cluster: z
      .object({
        name: z.string().regex(CLUSTER_NAME).default('ml-cluster'),
        nodeRecovery: z.enum(['Automatic', 'None']).default('None'),
        instanceGroups: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/),
                instanceType: z.string().regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/),
                count: z.number().int().min(1).max(256),
              })
              .strict(),
          )
          .min(1)
          .max(10),
      })
      .strict(),
    /** Policy overrides as in the config (validated below); omitted → act mode. */
    policy: z.record(z.string(), z.unknown()).optional(),
    /** The `alarms` section of the config (validated below): which alarms may act. */
    alarms: z.record(z.string(), z.unknown()).optional(),
    timings: z
      .object({
        rebootMs: z.number().int().min(0).max(60_000),
        shutdownMs: z.number().int().min(0).max(60_000),
        replaceMs: z.number().int().min(0).max(120_000),
        nodeJoinMs: z.number().int().min(0).max(60_000),
        capacityFailMs: z.number().int().min(0).max(120_000),
      })
      .partial()
      .strict()
      .default({}),
    /** Instance groups whose replacements find no capacity. */
    capacityShortage: z.array(z.string()).max(10).default([]),
    workloads: z
      .array(
        z.discriminatedUnion('kind', [
          z
            .object({
              kind: z.literal('PyTorchJob'),
              name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/),
              namespace: z
                .string()
                .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
                .default('training'),
              /** Node indexes its workers run on, one pod per node. */
              nodes: z.array(nodeIndex).min(1).max(256),
              gpusPerPod: z.number().int().min(0).max(8).default(8),
              annotations: z.record(z.string(), z.string()).default({}),
            })
            .strict(),
          z
            .object({
              kind: z.literal('Job'),
              name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/),
              namespace: z
                .string()
                .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
                .default('training'),
              /** Pods (parallelism), placed by kube-scheduler. */
              pods: z.number().int().min(1).max(256).default(1),
              gpusPerPod: z.number().int().min(0).max(8).default(8),
              /** Schedule the pods on nodes that run this PyTorchJob (pod affinity). */
              colocateWith: z.string().optional(),
              annotations: z.record(z.string(), z.string()).default({}),
            })
            .strict(),
        ]),
      )
      .max(50)
      .default([]),
    faults: z
      .array(z.union([injectedFault, rawEvent, eventFile, loseGpus]))
      .min(1)
      .max(100),
    /**
     * Hot-spare pools of the cluster: as config `spares.pools` without `cluster` (validated
     * below). A health sweep fills them before the first fault.
     */
    spares: z
      .object({ pools: z.array(z.record(z.string(), z.unknown())).min(1).max(10) })
      .strict()
      .optional(),
    /** Run quick health checks after each repair, every simulated check printing this verdict. */
    quickChecks: z.enum(['pass', 'fail']).optional(),
    /** Give up waiting for executions after this long. */
    timeoutMs: z.number().int().min(1000).max(900_000).default(180_000),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    if (scenario.policy) {
      const policy = policySchema.safeParse(scenario.policy);
      for (const issue of policy.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', path: ['policy', ...issue.path.map(String)], message: issue.message });
      }
    }
    if (scenario.alarms) {
      const alarms = alarmSelectionSchema.safeParse(scenario.alarms);
      for (const issue of alarms.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', path: ['alarms', ...issue.path.map(String)], message: issue.message });
      }
    }
    const groups = new Set(scenario.cluster.instanceGroups.map((g) => g.name));
    for (const [i, pool] of (scenario.spares?.pools ?? []).entries()) {
      const parsed = sparePoolSchema.safeParse({ ...pool, cluster: scenario.cluster.name });
      for (const issue of parsed.error?.issues ?? []) {
        ctx.addIssue({
          code: 'custom',
          path: ['spares', 'pools', i, ...issue.path.map(String)],
          message: issue.message,
        });
      }
      for (const group of [pool.instanceGroup, ...(Array.isArray(pool.serves) ? pool.serves : [])]) {
        if (typeof group === 'string' && !groups.has(group)) {
          ctx.addIssue({
            code: 'custom',
            path: ['spares', 'pools', i],
            message: `no instance group ${group}`,
          });
        }
      }
    }
    const nodes = scenario.cluster.instanceGroups.reduce((sum, g) => sum + g.count, 0);
    const check = (index: number, path: (string | number)[]) => {
      if (index >= nodes)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `node ${index} does not exist (the cluster has ${nodes})`,
        });
    };
    const names = new Set(scenario.workloads.map((w) => w.name));
    scenario.workloads.forEach((w, i) => {
      if (w.kind === 'PyTorchJob') {
        for (const [j, n] of w.nodes.entries()) check(n, ['workloads', i, 'nodes', j]);
      }
      if (w.kind === 'Job' && w.colocateWith && !names.has(w.colocateWith)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workloads', i, 'colocateWith'],
          message: `no workload ${w.colocateWith}`,
        });
      }
    });
    scenario.faults.forEach((f, i) => {
      if ('node' in f && typeof f.node === 'number') check(f.node, ['faults', i, 'node']);
      if ('node' in f && typeof f.node === 'object' && !names.has(f.node.podOf)) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'node', 'podOf'],
          message: `no workload ${f.node.podOf}`,
        });
      }
      if ('loseGpus' in f) check(f.loseGpus.node, ['faults', i, 'loseGpus', 'node']);
    });
  });
export type Scenario = z.infer<typeof scenarioSchema>;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Parses a scenario; every problem is listed with its path. */
export const parseScenario = (input: unknown, source = 'scenario'): Scenario => {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`${source} is not a valid scenario:\n${lines.join('\n')}`);
  }
  return result.data;
};

/** Reads a scenario file and inlines the events of `eventFile` faults (relative to the scenario). */
export const loadScenario = async (path: string): Promise<Scenario> => {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const scenario = parseScenario(json, path);
  for (const [i, fault] of scenario.faults.entries()) {
    if (!('eventFile' in fault)) continue;
    const file = resolve(dirname(path), fault.eventFile);
    try {
      const event = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      scenario.faults[i] = { atMs: fault.atMs, event };
    } catch (error) {
      throw new ScenarioError(`faults.${i}.eventFile: cannot read ${file}: ${(error as Error).message}`);
    }
  }
  return scenario;
};

/** Replaces "${node:N}", "${nodeName:N}", "${clusterArn}", "${clusterName}" in every string. */
export const substitutePlaceholders = (
  value: unknown,
  lookup: { instanceIds: string[]; nodeNames: string[]; clusterArn: string; clusterName: string },
): unknown => {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{(node|nodeName):(\d+)\}|\$\{(clusterArn|clusterName)\}/g,
      (match, kind, index, other) => {
        if (other === 'clusterArn') return lookup.clusterArn;
        if (other === 'clusterName') return lookup.clusterName;
        const list = kind === 'node' ? lookup.instanceIds : lookup.nodeNames;
        const found = list[Number(index)];
        if (!found) throw new ScenarioError(`placeholder ${match} names no node`);
        return found;
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => substitutePlaceholders(v, lookup));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholders(v, lookup)]));
  }
  return value;
};
