import { describe, expect, it } from 'vitest';
import {
  NEURON_HEALTH_CHECK_NAMESPACE,
  NEURON_HEALTH_CONDITION,
  NEURON_HEALTHY_REASON,
  neuronAlarmVerdict,
  neuronConditionVerdict,
  neuronErrorInText,
} from '#domain/neuron-faults.ts';

/**
 * The Neuron node problem detector's kernel-monitor rules, copied from aws-neuron/neuron-helm-charts
 * charts/neuron-helm-chart/values.yaml (npd.config.kernelMonitor) @14049c2091a5ec6befa11f810824d03de58637db.
 */
const NPD_RULES = [
  {
    reason: 'NeuronHasError_SRAM_UNCORRECTABLE_ERROR',
    pattern: '.* NEURON_HW_ERR=SRAM_UNCORRECTABLE_ERROR .*',
  },
  { reason: 'NeuronHasError_NC_UNCORRECTABLE_ERROR', pattern: '.* NEURON_HW_ERR=NC_UNCORRECTABLE_ERROR .*' },
  {
    reason: 'NeuronHasError_HBM_UNCORRECTABLE_ERROR',
    pattern: '.* NEURON_HW_ERR=HBM_UNCORRECTABLE_ERROR .*',
  },
  { reason: 'NeuronHasError_DMA_ERROR', pattern: '.* NEURON_HW_ERR=DMA_ERROR .*' },
];
/** The same file's npd.nodeRecovery.counters: what Neuron's own recovery agent replaces a node for. */
const RECOVERY_COUNTERS = [
  'NeuronHasError_DMA_ERROR',
  'NeuronHasError_HBM_UNCORRECTABLE_ERROR',
  'NeuronHasError_SRAM_UNCORRECTABLE_ERROR',
  'NeuronHasError_NC_UNCORRECTABLE_ERROR',
];

describe('Constants: the Neuron node problem detector', () => {
  it('uses the condition, healthy reason and namespace the Neuron sources name', () => {
    // Assess: values.yaml conditions[0] and the Neuron NPD permissions page (cloudwatch:Namespace).
    expect(NEURON_HEALTH_CONDITION).toBe('NeuronHealth');
    expect(NEURON_HEALTHY_REASON).toBe('NeuronHasNoError');
    expect(NEURON_HEALTH_CHECK_NAMESPACE).toBe('NeuronHealthCheck');
  });
});

describe('Function: neuronErrorInText', () => {
  it.each(NPD_RULES)(
    'replaces for the NPD rule $reason and for the kernel message it matches',
    ({ reason, pattern }) => {
      // Act
      const fromReason = neuronErrorInText(reason);
      const fromKernel = neuronErrorInText(pattern.replaceAll('.*', 'kernel:'));

      // Assess
      expect(fromReason).toMatchObject({ class: 'fatal', action: 'replace' });
      expect(fromKernel).toEqual(fromReason);
    },
  );

  it('replaces for every counter of Neuron’s own recovery agent', () => {
    // Assess
    for (const counter of RECOVERY_COUNTERS)
      expect(neuronErrorInText(counter)?.action, counter).toBe('replace');
  });

  it.each([
    { case: 'no Neuron error', text: 'Xid 79 fell off the bus', verdict: undefined },
    { case: 'an unknown error name', text: 'NEURON_HW_ERR=FLUX_CAPACITOR', verdict: undefined },
    {
      case: 'the strongest of several errors',
      text: 'NeuronHasError_HANG_ON_COLLECTIVES then NeuronHasError_DMA_ERROR',
      verdict: { class: 'fatal', action: 'replace', code: 'neuron-DMA_ERROR' },
    },
    {
      case: 'the strongest of several errors, whichever comes first',
      text: 'NEURON_HW_ERR=NC_UNCORRECTABLE_ERROR then NEURON_HW_ERR=HANG_ON_COLLECTIVES',
      verdict: { class: 'fatal', action: 'replace', code: 'neuron-NC_UNCORRECTABLE_ERROR' },
    },
    {
      case: 'a lowercase kernel value',
      text: 'NEURON_HW_ERR=hang_on_collectives',
      verdict: { class: 'recoverable', action: 'reboot', code: 'neuron-HANG_ON_COLLECTIVES' },
    },
  ])('reads $case', ({ text, verdict }) => {
    // Act & Assess
    expect(neuronErrorInText(text)).toEqual(verdict);
  });
});

describe('Function: neuronConditionVerdict', () => {
  it.each([
    {
      case: 'NeuronHealth=True with a known reason',
      condition: { type: 'NeuronHealth', status: 'True', reason: 'NeuronHasError_DMA_ERROR' },
      verdict: { class: 'fatal', action: 'replace', code: 'neuron-DMA_ERROR' },
    },
    {
      case: 'NeuronHealth=True with an error only in the message',
      condition: { type: 'NeuronHealth', status: 'True', message: 'NEURON_HW_ERR=NC_UNCORRECTABLE_ERROR' },
      verdict: { class: 'fatal', action: 'replace', code: 'neuron-NC_UNCORRECTABLE_ERROR' },
    },
    {
      case: 'NeuronHealth=True without a reason',
      condition: { type: 'NeuronHealth', status: 'true' },
      verdict: { class: 'unknown', action: 'reboot', code: 'neuron-NeuronHealth' },
    },
    {
      case: 'NeuronHealth=False',
      condition: { type: 'NeuronHealth', status: 'False', reason: 'NeuronHasNoError' },
      verdict: undefined,
    },
    {
      case: 'another condition naming a Neuron error',
      condition: { type: 'KernelDeadlock', status: 'True', reason: 'NeuronHasError_DMA_ERROR' },
      verdict: undefined,
    },
  ])('reads $case', ({ condition, verdict }) => {
    // Act & Assess
    expect(neuronConditionVerdict(condition)).toEqual(verdict);
  });
});

describe('Function: neuronAlarmVerdict', () => {
  it.each([
    {
      case: 'a NeuronHealthCheck metric without a name',
      namespace: 'NeuronHealthCheck',
      metric: undefined,
      verdict: { class: 'unknown', action: 'reboot', code: 'neuron-health-check' },
    },
    {
      case: 'a GPU metric elsewhere',
      namespace: 'CWAgent',
      metric: 'DCGM_FI_DEV_XID_ERRORS',
      verdict: undefined,
    },
    { case: 'no metric at all', namespace: undefined, metric: undefined, verdict: undefined },
  ])('reads $case', ({ namespace, metric, verdict }) => {
    // Act & Assess
    expect(neuronAlarmVerdict(namespace, metric)).toEqual(verdict);
  });
});
