/** The `ledger` port: the DynamoDB ledger table through the document client. */
import { createDynamoLedger, ledgerClientFor } from '#adapters/ledger-dynamodb.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const ledger: PortProvider<'ledger'> = (runtime) =>
  createDynamoLedger({
    client: ledgerClientFor(runtime.region),
    tableName: runtime.ledgerTable,
    ...(runtime.ledgerRetentionDays !== undefined
      ? { closedIncidentRetentionDays: runtime.ledgerRetentionDays }
      : {}),
  });
