import {
  BatchGetCommand,
  QueryCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '#shared/app/errors';

/** Every item a query matches, following `LastEvaluatedKey` page by page. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export interface BatchGetOptions {
  /** Strongly consistent reads (default: eventually consistent). */
  consistentRead?: boolean;
  /** Rounds of re-asking for unprocessed keys before giving up (default 8). */
  attempts?: number;
  baseDelayMs?: number;
}

/**
 * The items stored under `keys` (each key once, 100 to a request), re-asking with backoff
 * for the keys DynamoDB leaves unprocessed; a key with no item is simply not in the
 * result. Throws a {@link RetryableError} if keys are still unprocessed after the attempts.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, unknown>[],
  { consistentRead = false, attempts = 8, baseDelayMs = 20 }: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const unique = [...new Map(keys.map((k) => [JSON.stringify(k), k])).values()];
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt >= attempts)
        throw new RetryableError(`${table}: ${pending.length} keys still unprocessed after ${attempts} batch reads`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, baseDelayMs * 2 ** attempt)));
      const result: BatchGetCommandOutput = await doc.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistentRead } } }),
      );
      items.push(...(result.Responses?.[table] ?? []));
      pending = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}
