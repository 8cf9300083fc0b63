import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { createSnsNotifier, toSubject } from '#adapters/notifier-sns.ts';
import type { Notification } from '#adapters/ports.ts';
import { createMemoryNotifier } from '../../fakes/memory-notifier.ts';

const TOPIC = 'arn:aws:sns:us-west-2:111122223333:hyperpod-resilience';
const snsMock = mockClient(SNSClient);
const notifier = createSnsNotifier({ client: new SNSClient({ region: 'us-west-2' }), topicArn: TOPIC });

const notification: Notification = {
  subject: 'hyperpod-resilience: node i-0123456789abcdef0 needs attention',
  message: 'Replace failed twice; the node stays quarantined.',
  severity: 'critical',
  clusterName: 'ml-cluster',
  incidentId: 'inc-a',
  instanceId: 'i-0123456789abcdef0',
};

const publishedInput = () => snsMock.commandCalls(PublishCommand)[0]?.args[0].input;

afterEach(() => {
  snsMock.reset();
});

describe('Function: createSnsNotifier', () => {
  it('publishes subject, readable text and the attributes subscribers filter on', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    await notifier.notify(notification);

    // Assess
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: notification.subject,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        clusterName: { DataType: 'String', StringValue: 'ml-cluster' },
        incidentId: { DataType: 'String', StringValue: 'inc-a' },
        instanceId: { DataType: 'String', StringValue: 'i-0123456789abcdef0' },
      },
    });
    const message = publishedInput()?.Message ?? '';
    expect(message.startsWith(`${notification.subject}\n\n${notification.message}`)).toBe(true);
    expect(message).toContain('Cluster: ml-cluster');
  });

  it('ends the message with the notification as a JSON block', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({});

    // Act
    await notifier.notify(notification);

    // Assess
    const message = publishedInput()?.Message ?? '';
    const json = message.slice(message.indexOf('--- JSON ---') + '--- JSON ---'.length);
    expect(JSON.parse(json)).toEqual(notification);
  });

  it('truncates a subject longer than SNS allows to under 100 characters', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({});
    const subject = `hyperpod-resilience: ${'very long reason '.repeat(10)}`;

    // Act
    await notifier.notify({ ...notification, subject });

    // Assess
    const sent = publishedInput()?.Subject ?? '';
    expect(sent.length).toBeLessThan(100);
    expect(sent.endsWith('...')).toBe(true);
    expect(subject.startsWith(sent.slice(0, -3))).toBe(true);
  });

  it('leaves out the attributes of a notification without incident and instance', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({});
    const { incidentId: _i, instanceId: _n, ...clusterWide } = notification;

    // Act
    await notifier.notify(clusterWide);

    // Assess
    expect(Object.keys(publishedInput()?.MessageAttributes ?? {})).toEqual(['severity', 'clusterName']);
  });

  it('passes a failed publish on to the caller', async () => {
    // Prepare
    snsMock.on(PublishCommand).rejects(new Error('AuthorizationError'));

    // Act
    const result = notifier.notify(notification);

    // Assess
    await expect(result).rejects.toThrow('AuthorizationError');
  });
});

describe('Function: toSubject', () => {
  it.each([
    { case: 'line breaks', subject: 'node down\nsecond line', expected: 'node down second line' },
    { case: 'non-ASCII characters', subject: 'node → quarantined', expected: 'node ? quarantined' },
    { case: 'an empty subject', subject: '  ', expected: 'hyperpod-resilience notification' },
  ])('makes a subject SNS accepts from $case', ({ subject, expected }) => {
    // Act
    const result = toSubject(subject);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('Function: createMemoryNotifier', () => {
  it('records notifications in order', async () => {
    // Prepare
    const memory = createMemoryNotifier();

    // Act
    await memory.notify(notification);
    await memory.notify({ ...notification, severity: 'info' });

    // Assess
    expect(memory.notifications.map((n) => n.severity)).toEqual(['critical', 'info']);
  });
});
