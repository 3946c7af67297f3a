import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '#shared/app/errors';
import type { ConditionalWriter } from './conditional-writes.ts';
import { classify } from './errors.ts';
import { ABSENT, itemCacheKey, type ItemCache } from './item-cache.ts';

/**
 * What a read-modify-write step decides: the item to write (if any) and what to hand back.
 */
export type Modification<T> = { item?: Record<string, unknown>; result: T };

/**
 * Read-modify-write of one table item under optimistic locking (`v`): takes the
 * item as this store last saw it (or reads it consistently), lets `change` compute the next
 * item, writes it only if nobody wrote in between, and starts over from a fresh read if
 * somebody did. With the cache, a device's batch costs one write instead of a read and a
 * write whenever this process handled the device's previous batch; a copy gone stale (another
 * process wrote since) only costs the failed write and a read.
 */
export async function modifyItem<T>(
  doc: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
  cache: ItemCache | undefined,
  writer: ConditionalWriter,
  change: (current: Record<string, unknown> | undefined) => Modification<T>,
  attempts = 10,
): Promise<T> {
  const cacheKey = itemCacheKey(table, key);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const cached = attempt === 0 ? cache?.get(cacheKey) : undefined;
    let current = cached === ABSENT ? undefined : cached;
    if (!cached) {
      try {
        current = (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
      } catch (error) {
        return classify(error, `read ${key.pk}`);
      }
      if (current) cache?.set(cacheKey, current);
    }
    const { item, result } = change(current);
    if (!item) return result;
    const version = typeof current?.v === 'number' ? current.v : 0;
    const next = { ...item, ...key, v: version + 1 };
    try {
      await writer.put(next, current ? { version, previous: current } : { absent: true });
      cache?.set(cacheKey, next);
      return result;
    } catch (error) {
      cache?.delete(cacheKey);
      if (error instanceof ConditionalCheckFailedException) continue;
      return classify(error, `write ${key.pk}`);
    }
  }
  throw new RetryableError(`${key.pk} kept changing under ${attempts} attempts`);
}
