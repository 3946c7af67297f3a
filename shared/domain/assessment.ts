import { CATEGORY_POLICY, DISPATCH_SLA_MS, type Case } from './cases.ts';
import { SOURCES, type Source } from './classification.ts';
import type { DeviceKind } from './device-kinds.ts';
import { addSlaHours, CALENDAR_HOURS, slaDuration, type SlaHours } from './working-time.ts';

/**
 * Unit assessment (考核) over the cases of a period, as the City Management Office reports
 * it to the joint meetings: per lead unit, street, community or grid, from the cases'
 * histories alone. Pure: the caller brings the cases (and the devices, for availability).
 *
 * Definitions (a period is [from, to), judged as of its end: the cutoff; while it runs,
 * the cutoff is `asOf`, and only what happened by then counts):
 * - registered: registered (立案) in the period. Only registered cases count for the units:
 *   a report or warning still in intake, or refused, is the intake's (see `intake` below).
 *   A case stored before intake existed was registered when it opened.
 * - due (应结案数): the case's deadline falls in the period (by the cutoff) and it was not
 *   voided by the cutoff. The deadline is the category's SLA from registration, on the chosen hours;
 *   escalation gives the unit a new deadline but does not move this one.
 * - closed on time (按期结案数): a due case closed by the cutoff whose last resolution
 *   before closing came by the deadline (rework that finishes late is late);
 *   `onTimeClosureRate` (按期结案率) = closed on time / due; `closedRate` (结案率) = due
 *   cases closed by the cutoff / due.
 * - handled on time (按时处置): a due case first resolved by its deadline.
 * - dispatched on time (按时派遣): of the cases whose dispatch deadline
 *   ({@link DISPATCH_SLA_MS} by severity) falls in the period, not voided and not cleared
 *   by a sensor before it, those first dispatched by it.
 * - rework (返工): cases reopened in the period (a failed verification, or the anomaly
 *   back after a resolution), as a share of the cases resolved in the period.
 * - voided, escalations, closures: events in the period. Time to dispatch and to close:
 *   from opening, for the dispatches and closures in the period, on the chosen hours.
 * - sensor-verified closures: closures whose last resolution was a sensor observing the
 *   clear condition, not a person saying so.
 */
