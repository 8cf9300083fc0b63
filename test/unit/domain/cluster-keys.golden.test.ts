/**
 * Golden: the literal label, annotation and taint keys (and the values we match on) that we write on
 * running clusters, and the default keys operators put on their own nodes, workloads and alarms.
 *
 * RENAMING ONE OF THESE ORPHANS STATE ON RUNNING CLUSTERS: a job suspended under the old label is
 * never resumed (resume selects by SUSPENDED_LABEL and holders in SUSPENDED_BY_ANNOTATION), a node
 * quarantined under the old taint is never restored (restore only removes our own key), health-check
 * Jobs are no longer found by label, and opted-out nodes or workloads silently opt back in. A rename
 * needs a migration that reads both keys; then update this file on purpose. The literals here are
 * written out by hand: never build them from the constants under test.
 */
import { describe, expect, it } from 'vitest';
import { alarmSelectionSchema } from '#contracts/config/app.ts';
import { HEALTH_CHECK_NAMESPACE } from '#contracts/config/health-checks.ts';
import { policySchema } from '#contracts/config/policy.ts';
import { ALARM_FAULT_TAG } from '#domain/fault-classification.ts';
import {
  HEALTH_CHECK_INCIDENT_ANNOTATION,
  HEALTH_CHECK_INSTANCE_LABEL,
  HEALTH_CHECK_LABEL,
  HEALTH_CHECK_NODE_ANNOTATION,
  HEALTH_CHECK_PURPOSE_ANNOTATION,
} from '#domain/health-check-job.ts';
import {
  CORDONED_BY_US_ANNOTATION,
  OWNER,
  OWNER_ANNOTATION,
  planQuarantine,
  QUARANTINE_REASON_ANNOTATION,
  QUARANTINE_TAINT_KEY,
  QUARANTINED_AT_ANNOTATION,
  QUARANTINED_BY_ANNOTATION,
} from '#domain/quarantine.ts';
import {
  LAST_SUSPENSION_ANNOTATION,
  planSuspend,
  SUSPEND_METHOD_ANNOTATION,
  SUSPENDED_AT_ANNOTATION,
  SUSPENDED_BY_ANNOTATION,
  SUSPENDED_LABEL,
  SUSPENDED_NODES_ANNOTATION,
} from '#domain/workload-suspension.ts';
import { ALARM_TAG_INSTANCE_ID, ALARM_TAG_NODE_NAME } from '#events/normalize.ts';
import { aNode, NOW } from './fixtures.ts';

