/**
 * What AWS Neuron (Trainium) nodes report when they are unwell, and what each report means for
 * the node: replace, reboot or observe. HyperPod's health-monitoring agent reads the Neuron
 * monitor and the Neuron node problem detector on Trainium nodes (docs/facts/accelerators.md
 * neuron.hma-sources), but publishes no Neuron fault-type names; so the strings read here are the
 * Neuron node problem detector's own (its `NeuronHealth` condition and `NeuronHasError_*`
 * reasons, the driver's `NEURON_HW_ERR=*` kernel messages they match), the `NeuronHealthCheck`
 * CloudWatch namespace its recovery agent writes, and the ECC counters of neuron-monitor.
 *
 * | Neuron error | Evidence | Action | Why |
 * |---|---|---|---|
 * | `SRAM_UNCORRECTABLE_ERROR` | NPD reason, kernel message, NeuronHealthCheck metric | replace | Neuron's own recovery replaces the node (neuron.npd-recovery-replaces) |
 * | `NC_UNCORRECTABLE_ERROR` | 〃 | replace | 〃 |
 * | `HBM_UNCORRECTABLE_ERROR` | 〃 | replace | 〃 |
 * | `DMA_ERROR` | 〃 | replace | 〃 |
 * | `HANG_ON_COLLECTIVES` | 〃 | reboot | not in Neuron's recovery counters; a hang is cleared by a reboot first [proposal] |
 * | `mem_ecc_uncorrected`, `sram_ecc_uncorrected` | neuron-monitor / Neuron Observer metric in an alarm | replace | uncorrectable memory errors, as the NPD's HBM/SRAM rows |
 * | `mem_ecc_corrected`, `sram_ecc_corrected` | 〃 | observe | corrected errors cost nothing yet [proposal] |
 *
 * Unknown Neuron strings fall through to the caller's default (an unknown fault: reboot first).
 */
import type { FaultClass, RemediationAction } from '#domain/types.ts';

export interface NeuronVerdict {
  class: FaultClass;
  action: RemediationAction;
  /** Stable code, e.g. `neuron-HBM_UNCORRECTABLE_ERROR`. */
  code: string;
}

/** The node condition the Neuron node problem detector sets (docs/facts/accelerators.md neuron.npd-conditions). */
export const NEURON_HEALTH_CONDITION = 'NeuronHealth';
/** Its reason while the node is healthy. */
export const NEURON_HEALTHY_REASON = 'NeuronHasNoError';
/** The reason prefix of each NPD rule: `NeuronHasError_<NEURON_HW_ERR value>`. */
export const NEURON_ERROR_REASON_PREFIX = 'NeuronHasError_';
/** The CloudWatch namespace of the Neuron node problem detector's recovery agent (neuron.npd-cloudwatch). */
export const NEURON_HEALTH_CHECK_NAMESPACE = 'NeuronHealthCheck';

/** The Neuron driver's hardware error names (the `NEURON_HW_ERR=` values the NPD rules match). */
const NEURON_HW_ERRORS: Readonly<Record<string, Omit<NeuronVerdict, 'code'>>> = {
  SRAM_UNCORRECTABLE_ERROR: { class: 'fatal', action: 'replace' },
  NC_UNCORRECTABLE_ERROR: { class: 'fatal', action: 'replace' },
  HBM_UNCORRECTABLE_ERROR: { class: 'fatal', action: 'replace' },
  DMA_ERROR: { class: 'fatal', action: 'replace' },
  HANG_ON_COLLECTIVES: { class: 'recoverable', action: 'reboot' },
};

/** neuron-monitor's hardware ECC counters (neuron.monitor-ecc-counters). */
const NEURON_ECC_COUNTERS: Readonly<Record<string, Omit<NeuronVerdict, 'code'>>> = {
  mem_ecc_uncorrected: { class: 'fatal', action: 'replace' },
  sram_ecc_uncorrected: { class: 'fatal', action: 'replace' },
  mem_ecc_corrected: { class: 'informational', action: 'observe' },
  sram_ecc_corrected: { class: 'informational', action: 'observe' },
};

const hwErrorVerdict = (name: string): NeuronVerdict | undefined => {
  const upper = name.toUpperCase();
  const row = Object.hasOwn(NEURON_HW_ERRORS, upper) ? NEURON_HW_ERRORS[upper] : undefined;
  return row ? { ...row, code: `neuron-${upper}` } : undefined;
};

