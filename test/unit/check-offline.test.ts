import { describe, expect, it } from 'vitest';
import { checkOffline, type CheckOfflineDeps } from '#shared/app/check-offline';
import type { SilentDevice } from '#shared/app/ports/telemetry';
import type { Signal } from '#shared/domain/case/model';
import type { Device } from '#shared/domain/city-model';
import { fixedClock, recordingLog } from '../support/fakes.ts';

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const deviceOf = (i: number): Device =>
  ({
    thing: `bin-${i}`,
    kind: 'bins',
    districtId: 'd',
    siteId: `gr-${i % 400}`,
    expectedIntervalSeconds: 300,
  }) as Device;

/** The check's ports in memory: `silent` devices past their due time; the marks and the signals recorded. */
function portsFor(silent: SilentDevice[], options: { reportedMeanwhile?: string[]; budgetMs?: number } = {}) {
  const handled: Signal[][] = [];
  const marked: SilentDevice[][] = [];
  const deps: CheckOfflineDeps = {
    registry: {
      getDevices: async (things) =>
        new Map(things.map((thing) => [thing, deviceOf(Number(thing.split('-')[1]))] as const)),
    },
    telemetry: {
      silentDevices: async () => silent,
      markOffline: async (devices) => {
        marked.push(devices);
        return devices.map((d) => d.thing).filter((t) => options.reportedMeanwhile?.includes(t));
      },
    },
    cases: {
      handle: async (signals) => {
        handled.push(signals);
        return [];
      },
    },
    clock: fixedClock(NOW),
    log: recordingLog(),
    budgetMs: options.budgetMs,
  };
  return { deps, handled, marked };
}
const silentOf = (n: number): SilentDevice[] =>
  Array.from({ length: n }, (_, i) => ({ thing: `bin-${i}`, lastSeenAt: NOW - 3_600_000, due: NOW - 1 }));

describe('the offline check under an outage', () => {
  it('takes an outage a chunk at a time: each chunk’s cases handed over before its marks', async () => {
    const { deps, handled, marked } = portsFor(silentOf(1200));
    const result = await checkOffline(deps);
    expect(result).toMatchObject({ checked: 1200, left: 0, reportedMeanwhile: [] });
    expect(result.wentOffline).toHaveLength(1200);
    expect(marked.map((m) => m.length)).toEqual([500, 500, 200]);
    expect(handled.flat().filter((s) => s.kind === 'anomaly')).toHaveLength(1200);
  });

  it('keeps a site’s signals in one lane, and several lanes at once', async () => {
    const { deps, handled } = portsFor(silentOf(800));
    await checkOffline(deps);
    // Two chunks (500 devices, then 300) of eight lanes each; sites repeat within the first (400 sites).
    expect(handled).toHaveLength(16);
    for (const chunk of [handled.slice(0, 8), handled.slice(8)]) {
      const laneOf = new Map<string, number>();
      chunk.forEach((lane, i) => {
        for (const s of lane) {
          expect(laneOf.get(s.siteId) ?? i).toBe(i);
          laneOf.set(s.siteId, i);
        }
      });
    }
    expect(handled[0]!.filter((s) => s.siteId === 'gr-0')).toHaveLength(2);
  });

  it('stops taking chunks when its budget is spent: the rest is the next run’s', async () => {
    const { deps, marked } = portsFor(silentOf(1200), { budgetMs: 0 });
    const result = await checkOffline(deps);
    expect(result).toMatchObject({ checked: 500, left: 700 });
    expect(marked).toHaveLength(1);
  });

  it('resolves at once the case of a device that reported between the read and its mark', async () => {
    const { deps, handled } = portsFor(silentOf(3), { reportedMeanwhile: ['bin-1'] });
    const result = await checkOffline(deps);
    expect(result.wentOffline).toEqual(['bin-0', 'bin-2']);
    expect(result.reportedMeanwhile).toEqual(['bin-1']);
    expect(handled.flat().map((s) => `${s.kind}:${s.thing}`)).toEqual([
      'anomaly:bin-0',
      'anomaly:bin-1',
      'anomaly:bin-2',
      'clear:bin-1',
    ]);
  });
});
