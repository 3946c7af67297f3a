import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RejectStore } from '#shared/app/ports/rejects';
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

/** A stored rejection: the reason and the original payload, as text when it was UTF-8. */
export interface RejectRecord {
  messageId: string;
  code: string;
  reason: string;
  thing: string | null;
  topic: string | null;
  clientId: string | null;
  receivedAt: number;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  payloadBytes: number;
  payloadTruncated: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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

  /** Rejections of one thing (or of unreadable messages, with no thing), newest first. */
  async list(thing: string | undefined, limit = 100): Promise<RejectRecord[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': rejectKeys.thing(thing) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as RejectRecord);
  }
}

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
    payloadBytes: r.payload.byteLength,
    payloadTruncated: bytes.byteLength < r.payload.byteLength,
  };
}
