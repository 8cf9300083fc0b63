import { describe, expect, it } from 'vitest';
import {
  ALARM_FAULT_TAG,
  classifyFault,
  DEEP_HEALTH_CHECK_STATUS_LABEL,
  extractXid,
  FAULT_DETAILS_ANNOTATION,
  NODE_HEALTH_STATUS_LABEL,
  severityOf,
} from '#domain/fault-classification.ts';
import type {
  AlarmTrigger,
  ClusterEventTrigger,
  FaultClass,
  ManualTrigger,
  NodeHealthTrigger,
  NodeLabelsTrigger,
  SweepTrigger,
} from '#domain/types.ts';
import { CLUSTER_ARN, INSTANCE, NOW, named } from './fixtures.ts';

const base = { eventId: 'evt-1', time: NOW, clusterName: 'ml-cluster' };

const hmaReason = (faultType: string): string =>
  `HyperPod Health Monitoring Agent (HMA) has detected fault type ${faultType} on this node and is unhealthy.`;

const nodeHealth = (overrides: Partial<NodeHealthTrigger> = {}): NodeHealthTrigger => ({
  ...base,
  kind: 'node-health',
  clusterArn: CLUSTER_ARN,
  instanceId: INSTANCE,
  healthStatus: 'Unhealthy',
  repairAction: 'None',
  ...overrides,
});

const clusterEvent = (overrides: Partial<ClusterEventTrigger> = {}): ClusterEventTrigger => ({
  ...base,
  kind: 'cluster-event',
  clusterArn: CLUSTER_ARN,
  resourceType: 'Instance',
  level: 'Error',
  instanceId: INSTANCE,
  ...overrides,
});

const alarm = (overrides: Partial<AlarmTrigger> = {}): AlarmTrigger => ({
  ...base,
  kind: 'alarm',
  alarmName: 'hpr-node-health',
  alarmArn: 'arn:aws:cloudwatch:us-west-2:111122223333:alarm:hpr-node-health',
  state: 'ALARM',
  tags: {},
  ...overrides,
});

const nodeLabels = (overrides: Partial<NodeLabelsTrigger> = {}): NodeLabelsTrigger => ({
  ...base,
  kind: 'node-labels',
  nodeName: `hyperpod-${INSTANCE}`,
  instanceId: INSTANCE,
  labels: {},
  annotations: {},
  conditions: [],
  ...overrides,
});

const manual = (action: ManualTrigger['action']): ManualTrigger => ({
  ...base,
  kind: 'manual',
  instanceId: INSTANCE,
  action,
  reason: 'operator saw NCCL hangs',
  requestedBy: 'alice',
});

const sweep = (finding: string, detail?: string): SweepTrigger => ({
  ...base,
  kind: 'sweep',
  instanceId: INSTANCE,
  finding,
  ...(detail === undefined ? {} : { detail }),
});

describe('Function: extractXid', () => {
  it.each(
    named([
      {
        text: 'NVRM: Xid (PCI:0000:b7:00): 74, pid=1234, NVLink: fatal error',
        xid: 74,
        case: 'kernel line with PCI address',
      },
      { text: 'Xid 79 GPU has fallen off the bus', xid: 79, case: 'plain "Xid N"' },
      { text: 'XID: 48 DBE', xid: 48, case: 'upper case with a colon' },
      { text: 'xid=95', xid: 95, case: 'key=value' },
      { text: 'xid-119', xid: 119, case: 'hyphenated code' },
      { text: 'Xid79', xid: 79, case: 'label-style value without a separator' },
      { text: 'Xid (0000:3b:00.0) 63 remap', xid: 63, case: 'parenthesis without a colon' },
      { text: 'fault type XidUserAppError', xid: undefined, case: 'an HMA reason name is not a code' },
      { text: 'no gpu trouble here', xid: undefined, case: 'text without any Xid' },
      { text: 'Xid (PCI:0000:b7:00): pid=4', xid: undefined, case: 'an Xid prefix without a code' },
    ]),
  )('reads %s', (_case, { text, xid }) => {
    // Act & Assess
    expect(extractXid(text)).toBe(xid);
  });
});

describe('Function: severityOf', () => {
  it.each(
    named([
      { cls: 'fatal', severity: 'critical', case: 'fatal is critical' },
      { cls: 'recoverable', severity: 'high', case: 'recoverable is high' },
      { cls: 'unknown', severity: 'medium', case: 'unknown is medium' },
      { cls: 'contextual', severity: 'low', case: 'contextual is low' },
      { cls: 'informational', severity: 'info', case: 'informational is info' },
      { cls: 'healthy', severity: 'info', case: 'healthy is info' },
    ] as { cls: FaultClass; severity: string; case: string }[]),
  )('%s', (_case, { cls, severity }) => {
    // Act & Assess
    expect(severityOf(cls)).toBe(severity);
  });
});

