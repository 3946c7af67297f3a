import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTelemetryStore } from '#shared/adapters/dynamodb/telemetry-store';
import { checkOffline } from '#shared/app/check-offline';
import type { Signal } from '#shared/domain/case/model';
import type { Device } from '#shared/domain/city-model';
import { allowedSilenceMs, SILENCE, silenceBucketMs, silenceKeys } from '#shared/domain/detectors/offline-detector';
import type { DeviceBatch, Reading } from '#shared/domain/telemetry';
import { fixedClock, recordingLog } from '../support/fakes.ts';
import { testTables } from '../support/dynamo.ts';

const NOW = Date.UTC(2026, 11, 1, 8, 0);
let env: Awaited<ReturnType<typeof testTables>>;
beforeAll(async () => {
  env = await testTables('offline');
});

const cameraOf = (i: number): Device =>
  ({ thing: `cam-off-${i}`, kind: 'cameras', districtId: 'd', siteId: 'mk-1', expectedIntervalSeconds: 15 }) as Device;
const A = allowedSilenceMs(cameraOf(0));
const W = silenceBucketMs(cameraOf(0));

let seq = 0;
const batchOf = (thing: string, at: number): DeviceBatch => {
  seq++;
  const reading: Reading = {
    messageId: `m-${thing}-${seq}`,
    kind: 'cameras',
    thing,
    ts: at,
    seq,
    receivedAt: at,
    payload: { ts: at, seq, detections: [] } as never,
  };
  return { thing, kind: 'cameras', readings: [reading], duplicates: [], latest: reading } as DeviceBatch;
};

/** The check's ports: the real telemetry store; the registry and the case service recorded. */
function checkWith(devices: Device[], now: number) {
  const store = new DynamoTelemetryStore(env.doc, env.tables.telemetry);
  const handled: Signal[] = [];
  const byThing = new Map(devices.map((d) => [d.thing, d]));
  const deps = {
    registry: {
      getDevices: async (things: string[]) =>
        new Map(things.flatMap((t) => (byThing.has(t) ? [[t, byThing.get(t)!] as const] : []))),
    },
    telemetry: store,
    cases: {
      handle: async (signals: Signal[]) => {
        handled.push(...signals);
        return [];
      },
    },
    clock: fixedClock(now),
    log: recordingLog(),
  };
  return { run: () => checkOffline(deps), handled, store };
}
const count = (name: string) => env.requests.filter((r) => r.startsWith(`${name}:`)).length;
const stateOf = (thing: string) => env.stateItem(thing);