describe('Golden: keys we write on cluster objects', () => {
  it.each([
    ['quarantine taint on nodes', QUARANTINE_TAINT_KEY, 'hyperpod-resilience.io/quarantine'],
    [
      'quarantine holder (incident id) on nodes',
      QUARANTINED_BY_ANNOTATION,
      'hyperpod-resilience.io/quarantined-by',
    ],
    ['quarantine reason on nodes', QUARANTINE_REASON_ANNOTATION, 'hyperpod-resilience.io/quarantine-reason'],
    ['quarantine time on nodes', QUARANTINED_AT_ANNOTATION, 'hyperpod-resilience.io/quarantined-at'],
    ['we-cordoned marker on nodes', CORDONED_BY_US_ANNOTATION, 'hyperpod-resilience.io/cordoned-by-us'],
    ['owner annotation on nodes', OWNER_ANNOTATION, 'hyperpod-resilience.io/owner'],
    ['owner value', OWNER, 'hyperpod-resilience'],
    ['suspended label on workloads', SUSPENDED_LABEL, 'hyperpod-resilience.io/suspended'],
    ['suspension holders on workloads', SUSPENDED_BY_ANNOTATION, 'hyperpod-resilience.io/suspended-by'],
    ['suspension time on workloads', SUSPENDED_AT_ANNOTATION, 'hyperpod-resilience.io/suspended-at'],
    ['suspended nodes on workloads', SUSPENDED_NODES_ANNOTATION, 'hyperpod-resilience.io/suspended-nodes'],
    ['suspend method on workloads', SUSPEND_METHOD_ANNOTATION, 'hyperpod-resilience.io/suspend-method'],
    [
      'last suspension (audit) on workloads',
      LAST_SUSPENSION_ANNOTATION,
      'hyperpod-resilience.io/last-suspension',
    ],
    ['health-check Job label', HEALTH_CHECK_LABEL, 'hyperpod-resilience.io/health-check'],
    ['health-check instance label', HEALTH_CHECK_INSTANCE_LABEL, 'hyperpod-resilience.io/instance-id'],
    ['health-check node annotation', HEALTH_CHECK_NODE_ANNOTATION, 'hyperpod-resilience.io/node'],
    ['health-check purpose annotation', HEALTH_CHECK_PURPOSE_ANNOTATION, 'hyperpod-resilience.io/purpose'],
    ['health-check incident annotation', HEALTH_CHECK_INCIDENT_ANNOTATION, 'hyperpod-resilience.io/incident'],
    ['health-check namespace', HEALTH_CHECK_NAMESPACE, 'hyperpod-resilience'],
  ])('the %s is spelled exactly as on running clusters', (_what, constant, literal) => {
    expect(constant).toBe(literal);
  });

  it('a quarantine patch writes exactly these literal keys', () => {
    const plan = planQuarantine(aNode({ metadata: { name: 'hyperpod-i-0123456789abcdef0' }, spec: {} }), {
      incidentId: 'inc-1',
      reason: 'xid-79',
      now: NOW,
    });
    const patch = plan.patch as {
      spec: { taints: unknown[] };
      metadata: { annotations: Record<string, unknown> };
    };
    expect(patch.spec.taints).toContainEqual({
      key: 'hyperpod-resilience.io/quarantine',
      value: 'xid-79',
      effect: 'NoSchedule',
    });
    expect(Object.keys(patch.metadata.annotations).sort()).toEqual([
      'hyperpod-resilience.io/cordoned-by-us',
      'hyperpod-resilience.io/owner',
      'hyperpod-resilience.io/quarantine-reason',
      'hyperpod-resilience.io/quarantined-at',
      'hyperpod-resilience.io/quarantined-by',
    ]);
  });

  it('a suspend patch writes exactly these literal keys', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'train', namespace: 'ml' },
      spec: {},
    };
    const plan = planSuspend(job, 'Job', {
      incidentId: 'inc-1',
      now: NOW,
      optOutAnnotation: 'hyperpod-resilience.io/opt-out',
      respectAutoResume: true,
    });
    expect(plan).toMatchObject({
      action: 'suspend',
      patch: {
        metadata: {
          labels: { 'hyperpod-resilience.io/suspended': 'true' },
          annotations: {
            'hyperpod-resilience.io/suspended-by': '["inc-1"]',
            'hyperpod-resilience.io/suspended-at': NOW,
            'hyperpod-resilience.io/suspend-method': 'field',
          },
        },
      },
    });
  });
});

describe('Golden: default keys operators put on their own objects for us', () => {
  it('spells the opt-out label, the workload opt-out annotation and the alarm tags exactly', () => {
    const policy = policySchema.parse(undefined);
    expect(policy.optOutLabel).toBe('hyperpod-resilience.io/opt-out');
    expect(policy.workloadOptOutAnnotation).toBe('hyperpod-resilience.io/opt-out');
    expect(alarmSelectionSchema.parse(undefined).tagKey).toBe('hyperpod-resilience.io/cluster');
    expect(ALARM_FAULT_TAG).toBe('hyperpod-resilience.io/fault');
    expect(ALARM_TAG_INSTANCE_ID).toBe('hyperpod-resilience.io/instance-id');
    expect(ALARM_TAG_NODE_NAME).toBe('hyperpod-resilience.io/node-name');
  });
});