describe('Function: classifyFault', () => {
  describe('node health events', () => {
    it.each(
      named([
        {
          case: 'NvidiaErrorTerminate replaces',
          trigger: nodeHealth({ healthStatusReason: hmaReason('NvidiaErrorTerminate') }),
          expected: {
            class: 'fatal',
            code: 'NvidiaErrorTerminate',
            recommendedAction: 'replace',
            severity: 'critical',
          },
        },
        {
          case: 'NvidiaErrorReboot reboots',
          trigger: nodeHealth({ healthStatusReason: hmaReason('NvidiaErrorReboot') }),
          expected: {
            class: 'recoverable',
            code: 'NvidiaErrorReboot',
            recommendedAction: 'reboot',
            severity: 'high',
          },
        },
        {
          case: 'XidUserAppError is the application, not the node',
          trigger: nodeHealth({ healthStatusReason: hmaReason('XidUserAppError') }),
          expected: {
            class: 'contextual',
            code: 'XidUserAppError',
            recommendedAction: 'ignore',
            severity: 'low',
          },
        },
        {
          case: 'an unknown fault type leaves the node suspect (reboot)',
          trigger: nodeHealth({ healthStatusReason: hmaReason('EfaLinkDown') }),
          expected: {
            class: 'unknown',
            code: 'EfaLinkDown',
            recommendedAction: 'reboot',
            severity: 'medium',
          },
        },
        {
          case: 'an unhealthy verdict without a fault type leaves the node suspect',
          trigger: nodeHealth({}),
          expected: { class: 'unknown', code: 'unhealthy', recommendedAction: 'reboot' },
        },
        {
          case: 'an Xid decides when the fault type is unknown',
          trigger: nodeHealth({
            healthStatusReason: `${hmaReason('GpuFault')} NVRM: Xid (PCI:0000:b7:00): 79`,
          }),
          expected: { class: 'fatal', code: 'xid-79', recommendedAction: 'replace' },
        },
        {
          case: 'a contextual Xid calms an unknown fault type',
          trigger: nodeHealth({ healthStatusReason: `${hmaReason('GpuFault')} Xid 31` }),
          expected: { class: 'contextual', code: 'xid-31', recommendedAction: 'ignore' },
        },
        {
          case: 'a fatal Xid strengthens a known reboot verdict',
          trigger: nodeHealth({ healthStatusReason: `${hmaReason('NvidiaErrorReboot')} Xid 74` }),
          expected: { class: 'fatal', code: 'xid-74', recommendedAction: 'replace' },
        },
        {
          case: 'a contextual Xid never weakens a known terminate verdict',
          trigger: nodeHealth({ healthStatusReason: `${hmaReason('NvidiaErrorTerminate')} Xid 13` }),
          expected: { class: 'fatal', code: 'NvidiaErrorTerminate', recommendedAction: 'replace' },
        },
        {
          case: 'an Xid without any fault type decides',
          trigger: nodeHealth({ healthStatusReason: 'GPU error Xid 94 seen' }),
          expected: { class: 'recoverable', code: 'xid-94', recommendedAction: 'reboot' },
        },
        {
          case: 'a recommendation to replace strengthens a reboot verdict',
          trigger: nodeHealth({
            healthStatusReason: hmaReason('NvidiaErrorReboot'),
            recommendation: 'Please Replace the Faulty Node.',
          }),
          expected: { class: 'fatal', code: 'NvidiaErrorReboot', recommendedAction: 'replace' },
        },
        {
          case: 'RepairAction Replace strengthens to replace',
          trigger: nodeHealth({
            healthStatusReason: hmaReason('NvidiaErrorReboot'),
            repairAction: 'Replace',
          }),
          expected: { class: 'fatal', code: 'NvidiaErrorReboot', recommendedAction: 'replace' },
        },
        {
          case: 'RepairAction Reboot strengthens an application fault to reboot',
          trigger: nodeHealth({ healthStatusReason: hmaReason('XidUserAppError'), repairAction: 'Reboot' }),
          expected: { class: 'recoverable', code: 'XidUserAppError', recommendedAction: 'reboot' },
        },
        {
          case: 'RepairAction Reboot never weakens a terminate verdict',
          trigger: nodeHealth({
            healthStatusReason: hmaReason('NvidiaErrorTerminate'),
            repairAction: 'Reboot',
          }),
          expected: { class: 'fatal', code: 'NvidiaErrorTerminate', recommendedAction: 'replace' },
        },
        {
          case: 'a node returning to healthy is not a fault',
          trigger: nodeHealth({
            healthStatus: 'Healthy',
            healthStatusReason: hmaReason('NvidiaErrorTerminate'),
          }),
          expected: { class: 'healthy', code: 'Healthy', recommendedAction: 'ignore', severity: 'info' },
        },
        {
          case: 'Schedulable health status is not a fault',
          trigger: nodeHealth({ healthStatus: 'Schedulable' }),
          expected: { class: 'healthy', code: 'Schedulable', recommendedAction: 'ignore' },
        },
        // Neuron: HyperPod publishes no Neuron fault-type names (docs/facts/accelerators.md
        // neuron.hma-fault-types); the Neuron NPD's reason strings in the text decide.
        {
          case: 'a Neuron NPD HBM uncorrectable error under an unpublished fault type replaces',
          trigger: nodeHealth({
            healthStatusReason: `${hmaReason('NeuronError')} Node condition NeuronHealth is now: True, reason: NeuronHasError_HBM_UNCORRECTABLE_ERROR`,
          }),
          expected: { class: 'fatal', code: 'neuron-HBM_UNCORRECTABLE_ERROR', recommendedAction: 'replace' },
        },
        {
          case: 'a Neuron driver kernel message DMA_ERROR replaces',
          trigger: nodeHealth({
            healthStatusReason: 'kernel: NEURON_HW_ERR=DMA_ERROR on nd3 (placeholder text)',
          }),
          expected: { class: 'fatal', code: 'neuron-DMA_ERROR', recommendedAction: 'replace' },
        },
        {
          case: 'an unpublished Neuron fault type alone reboots first',
          trigger: nodeHealth({ healthStatusReason: hmaReason('NeuronDeviceCountMismatch') }),
          expected: { class: 'unknown', code: 'NeuronDeviceCountMismatch', recommendedAction: 'reboot' },
        },
        {
          case: 'a Neuron error strengthens a known HMA reboot verdict, never weakens it',
          trigger: nodeHealth({
            healthStatusReason: `${hmaReason('NvidiaErrorReboot')} NeuronHasError_SRAM_UNCORRECTABLE_ERROR`,
          }),
          expected: { class: 'fatal', code: 'neuron-SRAM_UNCORRECTABLE_ERROR', recommendedAction: 'replace' },
        },
        {
          case: 'an Xid and a Neuron error in one text: the stronger decides',
          trigger: nodeHealth({ healthStatusReason: 'Xid 13 seen; NeuronHasError_DMA_ERROR' }),
          expected: { class: 'fatal', code: 'neuron-DMA_ERROR', recommendedAction: 'replace' },
        },
        {
          case: 'a Neuron hang on collectives reboots',
          trigger: nodeHealth({ healthStatusReason: 'NeuronHasError_HANG_ON_COLLECTIVES' }),
          expected: { class: 'recoverable', code: 'neuron-HANG_ON_COLLECTIVES', recommendedAction: 'reboot' },
        },
        {
          case: 'an empty health status is not a fault',
          trigger: nodeHealth({ healthStatus: ' ' }),
          expected: { class: 'healthy', code: 'healthy', recommendedAction: 'ignore' },
        },
        {
          case: 'the status spelling is matched case-insensitively',
          trigger: nodeHealth({
            healthStatus: 'UNHEALTHY',
            healthStatusReason: hmaReason('NvidiaErrorReboot'),
          }),
          expected: { class: 'recoverable', recommendedAction: 'reboot' },
        },
      ]),
    )('%s', (_case, { trigger, expected }) => {
      // Act
      const fault = classifyFault(trigger);

      // Assess
      expect(fault).toMatchObject({ source: 'node-health', ...expected });
    });

    it('keeps the raw strings as evidence', () => {
      // Prepare
      const reason = hmaReason('NvidiaErrorTerminate');

      // Act
      const fault = classifyFault(
        nodeHealth({ healthStatusReason: reason, recommendation: 'Please Replace the Faulty Node.' }),
      );

      // Assess
      expect(fault.evidence).toEqual([
        'HealthStatus=Unhealthy',
        reason,
        'Please Replace the Faulty Node.',
        'RepairAction=None',
      ]);
    });

    it('omits the repair action line when the event has none', () => {
      // Act
      const fault = classifyFault(nodeHealth({ repairAction: undefined }));

      // Assess
      expect(fault.evidence).toEqual(['HealthStatus=Unhealthy']);
    });
  });

  describe('cluster events', () => {
    it.each(
      named([
        {
          case: 'a capacity shortage on an instance is not the node fault',
          trigger: clusterEvent({
            failureMessage:
              'We currently do not have sufficient capacity to launch new ml.p5.48xlarge instances. Please try again.',
          }),
          expected: { class: 'informational', code: 'insufficient-capacity', recommendedAction: 'observe' },
        },
        {
          case: 'capacity named only in the description still counts',
          trigger: clusterEvent({ description: 'Replacement failed: insufficient capacity' }),
          expected: { class: 'informational', code: 'insufficient-capacity', recommendedAction: 'observe' },
        },
        {
          case: 'another instance error is recorded, not acted on',
          trigger: clusterEvent({ description: 'Reboot of instance failed to submit' }),
          expected: {
            class: 'unknown',
            code: 'cluster-event-error',
            recommendedAction: 'observe',
            severity: 'medium',
          },
        },
        {
          case: 'a capacity error on an instance group is not treated as an instance shortage',
          trigger: clusterEvent({ resourceType: 'InstanceGroup', failureMessage: 'insufficient capacity' }),
          expected: { class: 'unknown', code: 'cluster-event-error', recommendedAction: 'observe' },
        },
        {
          case: 'an info event is informational',
          trigger: clusterEvent({ level: 'Info', description: 'Instance reboot in progress' }),
          expected: { class: 'informational', code: 'cluster-event-info', recommendedAction: 'observe' },
        },
        {
          case: 'an event without a level is informational',
          trigger: clusterEvent({ level: undefined }),
          expected: { class: 'informational', code: 'cluster-event-unleveled', recommendedAction: 'observe' },
        },
      ]),
    )('%s', (_case, { trigger, expected }) => {
      // Act
      const fault = classifyFault(trigger);

      // Assess
      expect(fault).toMatchObject({ source: 'cluster-event', ...expected });
    });

    it('keeps description, failure message, level and resource type as evidence', () => {
      // Act
      const fault = classifyFault(clusterEvent({ description: 'd', failureMessage: 'f' }));

      // Assess
      expect(fault.evidence).toEqual(['d', 'f', 'EventLevel=Error', 'ResourceType=Instance']);
    });
  });

  describe('alarms', () => {
    it.each(
      named([
        {
          case: 'a pending-replacement metric replaces',
          trigger: alarm({ metricName: 'hyperpod_node_health_status_unschedulable_pending_replacement' }),
          expected: { class: 'fatal', code: 'UnschedulablePendingReplacement', recommendedAction: 'replace' },
        },
        {
          case: 'a pending-reboot metric reboots',
          trigger: alarm({ metricName: 'hyperpod_node_health_status_unschedulable_pending_reboot' }),
          expected: { class: 'recoverable', code: 'UnschedulablePendingReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'a replace tag decides',
          trigger: alarm({ metricName: 'node_gpu_temperature', tags: { [ALARM_FAULT_TAG]: 'replace' } }),
          expected: { class: 'fatal', code: 'alarm-tag-replace', recommendedAction: 'replace' },
        },
        {
          case: 'a reboot tag decides',
          trigger: alarm({ tags: { [ALARM_FAULT_TAG]: ' Reboot ' } }),
          expected: { class: 'recoverable', code: 'alarm-tag-reboot', recommendedAction: 'reboot' },
        },
        {
          case: 'the operator tag wins over the metric name',
          trigger: alarm({
            metricName: 'hyperpod_node_health_status_unschedulable_pending_reboot',
            tags: { [ALARM_FAULT_TAG]: 'replace' },
          }),
          expected: { class: 'fatal', code: 'alarm-tag-replace', recommendedAction: 'replace' },
        },
        {
          case: 'an unrecognised tag value falls through to the metric',
          trigger: alarm({
            metricName: 'hyperpod_node_health_status_unschedulable_pending_reboot',
            tags: { [ALARM_FAULT_TAG]: 'maybe' },
          }),
          expected: { class: 'recoverable', code: 'UnschedulablePendingReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'any other alarm in ALARM leaves the node suspect',
          trigger: alarm({ metricName: 'node_gpu_utilization' }),
          expected: { class: 'unknown', code: 'alarm', recommendedAction: 'reboot' },
        },
        {
          case: 'a metric-math alarm without a metric name leaves the node suspect',
          trigger: alarm({}),
          expected: { class: 'unknown', code: 'alarm', recommendedAction: 'reboot' },
        },
        // Neuron NPD recovery metrics (namespace and counter names from aws-neuron/neuron-helm-charts
        // values.yaml npd.nodeRecovery.counters) and neuron-monitor's ECC counters.
        ...(
          [
            ['NeuronHasError_DMA_ERROR', 'fatal', 'neuron-DMA_ERROR', 'replace'],
            ['NeuronHasError_HBM_UNCORRECTABLE_ERROR', 'fatal', 'neuron-HBM_UNCORRECTABLE_ERROR', 'replace'],
            [
              'NeuronHasError_SRAM_UNCORRECTABLE_ERROR',
              'fatal',
              'neuron-SRAM_UNCORRECTABLE_ERROR',
              'replace',
            ],
            ['NeuronHasError_NC_UNCORRECTABLE_ERROR', 'fatal', 'neuron-NC_UNCORRECTABLE_ERROR', 'replace'],
            ['SomeFutureCounter', 'unknown', 'neuron-SomeFutureCounter', 'reboot'],
          ] as const
        ).map(([metricName, cls, code, action]) => ({
          case: `a NeuronHealthCheck ${metricName} alarm: ${action}`,
          trigger: alarm({ namespace: 'NeuronHealthCheck', metricName }),
          expected: { class: cls, code, recommendedAction: action },
        })),
        ...(
          [
            [
              'hardware_ecc_events_total_mem_ecc_uncorrected',
              'fatal',
              'neuron-mem_ecc_uncorrected',
              'replace',
            ],
            ['neuron.device.sram_ecc_uncorrected', 'fatal', 'neuron-sram_ecc_uncorrected', 'replace'],
            ['neuron.device.mem_ecc_corrected', 'informational', 'neuron-mem_ecc_corrected', 'observe'],
            ['sram_ecc_corrected', 'informational', 'neuron-sram_ecc_corrected', 'observe'],
          ] as const
        ).map(([metricName, cls, code, action]) => ({
          case: `a Neuron monitor ${metricName} alarm: ${action}`,
          trigger: alarm({ namespace: 'ContainerInsights', metricName }),
          expected: { class: cls, code, recommendedAction: action },
        })),
        {
          case: 'a reboot tag overrides a Neuron metric',
          trigger: alarm({
            namespace: 'NeuronHealthCheck',
            metricName: 'NeuronHasError_DMA_ERROR',
            tags: { [ALARM_FAULT_TAG]: 'reboot' },
          }),
          expected: { class: 'recoverable', code: 'alarm-tag-reboot', recommendedAction: 'reboot' },
        },
        {
          case: 'an alarm back to OK is not a fault',
          trigger: alarm({
            state: 'OK',
            metricName: 'hyperpod_node_health_status_unschedulable_pending_replacement',
          }),
          expected: { class: 'healthy', code: 'alarm-ok', recommendedAction: 'ignore' },
        },
        {
          case: 'missing data is observed, not acted on',
          trigger: alarm({ state: 'INSUFFICIENT_DATA', tags: { [ALARM_FAULT_TAG]: 'replace' } }),
          expected: { class: 'informational', code: 'alarm-insufficient_data', recommendedAction: 'observe' },
        },
      ]),
    )('%s', (_case, { trigger, expected }) => {
      // Act
      const fault = classifyFault(trigger);

      // Assess
      expect(fault).toMatchObject({ source: 'alarm', ...expected });
    });

    it('keeps alarm name, metric, reason and tag as evidence', () => {
      // Act
      const fault = classifyFault(
        alarm({
          metricName: 'm',
          namespace: 'ContainerInsights',
          reason: 'Threshold Crossed',
          tags: { [ALARM_FAULT_TAG]: 'reboot' },
        }),
      );

      // Assess
      expect(fault.evidence).toEqual([
        'alarm hpr-node-health is ALARM',
        'metric ContainerInsights/m',
        'Threshold Crossed',
        `${ALARM_FAULT_TAG}=reboot`,
      ]);
    });

    it('writes a placeholder for a metric without a namespace', () => {
      // Act
      const fault = classifyFault(alarm({ metricName: 'm' }));

      // Assess
      expect(fault.evidence).toContain('metric (none)/m');
    });
  });

  describe('node labels', () => {
    it.each(
      named([
        {
          case: 'UnschedulablePendingReplacement replaces',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReplacement' },
          expected: { class: 'fatal', code: 'UnschedulablePendingReplacement', recommendedAction: 'replace' },
        },
        {
          case: 'UnschedulablePendingReboot reboots',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot' },
          expected: { class: 'recoverable', code: 'UnschedulablePendingReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'a fatal Xid in the fault reason strengthens a pending reboot',
          labels: {
            [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot',
            'sagemaker.amazonaws.com/fault-reasons': 'Xid79',
          },
          expected: { class: 'fatal', code: 'xid-79', recommendedAction: 'replace' },
        },
        {
          case: 'a contextual Xid never weakens a pending reboot',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot', 'fault-reason': 'Xid31' },
          expected: { class: 'recoverable', code: 'UnschedulablePendingReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'Schedulable is healthy even with leftover fault labels',
          labels: {
            [NODE_HEALTH_STATUS_LABEL]: 'Schedulable',
            'sagemaker.amazonaws.com/fault-type': 'NvidiaErrorTerminate',
          },
          expected: { class: 'healthy', code: 'Schedulable', recommendedAction: 'ignore' },
        },
        {
          case: 'Unschedulable means a deep health check is running',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'Unschedulable' },
          expected: { class: 'informational', code: 'Unschedulable', recommendedAction: 'ignore' },
        },
        // HyperPod node-labels page (sagemaker-hyperpod-eks-resiliency-node-labels.html):
        // deep-health-check-status Failed "requires a reboot or replacement"; the
        // node-health-status label beside it says which.
        {
          case: 'a failed deep health check beside UnschedulablePendingReplacement replaces',
          labels: {
            [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReplacement',
            [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed',
          },
          expected: { class: 'fatal', code: 'UnschedulablePendingReplacement', recommendedAction: 'replace' },
        },
        {
          case: 'a failed deep health check beside UnschedulablePendingReboot reboots',
          labels: {
            [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot',
            [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed',
          },
          expected: { class: 'recoverable', code: 'UnschedulablePendingReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'a failed deep health check without a pending label starts the ladder with a reboot',
          labels: { [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed' },
          expected: { class: 'unknown', code: 'DeepHealthCheckFailed', recommendedAction: 'reboot' },
        },
        {
          case: 'a failed deep health check beside Schedulable still starts the ladder with a reboot',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'Schedulable', [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed' },
          expected: { class: 'unknown', code: 'DeepHealthCheckFailed', recommendedAction: 'reboot' },
        },
        {
          case: 'a fatal Xid on a node that failed its deep health check replaces',
          labels: {
            [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed',
            'sagemaker.amazonaws.com/fault-reasons': 'Xid79',
          },
          expected: { class: 'fatal', code: 'xid-79', recommendedAction: 'replace' },
        },
        {
          case: 'a contextual fault type never weakens a failed deep health check',
          labels: { [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Failed', 'fault-type': 'XidUserAppError' },
          expected: { class: 'unknown', code: 'DeepHealthCheckFailed', recommendedAction: 'reboot' },
        },
        {
          case: 'a passed deep health check changes nothing',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'Schedulable', [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Passed' },
          expected: { class: 'healthy', code: 'Schedulable', recommendedAction: 'ignore' },
        },
        {
          case: 'the plural prefixed fault-types label is read',
          labels: { 'sagemaker.amazonaws.com/fault-types': 'NvidiaErrorTerminate' },
          expected: { class: 'fatal', code: 'NvidiaErrorTerminate', recommendedAction: 'replace' },
        },
        {
          case: 'the unprefixed fault-type label is read',
          labels: { 'fault-type': 'NvidiaErrorReboot' },
          expected: { class: 'recoverable', code: 'NvidiaErrorReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'the strongest of several fault types in one label wins',
          labels: { 'fault-types': 'NvidiaErrorReboot.NvidiaErrorTerminate' },
          expected: { class: 'fatal', code: 'NvidiaErrorTerminate', recommendedAction: 'replace' },
        },
        {
          case: 'an unknown fault type leaves the node suspect',
          labels: { 'sagemaker.amazonaws.com/fault-type': 'EfaError' },
          expected: { class: 'unknown', code: 'EfaError', recommendedAction: 'reboot' },
        },
        {
          case: 'an unknown health status value is observed',
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'SomethingNew' },
          expected: { class: 'unknown', code: 'SomethingNew', recommendedAction: 'observe' },
        },
        {
          case: 'a node without any fault signal is healthy',
          labels: { 'node.kubernetes.io/instance-type': 'ml.p5.48xlarge' },
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
      ] as { case: string; labels: Record<string, string>; expected: object }[]),
    )('%s', (_case, { labels, expected }) => {
      // Act
      const fault = classifyFault(nodeLabels({ labels }));

      // Assess
      expect(fault).toMatchObject({ source: 'node-labels', ...expected });
    });

    it.each(
      named([
        {
          case: 'a JSON object with an Xid in its message',
          details: JSON.stringify({
            timestamp: NOW,
            type: 'GpuError',
            reason: 'XidHardwareFailure',
            message: 'Xid 48 DBE',
          }),
          expected: { class: 'fatal', code: 'xid-48', recommendedAction: 'replace' },
        },
        {
          case: 'a JSON array naming a known fault type',
          details: JSON.stringify([
            { type: 'NvidiaErrorReboot', reason: 'XidHardwareFailure' },
            'noise',
            null,
          ]),
          expected: { class: 'recoverable', code: 'NvidiaErrorReboot', recommendedAction: 'reboot' },
        },
        {
          case: 'garbage that still names an Xid',
          details: '{not json: Xid 95',
          expected: { class: 'fatal', code: 'xid-95', recommendedAction: 'replace' },
        },
        {
          case: 'garbage without an Xid',
          details: '<<<>>>',
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
        {
          case: 'JSON with fields of the wrong type',
          details: JSON.stringify({ type: 7, reason: ['x'], message: { text: 'nothing' } }),
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
        {
          case: 'an Xid nested where no field is expected is still found in the raw text',
          details: JSON.stringify({ extra: { note: 'Xid 79' } }),
          expected: { class: 'fatal', code: 'xid-79', recommendedAction: 'replace' },
        },
      ]),
    )('reads the fault-details annotation: %s', (_case, { details, expected }) => {
      // Act
      const fault = classifyFault(nodeLabels({ annotations: { [FAULT_DETAILS_ANNOTATION]: details } }));

      // Assess
      expect(fault).toMatchObject(expected);
      expect(fault.evidence).toContain(`${FAULT_DETAILS_ANNOTATION}=${details}`);
    });

    it.each(
      named([
        {
          case: 'an HMA condition that is True is a verdict',
          conditions: [
            { type: 'NvidiaErrorTerminate', status: 'True', reason: 'XidHardwareFailure', message: 'm' },
          ],
          expected: { class: 'fatal', code: 'NvidiaErrorTerminate', recommendedAction: 'replace' },
        },
        {
          case: 'an HMA condition that recovered (False) is not',
          conditions: [{ type: 'NvidiaErrorTerminate', status: 'False' }],
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
        {
          case: 'another agent condition is evidence only, but its Xid counts',
          conditions: [{ type: 'KernelDeadlock', status: 'True', message: 'NVRM: Xid (PCI:0000:b7:00): 62' }],
          expected: { class: 'recoverable', code: 'xid-62', recommendedAction: 'reboot' },
        },
        // The Neuron node problem detector's condition and reasons (aws-neuron/neuron-helm-charts
        // values.yaml npd.config.kernelMonitor).
        ...(
          [
            [
              'NeuronHasError_SRAM_UNCORRECTABLE_ERROR',
              'fatal',
              'neuron-SRAM_UNCORRECTABLE_ERROR',
              'replace',
            ],
            ['NeuronHasError_NC_UNCORRECTABLE_ERROR', 'fatal', 'neuron-NC_UNCORRECTABLE_ERROR', 'replace'],
            ['NeuronHasError_HBM_UNCORRECTABLE_ERROR', 'fatal', 'neuron-HBM_UNCORRECTABLE_ERROR', 'replace'],
            ['NeuronHasError_DMA_ERROR', 'fatal', 'neuron-DMA_ERROR', 'replace'],
            ['NeuronHasError_HANG_ON_COLLECTIVES', 'recoverable', 'neuron-HANG_ON_COLLECTIVES', 'reboot'],
            ['NeuronHasError_SOMETHING_NEW', 'unknown', 'neuron-NeuronHasError_SOMETHING_NEW', 'reboot'],
          ] as const
        ).map(([reason, cls, code, action]) => ({
          case: `the Neuron NPD condition NeuronHealth=True (${reason}): ${action}`,
          conditions: [{ type: 'NeuronHealth', status: 'True', reason, message: 'Neuron has error' }],
          expected: { class: cls, code, recommendedAction: action },
        })),
        {
          case: 'the Neuron NPD condition while healthy (False, NeuronHasNoError) is not a fault',
          conditions: [
            {
              type: 'NeuronHealth',
              status: 'False',
              reason: 'NeuronHasNoError',
              message: 'Neuron has no error',
            },
          ],
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
        {
          case: 'a Neuron error strengthens a pending reboot label',
          conditions: [
            {
              type: 'NeuronHealth',
              status: 'True',
              reason: 'NeuronHasError_NC_UNCORRECTABLE_ERROR',
              message: 'm',
            },
          ],
          labels: { [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot' },
          expected: { class: 'fatal', code: 'neuron-NC_UNCORRECTABLE_ERROR', recommendedAction: 'replace' },
        },
        {
          case: 'Kubernetes Ready conditions are not fault types',
          conditions: [{ type: 'Ready', status: 'True', message: 'Xid 79 in kubelet text' }],
          expected: { class: 'healthy', code: 'no-fault-signal', recommendedAction: 'ignore' },
        },
      ]),
    )('reads node conditions: %s', (_case, { conditions, expected, ...rest }) => {
      // Act
      const labels = 'labels' in rest ? (rest.labels as Record<string, string>) : {};
      const fault = classifyFault(nodeLabels({ conditions, labels }));

      // Assess
      expect(fault).toMatchObject(expected);
    });

    it('keeps every label, annotation and fault condition as evidence', () => {
      // Prepare
      const trigger = nodeLabels({
        labels: {
          [NODE_HEALTH_STATUS_LABEL]: 'UnschedulablePendingReboot',
          [DEEP_HEALTH_CHECK_STATUS_LABEL]: 'Passed',
          'sagemaker.amazonaws.com/fault-types': 'NvidiaErrorReboot',
          'sagemaker.amazonaws.com/fault-reasons': 'XidHardwareFailure',
        },
        annotations: { [FAULT_DETAILS_ANNOTATION]: 'raw' },
        conditions: [
          { type: 'NvidiaErrorReboot', status: 'True', reason: 'XidHardwareFailure', message: 'Xid 71' },
          { type: 'NvidiaErrorTerminate', status: 'True' },
        ],
      });

      // Act
      const fault = classifyFault(trigger);

      // Assess
      expect(fault.evidence).toEqual([
        `${NODE_HEALTH_STATUS_LABEL}=UnschedulablePendingReboot`,
        `${DEEP_HEALTH_CHECK_STATUS_LABEL}=Passed`,
        'sagemaker.amazonaws.com/fault-types=NvidiaErrorReboot',
        'sagemaker.amazonaws.com/fault-reasons=XidHardwareFailure',
        `${FAULT_DETAILS_ANNOTATION}=raw`,
        'condition NvidiaErrorReboot=True (XidHardwareFailure): Xid 71',
        'condition NvidiaErrorTerminate=True',
      ]);
      expect(fault).toMatchObject({
        class: 'fatal',
        code: 'NvidiaErrorTerminate',
        recommendedAction: 'replace',
      });
    });
  });

  describe('manual requests', () => {
    it.each(
      named([
        { action: 'reboot', expected: 'reboot', case: 'a reboot request reboots' },
        { action: 'replace', expected: 'replace', case: 'a replace request replaces' },
        { action: 'auto', expected: 'reboot', case: 'auto lets the policy start with a reboot' },
      ] as const),
    )('%s', (_case, { action, expected }) => {
      // Act
      const fault = classifyFault(manual(action));

      // Assess
      expect(fault).toEqual({
        source: 'manual',
        class: 'unknown',
        code: 'manual',
        severity: 'medium',
        recommendedAction: expected,
        evidence: ['operator saw NCCL hangs', 'requested by alice', `action=${action}`],
      });
    });
  });

  describe('sweep findings', () => {
    it.each(
      named([
        {
          finding: 'instance-failure',
          cls: 'fatal',
          action: 'replace',
          case: 'a SageMaker instance failure replaces',
        },
        {
          finding: 'accelerators-missing',
          cls: 'recoverable',
          action: 'reboot',
          case: 'missing accelerators reboot',
        },
        {
          finding: 'gpu-missing',
          cls: 'recoverable',
          action: 'reboot',
          case: 'the finding name of older sweeps still reboots',
        },
        { finding: 'not-ready', cls: 'recoverable', action: 'reboot', case: 'a NotReady node reboots' },
        {
          finding: 'stale-quarantine',
          cls: 'unknown',
          action: 'reboot',
          case: 'any other finding leaves the node suspect',
        },
        {
          finding: 'constructor',
          cls: 'unknown',
          action: 'reboot',
          case: 'an inherited property name is not a finding',
        },
      ]),
    )('%s', (_case, { finding, cls, action }) => {
      // Act
      const fault = classifyFault(sweep(finding, '7 of 8 GPUs'));

      // Assess
      expect(fault).toMatchObject({ source: 'sweep', class: cls, code: finding, recommendedAction: action });
      expect(fault.evidence).toEqual([`finding=${finding}`, '7 of 8 GPUs']);
    });

    it('drops a missing detail from the evidence', () => {
      // Act & Assess
      expect(classifyFault(sweep('not-ready')).evidence).toEqual(['finding=not-ready']);
    });
  });
});
