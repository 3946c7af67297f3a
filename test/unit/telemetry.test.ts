import { describe, expect, it } from 'vitest';
import { collapseByDevice, gpsFixes, latestStateFields, type Reading } from '#shared/domain/telemetry';

const reading = (thing: string, ts: number, seq: number, payload: Record<string, unknown>): Reading<'bins'> => ({
  messageId: `${thing}-${ts}-${seq}-${Math.random()}`,
  kind: 'bins',
  thing,
  ts,
  seq,
  receivedAt: ts + 5,
  payload: { ts, seq, fillPct: 0, ...payload } as Reading<'bins'>['payload'],
});

describe('collapsing a batch per device', () => {
  it('orders each device’s readings by time then sequence and picks the latest', () => {
    const batches = collapseByDevice([
      reading('a', 300, 3, { fillPct: 30 }),
      reading('b', 100, 1, { fillPct: 70 }),
      reading('a', 100, 1, { fillPct: 10 }),
      reading('a', 300, 2, { fillPct: 20 }),
    ]);
    expect(batches.map((b) => b.thing).sort()).toEqual(['a', 'b']);
    const a = batches.find((b) => b.thing === 'a')!;
    expect(a.readings.map((r) => [r.ts, r.seq])).toEqual([
      [100, 1],
      [300, 2],
      [300, 3],
    ]);
    expect(a.latest.payload.fillPct).toBe(30);
  });

  it('sets duplicates (same ts and seq) apart, keeping one', () => {
    const [a] = collapseByDevice([reading('a', 100, 1, {}), reading('a', 100, 1, {}), reading('a', 200, 2, {})]);
    expect(a!.readings).toHaveLength(2);
    expect(a!.duplicates).toHaveLength(1);
  });

  it('merges state fields so a later reading without a field keeps the earlier value', () => {
    const [a] = collapseByDevice([
      reading('a', 100, 1, { fillPct: 10, batteryPct: 80 }),
      reading('a', 200, 2, { fillPct: 20 }),
    ]);
    expect(latestStateFields(a!)).toEqual({ fillPct: 20, batteryPct: 80 });
  });
});

describe('GPS fixes', () => {
  it('turns a single fix and a batch alike into fixes, oldest first', () => {
    expect(gpsFixes({ ts: 5, seq: 1, lat: 1, lon: 2, brushOn: true })).toEqual([
      { ts: 5, lat: 1, lon: 2, brushOn: true, speedKmh: undefined, headingDeg: undefined },
    ]);
    expect(
      gpsFixes({
        ts: 9,
        seq: 1,
        points: [
          { ts: 8, lat: 1, lon: 1 },
          { ts: 7, lat: 2, lon: 2 },
        ],
      }).map((f) => f.ts),
    ).toEqual([7, 8]);
  });
});