describe('the offline check reads the devices that went silent, not the fleet', () => {
  const fleet = Array.from({ length: 300 }, (_, i) => cameraOf(i));
  const store = () => new DynamoTelemetryStore(env.doc, env.tables.telemetry);

  it('costs one query per index shard and no item read while every device reports', async () => {
    for (const device of fleet) await store().saveLatest(batchOf(device.thing, NOW), {}, NOW, silenceKeys(device, NOW));
    const { run, handled } = checkWith(fleet, NOW + A);
    env.requests.length = 0;
    expect(await run()).toEqual({ checked: 0, wentOffline: [], reportedMeanwhile: [], left: 0 });
    expect(count('QueryCommand')).toBe(SILENCE.shards);
    expect(count('BatchGetItemCommand')).toBe(0);
    expect(handled).toEqual([]);
  });

  it('opens a case for each device past its due time, once: the next run reads nothing again', async () => {
    // Two thirds report again a bucket later; the last hundred stay silent.
    const later = NOW + W + 10_000;
    for (const device of fleet.slice(0, 200))
      await store().saveLatest(batchOf(device.thing, later), {}, later, silenceKeys(device, later));
    // Every device last seen at NOW is past its due time by NOW + A + W; those seen a bucket later are not (nor 9 s on).
    const at = NOW + A + W + 1;
    const { run, handled } = checkWith(fleet, at);
    env.requests.length = 0;
    const result = await run();
    expect(result.checked).toBe(100);
    expect(result.wentOffline.sort()).toEqual(
      fleet
        .slice(200)
        .map((d) => d.thing)
        .sort(),
    );
    expect(handled.map((s) => `${s.kind}:${s.category}`)).toEqual(Array(100).fill('anomaly:device_offline'));
    // One consistent read a hundred candidates to confirm them; one conditional mark each.
    expect(count('BatchGetItemCommand')).toBe(1);
    expect(count('UpdateItemCommand')).toBe(100);
    expect(await stateOf(fleet[250]!.thing)).toMatchObject({ offlineSince: at });
    expect(await stateOf(fleet[250]!.thing)).not.toHaveProperty('silenceDue');

    const again = checkWith(fleet, at + 9_000);
    env.requests.length = 0;
    expect((await again.run()).checked).toBe(0);
    expect(count('BatchGetItemCommand')).toBe(0);
    expect(again.handled).toEqual([]);
  });

  it('holds a marked device’s state write until its “reporting again” is handled, then puts it back in the index', async () => {
    const device = fleet[299]!;
    const at = NOW + 2 * (A + W);
    const first = await store().saveLatest(batchOf(device.thing, at), { detections: 0 }, at, silenceKeys(device, at));
    expect(first).toEqual({ outcome: 'offline', offlineSince: NOW + A + W + 1 });
    expect(await stateOf(device.thing)).toMatchObject({ offlineSince: NOW + A + W + 1, lastSeenAt: NOW });
    const again = await store().saveLatest(batchOf(device.thing, at), {}, at, silenceKeys(device, at), {
      reportingAgain: true,
    });
    expect(again).toEqual({ outcome: 'written' });
    const state = await stateOf(device.thing);
    expect(state).not.toHaveProperty('offlineSince');
    expect(state).toMatchObject({ lastSeenAt: at, silenceDue: silenceKeys(device, at).due });
    // A stale reading of a marked device is stale, not a return.
    const other = fleet[298]!;
    const old = await store().saveLatest(batchOf(other.thing, NOW - 1), {}, NOW - 1, silenceKeys(other, NOW - 1));
    expect(old).toEqual({ outcome: 'stale' });
  });

  it('does not mark a device that reported between the check’s read and its mark, and resolves the case it opened', async () => {
    const device = cameraOf(1000);
    await store().saveLatest(batchOf(device.thing, NOW), {}, NOW, silenceKeys(device, NOW));
    const at = NOW + A + W + 1;
    const { handled, store: checkStore } = checkWith([device], at);
    // The check reads the device silent …
    const silent = (await checkStore.silentDevices(at)).filter((s) => s.thing === device.thing);
    expect(silent).toHaveLength(1);
    // … the device reports …
    await store().saveLatest(batchOf(device.thing, at + 1), {}, at + 1, silenceKeys(device, at + 1));
    // … and the conditional mark finds its due time moved.
    expect(await checkStore.markOffline(silent, at + 2)).toEqual([device.thing]);
    expect(await stateOf(device.thing)).not.toHaveProperty('offlineSince');
    expect(handled).toEqual([]);
  });

  it('fills the index from state stored before it existed, carrying an old offline flag over (the migration)', async () => {
    const reporting = cameraOf(2000);
    const wasOffline = cameraOf(2001);
    for (const device of [reporting, wasOffline])
      await env.doc.send(
        new PutCommand({
          TableName: env.tables.telemetry,
          Item: { pk: `device#${device.thing}`, sk: 'state', thing: device.thing, kind: 'cameras', lastSeenAt: NOW },
        }),
      );
    await env.doc.send(
      new PutCommand({
        TableName: env.tables.telemetry,
        Item: {
          pk: `device#${wasOffline.thing}`,
          sk: 'offline',
          thing: wasOffline.thing,
          offline: true,
          since: NOW + 1,
        },
      }),
    );
    expect(await store().indexSilence([reporting, wasOffline, cameraOf(2002)])).toEqual({ indexed: 1, offline: 1 });
    expect(await stateOf(reporting.thing)).toMatchObject({ silenceDue: silenceKeys(reporting, NOW).due });
    expect(await stateOf(wasOffline.thing)).toMatchObject({ offlineSince: NOW + 1 });
    // Run again: nothing left to do.
    expect(await store().indexSilence([reporting, wasOffline])).toEqual({ indexed: 0, offline: 0 });
    // And the check finds the migrated device when its time comes.
    const silent = await store().silentDevices(silenceKeys(reporting, NOW).due);
    expect(silent.map((s) => s.thing)).toContain(reporting.thing);
  });
});
