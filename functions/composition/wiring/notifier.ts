/** The `notifier` port: the SNS topic. */
import { createSnsNotifier, snsClientFor } from '#adapters/notifier-sns.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const notifier: PortProvider<'notifier'> = (runtime) =>
  createSnsNotifier({ client: snsClientFor(runtime.region), topicArn: runtime.topicArn });
