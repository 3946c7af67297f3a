import { describe, expect, it } from 'vitest';
import { detectGarbageRooms, type GarbageRoomDetectorState } from '#shared/domain/detectors/garbage-room-detector';
import type { GarbageRoomFillPayload } from '#shared/domain/payloads';
import { detectMarket, type CameraDetectorState } from '#shared/domain/detectors/camera-detector';
import {
  allowedSilenceMs,
  isSilent,
  reportingAgain,
  SILENCE,
  silenceBucketMs,
  silenceDue,
  silenceShard,
  wentSilent,
} from '#shared/domain/detectors/offline-detector';
import type { Device } from '#shared/domain/city-model';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 0, 0);
const ctx = { thing: 'bin-1', siteId: 'gr-1' };

/** Feeds readings one batch at a time (as separate ingest batches would), collecting signals. */
function runBins(readings: Record<string, number>[], overrides?: Record<string, number>, everyMs = 5 * MIN) {
  let state: GarbageRoomDetectorState | undefined;
  const signals: string[] = [];
  readings.forEach((r, i) => {
    const out = detectGarbageRooms(
      state,
      [{ ts: T0 + i * everyMs, payload: { ts: T0 + i * everyMs, seq: i, fillPct: 50, ...r } }],
      { ...ctx, overrides },
    );
    state = out.state;
    signals.push(...out.signals.map((s) => `${i}:${s.kind}:${s.category}`));
  });
  return signals;
}

describe('garbage-room detectors', () => {
  it('opens overflow after two readings at 90 % or more, not one, and clears below 70 % only', () => {
    expect(runBins([{ fillPct: 95 }, { fillPct: 80 }, { fillPct: 91 }])).toEqual([]);
    expect(runBins([{ fillPct: 91 }, { fillPct: 92 }, { fillPct: 80 }, { fillPct: 69 }])).toEqual([
      '1:anomaly:garbage_overflow',
      '3:clear:garbage_overflow',
    ]);
  });
  it('opens overflow after 10 minutes at 90 % when the readings count is raised', () => {
    expect(runBins([{ fillPct: 91 }, { fillPct: 92 }, { fillPct: 93 }], { overflowReadings: 5 }, 4 * MIN)).toEqual([]);
    expect(
      runBins([{ fillPct: 91 }, { fillPct: 92 }, { fillPct: 93 }, { fillPct: 93 }], { overflowReadings: 5 }, 4 * MIN),
    ).toEqual(['3:anomaly:garbage_overflow']);
  });
  it('honours a site’s overflow threshold override', () => {
    expect(runBins([{ fillPct: 86 }, { fillPct: 87 }], { overflowPct: 85 })).toEqual(['1:anomaly:garbage_overflow']);
  });
  it('predicts collection due from the fill rate and clears when the room is emptied', () => {
    // +6 % every 5 minutes = 72 %/h: from 62 % full in about half an hour.
    const signals = runBins([{ fillPct: 50 }, { fillPct: 56 }, { fillPct: 62 }, { fillPct: 68 }, { fillPct: 5 }]);
    expect(signals).toEqual(['3:anomaly:collection_due', '4:clear:collection_due']);
    expect(runBins([{ fillPct: 50 }, { fillPct: 50.5 }, { fillPct: 51 }, { fillPct: 51.5 }])).toEqual([]);
  });
  it('raises fire on 60 °C or a 15 °C rise within 10 minutes', () => {
    expect(runBins([{ temperatureC: 20 }, { temperatureC: 61 }, { temperatureC: 30 }])).toEqual([
      '1:anomaly:bin_fire',
      '2:clear:bin_fire',
    ]);
    expect(runBins([{ temperatureC: 20 }, { temperatureC: 36 }], undefined, 5 * MIN)).toEqual(['1:anomaly:bin_fire']);
    expect(runBins([{ temperatureC: 20 }, { temperatureC: 36 }], undefined, 11 * MIN)).toEqual([]);
  });
  it('raises knocked over, low battery and stuck sensor, each with its clear condition', () => {
    expect(runBins([{ tiltDeg: 50 }, { tiltDeg: 30 }, { tiltDeg: 5 }])).toEqual([
      '0:anomaly:bin_knocked_over',
      '2:clear:bin_knocked_over',
    ]);
    expect(runBins([{ batteryPct: 15 }, { batteryPct: 20 }, { batteryPct: 95 }])).toEqual([
      '0:anomaly:device_low_battery',
      '2:clear:device_low_battery',
    ]);
    const stuck = runBins([...Array.from({ length: 48 }, () => ({ fillPct: 42 })), { fillPct: 43 }]);
    expect(stuck).toEqual(['47:anomaly:sensor_stuck', '48:clear:sensor_stuck']);
    expect(runBins(Array.from({ length: 47 }, () => ({ fillPct: 42 })))).toEqual([]);
  });
  it('keeps its state across batches exactly as within one batch', () => {
    const readings = [91, 92, 60].map((fillPct, i) => ({
      ts: T0 + i * MIN,
      payload: { ts: T0 + i * MIN, seq: i, fillPct },
    }));
    const together = detectGarbageRooms(undefined, readings, ctx).signals.map((s) => s.kind);
    expect(together).toEqual(['anomaly', 'clear']);
    expect(runBins([{ fillPct: 91 }, { fillPct: 92 }, { fillPct: 60 }], undefined, MIN)).toEqual([
      '1:anomaly:garbage_overflow',
      '2:clear:garbage_overflow',
    ]);
  });
});

