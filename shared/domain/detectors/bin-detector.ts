import type { Signal } from '../cases.ts';
import type { BinFillPayload } from '../payloads.ts';
import type { CaseCategory } from '../responsibility.ts';
import { withOverrides } from './thresholds.ts';

/**
 * Garbage-room detectors. Defaults, each overridable per site through `thresholds`:
 * - overflow: fill ≥ `overflowPct` (90) for `overflowReadings` (2) readings in a row or
 *   for `overflowMinutes` (10); clears below `overflowClearPct` (70).
 * - collection due: the fill rate over the last `collectionWindowMinutes` (120, at least
 *   3 readings over 15 minutes) predicts 100 % within `collectionHorizonHours` (4);
 *   clears when the room is emptied (a drop of ≥ `emptiedDropPct` (20) or fill ≤ 20 %).
 * - fire: temperature ≥ `fireTempC` (60), or a rise of ≥ `fireRiseC` (15) within
 *   `fireRiseMinutes` (10); clears below `fireClearC` (45).
 * - knocked over: tilt ≥ `tiltDeg` (45); clears below `tiltClearDeg` (20).
 * - low battery: ≤ `lowBatteryPct` (15); clears at ≥ `batteryClearPct` (30).
 * - stuck sensor: the same fill for `stuckReadings` (48) readings in a row; clears on a change.
 */
export const BIN_DETECTOR_DEFAULTS = {
  overflowPct: 90,
  overflowReadings: 2,
  overflowMinutes: 10,
  overflowClearPct: 70,
  collectionWindowMinutes: 120,
  collectionHorizonHours: 4,
  emptiedDropPct: 20,
  fireTempC: 60,
  fireRiseC: 15,
  fireRiseMinutes: 10,
  fireClearC: 45,
  tiltDeg: 45,
  tiltClearDeg: 20,
  lowBatteryPct: 15,
  batteryClearPct: 30,
  stuckReadings: 48,
};
export type BinThresholds = typeof BIN_DETECTOR_DEFAULTS;

type BinCategory = Extract<CaseCategory, 'garbage_overflow' | 'collection_due' | 'bin_fire' | 'bin_knocked_over' | 'device_low_battery' | 'sensor_stuck'>;

/**
 * A recent reading as the state keeps it: a tuple, not an object, since the state is stored
 * with every write and a two-hour window of named fields took a garbage room's item past
 * 1 KB (2 write units a write instead of 1).
 */
export type RecentReading = [ts: number, fillPct: number, temperatureC?: number];

export interface BinDetectorState {
  /** Recent readings (time, fill, temperature) for rates and rises, oldest first. */
  recent: RecentReading[];
  highCount: number;
  highSince?: number;
  sameFillCount: number;
  lastFill?: number;
  active: Partial<Record<BinCategory, boolean>>;
}

export const emptyBinState = (): BinDetectorState => ({ recent: [], highCount: 0, sameFillCount: 0, active: {} });

const MINUTE = 60_000;

/**
 * A copy of a state's recent readings the detector may change (entries are never mutated,
 * only added and dropped). A state stored before the readings were tuples has them as
 * objects: read as tuples.
 */
function recentOf(state: BinDetectorState): RecentReading[] {
  const recent = state.recent as (RecentReading | { ts: number; fillPct: number; temperatureC?: number })[];
  if (recent.every(Array.isArray)) return [...(recent as RecentReading[])];
  return recent.map((r) => (Array.isArray(r) ? r : r.temperatureC !== undefined ? [r.ts, r.fillPct, r.temperatureC] : [r.ts, r.fillPct]));
}

