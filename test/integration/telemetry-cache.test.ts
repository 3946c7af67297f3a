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

const batchOf = (seq: number, options: { thing?: string; stepMs?: number; fillPct?: number } = {}): DeviceBatch => {
  const { thing = 'bin-cache-1', stepMs = 1000, fillPct = 40 } = options;
  const at = NOW + seq * stepMs;
  const reading: Reading = { messageId: `m${seq}`, kind: 'bins', thing, ts: at, seq, receivedAt: at, payload: { ts: at, seq, fillPct } as never };
  return { thing, kind: 'bins', readings: [reading], duplicates: [], latest: reading } as DeviceBatch;
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
    expect([count('GetItemCommand'), count('Statement')]).toEqual([1, 2]);
    env.requests.length = 0;
    // Now A's copy is current: one write, no read.
    expect((await a.saveLatestDetecting(batchOf(4), NOW, remember)).outcome).toBe('written');
    expect([count('GetItemCommand'), count('Statement')]).toEqual([0, 1]);
    const stored = await env.doc.send(new GetCommand({ TableName: env.tables.telemetry, Key: { pk: 'device#bin-cache-1', sk: 'state' }, ConsistentRead: true }));
    expect(stored.Item).toMatchObject({ seq: 4, detector: [1, 2, 3, 4], v: 4 });
  });
});

describe('write-behind of device state (state-writes.ts)', () => {
  const MIN = 60_000;
  // A sensor reporting every 5 minutes: a heartbeat of 10 minutes.
  const policy = { heartbeatMs: 10 * MIN, fingerprint: (_state: number[], latest: Reading) => String(Math.floor((latest.payload as { fillPct: number }).fillPct / 10)) };
  const stored = async (thing: string) =>
    (await env.doc.send(new GetCommand({ TableName: env.tables.telemetry, Key: { pk: `device#${thing}`, sk: 'state' }, ConsistentRead: true }))).Item;
  const puts = () => env.requests.filter((r) => r === `Statement:${env.tables.telemetry}`).length;

  it('holds back a change nobody acts on, and writes it all at the heartbeat or when the fingerprint changes', async () => {
    const thing = 'bin-behind-1';
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const save = (seq: number, fillPct: number) => store.saveLatestDetecting(batchOf(seq, { thing, stepMs: 5 * MIN, fillPct }), NOW + seq * 5 * MIN, remember, policy);
    env.requests.length = 0;
    expect((await save(1, 41)).outcome).toBe('written'); // nothing stored yet
    expect((await save(2, 42)).outcome).toBe('deferred'); // same band, 5 minutes on
    expect(await stored(thing)).toMatchObject({ seq: 1, fillPct: 41, detector: [1] });
    expect((await save(3, 43)).outcome).toBe('written'); // the heartbeat: 10 minutes since the stored state
    expect(await stored(thing)).toMatchObject({ seq: 3, fillPct: 43, detector: [1, 2, 3], lastSeenAt: NOW + 15 * MIN });
    expect((await save(4, 44)).outcome).toBe('deferred');
    expect((await save(5, 51)).outcome).toBe('written'); // into the next band
    expect(await stored(thing)).toMatchObject({ seq: 5, detector: [1, 2, 3, 4, 5] });
    expect(puts()).toBe(3);
    // What the API shows carries none of the bookkeeping.
    expect(await store.getLatest(thing)).not.toHaveProperty('mark');
  });

  it('writes at once when there are signals to hand over', async () => {
    const thing = 'bin-behind-2';
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const signalling = (prior: number[] | undefined, newer: Reading[]) => ({
      state: [...(prior ?? []), ...newer.map((r) => r.seq)],
      signals: newer.some((r) => r.seq === 3) ? [{ kind: 'anomaly' as const, category: 'garbage_overflow' as const, siteId: 'gr-001', thing, evidence: { at: NOW, thing, summary: 'full', data: {} } }] : [],
    });
    const save = (seq: number) => store.saveLatestDetecting(batchOf(seq, { thing, stepMs: MIN }), NOW + seq * MIN, signalling, policy);
    expect((await save(1)).outcome).toBe('written');
    expect((await save(2)).outcome).toBe('deferred');
    const third = await save(3);
    expect(third.outcome).toBe('written');
    expect(third.pending).toHaveLength(1);
    expect(await stored(thing)).toMatchObject({ seq: 3, detector: [1, 2, 3], pendingSignals: [expect.objectContaining({ category: 'garbage_overflow' })] });
  });

  it('flush writes what is held back; a held-back change another process overwrote is dropped, never written over it', async () => {
    const thing = 'bin-behind-3';
    const a = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const b = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const save = (store: DynamoTelemetryStore, seq: number) => store.saveLatestDetecting(batchOf(seq, { thing, stepMs: MIN }), NOW + seq * MIN, remember, policy);
    await save(a, 1);
    expect((await save(a, 2)).outcome).toBe('deferred');
    expect(await a.flush()).toBe(1);
    expect(await stored(thing)).toMatchObject({ seq: 2, detector: [1, 2], v: 2 });
    expect(await a.flush()).toBe(0); // nothing held back any more

    // A holds back reading 3; B (another container, reading the stored state) writes reading 4 past its heartbeat.
    expect((await save(a, 3)).outcome).toBe('deferred');
    const farLater = batchOf(20, { thing, stepMs: MIN });
    expect((await b.saveLatestDetecting(farLater, NOW + 20 * MIN, remember, policy)).outcome).toBe('written');
    expect(await a.flush()).toBe(0);
    expect(await stored(thing)).toMatchObject({ seq: 20, detector: [1, 2, 20] });
    // A's next change starts from what is stored, not from its dropped copy.
    expect((await a.saveLatestDetecting(batchOf(21, { thing, stepMs: MIN, fillPct: 90 }), NOW + 21 * MIN, remember, policy)).outcome).toBe('written');
    expect(await stored(thing)).toMatchObject({ seq: 21, detector: [1, 2, 20, 21] });
  });
});

describe('read-ahead of detector state (a cold function)', () => {
  it('reads a batch’s devices in one consistent BatchGetItem; known and new devices alike then cost no GetItem', async () => {
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const known = ['bin-ahead-1', 'bin-ahead-2'];
    const writer = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    for (const thing of known) await writer.saveLatestDetecting(batchOf(1, { thing }), NOW, remember);
    env.requests.length = 0;
    await store.warm([...known, 'bin-ahead-new', ...known]);
    const count = (name: string) => env.requests.filter((r) => r === `${name}:${env.tables.telemetry}`).length;
    expect(count('BatchGetItemCommand')).toBe(1);
    for (const thing of [...known, 'bin-ahead-new']) expect((await store.saveLatestDetecting(batchOf(2, { thing }), NOW, remember)).outcome).toBe('written');
    expect(count('GetItemCommand')).toBe(0);
    expect(count('Statement')).toBe(3);
    for (const thing of known) expect(await env.doc.send(new GetCommand({ TableName: env.tables.telemetry, Key: { pk: `device#${thing}`, sk: 'state' } }))).toMatchObject({ Item: { detector: [1, 2] } });
    // Read ahead again: nothing to read, every item is held.
    env.requests.length = 0;
    await store.warm(known);
    expect(env.requests).toEqual([]);
  });
});
