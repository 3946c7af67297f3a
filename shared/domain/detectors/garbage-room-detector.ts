import type { Signal } from '../case/model.ts';
import type { GarbageRoomFillPayload } from '../payloads.ts';
import type { CaseCategory } from '../responsibility.ts';
import { withOverrides } from './thresholds.ts';

/**
 * Garbage-room detectors. Defaults, each overridable per site through `thresholds`:
 * - overflow: fill ≥ `overflowPct` (90) for `overflowReadings` (2) readings in a row or
 *   for `overflowMinutes` (10); clears below `overflowClearPct` (70).
 * - collection due: the fill rate over the last `collectionWindowMinutes` (120, at least
 *   3 readings over 15 minutes, from the oldest sample in it to the reading) predicts 100 %
 *   within `collectionHorizonHours` (4);
 *   clears when the room is emptied (a drop of ≥ `emptiedDropPct` (20) or fill ≤ 20 %).
 * - fire: temperature ≥ `fireTempC` (60), or a rise of ≥ `fireRiseC` (15) within
 *   `fireRiseMinutes` (10) from the lowest sample in that time (a temperature 3 °C off the
 *   last sample is a sample of its own, so a rise is judged to within 3 °C); clears below
 *   `fireClearC` (45).
 * - knocked over: tilt ≥ `tiltDeg` (45); clears below `tiltClearDeg` (20).
 * - low battery: ≤ `lowBatteryPct` (15); clears at ≥ `batteryClearPct` (30).
 * - stuck sensor: the same fill for `stuckReadings` (48) readings in a row, counted by the
 *   device's counter from the first two consecutive equal readings; clears on a change.
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

type GarbageRoomCategory = Extract<
  CaseCategory,
  'garbage_overflow' | 'collection_due' | 'bin_fire' | 'bin_knocked_over' | 'device_low_battery' | 'sensor_stuck'
>;

/**
 * A stored reading ("sample") as the state keeps it: a tuple, not an object, so the state
 * stays well under 1 KB (one write unit a write).
 */
export type Sample = [ts: number, seq: number, fillPct: number, temperatureC?: number];

/**
 * What a garbage room's detectors keep between readings. It changes only on a material
 * change, so most readings leave it as it was and cost no write (see `state-writes.ts`):
 * - `samples`: the readings that changed something (a new 10-point fill band once the
 *   fill is 2 points off the last sample, a temperature 3 °C off it, a detector step) and
 *   otherwise one when the state is written anyway (`keepSample`: once a silence bucket,
 *   see `state-writes.ts`) or a heartbeat after the last, for the fill rate and the
 *   temperature rise: the newest 16 of the last two hours;
 * - `high`: the run of readings at or above the overflow level, counted up to the number
 *   that raises overflow;
 * - `run`: a run of identical fill readings, from the device's counter (`seq`) of its
 *   first reading: it is recorded once two consecutive readings agree and then changes
 *   only when the fill does;
 * - `active`: the raised flags.
 */
export interface GarbageRoomDetectorState {
  samples: Sample[];
  high?: { count: number; since: number };
  run?: { fillPct: number; fromSeq: number };
  active: Partial<Record<GarbageRoomCategory, boolean>>;
}

export const emptyGarbageRoomState = (): GarbageRoomDetectorState => ({ samples: [], active: {} });

const MINUTE = 60_000;
/** A temperature this far from the last sample's is a sample of its own. */
export const SAMPLE_TEMPERATURE_STEP_C = 3;
/** A new 10-point fill band is a sample of its own once the fill is this far from the last sample's. */
export const SAMPLE_FILL_STEP_PCT = 2;
/** Samples kept at most (the newest): about 30 bytes each in the item. */
const MAX_SAMPLES = 16;
const band = (fillPct: number) => Math.floor(fillPct / 10);

