import { SILENCE } from '#shared/domain/detectors/offline-detector';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRejectStore } from '#shared/adapters/dynamodb/reject-store';
import { DynamoCaseStore } from '#shared/adapters/dynamodb/case-store';
import { DynamoTicketStore } from '#shared/adapters/dynamodb/ticket-store';
import { DynamoTelemetryStore } from '#shared/adapters/dynamodb/telemetry-store';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { wireDeps } from '#shared/runtime/wiring';
import { DynamoRegistryStore } from '#shared/adapters/dynamodb/registry-store';
import { loadDistrictDir } from '#devices/district-files';
import { DEVICE_KINDS, QUERIES_HISTORY, type DeviceKind } from '#shared/domain/device-kinds';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { topicFor } from '#shared/domain/topics';
import { makeHandler as garbageRoomsHandler } from '#functions/ingest-bins/handler';
import { makeHandler as sweepersHandler } from '#functions/ingest-sweepers/handler';
import { makeHandler as camerasHandler } from '#functions/ingest-cameras/handler';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { marker, rawRecord, record, sequenceOf, streamEvent, validPayload } from '../support/telemetry.ts';

const HANDLERS = { bins: garbageRoomsHandler, sweepers: sweepersHandler, cameras: camerasHandler };
const NOW = Date.UTC(2026, 10, 27, 1, 0, 0);

const model = await loadDistrictDir();
let env: Awaited<ReturnType<typeof testTables>>;
beforeAll(async () => {
  env = await testTables('ingest');
  await new DynamoRegistryStore(env.doc, env.tables.registry).putModel(model);
});

type IngestDepsOf = Parameters<typeof garbageRoomsHandler>[0];

function setup(kind: DeviceKind, options: { doc?: ReturnType<typeof documentClient> } = {}) {
  const doc = options.doc ?? env.doc;
  const telemetry = new DynamoTelemetryStore(doc, env.tables.telemetry, { attempts: 2, baseDelayMs: 5 });
  const rejects = new DynamoRejectStore(doc, env.tables.rejects, { attempts: 2, baseDelayMs: 5 });
  const log = recordingLog();
  const metrics = recordingMetrics();
  const clock = fixedClock(NOW);
  const deps: IngestDepsOf = { ...wireDeps({ doc, tables: env.tables, clock, log, metrics }), telemetry, rejects };
  const handler = HANDLERS[kind](deps);
  return { handler, telemetry, rejects, log, metrics, clock };
}

let things = 0;
const newThing = (kind: DeviceKind) => `${kind}-it-${++things}`;