describe('garbage-room detector state as stored', () => {
  const HEARTBEAT = 15 * MIN;
  const steady = (n: number, from = 0) =>
    Array.from({ length: n }, (_, k) => {
      const i = from + k;
      return {
        ts: T0 + i * 5 * MIN,
        seq: i,
        payload: {
          ts: T0 + i * 5 * MIN,
          seq: i,
          fillPct: 40 + i * 0.3,
          temperatureC: 20 + (i % 2) * 0.5,
          tiltDeg: 1,
          batteryPct: 80,
        },
      };
    });
  const step = (
    state: GarbageRoomDetectorState | undefined,
    readings: { ts: number; seq: number; payload: GarbageRoomFillPayload }[],
  ) => detectGarbageRooms(state, readings, { ...ctx, heartbeatMs: HEARTBEAT });

  it('changes only on a material change: a steady room keeps one sample a heartbeat (every third reading)', () => {
    let state = step(undefined, steady(1)).state;
    const changed: number[] = [];
    for (const r of steady(30, 1)) {
      const next = step(state, [r]).state;
      if (JSON.stringify(next) !== JSON.stringify(state)) changed.push(r.seq);
      state = next;
    }
    expect(changed).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect(JSON.stringify(state).length).toBeLessThan(800);
  });

  it('takes a new fill band, a 3 °C move and a detector step as material at once', () => {
    const { state } = step(undefined, steady(1));
    const at = (patch: Record<string, number>) => ({
      ts: T0 + 5 * MIN,
      seq: 1,
      payload: { ts: T0 + 5 * MIN, seq: 1, fillPct: 40.3, temperatureC: 20, ...patch },
    });
    const same = (patch: Record<string, number>) =>
      JSON.stringify(step(state, [at(patch)]).state) === JSON.stringify(state);
    expect(same({})).toBe(true);
    expect(same({ fillPct: 50.1 })).toBe(false); // band 4 → 5
    expect(same({ temperatureC: 23 })).toBe(false);
    expect(same({ temperatureC: 22.9 })).toBe(true);
    expect(same({ fillPct: 91 })).toBe(false); // a high-fill run begins
  });

  it('gives the same signals whether a reading was kept or not: batching and skipped writes change nothing', () => {
    const readings = [
      ...steady(20),
      ...[91, 92, 93].map((fillPct, k) => ({
        ts: T0 + (20 + k) * 5 * MIN,
        seq: 20 + k,
        payload: { ts: T0 + (20 + k) * 5 * MIN, seq: 20 + k, fillPct, temperatureC: 20 },
      })),
    ];
    const together = step(undefined, readings).signals.map((s) => `${s.kind}:${s.category}`);
    let state: GarbageRoomDetectorState | undefined;
    const oneByOne: string[] = [];
    for (const r of readings) {
      const out = step(state, [r]);
      state = out.state;
      oneByOne.push(...out.signals.map((s) => `${s.kind}:${s.category}`));
    }
    expect(together).toEqual(['anomaly:garbage_overflow']);
    expect(oneByOne).toEqual(together);
  });

  it('counts a stuck run by the device’s counter, so readings that left the state alone still count', () => {
    let state: GarbageRoomDetectorState | undefined;
    const raised: number[] = [];
    for (let i = 0; i < 60; i++) {
      const out = step(state, [
        {
          ts: T0 + i * 5 * MIN,
          seq: i,
          payload: { ts: T0 + i * 5 * MIN, seq: i, fillPct: 42, temperatureC: 20, tiltDeg: 1, batteryPct: 80 },
        },
      ]);
      state = out.state;
      if (out.signals.some((s) => s.category === 'sensor_stuck')) raised.push(i);
    }
    expect(raised).toEqual([47]);
    expect(state!.run).toEqual({ fillPct: 42, fromSeq: 0 });
  });
});

