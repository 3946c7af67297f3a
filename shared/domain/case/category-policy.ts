import type { Source } from '../classification.ts';
import type { CaseCategory } from '../responsibility.ts';
import type { Severity } from './statuses.ts';

/** What each category of problem is: how severe, how soon it is due, and whether cameras raise it. */

const HOUR = 3_600_000;

/** Severity and SLA (time to resolve) by category. */
export const CATEGORY_POLICY: Record<CaseCategory, { severity: Severity; slaMs: number }> = {
  garbage_overflow: { severity: 'major', slaMs: 2 * HOUR },
  collection_due: { severity: 'warning', slaMs: 4 * HOUR },
  bin_fire: { severity: 'critical', slaMs: HOUR / 2 },
  bin_knocked_over: { severity: 'minor', slaMs: 4 * HOUR },
  device_low_battery: { severity: 'warning', slaMs: 72 * HOUR },
  sensor_stuck: { severity: 'minor', slaMs: 48 * HOUR },
  device_offline: { severity: 'minor', slaMs: 24 * HOUR },
  market_stall_outside: { severity: 'minor', slaMs: 2 * HOUR },
  market_goods_piled: { severity: 'minor', slaMs: 2 * HOUR },
  market_litter: { severity: 'minor', slaMs: 2 * HOUR },
  illegal_parking: { severity: 'major', slaMs: HOUR },
  missed_sweeping: { severity: 'minor', slaMs: 6 * HOUR },
  sweeping_too_fast: { severity: 'warning', slaMs: 24 * HOUR },
  sweeper_silent: { severity: 'minor', slaMs: 4 * HOUR },
  exposed_garbage: { severity: 'minor', slaMs: 2 * HOUR },
  piled_goods: { severity: 'minor', slaMs: 4 * HOUR },
  street_trading: { severity: 'minor', slaMs: 2 * HOUR },
  shopfront_trading: { severity: 'minor', slaMs: 4 * HOUR },
  posters_graffiti: { severity: 'warning', slaMs: 24 * HOUR },
  illegal_structure: { severity: 'major', slaMs: 72 * HOUR },
  dirty_road: { severity: 'minor', slaMs: 4 * HOUR },
  damaged_bin: { severity: 'minor', slaMs: 24 * HOUR },
  damaged_manhole_cover: { severity: 'critical', slaMs: 4 * HOUR },
};

/**
 * How soon a case must be dispatched to its unit after it opens, by severity: the
 * assessment's "dispatched on time" (按时派遣).
 */
export const DISPATCH_SLA_MS: Record<Severity, number> = {
  critical: 10 * 60_000,
  major: 30 * 60_000,
  minor: HOUR,
  warning: 2 * HOUR,
};

/** Categories that cameras raise (their signals' source is `video`). */
export const VIDEO_CATEGORIES: readonly CaseCategory[] = [
  'market_stall_outside',
  'market_goods_piled',
  'market_litter',
  'illegal_parking',
];
export const signalSource = (category: CaseCategory): Source => (VIDEO_CATEGORIES.includes(category) ? 'video' : 'iot');
