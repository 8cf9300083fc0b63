/**
 * `hpr demo`: an 8-node p5 cluster running a 4-node PyTorchJob and a batch Job on one of its
 * nodes; a fatal GPU fault (HMA `NvidiaErrorTerminate`) hits that node. Replacement takes a few
 * simulated seconds so the whole story prints in well under a minute.
 */
import { parseScenario, type Scenario } from './scenario.ts';

export const demoScenario = (): Scenario =>
  parseScenario({
    name: 'demo: fatal GPU fault on a node of a multi-node training job',
    cluster: {
      name: 'ml-cluster',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: 8 }],
    },
    policy: { mode: 'act', awaitNode: { pollSeconds: 1, rebootTimeoutMinutes: 5, replaceTimeoutMinutes: 5 } },
    timings: { rebootMs: 2000, shutdownMs: 1000, replaceMs: 4000, nodeJoinMs: 1500 },
    workloads: [
      { kind: 'PyTorchJob', name: 'llama-pretrain', nodes: [0, 1, 2, 3], gpusPerPod: 4 },
      { kind: 'Job', name: 'eval', pods: 1, gpusPerPod: 4, colocateWith: 'llama-pretrain' },
    ],
    faults: [{ atMs: 0, node: { podOf: 'eval' }, type: 'NvidiaErrorTerminate' }],
    timeoutMs: 120_000,
  });
