/**
 * The input with which the health sweep (and a failed idle quick check) starts node-recovery: an
 * EventBridge-shaped event of our own source, so node-recovery's one entry point
 * (events/normalize.ts) validates it like every other trigger, and the same event could travel
 * over a bus later.
 *
 * ```jsonc
 * {
 *   "version": "0",
 *   "id": "sweep-accelerators-missing-i-0123456789abcdef0-3f1c0a9b5d2e4f60",   // = the execution name
 *   "detail-type": "Health Sweep Finding",
 *   "source": "hyperpod-resilience.sweep",
 *   "time": "2026-11-29T10:05:00.000Z",
 *   "resources": [],
 *   "detail": {
 *     "clusterName": "ml-cluster",
 *     "finding": "accelerators-missing",   // instance-failure | hyperpod-labels | not-ready | accelerators-missing | missing-node | quick-check-failed
 *     "instanceId": "i-0123456789abcdef0",
 *     "nodeName": "hyperpod-i-0123456789abcdef0",
 *     "detail": "only 7 of 8 GPUs allocatable (ml.p5.48xlarge)",
 *     // hyperpod-labels only: HyperPod's labels, fault-details annotation and conditions of the node
 *     "labels": { "sagemaker.amazonaws.com/node-health-status": "UnschedulablePendingReboot" }
 *   }
 * }
 * ```
 */
import * as z from 'zod';
import { CLUSTER_NAME, INSTANCE_ID, NODE_NAME } from '#contracts/config/ids.ts';
import { eventBridgeEvent } from '#events/hyperpod.ts';

const SWEEP_SOURCE = 'hyperpod-resilience.sweep';
const SWEEP_FINDING = 'Health Sweep Finding';
/** The finding whose evidence is HyperPod's own labels: it becomes a node-labels trigger. */
const HYPERPOD_LABELS_FINDING = 'hyperpod-labels';

const sweepFindingDetailSchema = z.strictObject({
  clusterName: z.string().regex(CLUSTER_NAME),
  finding: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a finding name'),
  instanceId: z.string().regex(INSTANCE_ID, 'an EC2 instance id'),
  nodeName: z.string().max(253).regex(NODE_NAME, 'a Kubernetes node name').optional(),
  detail: z.string().max(2048).optional(),
  labels: z.record(z.string().max(317), z.string().max(63)).optional(),
  annotations: z.record(z.string().max(317), z.string().max(8192)).optional(),
  conditions: z
    .array(
      z.object({
        type: z.string().max(316),
        status: z.string().max(32),
        reason: z.string().max(1024).optional(),
        message: z.string().max(1024).optional(),
      }),
    )
    .max(32)
    .optional(),
});
type SweepFindingDetail = z.infer<typeof sweepFindingDetailSchema>;

const sweepFindingEventSchema = eventBridgeEvent(SWEEP_SOURCE, SWEEP_FINDING, sweepFindingDetailSchema);
type SweepFindingEvent = z.infer<typeof sweepFindingEventSchema>;

/**
 * The node-recovery input of one finding; `id` is the execution name that starts it.
 *
 * @example
 * sweepFindingEvent({ clusterName: 'ml-cluster', finding: 'accelerators-missing', instanceId: 'i-0123456789abcdef0' },
 *   { id: 'sweep-accelerators-missing-…', time: '2026-11-29T10:05:00.000Z' });
 */
const sweepFindingEvent = (
  detail: SweepFindingDetail,
  envelope: { id: string; time: string },
): SweepFindingEvent => ({
  version: '0',
  id: envelope.id,
  'detail-type': SWEEP_FINDING,
  source: SWEEP_SOURCE,
  time: envelope.time,
  resources: [],
  detail,
});

export type { SweepFindingDetail, SweepFindingEvent };
export {
  HYPERPOD_LABELS_FINDING,
  SWEEP_FINDING,
  SWEEP_SOURCE,
  sweepFindingDetailSchema,
  sweepFindingEvent,
  sweepFindingEventSchema,
};