describe.each(DEVICE_KINDS)('%s ingest against DynamoDB Local', (kind) => {
  const msg = (thing: string, ts: number, seq: number, value = 50, extra: Partial<Parameters<typeof record>[0]> = {}) =>
    record({ kind, thing, payload: validPayload(kind, ts, seq, value), receivedAt: ts + 100, ...extra });

  const history = QUERIES_HISTORY[kind]
    ? ', keeping the readings in the table history with a TTL too'
    : ' (and nothing in the table history)';
  it(`stores the latest state${history}`, async () => {
    const { handler, telemetry } = setup(kind);
    const thing = newThing(kind);
    const sent = [msg(thing, NOW - 2000, 1, 11), msg(thing, NOW - 1000, 2, 12)];
    const result = await handler(streamEvent(...sent));
    expect(result.batchItemFailures).toEqual([]);
    const state = await telemetry.getLatest(thing);
    expect(state).toMatchObject({ thing, kind, ts: NOW - 1000, seq: 2, lastSeenAt: NOW - 900 });
    expect(marker(kind, state!)).toBe(12);
    const history = await telemetry.history(thing, NOW - 10_000, NOW);
    expect(history.map((r) => r.seq)).toEqual(QUERIES_HISTORY[kind] ? [1, 2] : []);
    const { Items } = await env.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: env.tables.telemetry,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': `device#${thing}`, ':r': 'reading#' },
      }),
    );
    for (const item of Items!) expect(item.expiresAt).toBe(Math.floor((item.ts as number) / 1000) + 30 * 86_400);
  });

  it('never lets a stale, replayed or duplicate reading overwrite a newer one, across batches', async () => {
    const { handler, telemetry, metrics } = setup(kind);
    const thing = newThing(kind);
    await handler(streamEvent(msg(thing, NOW - 1000, 5, 30)));
    // An older reading arriving late, then a replay of the newest, then a duplicate inside one batch.
    await handler(streamEvent(msg(thing, NOW - 5000, 4, 20)));
    await handler(streamEvent(msg(thing, NOW - 1000, 5, 99)));
    // (A new fill band: a garbage room's state is written when something changed.)
    const dup = msg(thing, NOW - 500, 6, 43);
    const result = await handler(streamEvent(dup, msg(thing, NOW - 500, 6, 43)));
    expect(result.batchItemFailures).toEqual([]);
    const state = await telemetry.getLatest(thing);
    expect(state).toMatchObject({ ts: NOW - 500, seq: 6 });
    expect(marker(kind, state!)).toBe(43);
    expect(metrics.totals.get('TelemetryStale')).toBe(2);
    expect(metrics.totals.get('TelemetryDuplicate')).toBe(1);
  });

  it('orders out-of-order readings in one batch by reading time and sequence', async () => {
    const { handler, telemetry } = setup(kind);
    const thing = newThing(kind);
    await handler(
      streamEvent(msg(thing, NOW - 1000, 9, 40), msg(thing, NOW - 3000, 7, 20), msg(thing, NOW - 1000, 8, 30)),
    );
    const state = await telemetry.getLatest(thing);
    expect(state).toMatchObject({ ts: NOW - 1000, seq: 9 });
    expect(marker(kind, state!)).toBe(40);
  });

  it('collapses a batch per device: at most one state write per device (sweepers: table history in batch writes)', async () => {
    const { handler } = setup(kind);
    const [a, b] = model.devices.filter((d) => d.kind === kind).map((d) => d.thing);
    // (Cameras see nothing here: the common case, no signal to hand over.)
    // Each batch moves the garbage rooms' fill to another band, so their state is due a write.
    const batch = (from: number, base: number) =>
      Array.from({ length: 30 }, (_, i) =>
        msg(i % 2 ? a! : b!, from + i * 1000, from + i, kind === 'cameras' ? 0 : base + i),
      );
    await handler(streamEvent(...batch(NOW - 600_000, 0))); // warms the registry lookups
    env.requests.length = 0;
    const result = await handler(streamEvent(...batch(NOW - 60_000, 40)));
    expect(result.batchItemFailures).toEqual([]);
    const count = (name: string) => env.requests.filter((r) => r === `${name}:${env.tables.telemetry}`).length;
    // One conditional state write per device. Garbage rooms keep detector state with it (read
    // ahead for the invocation, both devices in one BatchGetItem); a market's cameras share one
    // write of the market's detector, which the store kept from the previous batch.
    expect(count('UpdateItemCommand') + count('Statement')).toBe(kind === 'cameras' ? 2 + 1 : 2);
    expect(count('GetItemCommand')).toBe(0);
    expect(count('BatchGetItemCommand')).toBe(kind === 'bins' ? 1 : 0);
    expect(count('BatchWriteItemCommand')).toBe(QUERIES_HISTORY[kind] ? 2 : 0); // 30 history items: 25 + 5
    // A sweeper's batch looks up the stored messages on either side, to join its fixes across batches.
    expect(count('QueryCommand')).toBe(kind === 'sweepers' ? 2 * 2 : 0);
    expect(count('ScanCommand')).toBe(0);

    // A process that did not handle the previous batch (another Lambda container) reads first.
    const cold = setup(kind);
    env.requests.length = 0;
    expect((await cold.handler(streamEvent(...batch(NOW - 30_000, 0)))).batchItemFailures).toEqual([]);
    // Garbage rooms' state is read ahead, both devices in one BatchGetItem; a market's detector is one GetItem.
    expect(count('GetItemCommand')).toBe({ bins: 0, sweepers: 0, cameras: 1 }[kind]);
    expect(count('BatchGetItemCommand')).toBe({ bins: 1, sweepers: 0, cameras: 0 }[kind]);
    // A cold function's registry lookups: devices, then their sites, one batched read each (sweepers look up routes instead).
    const registryReads = env.requests.filter((r) => r.endsWith(`:${env.tables.registry}`));
    if (kind !== 'sweepers')
      expect(registryReads.sort()).toEqual([
        `BatchGetItemCommand:${env.tables.registry}`,
        `BatchGetItemCommand:${env.tables.registry}`,
      ]);
    expect(count('UpdateItemCommand') + count('Statement')).toBe(kind === 'cameras' ? 2 + 1 : 2);
  });

  it('sends each bad message to the rejects store with its reason and payload; stores the good ones (a poison among them)', async () => {
    const { handler, telemetry, rejects, log } = setup(kind);
    const thing = newThing(kind);
    const other = newThing(kind);
    const huge = 'x'.repeat(PAYLOAD_LIMITS.maxPayloadBytes + 10);
    const bad = {
      malformed: record({ kind, thing, payload: '{"ts": 12, "seq": ', receivedAt: NOW }),
      oversized: record({ kind, thing, payload: huge, receivedAt: NOW }),
      wrongClient: record({ kind, thing, clientId: other, payload: validPayload(kind, NOW, 50), receivedAt: NOW }),
      namesAnother: record({ kind, thing, payload: { ...validPayload(kind, NOW, 51), thing: other }, receivedAt: NOW }),
      outOfRange: record({ kind, thing, payload: { ...validPayload(kind, NOW, 52), seq: -3 }, receivedAt: NOW }),
      future: record({ kind, thing, payload: validPayload(kind, NOW + 3_600_000, 53), receivedAt: NOW }),
      badTopic: record({
        kind,
        thing,
        topic: `dt/cityops/${kind}/${thing}/other`,
        payload: validPayload(kind, NOW, 54),
        receivedAt: NOW,
      }),
      notAnEnvelope: rawRecord('this is not an envelope', NOW),
    };
    const good = [msg(thing, NOW - 3000, 1, 21), msg(thing, NOW - 2000, 2, 22)];
    const result = await handler(streamEvent(good[0]!, ...Object.values(bad), good[1]!));
    expect(result.batchItemFailures).toEqual([]);
    expect(marker(kind, (await telemetry.getLatest(thing))!)).toBe(22);
    const id = (r: Parameters<typeof sequenceOf>[0]) => sequenceOf(r);

    const stored = (await rejects.list({ thing })).items;
    const codes = Object.fromEntries(stored.map((r) => [r.messageId, r.code]));
    expect(codes).toEqual({
      [id(bad.malformed)]: 'malformed_json',
      [id(bad.oversized)]: 'oversized',
      [id(bad.wrongClient)]: 'identity_mismatch',
      [id(bad.namesAnother)]: 'identity_mismatch',
      [id(bad.outOfRange)]: 'invalid_payload',
      [id(bad.future)]: 'future_timestamp',
      [id(bad.badTopic)]: 'bad_topic',
    });
    const malformed = stored.find((r) => r.messageId === id(bad.malformed))!;
    expect(malformed).toMatchObject({
      payload: '{"ts": 12, "seq": ',
      payloadEncoding: 'utf8',
      topic: topicFor(kind, thing),
      clientId: thing,
    });
    expect(malformed.reason).toMatch(/not JSON/);
    const oversized = stored.find((r) => r.messageId === id(bad.oversized))!;
    expect(oversized).toMatchObject({ payloadBytes: PAYLOAD_LIMITS.maxPayloadBytes + 10, payloadTruncated: true });
    const unknown = (await rejects.list({ thing: undefined })).items;
    expect(unknown.find((r) => r.messageId === id(bad.notAnEnvelope))).toMatchObject({
      code: 'bad_envelope',
      payload: 'this is not an envelope',
    });
    expect(log.entries.filter((e) => e.message === 'telemetry rejected')).toHaveLength(8);
  });

  it('reports only retryable failures back for redelivery', async () => {
    // A store that cannot be reached: every write fails with a connection error, which is retryable.
    const dead = documentClient(localDynamoClient('http://127.0.0.1:9', { maxAttempts: 1 }));
    const { handler } = setup(kind, { doc: dead });
    const thing = newThing(kind);
    const good = msg(thing, NOW - 1000, 1);
    const bad = record({ kind, thing, payload: 'nope', receivedAt: NOW });
    const result = await handler(streamEvent(good, bad));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [sequenceOf(good), sequenceOf(bad)].sort(),
    );
  });

  it('stores a record the event source retries once the store is back', async () => {
    const thing = newThing(kind);
    const dead = documentClient(localDynamoClient('http://127.0.0.1:9', { maxAttempts: 1 }));
    const m = msg(thing, NOW - 1000, 1, 17);
    const down = setup(kind, { doc: dead });
    expect((await down.handler(streamEvent(m))).batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(m) }]);
    const { handler, telemetry } = setup(kind);
    expect((await handler(streamEvent(m))).batchItemFailures).toEqual([]);
    expect(marker(kind, (await telemetry.getLatest(thing))!)).toBe(17);
  });

  it('turns a non-retryable storage failure into a rejection instead of endless redelivery', async () => {
    const telemetry = new DynamoTelemetryStore(env.doc, 'no-such-table');
    const rejects = new DynamoRejectStore(env.doc, env.tables.rejects);
    const handler = HANDLERS[kind]({
      ...wireDeps({
        doc: env.doc,
        tables: env.tables,
        clock: fixedClock(NOW),
        log: recordingLog(),
        metrics: recordingMetrics(),
      }),
      telemetry,
      rejects,
    });
    const thing = newThing(kind);
    const good = msg(thing, NOW - 1000, 1);
    const result = await handler(streamEvent(good));
    expect(result.batchItemFailures).toEqual([]);
    expect((await rejects.list({ thing })).items).toEqual([
      expect.objectContaining({ messageId: sequenceOf(good), code: 'storage_error' }),
    ]);
  });
});