/** Runs the garbage-room detectors over new readings (oldest first); returns the next state and the signals. */
export function detectGarbageRooms(
  prior: GarbageRoomDetectorState | undefined,
  readings: { ts: number; seq?: number; payload: GarbageRoomFillPayload }[],
  context: {
    thing: string;
    siteId: string;
    overrides?: Record<string, number>;
    heartbeatMs?: number;
    /** Keep the newest reading as a sample whatever it shows (its state is written anyway). */
    keepSample?: boolean;
  },
): { state: GarbageRoomDetectorState; signals: Signal[] } {
  const t = withOverrides(BIN_DETECTOR_DEFAULTS, context.overrides);
  const heartbeat = context.heartbeatMs ?? 15 * MINUTE;
  // A copy the loop may change (samples are never mutated, only added and dropped).
  const from = prior?.samples ? prior : emptyGarbageRoomState();
  const state: GarbageRoomDetectorState = { ...from, samples: [...from.samples], active: { ...from.active } };
  const signals: Signal[] = [];
  const keepMs = Math.max(t.collectionWindowMinutes, t.fireRiseMinutes, t.overflowMinutes) * MINUTE;

  const newest = readings.at(-1);
  for (const reading of readings) {
    const { ts, payload: p, seq = p.seq } = reading;
    const evidence = (summary: string) => ({
      at: ts,
      thing: context.thing,
      summary,
      data: { ...p } as Record<string, unknown>,
    });
    let material = false;
    const set = (category: GarbageRoomCategory, on: boolean, summary: string) => {
      if (Boolean(state.active[category]) === on) return;
      state.active[category] = on;
      material = true;
      signals.push({
        kind: on ? 'anomaly' : 'clear',
        category,
        siteId: context.siteId,
        thing: context.thing,
        evidence: evidence(summary),
      });
    };
    const last = state.samples.at(-1);
    /** Readings between the last sample and this one that were not kept (each within a band and 3 °C of it). */
    const skipped = last !== undefined && seq > last[1] + 1;

    // Overflow, with hysteresis. The run counts up to what raises it, then stays.
    if (p.fillPct >= t.overflowPct) {
      const high = {
        count: Math.min((state.high?.count ?? 0) + 1, t.overflowReadings),
        since: state.high?.since ?? ts,
      };
      if (high.count !== state.high?.count || high.since !== state.high?.since) material = true;
      state.high = high;
      if (high.count >= t.overflowReadings || ts - high.since >= t.overflowMinutes * MINUTE) {
        set('garbage_overflow', true, `fill ${p.fillPct}% for ${high.count} readings (≥ ${t.overflowPct}%)`);
      }
    } else {
      if (state.high) material = true;
      delete state.high;
      if (p.fillPct < t.overflowClearPct)
        set('garbage_overflow', false, `fill down to ${p.fillPct}% (< ${t.overflowClearPct}%)`);
    }

    // Collection due: predicted full within the horizon, from the samples; cleared by an emptying.
    const emptied = (last && last[2] - p.fillPct >= t.emptiedDropPct) || p.fillPct <= 20;
    if (emptied) set('collection_due', false, `room emptied: fill ${last ? `${last[2]}% → ` : ''}${p.fillPct}%`);
    else if (!state.active.collection_due && p.fillPct < t.overflowPct) {
      const window = [
        ...state.samples.filter((r) => r[0] >= ts - t.collectionWindowMinutes * MINUTE && r[0] < ts),
        [ts, seq, p.fillPct] as Sample,
      ];
      const span = ts - window[0]![0];
      // Readings over the window, by the device's counter (the samples are only the ones that changed something).
      const readingsSeen = seq >= window[0]![1] ? seq - window[0]![1] + 1 : window.length;
      if (readingsSeen >= 3 && span >= 15 * MINUTE) {
        const ratePerMs = (p.fillPct - window[0]![2]) / span;
        const fullInMs = ratePerMs > 0 ? (100 - p.fillPct) / ratePerMs : Infinity;
        if (fullInMs <= t.collectionHorizonHours * 60 * MINUTE) {
          set(
            'collection_due',
            true,
            `fill ${p.fillPct}% rising ${(ratePerMs * 3_600_000).toFixed(1)} %/h: full in about ${Math.round(fullInMs / MINUTE)} min`,
          );
        }
      }
    }

    // Fire: a high temperature or a fast rise from the lowest sample within the rise window
    // (and from the last sample, when readings after it were not kept: they were within 3 °C of it).
    if (p.temperatureC !== undefined) {
      const since = ts - t.fireRiseMinutes * MINUTE;
      const bases = state.samples
        .filter((r) => (r[0] >= since && r[0] <= ts) || (skipped && r === last))
        .map((r) => r[3]);
      const base = Math.min(...bases.filter((c): c is number => c !== undefined), p.temperatureC);
      if (p.temperatureC >= t.fireTempC)
        set('bin_fire', true, `temperature ${p.temperatureC} °C (≥ ${t.fireTempC} °C)`);
      else if (p.temperatureC - base >= t.fireRiseC)
        set(
          'bin_fire',
          true,
          `temperature rose ${(p.temperatureC - base).toFixed(1)} °C within ${t.fireRiseMinutes} min`,
        );
      else if (p.temperatureC < t.fireClearC) set('bin_fire', false, `temperature ${p.temperatureC} °C`);
    }

    if (p.tiltDeg !== undefined) {
      if (p.tiltDeg >= t.tiltDeg) set('bin_knocked_over', true, `tilted ${p.tiltDeg}° (≥ ${t.tiltDeg}°)`);
      else if (p.tiltDeg < t.tiltClearDeg) set('bin_knocked_over', false, `upright again: tilt ${p.tiltDeg}°`);
    }

    if (p.batteryPct !== undefined) {
      if (p.batteryPct <= t.lowBatteryPct)
        set('device_low_battery', true, `battery ${p.batteryPct}% (≤ ${t.lowBatteryPct}%)`);
      else if (p.batteryPct >= t.batteryClearPct) set('device_low_battery', false, `battery ${p.batteryPct}%`);
    }

    // Stuck: identical fill readings in a row, counted by the device's counter from the run's first.
    let same = 1;
    if (state.run && state.run.fillPct === p.fillPct && seq >= state.run.fromSeq) same = seq - state.run.fromSeq + 1;
    else {
      if (state.run) {
        delete state.run;
        material = true;
      }
      if (last && last[2] === p.fillPct && seq === last[1] + 1) {
        state.run = { fillPct: p.fillPct, fromSeq: last[1] };
        material = true;
        same = 2;
      }
    }
    if (same >= t.stuckReadings) set('sensor_stuck', true, `fill stuck at ${p.fillPct}% for ${same} readings`);
    else if (same === 1) set('sensor_stuck', false, `fill changed to ${p.fillPct}%`);

    // Keep this reading as a sample if anything changed, or a heartbeat after the last one.
    const temperatureMoved =
      (p.temperatureC === undefined) !== (last?.[3] === undefined) ||
      (p.temperatureC !== undefined &&
        last?.[3] !== undefined &&
        Math.abs(p.temperatureC - last[3]) >= SAMPLE_TEMPERATURE_STEP_C);
    // A new fill band counts once the fill has moved SAMPLE_FILL_STEP_PCT from the last sample,
    // so a sensor's noise around a band's edge is not a change.
    const bandChanged =
      last !== undefined && band(p.fillPct) !== band(last[2]) && Math.abs(p.fillPct - last[2]) >= SAMPLE_FILL_STEP_PCT;
    const kept = context.keepSample === true && reading === newest;
    if (!last || material || temperatureMoved || bandChanged || kept || ts - last[0] >= heartbeat) {
      const sample: Sample = p.temperatureC !== undefined ? [ts, seq, p.fillPct, p.temperatureC] : [ts, seq, p.fillPct];
      // At most MAX_SAMPLES, so the item stays under 1 KB (one write unit).
      state.samples = [...state.samples.filter((r) => r[0] >= ts - keepMs && r[0] <= ts), sample].slice(-MAX_SAMPLES);
    }
  }
  return { state, signals };
}
