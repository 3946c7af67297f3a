import type { Signal } from '../case/model.ts';
import type { DetectionType, CameraDetectionsPayload } from '../payloads.ts';
import type { CaseCategory } from '../responsibility.ts';
import { withOverrides } from './thresholds.ts';

/**
 * Market cameras, per zone and detection type, across all cameras of a market. Defaults,
 * overridable per site: a detection counts at confidence ≥ `minConfidence` (0.6); a case
 * opens when counted detections occur at least `openCount` (3) times spanning at least
 * `openSpanMinutes` (5) with no gap of `clearMinutes` (15); it clears after
 * `clearMinutes` without one. One stray or weak detection never opens anything.
 */
export const CAMERA_DETECTOR_DEFAULTS = { minConfidence: 0.6, openCount: 3, openSpanMinutes: 5, clearMinutes: 15 };

export const DETECTION_CATEGORY: Record<DetectionType, CaseCategory> = {
  stall_outside_boundary: 'market_stall_outside',
  goods_piled: 'market_goods_piled',
  litter_pile: 'market_litter',
  illegal_parking: 'illegal_parking',
};

export interface CameraZoneState {
  /** Counted detections, oldest first: when, and by which camera (a replay counts once). */
  hits: { ts: number; thing: string }[];
  lastHitAt?: number;
  active: boolean;
}
/** Keyed `<zoneId>|<type>`. */
export type CameraDetectorState = Record<string, CameraZoneState>;

const MINUTE = 60_000;

export function detectMarket(
  prior: CameraDetectorState | undefined,
  messages: { thing: string; ts: number; payload: CameraDetectionsPayload }[],
  context: { siteId: string; overrides?: Record<string, number> },
): { state: CameraDetectorState; signals: Signal[] } {
  const t = withOverrides(CAMERA_DETECTOR_DEFAULTS, context.overrides);
  // A copy the loop may change: each zone is copied; its `hits` array is replaced, never mutated.
  const state: CameraDetectorState = Object.fromEntries(
    Object.entries(prior ?? {}).map(([key, zone]) => [key, { ...zone }]),
  );
  const signals: Signal[] = [];
  for (const { thing, ts, payload } of [...messages].sort((a, b) => a.ts - b.ts)) {
    for (const d of payload.detections) {
      if (d.confidence < t.minConfidence) continue;
      const key = `${d.zoneId}|${d.type}`;
      const zone = (state[key] ??= { hits: [], active: false });
      if (zone.hits.some((h) => h.ts === ts && h.thing === thing)) continue;
      if (zone.lastHitAt !== undefined && ts - zone.lastHitAt >= t.clearMinutes * MINUTE) zone.hits = [];
      // Messages of a market's cameras may come late or out of order: hits are kept in time
      // order, and a run is the hits without a gap of `clearMinutes` before the newest.
      zone.hits = [...zone.hits, { ts, thing }].sort((a, b) => a.ts - b.ts).slice(-50);
      zone.lastHitAt = Math.max(zone.lastHitAt ?? 0, ts);
      let first = zone.hits.length - 1;
      while (first > 0 && zone.hits[first]!.ts - zone.hits[first - 1]!.ts < t.clearMinutes * MINUTE) first--;
      const run = zone.hits.slice(first);
      const span = run.at(-1)!.ts - run[0]!.ts;
      if (!zone.active && run.length >= t.openCount && span >= t.openSpanMinutes * MINUTE) {
        zone.active = true;
        signals.push({
          kind: 'anomaly',
          category: DETECTION_CATEGORY[d.type],
          siteId: context.siteId,
          thing,
          zoneId: d.zoneId,
          evidence: {
            at: ts,
            thing,
            summary: `${d.type} in zone ${d.zoneId}: ${run.length} detections over ${Math.round(span / MINUTE)} min`,
            data: { ...d },
          },
        });
      }
    }
    for (const [key, zone] of Object.entries(state)) {
      if (zone.lastHitAt === undefined || ts - zone.lastHitAt < t.clearMinutes * MINUTE) continue;
      const [zoneId, type] = key.split('|') as [string, DetectionType];
      if (zone.active) {
        signals.push({
          kind: 'clear',
          category: DETECTION_CATEGORY[type],
          siteId: context.siteId,
          thing,
          zoneId,
          evidence: {
            at: ts,
            thing,
            summary: `zone ${zoneId} clear of ${type} for ${t.clearMinutes} min`,
            data: { zoneId, type, lastHitAt: zone.lastHitAt },
          },
        });
      }
      delete state[key];
    }
  }
  return { state, signals };
}