/** Runs the garbage-room detectors over new readings (oldest first); returns the next state and the signals. */
export function detectBins(
  prior: BinDetectorState | undefined,
  readings: { ts: number; payload: BinFillPayload }[],
  context: { thing: string; siteId: string; overrides?: Record<string, number> },
): { state: BinDetectorState; signals: Signal[] } {
  const t = withOverrides(BIN_DETECTOR_DEFAULTS, context.overrides);
  // A copy the loop may change: copying the recent array and the flags is enough
  // (structuredClone cost ten times as much).
  const from = prior ?? emptyBinState();
  const state: BinDetectorState = { ...from, recent: recentOf(from), active: { ...from.active } };
  const signals: Signal[] = [];
  const keepMs = Math.max(t.collectionWindowMinutes, t.fireRiseMinutes, t.overflowMinutes) * MINUTE;

  for (const { ts, payload: p } of readings) {
    const evidence = (summary: string) => ({ at: ts, thing: context.thing, summary, data: { ...p } as Record<string, unknown> });
    const set = (category: BinCategory, on: boolean, summary: string) => {
      if (Boolean(state.active[category]) === on) return;
      state.active[category] = on;
      signals.push({ kind: on ? 'anomaly' : 'clear', category, siteId: context.siteId, thing: context.thing, evidence: evidence(summary) });
    };
    const previous = state.recent.at(-1);

    // Overflow, with hysteresis.
    if (p.fillPct >= t.overflowPct) {
      state.highCount++;
      state.highSince ??= ts;
      if (state.highCount >= t.overflowReadings || ts - state.highSince >= t.overflowMinutes * MINUTE) {
        set('garbage_overflow', true, `fill ${p.fillPct}% for ${state.highCount} readings (≥ ${t.overflowPct}%)`);
      }
    } else {
      state.highCount = 0;
      delete state.highSince;
      if (p.fillPct < t.overflowClearPct) set('garbage_overflow', false, `fill down to ${p.fillPct}% (< ${t.overflowClearPct}%)`);
    }

    // Collection due: predicted full within the horizon; cleared by an emptying.
    const emptied = (previous && previous[1] - p.fillPct >= t.emptiedDropPct) || p.fillPct <= 20;
    if (emptied) set('collection_due', false, `room emptied: fill ${previous ? `${previous[1]}% → ` : ''}${p.fillPct}%`);
    else if (!state.active.collection_due && p.fillPct < t.overflowPct) {
      const window = [...state.recent.filter((r) => r[0] >= ts - t.collectionWindowMinutes * MINUTE), [ts, p.fillPct] as RecentReading];
      const span = ts - window[0]![0];
      if (window.length >= 3 && span >= 15 * MINUTE) {
        const ratePerMs = (p.fillPct - window[0]![1]) / span;
        const fullInMs = ratePerMs > 0 ? (100 - p.fillPct) / ratePerMs : Infinity;
        if (fullInMs <= t.collectionHorizonHours * 60 * MINUTE) {
          set('collection_due', true, `fill ${p.fillPct}% rising ${(ratePerMs * 3_600_000).toFixed(1)} %/h: full in about ${Math.round(fullInMs / MINUTE)} min`);
        }
      }
    }

    // Fire: a high temperature or a fast rise.
    if (p.temperatureC !== undefined) {
      const since = ts - t.fireRiseMinutes * MINUTE;
      const base = Math.min(...state.recent.filter((r) => r[0] >= since && r[2] !== undefined).map((r) => r[2]!), p.temperatureC);
      if (p.temperatureC >= t.fireTempC) set('bin_fire', true, `temperature ${p.temperatureC} °C (≥ ${t.fireTempC} °C)`);
      else if (p.temperatureC - base >= t.fireRiseC) set('bin_fire', true, `temperature rose ${(p.temperatureC - base).toFixed(1)} °C within ${t.fireRiseMinutes} min`);
      else if (p.temperatureC < t.fireClearC && p.temperatureC - base < t.fireRiseC) set('bin_fire', false, `temperature ${p.temperatureC} °C`);
    }

    if (p.tiltDeg !== undefined) {
      if (p.tiltDeg >= t.tiltDeg) set('bin_knocked_over', true, `tilted ${p.tiltDeg}° (≥ ${t.tiltDeg}°)`);
      else if (p.tiltDeg < t.tiltClearDeg) set('bin_knocked_over', false, `upright again: tilt ${p.tiltDeg}°`);
    }

    if (p.batteryPct !== undefined) {
      if (p.batteryPct <= t.lowBatteryPct) set('device_low_battery', true, `battery ${p.batteryPct}% (≤ ${t.lowBatteryPct}%)`);
      else if (p.batteryPct >= t.batteryClearPct) set('device_low_battery', false, `battery ${p.batteryPct}%`);
    }

    state.sameFillCount = state.lastFill === p.fillPct ? state.sameFillCount + 1 : 1;
    state.lastFill = p.fillPct;
    if (state.sameFillCount >= t.stuckReadings) set('sensor_stuck', true, `fill stuck at ${p.fillPct}% for ${state.sameFillCount} readings`);
    else if (state.sameFillCount === 1) set('sensor_stuck', false, `fill changed to ${p.fillPct}%`);

    state.recent.push(p.temperatureC !== undefined ? [ts, p.fillPct, p.temperatureC] : [ts, p.fillPct]);
    state.recent = state.recent.filter((r) => r[0] >= ts - keepMs).slice(-200);
  }
  return { state, signals };
}

/**
 * What of a garbage room's state must be stored as soon as it changes (the rest may wait,
 * see `state-writes.ts`): the detector flags, whether a high-fill run has begun, and the
 * fill in 10-point bands, which is what the ops page colours a room by.
 */
export function binFingerprint(state: BinDetectorState, fillPct: number): string {
  const flags = Object.entries(state.active)
    .filter(([, on]) => on)
    .map(([category]) => category)
    .sort()
    .join(',');
  return `${flags}|${state.highSince === undefined ? 0 : 1}|${Math.floor(fillPct / 10)}`;
}
