/** The `ledger` port: the DynamoDB ledger table through the document client. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoLedger } from '#adapters/ledger-dynamodb.ts';
import type { PortProvider } from '#composition/production-deps.ts';

export const ledger: PortProvider<'ledger'> = (runtime) =>
  createDynamoLedger({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: runtime.region }), {
      // Optional fields of our records are simply absent in the table.
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: runtime.ledgerTable,
    ...(runtime.ledgerRetentionDays !== undefined
      ? { closedIncidentRetentionDays: runtime.ledgerRetentionDays }
      : {}),
  });
