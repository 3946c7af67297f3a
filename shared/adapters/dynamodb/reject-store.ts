import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { listingCursor, type Page } from '#shared/app/paging';
import type { RejectListing, RejectRecord, RejectStore } from '#shared/app/ports/rejects';
import type { StoreGrants } from './grants.ts';
import type { WriteOutcome } from '#shared/app/ports/telemetry';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import type { Rejection } from '#shared/domain/telemetry';
import { batchPut, type BatchWriteOptions } from './batch-write.ts';

export const UNKNOWN_THING = '(unknown)';

export const rejectKeys = {
  thing: (thing: string | undefined) => `thing#${thing ?? UNKNOWN_THING}`,
  entry: (receivedAt: number, messageId: string) => `${String(receivedAt).padStart(15, '0')}#${messageId}`,
};

// A byte-order mark is kept, as the device sent it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What each method sends (see `grants.ts`). */
export const REJECT_GRANTS: StoreGrants<DynamoRejectStore> = { save: ['BatchWriteItem'], list: ['Query'] };

export class DynamoRejectStore implements RejectStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: BatchWriteOptions & { retentionDays?: number } = {},
  ) {}

  save(rejections: Rejection[]): Promise<WriteOutcome> {
    const retention = (this.options.retentionDays ?? 90) * 86_400;
    return batchPut(
      this.doc,
      this.table,
      rejections.map((r) => ({
        messageId: r.messageId,
        item: {
          pk: rejectKeys.thing(r.thing),
          sk: rejectKeys.entry(r.receivedAt, r.messageId),
          ...toRecord(r),
          expiresAt: Math.floor(r.receivedAt / 1000) + retention,
        },
      })),
      this.options,
    );
  }

  /**
   * Rejections of one thing (or of unreadable messages, with no thing), newest first, of a
   * code and since a time if asked; the page token is the last entry's sort key.
   */
  async list(listing: RejectListing): Promise<Page<RejectRecord>> {
    const limit = listing.limit ?? 100;
    const after = listing.nextToken ? pageTokens.decode(listing.nextToken, listingOf(listing)) : undefined;
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined =
      after === undefined ? undefined : { pk: rejectKeys.thing(listing.thing), sk: after };
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: listing.since === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :since',
          ...(listing.code ? { FilterExpression: 'code = :code' } : {}),
          ExpressionAttributeValues: {
            ':pk': rejectKeys.thing(listing.thing),
            ...(listing.since === undefined ? {} : { ':since': String(listing.since).padStart(15, '0') }),
            ...(listing.code ? { ':code': listing.code } : {}),
          },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return {
      items: items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as unknown as RejectRecord),
      ...(start ? { nextToken: pageTokens.encode(String(start.sk), listingOf(listing)) } : {}),
    };
  }
}

/** A page token: the last entry's sort key. */
const pageTokens = listingCursor(/^\d{15}#.{1,300}$/);
const listingOf = (l: RejectListing) => [l.thing ?? null, l.code ?? null, l.since ?? null];

/** Keeps the original bytes, up to the MQTT payload limit (an item holds at most 400 KB). */
function toRecord(r: Rejection): RejectRecord {
  const bytes = r.payload.subarray(0, PAYLOAD_LIMITS.maxPayloadBytes);
  let payload: string;
  let payloadEncoding: RejectRecord['payloadEncoding'] = 'utf8';
  try {
    payload = utf8.decode(bytes);
  } catch {
    payload = Buffer.from(bytes).toString('base64');
    payloadEncoding = 'base64';
  }
  return {
    messageId: r.messageId,
    code: r.code,
    reason: r.reason,
    thing: r.thing ?? null,
    topic: r.topic ?? null,
    clientId: r.clientId ?? null,
    receivedAt: r.receivedAt,
    payload,
    payloadEncoding,
    payloadBytes: r.payloadBytes ?? r.payload.byteLength,
    payloadTruncated: bytes.byteLength < (r.payloadBytes ?? r.payload.byteLength),
  };
}
