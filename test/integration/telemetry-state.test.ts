import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTelemetryStore } from '#shared/adapters/dynamodb/telemetry-store';
import type { Signal } from '#shared/domain/case/model';
import { allowedSilenceMs, silenceBucketMs, silenceDue, silenceKeys } from '#shared/domain/detectors/offline-detector';
import type { DeviceBatch, Reading } from '#shared/domain/telemetry';
import { testTables } from '../support/dynamo.ts';

const NOW = Date.UTC(2026, 10, 27, 5, 0);
let env: Awaited<ReturnType<typeof testTables>>;
beforeAll(async () => {
  env = await testTables('state');
});

const batchOf = (seq: number, options: { thing?: string; stepMs?: number; fillPct?: number } = {}): DeviceBatch => {
  const { thing = 'bin-state-1', stepMs = 1000, fillPct = 40 } = options;
  const at = NOW + seq * stepMs;
  const reading: Reading = {
    messageId: `m${seq}`,
    kind: 'bins',
    thing,
    ts: at,
    seq,
    receivedAt: at,
    payload: { ts: at, seq, fillPct } as never,
  };
  return { thing, kind: 'bins', readings: [reading], duplicates: [], latest: reading } as DeviceBatch;
};
/** A detector that remembers every reading it saw, so a lost update would show. */
const remember = (prior: number[] | undefined, newer: Reading[]) => ({
  state: [...(prior ?? []), ...newer.map((r) => r.seq)],
  signals: [],
});
/** A detector whose state changes only on an even reading (the odd ones are "nothing material"). */
const evenOnly = (prior: number[] | undefined, newer: Reading[]) => ({
  state: [...(prior ?? []), ...newer.filter((r) => r.seq % 2 === 0).map((r) => r.seq)],
  signals: [],
});
/** Garbage rooms reporting every 5 minutes (the silence keys are the offline check's, see offline-detector.ts). */
const silenceOf = (thing: string) => (seen: number) =>
  silenceKeys({ thing, kind: 'bins', expectedIntervalSeconds: 300 }, seen);
const options = { silence: silenceOf('bin-state') };
const count = (name: string) => env.requests.filter((r) => r === `${name}:${env.tables.telemetry}`).length;
const stored = (thing: string) => env.stateItem(thing);

