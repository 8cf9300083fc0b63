/**
 * The admission path under a burst of 1,000 events per minute (README "Chaos campaigns"): HMA
 * events for 50 nodes, each delivered several times, arrive one every 60 ms and each runs
 * AdmitIncident — the first task of every execution, the one a storm hits — through the real
 * adapters (SDK → simulator, our Kubernetes client → kube-apiserver with RBAC, DynamoDB →
 * dynalite). Reported: events admitted, throughput, latency from arrival to decision (p50/p95/max),
 * outcomes, and this process's peak RSS (the Lambdas' code and clients; the test bed's processes
 * are not counted). `HPR_BENCH_BURST_EVENTS` (default 1000) sets the number of events; the rate
 * stays 1,000/min.
 */
import { randomUUID } from 'node:crypto';
import { getTestEvent } from '#events/samples/index.ts';
import { admitIncident } from '#functions/tasks/admit-incident.ts';
import { startLocalEnvironment } from '#local/environment.ts';
import { summarize } from './stats.ts';

const EVENTS = Number(process.env.HPR_BENCH_BURST_EVENTS ?? 1000);
const NODES = 50;
const INTERVAL_MS = 60_000 / 1000;

export async function run(): Promise<Record<string, unknown>> {
  const env = await startLocalEnvironment({
    cluster: {
      name: 'burst',
      nodeRecovery: 'None',
      instanceGroups: [{ name: 'workers', instanceType: 'ml.p5.48xlarge', count: NODES }],
    },
    // Admission only: nothing is dispatched, so no remediation runs behind the burst.
    autoDispatch: false,
    policy: { mode: 'act', massFindings: { maxSharePercent: 100 } },
  });
  try {
    const cluster = env.simulator.clusters[0];
    if (!cluster) throw new Error('no cluster');
    const instances = [...cluster.nodes].map((n) => n.instanceId);
    const event = (instanceId: string) => {
      const e = getTestEvent({ source: 'aws.sagemaker', name: 'node-health-unhealthy-terminate' }) as Record<
        string,
        // biome-ignore lint/suspicious/noExplicitAny: a sample event edited in place
        any
      >;
      e.detail.InstanceId = instanceId;
      e.detail.ClusterArn = cluster.arn;
      e.detail.ClusterName = cluster.name;
      e.resources = [cluster.arn];
      return e;
    };
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const latencies: number[] = [];
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    const admissions: Promise<void>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const due = started + i * INTERVAL_MS;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const trigger = event(instances[i % instances.length] as string);
      admissions.push(
        admitIncident(
          { trigger, executionName: randomUUID(), startedAt: new Date().toISOString() },
          env.deps,
        ).then(
          (state) => {
            latencies.push(Date.now() - due);
            const key = state.decision.outcome === 'skip' ? `skip:${state.decision.skipReason}` : 'proceed';
            outcomes[key] = (outcomes[key] ?? 0) + 1;
          },
          (error: Error) => {
            latencies.push(Date.now() - due);
            outcomes[`error:${error.name}`] = (outcomes[`error:${error.name}`] ?? 0) + 1;
          },
        ),
      );
    }
    await Promise.all(admissions);
    const wallMs = Date.now() - started;
    clearInterval(sampler);
    return {
      events: EVENTS,
      nodes: NODES,
      offeredPerMinute: 1000,
      admittedPerMinute: Math.round((EVENTS / wallMs) * 60_000),
      wallMs,
      latencyMs: summarize(latencies),
      outcomes,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    await env.stop();
  }
}
