import { share } from './assessment-facts.ts';
import type { Assessment, AssessmentOptions, CoverageFigures, SweepWindowResult } from './assessment-model.ts';
import type { Case } from './case/model.ts';

/** The devices' figures of a period (see assessment.ts): garbage rooms overflowing, missed sweeping, availability, coverage. */

/** The stretches a case was active (open or reopened, until resolved or voided), clipped to [from, cutoff). */
function activeSpans(c: Case, from: number, cutoff: number): number {
  let total = 0;
  let since: number | undefined;
  const end = (t: number) => {
    if (since !== undefined) total += Math.max(0, Math.min(t, cutoff) - Math.max(since, from));
    since = undefined;
  };
  for (const entry of c.history) {
    if (entry.action === 'open' || entry.action === 'reopen') since ??= entry.at;
    else if (entry.action === 'resolve' || entry.action === 'void') end(entry.at);
  }
  end(cutoff);
  return total;
}

const HOUR = 3_600_000;

export function sensorFigures(
  cases: readonly Case[],
  from: number,
  cutoff: number,
  devices: AssessmentOptions['devices'],
  outages: AssessmentOptions['outages'] = [],
): Omit<Assessment['sensors'], 'sweepingCoverage'> {
  const overflow = new Map<string, number>();
  const outage = new Map<string, number>();
  const missed = new Map<string, number>();
  for (const c of cases) {
    if (c.category === 'missed_sweeping') {
      const windows = c.evidence.filter((e) => e.at >= from && e.at < cutoff).length;
      if (windows) missed.set(c.siteId, (missed.get(c.siteId) ?? 0) + windows);
    }
    if (c.category === 'garbage_overflow')
      overflow.set(c.siteId, (overflow.get(c.siteId) ?? 0) + activeSpans(c, from, cutoff));
    if (c.category === 'device_offline' && c.thing)
      outage.set(c.thing, (outage.get(c.thing) ?? 0) + activeSpans(c, from, cutoff));
  }
  for (const o of outages) {
    const lost = Math.max(0, Math.min(o.to, cutoff) - Math.max(o.from, from));
    outage.set(o.thing, (outage.get(o.thing) ?? 0) + lost);
  }
  const span = cutoff - from;
  const availability = (list: readonly { thing: string }[]) =>
    list.length === 0 || span <= 0
      ? null
      : 1 - list.reduce((sum, d) => sum + Math.min(span, outage.get(d.thing) ?? 0), 0) / (list.length * span);
  const kinds = [...new Set((devices ?? []).map((d) => d.kind))].sort();
  return {
    overflowHours: [...overflow]
      .filter(([, ms]) => ms > 0)
      .map(([siteId, ms]) => ({ siteId, hours: Math.round((ms / HOUR) * 100) / 100 }))
      .sort((a, b) => b.hours - a.hours || a.siteId.localeCompare(b.siteId)),
    missedSweeping: [...missed]
      .map(([siteId, windows]) => ({ siteId, windows }))
      .sort((a, b) => b.windows - a.windows || a.siteId.localeCompare(b.siteId)),
    deviceAvailability: {
      overall: availability(devices ?? []),
      byKind: Object.fromEntries(kinds.map((kind) => [kind, availability(devices!.filter((d) => d.kind === kind))])),
    },
  };
}

function coverageOf(windows: readonly SweepWindowResult[]): CoverageFigures {
  const segmentWindows = windows.reduce((n, w) => n + w.segments, 0);
  const sweptInTime = windows.reduce((n, w) => n + w.sweptInTime, 0);
  return { windows: windows.length, segmentWindows, sweptInTime, share: share(sweptInTime, segmentWindows) };
}

function coverageBy<K extends string>(
  windows: readonly SweepWindowResult[],
  keyOf: (w: SweepWindowResult) => string,
  name: K,
): ({ [P in K]: string } & CoverageFigures)[] {
  const groups = new Map<string, SweepWindowResult[]>();
  for (const w of windows) groups.set(keyOf(w), [...(groups.get(keyOf(w)) ?? []), w]);
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => ({ [name]: key, ...coverageOf(list) }) as { [P in K]: string } & CoverageFigures);
}

/** Mechanised-sweeping coverage of the windows that ended in [from, cutoff). */
export function sweepingCoverage(windows: readonly SweepWindowResult[]): Assessment['sensors']['sweepingCoverage'] {
  return {
    total: coverageOf(windows),
    byRoute: coverageBy(windows, (w) => w.routeId, 'routeId'),
    byUnit: coverageBy(windows, (w) => w.unitId, 'unitId'),
    byDay: coverageBy(windows, (w) => w.date, 'date'),
  };
}
