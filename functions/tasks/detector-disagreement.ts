/**
 * What the sweep and admission do with a distrusted mass finding (functions/domain/mass-findings.ts):
 * count it (`DetectorDisagreement`, the metric the deployed alarm watches) and tell people once
 * per window. "Once" is a conditional write in the ledger: a cluster-wide sighting of
 * (`detector-disagreement#<kind>`) that lives for the window, so a storm that lasts an hour is one
 * message per window, not one per node or per sweep.
 */
import type { DetectorDisagreement } from '#domain/mass-findings.ts';
import { DETECTOR_DISAGREEMENT } from '#domain/mass-findings.ts';
import type { TaskDeps } from './deps.ts';

/** The ledger "instance" of cluster-wide sightings (a key part, never an EC2 instance id). */
export const FLEET_SIGHTING = 'fleet';

const WHERE_TO_LOOK: Record<'sweep' | 'admission', string> = {
  sweep:
    'Check the detector before the fleet: node identity (providerID / instance-id label vs ListClusterNodes), ' +
    'the accelerator device plugins (allocatable GPUs or Neuron devices), the Kubernetes API view of the nodes.',
  admission:
    'Check the source before the fleet: an AWS-wide event (AWS Health for the Availability Zone), ' +
    'a HyperPod health agent or alarm misfiring on every node.',
};

/**
 * Counts the disagreement and notifies once per `windowMinutes` for (cluster, source, kind).
 * Returns whether this call sent the notification.
 */
export const reportDisagreement = async (
  deps: TaskDeps,
  input: {
    clusterName: string;
    source: 'sweep' | 'admission';
    disagreement: DetectorDisagreement;
    /** The incident (admission) or sweep occurrence that saw it. */
    seenBy: string;
    now: string;
    windowMinutes: number;
    /** Findings or incidents held by this report (metric value). */
    held: number;
  },
): Promise<boolean> => {
  const { clusterName, source, disagreement: d } = input;
  deps.metrics.count('DetectorDisagreement', { clusterName }, input.held);
  deps.logger.warn('detector disagreement: mass finding held', { clusterName, source, ...d });
  const sighting = await deps.ledger.recordSighting({
    clusterName,
    instanceId: FLEET_SIGHTING,
    faultClass: `${DETECTOR_DISAGREEMENT}#${source}#${d.kind}`,
    incidentId: input.seenBy,
    now: input.now,
    windowMinutes: input.windowMinutes,
  });
  if (!sighting.firstSighting) return false;
  await deps.notifier.notify({
    severity: 'critical',
    clusterName,
    subject: `hyperpod-resilience: ${d.kind} reported on ${d.count} of ${d.fleetSize} nodes of ${clusterName}, not acted on`,
    message:
      `Detector disagreement (${source}) on ${clusterName}: ${d.detail}. ` +
      `Threshold: more than ${d.thresholdPercent}% of the nodes and at least ${d.minNodes} nodes ` +
      `(believed up to ${d.believedUpTo} of ${d.fleetSize}). Sample nodes: ${d.sampleInstanceIds.join(', ')}. ` +
      `${WHERE_TO_LOOK[source]} No recovery is started for ${d.kind} while it lasts; other findings proceed. ` +
      `Recover single nodes by hand (hpr recover) once you know which are really faulty.`,
  });
  return true;
};
