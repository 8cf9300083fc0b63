/** In-memory Notifier: records every notification, in order, for assertions. */
import type { Notification, Notifier } from '#adapters/ports.ts';

const createMemoryNotifier = (): Notifier & { notifications: Notification[]; clear(): void } => {
  const notifications: Notification[] = [];
  return {
    notifications,
    async notify(notification) {
      notifications.push(structuredClone(notification));
    },
    clear() {
      notifications.length = 0;
    },
  };
};

export { createMemoryNotifier };
