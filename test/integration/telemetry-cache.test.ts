import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTelemetryStore } from '#shared/adapters/dynamodb/telemetry-store';
import type { DeviceBatch, Reading } from '#shared/domain/telemetry';
import { testTables } from '../support/dynamo.ts';

const NOW = Date.UTC(2026, 10, 27, 5, 0);
let env: Awaited<ReturnType<typeof testTables>>;
beforeAll(async () => {
  env = await testTables('cache');
});

const batchOf = (seq: number): DeviceBatch => {
  const reading: Reading = { messageId: `m${seq}`, kind: 'bins', thing: 'bin-cache-1', ts: NOW + seq * 1000, seq, receivedAt: NOW + seq * 1000, payload: { ts: NOW + seq * 1000, seq, fillPct: 40 } as never };
  return { thing: 'bin-cache-1', kind: 'bins', readings: [reading], duplicates: [], latest: reading } as DeviceBatch;
};
/** A detector that remembers every reading it saw, so a lost update would show. */
const remember = (prior: number[] | undefined, newer: Reading[]) => ({ state: [...(prior ?? []), ...newer.map((r) => r.seq)], signals: [] });

describe('detector items cached by the telemetry store', () => {
  it('loses no update when another process wrote since its cached copy (two Lambda containers taking turns)', async () => {
    const a = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const b = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    await a.saveLatestDetecting(batchOf(1), NOW, remember);
    await b.saveLatestDetecting(batchOf(2), NOW, remember);
    env.requests.length = 0;
    // A's copy is a version behind: its write is refused, it reads and writes again.
    expect((await a.saveLatestDetecting(batchOf(3), NOW, remember)).outcome).toBe('written');
    const count = (name: string) => env.requests.filter((r) => r === `${name}:${env.tables.telemetry}`).length;
    expect([count('GetItemCommand'), count('PutItemCommand')]).toEqual([1, 2]);
    env.requests.length = 0;
    // Now A's copy is current: one write, no read.
    expect((await a.saveLatestDetecting(batchOf(4), NOW, remember)).outcome).toBe('written');
    expect([count('GetItemCommand'), count('PutItemCommand')]).toEqual([0, 1]);
    const stored = await env.doc.send(new GetCommand({ TableName: env.tables.telemetry, Key: { pk: 'device#bin-cache-1', sk: 'state' }, ConsistentRead: true }));
    expect(stored.Item).toMatchObject({ seq: 4, detector: [1, 2, 3, 4], v: 4 });
  });
});