const ACTION_RANK: Record<RemediationAction, number> = { ignore: 0, observe: 1, reboot: 2, replace: 3 };

/** The verdict that goes further; ties keep the first. */
const strongest = (verdicts: NeuronVerdict[]): NeuronVerdict | undefined =>
  verdicts.reduce<NeuronVerdict | undefined>(
    (best, v) => (best === undefined || ACTION_RANK[v.action] > ACTION_RANK[best.action] ? v : best),
    undefined,
  );

/** `NeuronHasError_DMA_ERROR`, `NEURON_HW_ERR=DMA_ERROR`: the error name after either marker. */
const NEURON_ERROR_PATTERN = /(?:NeuronHasError_|NEURON_HW_ERR=)([A-Za-z_]+)/g;

/**
 * The strongest Neuron hardware error named anywhere in free text: an NPD reason
 * (`NeuronHasError_HBM_UNCORRECTABLE_ERROR`) or the driver's kernel message
 * (`NEURON_HW_ERR=HBM_UNCORRECTABLE_ERROR`). Undefined when none is named or the name is unknown.
 *
 * @example
 * neuronErrorInText('Node condition NeuronHealth is now: True, reason: NeuronHasError_DMA_ERROR');
 * // → { class: 'fatal', action: 'replace', code: 'neuron-DMA_ERROR' }
 */
export const neuronErrorInText = (text: string): NeuronVerdict | undefined =>
  strongest(
    [...text.matchAll(NEURON_ERROR_PATTERN)]
      .map((m) => hwErrorVerdict(m[1] as string))
      .filter((v): v is NeuronVerdict => v !== undefined),
  );

/**
 * A Neuron node condition's verdict: only the NPD's `NeuronHealth` condition while True, read by
 * its reason (and message). Any other condition is not ours to read.
 *
 * @example
 * neuronConditionVerdict({ type: 'NeuronHealth', status: 'True', reason: 'NeuronHasError_NC_UNCORRECTABLE_ERROR' });
 * // → { class: 'fatal', action: 'replace', code: 'neuron-NC_UNCORRECTABLE_ERROR' }
 */
export const neuronConditionVerdict = (condition: {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}): NeuronVerdict | undefined => {
  if (condition.type !== NEURON_HEALTH_CONDITION || condition.status.toLowerCase() !== 'true')
    return undefined;
  const named = neuronErrorInText(`${condition.reason ?? ''} ${condition.message ?? ''}`);
  if (named) return named;
  // NeuronHealth=True with a reason we do not know: the detector saw a Neuron error; reboot first.
  return { class: 'unknown', action: 'reboot', code: `neuron-${condition.reason || 'NeuronHealth'}` };
};

/**
 * A CloudWatch alarm's verdict when its metric is a Neuron health signal: a `NeuronHealthCheck`
 * metric named after an NPD reason, or a neuron-monitor / Neuron Observer ECC counter
 * (`mem_ecc_uncorrected`, `neuron.device.mem_ecc_uncorrected`, `hardware_ecc_events…`).
 *
 * @example
 * neuronAlarmVerdict('NeuronHealthCheck', 'NeuronHasError_HBM_UNCORRECTABLE_ERROR');
 * // → { class: 'fatal', action: 'replace', code: 'neuron-HBM_UNCORRECTABLE_ERROR' }
 */
export const neuronAlarmVerdict = (
  namespace: string | undefined,
  metricName: string | undefined,
): NeuronVerdict | undefined => {
  const metric = metricName ?? '';
  const named = neuronErrorInText(metric);
  if (named) return named;
  const lower = metric.toLowerCase();
  const counter = Object.keys(NEURON_ECC_COUNTERS).find((name) => lower.includes(name));
  if (counter)
    return { ...(NEURON_ECC_COUNTERS[counter] as Omit<NeuronVerdict, 'code'>), code: `neuron-${counter}` };
  if (namespace === NEURON_HEALTH_CHECK_NAMESPACE) {
    // A metric of the Neuron health namespace we have no row for: a Neuron error, reboot first.
    return { class: 'unknown', action: 'reboot', code: `neuron-${metric || 'health-check'}` };
  }
  return undefined;
};
