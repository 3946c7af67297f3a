import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeviceState, TelemetryStore, WriteOutcome } from '#shared/app/ports';
import type { DeviceBatch, Reading, StateFields } from '#shared/domain/telemetry';
import { batchPut, type BatchWriteOptions } from './batch-write.ts';
import { classify } from './errors.ts';
import { queryAll } from './query.ts';

/** Key layout of the telemetry table. */
export const telemetryKeys = {
  device: (thing: string) => `device#${thing}`,
  state: 'state',
  /** Fixed-width, so history sorts by reading time then sequence. */
  reading: (ts: number, seq: number) => `reading#${String(ts).padStart(15, '0')}#${String(seq).padStart(16, '0')}`,
};

export interface TelemetryStoreOptions extends BatchWriteOptions {
  /** How long reading history is kept (DynamoDB TTL). */
  historyDays?: number;
}

export class DynamoTelemetryStore implements TelemetryStore {
  private readonly historyDays: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: TelemetryStoreOptions = {},
  ) {
    this.historyDays = options.historyDays ?? 30;
  }

  async saveLatest(batch: DeviceBatch, fields: StateFields, lastSeenAt: number): Promise<'written' | 'stale'> {
    const values: Record<string, unknown> = {
      ...fields,
      thing: batch.thing,
      kind: batch.kind,
      ts: batch.latest.ts,
      seq: batch.latest.seq,
      lastSeenAt,
    };
    const names: Record<string, string> = {};
    const exprValues: Record<string, unknown> = {};
    const sets = Object.entries(values).map(([field, value], i) => {
      names[`#f${i}`] = field;
      exprValues[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    names['#ts'] = 'ts';
    names['#seq'] = 'seq';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: telemetryKeys.device(batch.thing), sk: telemetryKeys.state },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // A stale, replayed or duplicate reading never overwrites a newer one.
          ConditionExpression: 'attribute_not_exists(pk) OR #ts < :ts OR (#ts = :ts AND #seq < :seq)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...exprValues, ':ts': batch.latest.ts, ':seq': batch.latest.seq },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      return classify(error, `state of ${batch.thing}`);
    }
  }

  saveHistory(readings: Reading[]): Promise<WriteOutcome> {
    const expiryFloor = this.historyDays * 86_400;
    return batchPut(
      this.doc,
      this.table,
      readings.map((r) => ({
        messageId: r.messageId,
        item: {
          pk: telemetryKeys.device(r.thing),
          sk: telemetryKeys.reading(r.ts, r.seq),
          messageId: r.messageId,
          thing: r.thing,
          kind: r.kind,
          ts: r.ts,
          seq: r.seq,
          receivedAt: r.receivedAt,
          payload: r.payload,
          expiresAt: Math.floor(r.ts / 1000) + expiryFloor,
        },
      })),
      this.options,
    );
  }

  async getLatest(thing: string): Promise<DeviceState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: telemetryKeys.device(thing), sk: telemetryKeys.state } }),
    );
    return Item ? withoutKeys(Item) : undefined;
  }

  async getLatestMany(things: string[]): Promise<Map<string, DeviceState>> {
    const states = new Map<string, DeviceState>();
    for (let i = 0; i < things.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = things
        .slice(i, i + 100)
        .map((thing) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.state }));
      while (keys && keys.length > 0) {
        const result: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
        for (const item of result.Responses?.[this.table] ?? []) states.set(item.thing as string, withoutKeys(item));
        keys = result.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return states;
  }

  /** Reading history of one device, oldest first, between two reading times. */
  async history(thing: string, from: number, to: number): Promise<Reading[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': telemetryKeys.device(thing),
        ':from': telemetryKeys.reading(from, 0),
        ':to': telemetryKeys.reading(to, Number.MAX_SAFE_INTEGER),
      },
    });
    return items.map(({ messageId, kind, ts, seq, receivedAt, payload }) => ({ messageId, kind, thing, ts, seq, receivedAt, payload }) as Reading);
  }
}

function withoutKeys(item: Record<string, unknown>): DeviceState {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as DeviceState;
}
