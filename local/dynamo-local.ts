/** An in-process DynamoDB (dynalite) on a free 127.0.0.1 port: the local ledger and config store. */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export const startDynamoLocal = async (): Promise<{ endpoint: string; close: () => Promise<void> }> => {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
