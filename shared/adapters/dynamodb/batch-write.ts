import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WriteOutcome } from '#shared/app/ports/telemetry';
import { isRetryable } from './errors.ts';

const MAX_ITEMS_PER_REQUEST = 25;

export interface BatchWriteOptions {
  /** Rounds of re-sending unprocessed items before handing them back for redelivery. */
  attempts?: number;
  baseDelayMs?: number;
}

/**
 * Puts items 25 to a request, re-sending unprocessed items with backoff. Each item is
 * tagged with the message it came from, so what is left undone maps back to messages.
 */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  table: string,
  items: { messageId: string; item: Record<string, unknown> }[],
  { attempts = 5, baseDelayMs = 50 }: BatchWriteOptions = {},
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { retry: [], failed: [] };
  const chunks: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += MAX_ITEMS_PER_REQUEST) chunks.push(items.slice(i, i + MAX_ITEMS_PER_REQUEST));

  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let attempt = 0; pending.length > 0 && attempt < attempts; attempt++) {
        if (attempt > 0) await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
        try {
          const result = await doc.send(
            new BatchWriteCommand({
              RequestItems: { [table]: pending.map(({ item }) => ({ PutRequest: { Item: item } })) },
            }),
          );
          const unprocessed = result.UnprocessedItems?.[table] ?? [];
          pending = pending.filter(({ item }) => unprocessed.some((u) => sameKey(u.PutRequest?.Item, item)));
        } catch (error) {
          if (isRetryable(error)) continue;
          outcome.failed.push(...pending.map(({ messageId }) => ({ messageId, reason: (error as Error).message })));
          pending = [];
        }
      }
      outcome.retry.push(...pending.map(({ messageId }) => messageId));
    }),
  );
  return outcome;
}

/** Every CityOps table keys on `pk` (and `sk` where it has one). */
const sameKey = (a: Record<string, unknown> | undefined, b: Record<string, unknown>) =>
  a !== undefined && a.pk === b.pk && a.sk === b.sk;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