export const GROUPINGS = ['unit', 'street', 'community', 'grid'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const GROUP_KEY: Record<Grouping, (c: Case) => string> = {
  unit: (c) => c.leadUnit,
  street: (c) => c.streetId,
  community: (c) => c.communityId,
  grid: (c) => c.gridId,
};

export interface DurationFigures {
  count: number;
  averageMs: number | null;
  p90Ms: number | null;
}

export interface CaseFigures {
  registered: number;
  due: number;
  dueClosed: number;
  closedOnTime: number;
  onTimeClosureRate: number | null;
  closedRate: number | null;
  handledOnTime: number;
  onTimeHandlingRate: number | null;
  dispatchDue: number;
  dispatchedOnTime: number;
  onTimeDispatchRate: number | null;
  closed: number;
  resolved: number;
  reworked: number;
  reworkRate: number | null;
  voided: number;
  escalations: number;
  sensorVerifiedClosures: number;
  sensorVerifiedShare: number | null;
  timeToDispatch: DurationFigures;
  timeToClose: DurationFigures;
}

export interface Period {
  from: number;
  to: number;
}

/** One scheduled sweeping window of a route, judged: how many of its segments were swept within it. */
export interface SweepWindowResult {
  routeId: string;
  /** The unit that sweeps the route. */
  unitId: string;
  /** The window's local date (YYYY-MM-DD). */
  date: string;
  windowKey: string;
  segments: number;
  sweptInTime: number;
}

/** Scheduled segment-windows and those swept in time (within the window, not in its late part). */
export interface CoverageFigures {
  windows: number;
  segmentWindows: number;
  sweptInTime: number;
  share: number | null;
}

export interface AssessmentOptions extends Period {
  by: Grouping;
  /** Now: a period not over yet is judged as of now. */
  asOf: number;
  hours?: SlaHours;
  /** The devices of the district, for availability. */
  devices?: readonly { thing: string; kind: DeviceKind }[];
  /** Their outages: offline maintenance tickets, open [from, to) (device-offline cases stored before tickets count too). */
  outages?: readonly { thing: string; from: number; to: number }[];
  /** The sweeping windows of the period that have ended, judged (see `assessment-service.ts`). */
  sweeping?: readonly SweepWindowResult[];
}

export interface Comparison {
  period: Period;
  total: CaseFigures;
  /** This period's figure minus that period's, for each count and rate (rates in points of a share). */
  change: Partial<Record<keyof CaseFigures, number | null>>;
}

export interface Assessment {
  period: Period & { cutoff: number };
  by: Grouping;
  hours: SlaHours['kind'];
  total: CaseFigures;
  groups: ({ key: string } & CaseFigures)[];
  sensors: {
    /** Hours each garbage room spent overflowing (an overflow case open or reopened), most first. */
    overflowHours: { siteId: string; hours: number }[];
    /**
     * Sweeping windows each route missed (a missed-sweeping signal: a new case or a repeat), most
     * first; from the evidence a case keeps (its newest 20).
     */
    missedSweeping: { siteId: string; windows: number }[];
    /** Share of device-time not lost to an outage (an offline ticket open), overall and by kind. */
    deviceAvailability: { overall: number | null; byKind: Partial<Record<DeviceKind, number | null>> };
    /** Mechanised-sweeping coverage: the share of scheduled segment-windows swept in time, per route, unit and day. */
    sweepingCoverage: {
      total: CoverageFigures;
      byRoute: ({ routeId: string } & CoverageFigures)[];
      byUnit: ({ unitId: string } & CoverageFigures)[];
      byDay: ({ date: string } & CoverageFigures)[];
    };
  };
  /**
   * The intake: reports by source (people's and devices'), and reports by grid, with what
   * became of them in the period: registered, refused, or joined to another case (merged).
   */
  intake: {
    bySource: ({ source: Source } & IntakeFigures)[];
    byGrid: ({ gridId: string } & IntakeFigures)[];
  };
  /** The same length of time just before, and the same period a year earlier (环比, 同比): null where there is no data. */
  previous: Comparison | null;
  yearEarlier: Comparison | null;
}

/** Reports that came in the period; of the cases they started, those registered and refused in it; reports that joined a case. */
export interface IntakeFigures {
  reports: number;
  registered: number;
  refused: number;
  merged: number;
}

/** When a case was registered: its registration, or its opening for a case stored before intake; none while in intake or refused. */
export const registrationOf = (c: Case): number | undefined => c.registeredAt ?? (c.reports ? undefined : c.openedAt);

/** What a case's history says, as the assessment needs it. */
interface CaseFacts {
  c: Case;
  registeredAt: number;
  deadline: number;
  dispatchDeadline: number;
  firstDispatchAt?: number;
  firstResolveAt?: number;
  closedAt?: number;
  /** The last resolution before closing: when, and whether a sensor made it. */
  closingResolve?: { at: number; bySensor: boolean };
  voidedAt?: number;
  resolves: number[];
  reopens: number[];
  escalations: number[];
}

function factsOf(c: Case, hours: SlaHours): CaseFacts {
  const registered = registrationOf(c) ?? c.openedAt;
  const facts: CaseFacts = {
    c,
    registeredAt: registered,
    deadline: addSlaHours(registered, CATEGORY_POLICY[c.category].slaMs, hours),
    dispatchDeadline: addSlaHours(registered, DISPATCH_SLA_MS[c.severity], hours),
    resolves: [],
    reopens: [],
    escalations: [],
  };
  let lastResolve: { at: number; bySensor: boolean } | undefined;
  for (const entry of c.history) {
    if (entry.action === 'dispatch') facts.firstDispatchAt ??= entry.at;
    else if (entry.action === 'resolve') {
      facts.firstResolveAt ??= entry.at;
      facts.resolves.push(entry.at);
      lastResolve = { at: entry.at, bySensor: entry.actor.startsWith('sensor:') };
    } else if (entry.action === 'close') {
      facts.closedAt ??= entry.at;
      facts.closingResolve ??= lastResolve;
    } else if (entry.action === 'void') facts.voidedAt ??= entry.at;
    else if (entry.action === 'reopen') facts.reopens.push(entry.at);
    else if (entry.action === 'escalate') facts.escalations.push(entry.at);
  }
  return facts;
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const inPeriod = (t: number | undefined, from: number, cutoff: number): t is number =>
  t !== undefined && t >= from && t < cutoff;

function durations(values: number[]): DurationFigures {
  if (values.length === 0) return { count: 0, averageMs: null, p90Ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value at or above 90 % of them.
  return {
    count: sorted.length,
    averageMs: Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p90Ms: sorted[Math.ceil(0.9 * sorted.length) - 1]!,
  };
}

function figures(all: readonly CaseFacts[], period: Period, cutoff: number, hours: SlaHours): CaseFigures {
  const { from } = period;
  const before = (t: number | undefined, limit: number): t is number => t !== undefined && t <= limit && t < cutoff;
  let registered = 0,
    due = 0,
    dueClosed = 0,
    closedOnTime = 0,
    handledOnTime = 0,
    dispatchDue = 0,
    dispatchedOnTime = 0;
  let closed = 0,
    resolved = 0,
    reworked = 0,
    voided = 0,
    escalations = 0,
    sensorVerifiedClosures = 0;
  const toDispatch: number[] = [];
  const toClose: number[] = [];
  for (const f of all) {
    if (inPeriod(f.registeredAt, from, cutoff)) registered++;
    const voidedByCutoff = f.voidedAt !== undefined && f.voidedAt < cutoff;
    if (inPeriod(f.deadline, from, cutoff) && !voidedByCutoff) {
      due++;
      if (f.closedAt !== undefined && f.closedAt < cutoff) {
        dueClosed++;
        if (f.closingResolve && f.closingResolve.at <= f.deadline) closedOnTime++;
      }
      if (before(f.firstResolveAt, f.deadline)) handledOnTime++;
    }
    if (inPeriod(f.dispatchDeadline, from, cutoff) && !before(f.voidedAt, f.dispatchDeadline)) {
      const clearedFirst =
        before(f.firstResolveAt, f.dispatchDeadline) &&
        !(f.firstDispatchAt !== undefined && f.firstDispatchAt < f.firstResolveAt!);
      if (!clearedFirst) {
        dispatchDue++;
        if (before(f.firstDispatchAt, f.dispatchDeadline)) dispatchedOnTime++;
      }
    }
    if (inPeriod(f.firstDispatchAt, from, cutoff))
      toDispatch.push(slaDuration(f.registeredAt, f.firstDispatchAt, hours));
    if (inPeriod(f.closedAt, from, cutoff)) {
      closed++;
      toClose.push(slaDuration(f.registeredAt, f.closedAt, hours));
      if (f.closingResolve?.bySensor) sensorVerifiedClosures++;
    }
    if (f.resolves.some((t) => inPeriod(t, from, cutoff))) resolved++;
    if (f.reopens.some((t) => inPeriod(t, from, cutoff))) reworked++;
    if (inPeriod(f.voidedAt, from, cutoff)) voided++;
    escalations += f.escalations.filter((t) => inPeriod(t, from, cutoff)).length;
  }
  return {
    registered,
    due,
    dueClosed,
    closedOnTime,
    onTimeClosureRate: share(closedOnTime, due),
    closedRate: share(dueClosed, due),
    handledOnTime,
    onTimeHandlingRate: share(handledOnTime, due),
    dispatchDue,
    dispatchedOnTime,
    onTimeDispatchRate: share(dispatchedOnTime, dispatchDue),
    closed,
    resolved,
    reworked,
    reworkRate: share(reworked, resolved),
    voided,
    escalations,
    sensorVerifiedClosures,
    sensorVerifiedShare: share(sensorVerifiedClosures, closed),
    timeToDispatch: durations(toDispatch),
    timeToClose: durations(toClose),
  };
}

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

function sensorFigures(
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
function sweepingCoverage(windows: readonly SweepWindowResult[]): Assessment['sensors']['sweepingCoverage'] {
  return {
    total: coverageOf(windows),
    byRoute: coverageBy(windows, (w) => w.routeId, 'routeId'),
    byUnit: coverageBy(windows, (w) => w.unitId, 'unitId'),
    byDay: coverageBy(windows, (w) => w.date, 'date'),
  };
}

const COMPARED: (keyof CaseFigures)[] = [
  'registered',
  'due',
  'closedOnTime',
  'onTimeClosureRate',
  'closedRate',
  'onTimeHandlingRate',
  'onTimeDispatchRate',
  'closed',
  'reworked',
  'reworkRate',
  'voided',
  'escalations',
  'sensorVerifiedShare',
];

function compare(
  current: CaseFigures,
  facts: readonly CaseFacts[],
  period: Period,
  hours: SlaHours,
): Comparison | null {
  const total = figures(facts, period, period.to, hours);
  if (total.registered === 0 && total.due === 0 && total.closed === 0) return null;
  const change = Object.fromEntries(
    COMPARED.map((key) => {
      const [now, then] = [current[key], total[key]] as [number | null, number | null];
      return [key, now === null || then === null ? null : Math.round((now - then) * 1e6) / 1e6];
    }),
  );
  return { period, total, change };
}

/** The same instant a year earlier (29 February falls back to the 28th). */
function yearBefore(t: number): number {
  const d = new Date(t);
  const target = new Date(t);
  target.setUTCFullYear(d.getUTCFullYear() - 1);
  if (target.getUTCMonth() !== d.getUTCMonth()) target.setUTCDate(0);
  return target.getTime();
}

function intakeFigures(cases: readonly Case[], from: number, cutoff: number): Assessment['intake'] {
  const empty = (): IntakeFigures => ({ reports: 0, registered: 0, refused: 0, merged: 0 });
  const bySource = new Map<Source, IntakeFigures>();
  const byGrid = new Map<string, IntakeFigures>();
  const of = <K>(map: Map<K, IntakeFigures>, key: K) => {
    let found = map.get(key);
    if (!found) map.set(key, (found = empty()));
    return found;
  };
  for (const c of cases) {
    const reports = c.reports ?? [];
    reports.forEach((r, i) => {
      if (!inPeriod(r.at, from, cutoff)) return;
      for (const f of [of(bySource, r.source), of(byGrid, c.gridId || '—')]) {
        f.reports++;
        if (i > 0) f.merged++;
      }
    });
    const first = reports[0];
    if (!first) continue;
    for (const f of [of(bySource, first.source), of(byGrid, c.gridId || '—')]) {
      if (c.reports && inPeriod(c.registeredAt, from, cutoff)) f.registered++;
      if (inPeriod(c.refusal?.at, from, cutoff)) f.refused++;
    }
  }
  return {
    bySource: SOURCES.filter((s) => bySource.has(s)).map((source) => ({ source, ...bySource.get(source)! })),
    byGrid: [...byGrid].sort(([a], [b]) => a.localeCompare(b)).map(([gridId, figures]) => ({ gridId, ...figures })),
  };
}

/** The earliest a case may have opened and still count in `assess` for this period (comparisons included). */
export function earliestRelevant(period: Period): number {
  return yearBefore(period.from) - (period.to - period.from);
}

export function assess(cases: readonly Case[], options: AssessmentOptions): Assessment {
  const { from, to, by, asOf } = options;
  if (!(to > from)) throw new RangeError('the period must end after it starts');
  const hours = options.hours ?? CALENDAR_HOURS;
  const cutoff = Math.min(to, asOf);
  // The units answer for registered cases only.
  const facts = cases.filter((c) => registrationOf(c) !== undefined).map((c) => factsOf(c, hours));
  const total = figures(facts, { from, to }, cutoff, hours);
  const byKey = new Map<string, CaseFacts[]>();
  for (const f of facts) {
    const key = GROUP_KEY[by](f.c);
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  const groups = [...byKey]
    .map(([key, list]) => ({ key, ...figures(list, { from, to }, cutoff, hours) }))
    .filter((g) => g.registered + g.due + g.closed + g.dispatchDue + g.resolved + g.voided + g.escalations > 0)
    .sort((a, b) => (b.onTimeClosureRate ?? -1) - (a.onTimeClosureRate ?? -1) || a.key.localeCompare(b.key));
  const length = to - from;
  return {
    period: { from, to, cutoff },
    by,
    hours: hours.kind,
    total,
    groups,
    sensors: {
      ...sensorFigures(cases, from, cutoff, options.devices, options.outages),
      sweepingCoverage: sweepingCoverage(options.sweeping ?? []),
    },
    intake: intakeFigures(cases, from, cutoff),
    previous: compare(total, facts, { from: from - length, to: from }, hours),
    yearEarlier: compare(total, facts, { from: yearBefore(from), to: yearBefore(to) }, hours),
  };
}