describe('market camera detector', () => {
  const msg = (
    minute: number,
    detections: { type?: string; zoneId?: string; confidence?: number }[],
    thing = 'cam-a',
  ) => ({
    thing,
    ts: T0 + minute * MIN,
    payload: {
      ts: T0 + minute * MIN,
      seq: minute,
      detections: detections.map((d) => ({
        type: 'stall_outside_boundary',
        zoneId: 'z1',
        confidence: 0.8,
        ...d,
      })) as never,
    },
  });
  const run = (messages: ReturnType<typeof msg>[]) => {
    let state: CameraDetectorState | undefined;
    const out: string[] = [];
    for (const m of messages) {
      const r = detectMarket(state, [m], { siteId: 'mk-1' });
      state = r.state;
      out.push(...r.signals.map((s) => `${(m.ts - T0) / MIN}:${s.kind}:${s.category}:${s.zoneId}`));
    }
    return out;
  };
  it('opens nothing for one detection, or for detections below 0.6 confidence', () => {
    expect(run([msg(0, [{}]), msg(1, []), msg(20, [])])).toEqual([]);
    expect(run([0, 2, 4, 6, 8].map((m) => msg(m, [{ confidence: 0.59 }])))).toEqual([]);
  });
  it('needs three detections over at least five minutes', () => {
    expect(run([msg(0, [{}]), msg(1, [{}]), msg(2, [{}])])).toEqual([]);
    expect(run([msg(0, [{}]), msg(2, [{}]), msg(5, [{}])])).toEqual(['5:anomaly:market_stall_outside:z1']);
  });
  it('counts detections from every camera of the market, per zone and type', () => {
    expect(
      run([
        msg(0, [{}], 'cam-a'),
        msg(3, [{}], 'cam-b'),
        msg(6, [{ type: 'litter_pile' }], 'cam-a'),
        msg(6, [{}], 'cam-b'),
      ]),
    ).toEqual(['6:anomaly:market_stall_outside:z1']);
  });
  it('counts a replayed message once, and takes late messages in time order', () => {
    const first = msg(0, [{}]);
    expect(run([first, first, first, msg(1, [])])).toEqual([]);
    // The newest first, then the older two: the run spans six minutes all the same.
    expect(run([msg(6, [{}]), msg(0, [{}]), msg(3, [{}])])).toEqual(['3:anomaly:market_stall_outside:z1']);
  });

  it('clears after 15 minutes without a detection', () => {
    expect(
      run([
        msg(0, [{ type: 'illegal_parking' }]),
        msg(3, [{ type: 'illegal_parking' }]),
        msg(6, [{ type: 'illegal_parking' }]),
        msg(15, []),
        msg(21, []),
      ]),
    ).toEqual(['6:anomaly:illegal_parking:z1', '21:clear:illegal_parking:z1']);
  });
});