describe('garbage rooms: state from the store alone, never from memory', () => {
  const roomSensorOf = (i: number) => model.devices.filter((d) => d.kind === 'bins')[i]!;
  const reading = (thing: string, ts: number, seq: number, payload: Record<string, number>, receivedAt = ts) =>
    record({ kind: 'bins', thing, payload: { ts, seq, ...payload }, receivedAt });
  /** Each batch in a new execution environment: new adapters, no cache, nothing kept from the one before. */
  const fresh = () => setup('bins');

  it('does not let a reading dated ahead hide the readings after it', async () => {
    const device = roomSensorOf(20);
    // Dated 290 s ahead (inside the 5 minutes allowed), then four real readings of a room on fire, full and tipped over.
    await fresh().handler(streamEvent(reading(device.thing, NOW + 290_000, 1, { fillPct: 10 }, NOW)));
    for (const seq of [2, 3, 4, 5])
      await fresh().handler(
        streamEvent(reading(device.thing, NOW, seq, { fillPct: 95, temperatureC: 85, tiltDeg: 70 }, NOW + seq)),
      );
    const store = new DynamoCaseStore(env.doc, env.tables.cases);
    const opened = (await store.list({ districtId: 'gongshu', limit: 500 })).items
      .filter((c) => c.siteId === device.siteId)
      .map((c) => c.category)
      .sort();
    expect(opened).toEqual(['bin_fire', 'bin_knocked_over', 'garbage_overflow']);
    // The stored state shows a real reading (the later ones changed nothing, so they were not written).
    expect(await fresh().telemetry.getLatest(device.thing)).toMatchObject({ ts: NOW, fillPct: 95 });
  });

  it('writes a steady room’s state only when it changed, and a stuck sensor still counts to 48 across fresh environments', async () => {
    const device = roomSensorOf(21);
    env.requests.length = 0;
    const writes = () =>
      env.requests.filter(
        (r) => r === `Statement:${env.tables.telemetry}` || r === `UpdateItemCommand:${env.tables.telemetry}`,
      ).length;
    const interval = device.expectedIntervalSeconds * 1000;
    const start = NOW - 60 * interval;
    for (let seq = 0; seq < 50; seq++)
      await fresh().handler(
        streamEvent(reading(device.thing, start + seq * interval, seq, { fillPct: 42, temperatureC: 20 })),
      );
    // The first, one each time the silence due time moves to its next bucket (every 9 intervals
    // of arrival time), one when the run of identical readings starts, one with the signal.
    const bucket = SILENCE.bucketIntervals.bins;
    expect(writes()).toBeLessThanOrEqual(Math.ceil(50 / bucket) + 3);
    expect(writes()).toBeGreaterThanOrEqual(Math.floor(50 / bucket));
    const tickets = new DynamoTicketStore(env.doc, env.tables.tickets);
    const stuck = await tickets.list({ districtId: 'gongshu', thing: device.thing, fault: 'sensor_stuck' });
    expect(stuck.items).toHaveLength(1);
  });
});
