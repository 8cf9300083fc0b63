/** The `notifier` port: the SNS topic. */
import { SNSClient } from '@aws-sdk/client-sns';
import { createSnsNotifier } from '#adapters/notifier-sns.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const notifier: PortProvider<'notifier'> = (runtime) =>
  createSnsNotifier({ client: new SNSClient({ region: runtime.region }), topicArn: runtime.topicArn });