describe('offline detector', () => {
  const device = {
    thing: 'cam-1',
    kind: 'cameras',
    districtId: 'd',
    siteId: 'mk-1',
    expectedIntervalSeconds: 60,
  } as Device;

  it('counts a device silent after three intervals without a message', () => {
    const now = T0 + 10 * MIN;
    expect(allowedSilenceMs(device)).toBe(180_000);
    expect(isSilent(device, now - 180_000, now)).toBe(false);
    expect(isSilent(device, now - 181_000, now)).toBe(true);
    expect(wentSilent(device, now - 181_000, now)).toMatchObject({
      kind: 'anomaly',
      category: 'device_offline',
      siteId: 'mk-1',
      thing: 'cam-1',
      evidence: { summary: 'no message for 181 s (expected every 60 s)' },
    });
    expect(reportingAgain(device, now - 1000, now)).toMatchObject({ kind: 'clear', category: 'device_offline' });
  });

  it('puts the check due time at the end of the bucket holding the deadline: never before it, at most a bucket after', () => {
    for (const [thing, kind] of [
      ['cam-1', 'cameras'],
      ['bin-gs-001', 'bins'],
      ['sw-9', 'sweepers'],
      ['x', 'bins'],
    ] as const) {
      const d = { ...device, thing, kind };
      for (let seen = T0; seen < T0 + 3 * silenceBucketMs(d); seen += 7_001) {
        const deadline = seen + allowedSilenceMs(d);
        const due = silenceDue(d, seen);
        expect(due).toBeGreaterThan(deadline);
        expect(due - deadline).toBeLessThanOrEqual(silenceBucketMs(d));
      }
    }
  });

  it('moves the due time only when the deadline leaves its bucket: once a bucket of readings', () => {
    // Garbage rooms (state written on a change) have wider buckets than cameras (state written every message).
    expect(silenceBucketMs({ kind: 'bins', expectedIntervalSeconds: 300 })).toBe(60 * MIN);
    expect(silenceBucketMs(device)).toBe(3 * 60_000);
    const dues = new Set<number>();
    // Four buckets' worth of readings, one an interval.
    const readings = 4 * SILENCE.bucketIntervals.cameras;
    for (let i = 0; i < readings; i++) dues.add(silenceDue(device, T0 + i * 60_000));
    expect(dues.size).toBeGreaterThanOrEqual(4);
    expect(dues.size).toBeLessThanOrEqual(5);
  });

  it('spreads devices over the shards and their buckets’ turnover over the bucket', () => {
    const things = Array.from({ length: 1600 }, (_, i) => `bin-${i}`);
    const perShard = new Map<string, number>();
    for (const thing of things) perShard.set(silenceShard(thing), (perShard.get(silenceShard(thing)) ?? 0) + 1);
    expect(perShard.size).toBe(SILENCE.shards);
    for (const n of perShard.values()) expect(n).toBeGreaterThan(60);
    // Due times of devices last seen at the same moment differ by their phase: not one instant.
    const dues = new Set(things.map((thing) => silenceDue({ ...device, thing }, T0)));
    expect(dues.size).toBeGreaterThan(1000);
  });
});

describe('detector state is never changed in place', () => {
  // The stores keep the prior state to write conditionally against it; a detector returns a new one.
  it('leaves a garbage room’s prior state as it was', () => {
    let prior: GarbageRoomDetectorState | undefined;
    for (let i = 0; i < 6; i++)
      prior = detectGarbageRooms(
        prior,
        [
          {
            ts: T0 + i * 5 * MIN,
            payload: { ts: T0 + i * 5 * MIN, seq: i, fillPct: 60 + i * 6, temperatureC: 20, tiltDeg: 2 },
          },
        ],
        ctx,
      ).state;
    const snapshot = structuredClone(prior);
    const next = detectGarbageRooms(
      prior,
      [{ ts: T0 + 40 * MIN, payload: { ts: T0 + 40 * MIN, seq: 9, fillPct: 95, temperatureC: 80, tiltDeg: 70 } }],
      ctx,
    );
    expect(next.signals.length).toBeGreaterThan(0);
    expect(prior).toEqual(snapshot);
  });

  it('leaves a market’s prior state as it was', () => {
    const message = (minute: number, seen = true) => ({
      thing: 'cam-a',
      ts: T0 + minute * MIN,
      payload: {
        ts: T0 + minute * MIN,
        seq: minute,
        detections: (seen ? [{ type: 'litter_pile', zoneId: 'z1', confidence: 0.9 }] : []) as never,
      },
    });
    let prior: CameraDetectorState | undefined;
    for (const minute of [0, 2, 4]) prior = detectMarket(prior, [message(minute)], { siteId: 'mk-1' }).state;
    const snapshot = structuredClone(prior);
    const next = detectMarket(prior, [message(6), message(40, false)], { siteId: 'mk-1' });
    expect(next.signals.map((s) => s.kind)).toEqual(['anomaly', 'clear']);
    expect(prior).toEqual(snapshot);
  });
});
