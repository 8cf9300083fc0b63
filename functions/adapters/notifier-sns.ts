/**
 * Notifier on one SNS topic. Email subscribers read the Subject and the text; machines read
 * the JSON block at the end of the message, or filter on the message attributes
 * (`severity`, `clusterName`, `incidentId`, `instanceId`).
 */
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '#adapters/ports.ts';

/** SNS: "less than 100 characters", printable ASCII, no line breaks. */
const MAX_SUBJECT_LENGTH = 99;
const ELLIPSIS = '...';

/** A Subject SNS accepts: one line of printable ASCII, at most 99 characters, never empty. */
const toSubject = (subject: string): string => {
  const line = subject
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '?')
    .trim();
  const text = line || 'hyperpod-resilience notification';
  return text.length <= MAX_SUBJECT_LENGTH
    ? text
    : `${text.slice(0, MAX_SUBJECT_LENGTH - ELLIPSIS.length).trimEnd()}${ELLIPSIS}`;
};

/** Readable text first, then the notification as JSON for machines. */
const toMessage = (notification: Notification): string => {
  const facts = [
    `Severity: ${notification.severity}`,
    `Cluster: ${notification.clusterName}`,
    ...(notification.incidentId ? [`Incident: ${notification.incidentId}`] : []),
    ...(notification.instanceId ? [`Instance: ${notification.instanceId}`] : []),
  ];
  return [
    notification.subject,
    '',
    notification.message,
    '',
    ...facts,
    '',
    '--- JSON ---',
    JSON.stringify(notification, null, 2),
  ].join('\n');
};

const stringAttribute = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});

const toAttributes = (notification: Notification): Record<string, MessageAttributeValue> => {
  const attributes: Record<string, MessageAttributeValue> = {
    severity: stringAttribute(notification.severity),
    clusterName: stringAttribute(notification.clusterName),
  };
  // SNS rejects empty attribute values: only set what is known.
  if (notification.incidentId) attributes.incidentId = stringAttribute(notification.incidentId);
  if (notification.instanceId) attributes.instanceId = stringAttribute(notification.instanceId);
  return attributes;
};

interface SnsNotifierOptions {
  client: SNSClient;
  topicArn: string;
}

const createSnsNotifier = ({ client, topicArn }: SnsNotifierOptions): Notifier => ({
  async notify(notification) {
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: toSubject(notification.subject),
        Message: toMessage(notification),
        MessageAttributes: toAttributes(notification),
      }),
    );
  },
});

export { createSnsNotifier, MAX_SUBJECT_LENGTH, type SnsNotifierOptions, toMessage, toSubject };

/** The SNS client of a Lambda in `region` (the composition root wires it; functions/composition/wiring). */
export const snsClientFor = (region: string): SNSClient => new SNSClient({ region });