describe('device state with detectors, as several execution environments write it', () => {
  it('loses no update when environments take turns: each starts from the stored item, never from its memory', async () => {
    const a = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const b = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    for (const [seq, store] of [
      [1, a],
      [2, b],
      [3, a],
      [4, a],
      [5, b],
    ] as const)
      expect((await store.saveLatestDetecting(batchOf(seq), NOW, remember, options)).outcome).toBe('written');
    expect(await stored('bin-state-1')).toMatchObject({ seq: 5, detector: [1, 2, 3, 4, 5], v: 5 });
  });

  it('writes nothing when the detector state did not change, and holds nothing back: another environment sees the same', async () => {
    const thing = 'bin-state-2';
    const a = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    env.requests.length = 0;
    const outcomes: string[] = [];
    for (let seq = 0; seq < 6; seq++)
      outcomes.push(
        (
          await new DynamoTelemetryStore(env.doc, env.tables.telemetry).saveLatestDetecting(
            batchOf(seq, { thing }),
            NOW + seq * 1000,
            evenOnly,
            options,
          )
        ).outcome,
      );
    expect(outcomes).toEqual(['written', 'unchanged', 'written', 'unchanged', 'written', 'unchanged']);
    expect(count('Statement')).toBe(3);
    // What is stored is all there is: the last material reading.
    expect(await stored(thing)).toMatchObject({ seq: 4, detector: [0, 2, 4] });
    // A replay of an unchanged reading changes nothing again; a stale one is refused.
    expect((await a.saveLatestDetecting(batchOf(5, { thing }), NOW + 5000, evenOnly, options)).outcome).toBe(
      'unchanged',
    );
    expect((await a.saveLatestDetecting(batchOf(3, { thing }), NOW + 3000, evenOnly, options)).outcome).toBe('stale');
  });

  it('compares the detector state by value: a stored map in another attribute order is no change', async () => {
    const thing = 'bin-state-order';
    // As DynamoDB may hand a map back: the same attributes, in another order.
    await env.doc.send(
      new PutCommand({
        TableName: env.tables.telemetry,
        Item: {
          pk: `device#${thing}`,
          sk: 'state',
          v: 1,
          thing,
          kind: 'bins',
          ts: NOW,
          seq: 0,
          wts: NOW,
          wseq: 0,
          lastSeenAt: NOW,
          silenceShard: options.silence(NOW).shard,
          silenceDue: options.silence(NOW).due,
          detector: { b: [1, 2], a: { y: 1, x: 2 } },
          pendingSignals: [],
        },
      }),
    );
    const stored = (
      await env.doc.send(
        new GetCommand({
          TableName: env.tables.telemetry,
          Key: { pk: `device#${thing}`, sk: 'state' },
          ConsistentRead: true,
        }),
      )
    ).Item!.detector as Record<string, unknown>;
    // The same value, its attributes in the reverse of the order they come back in.
    const reversed = (o: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(o)
          .reverse()
          .map(([k, v]) => [
            k,
            v && typeof v === 'object' && !Array.isArray(v) ? reversed(v as Record<string, unknown>) : v,
          ]),
      );
    const state = reversed(stored);
    expect(JSON.stringify(state)).not.toBe(JSON.stringify(stored));
    const same = () => ({ state, signals: [] });
    env.requests.length = 0;
    expect(
      (
        await new DynamoTelemetryStore(env.doc, env.tables.telemetry).saveLatestDetecting(
          batchOf(1, { thing }),
          NOW + 1000,
          same,
          options,
        )
      ).outcome,
    ).toBe('unchanged');
    expect(count('Statement')).toBe(0);
  });

  it('writes an unchanged state when its silence due time changes bucket, telling the detector so; at once with signals', async () => {
    const thing = 'bin-state-3';
    const device = { thing, kind: 'bins' as const, expectedIntervalSeconds: 300 };
    const mine = { silence: silenceOf(thing) };
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const writing: boolean[] = [];
    const told = (prior: number[] | undefined, newer: Reading[], context: { writing: boolean }) => {
      writing.push(context.writing);
      return evenOnly(prior, newer);
    };
    await store.saveLatestDetecting(batchOf(0, { thing }), NOW, told, mine);
    const due = silenceDue(device, NOW);
    expect(await stored(thing)).toMatchObject({ silenceShard: expect.stringMatching(/^s\d+$/), silenceDue: due });
    // The deadline (last contact + 3 intervals) still inside the stored bucket: nothing to write.
    const lastInside = due - allowedSilenceMs(device) - 1;
    expect((await store.saveLatestDetecting(batchOf(1, { thing }), lastInside, told, mine)).outcome).toBe('unchanged');
    // One millisecond on, the deadline reaches the due time: the item moves to the next bucket.
    expect((await store.saveLatestDetecting(batchOf(3, { thing }), lastInside + 1, told, mine)).outcome).toBe(
      'written',
    );
    expect(writing).toEqual([true, false, true]);
    expect(await stored(thing)).toMatchObject({
      lastSeenAt: lastInside + 1,
      detector: [0],
      silenceDue: due + silenceBucketMs(device),
    });
    const signal: Signal = {
      kind: 'anomaly',
      category: 'garbage_overflow',
      siteId: 'gr-1',
      thing,
      evidence: { at: NOW, thing, summary: 'full', data: {} },
    };
    const signalling = (prior: number[] | undefined) => ({ state: prior ?? [], signals: [signal] });
    const result = await store.saveLatestDetecting(batchOf(5, { thing }), lastInside + 1, signalling, mine);
    expect(result.outcome).toBe('written');
    expect((await stored(thing))!.pendingSignals).toHaveLength(1);
  });

  it('keeps the watermark on the newest reading that was not from the future', async () => {
    const thing = 'bin-state-4';
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const ahead = batchOf(1, { thing });
    const future = { ...ahead.latest, ts: NOW + 290_000, receivedAt: NOW };
    await store.saveLatestDetecting({ ...ahead, readings: [future], latest: future }, NOW, remember, options);
    expect(await stored(thing)).not.toHaveProperty('wts');
    // A real reading after it is not stale, and sets the watermark.
    expect((await store.saveLatestDetecting(batchOf(2, { thing }), NOW, remember, options)).outcome).toBe('written');
    expect(await stored(thing)).toMatchObject({ wts: NOW + 2000, wseq: 2, detector: [1, 2] });
  });

  it('reads a batch’s devices in one consistent BatchGetItem; with that snapshot, known and new devices cost no GetItem', async () => {
    const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    const known = ['bin-ahead-1', 'bin-ahead-2'];
    const writer = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
    for (const thing of known) await writer.saveLatestDetecting(batchOf(1, { thing }), NOW, remember, options);
    env.requests.length = 0;
    const snapshot = await store.readStates([...known, 'bin-ahead-new', ...known]);
    expect(count('BatchGetItemCommand')).toBe(1);
    expect(snapshot.get('bin-ahead-new')).toBeNull();
    for (const thing of [...known, 'bin-ahead-new'])
      expect(
        (await store.saveLatestDetecting(batchOf(2, { thing }), NOW, remember, { ...options, snapshot })).outcome,
      ).toBe('written');
    expect(count('GetItemCommand')).toBe(0);
    expect(count('Statement')).toBe(3);
    for (const thing of known) expect(await stored(thing)).toMatchObject({ detector: [1, 2] });
  });
});
