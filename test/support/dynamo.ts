import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames } from '#shared/adapters/dynamodb/tables';

/** This file's tables on the run's DynamoDB Local, under a prefix of its own. */
export async function testTables(name: string) {
  const endpoint = inject('dynamoEndpoint');
  const client = localDynamoClient(endpoint);
  const tables = tableNames(`${name}-${randomUUID().slice(0, 8)}-`);
  await ensureTables(client, tables);
  /**
   * Each request as `<command>:<table>` (the first table of a multi-table request), and each
   * PartiQL statement of a BatchExecuteStatement as `Statement:<table>` besides.
   */
  const requests: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        TableName?: string;
        RequestItems?: Record<string, unknown>;
        Statements?: { Statement: string }[];
      };
      const tableOf = (statement: string) => /(?:INTO|UPDATE|FROM)\s+"([^"]+)"/.exec(statement)?.[1];
      const table =
        input.TableName ?? Object.keys(input.RequestItems ?? {})[0] ?? tableOf(input.Statements?.[0]?.Statement ?? '');
      requests.push(`${context.commandName}:${table}`);
      for (const { Statement } of input.Statements ?? []) requests.push(`Statement:${tableOf(Statement)}`);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const doc = documentClient(client);
  /** A device's state item as stored, read consistently. */
  const stateItem = async (thing: string) =>
    (
      await doc.send(
        new GetCommand({
          TableName: tables.telemetry,
          Key: { pk: `device#${thing}`, sk: 'state' },
          ConsistentRead: true,
        }),
      )
    ).Item;
  return { endpoint, client, doc, tables, requests, stateItem };
}
