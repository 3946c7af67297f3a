import { DEFAULT_WEIGHTS, SCORE_FIGURES, type ScoreFigure, type ScoreWeights } from './assessment-weights.ts';
import { CATEGORY_POLICY, DISPATCH_SLA_MS } from './case/category-policy.ts';
import type { Case, HistoryEntry } from './case/model.ts';
import { SOURCES, type Source } from './classification.ts';
import type { DeviceKind } from './device-kinds.ts';
import type { TimeLimits } from './time-limits.ts';
import { addSlaHours, CALENDAR_HOURS, slaDuration, type SlaHours, type WorkingCalendar } from './working-time.ts';

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
 * - due (应结案数): the case's deadline falls in the period (by the cutoff), it was not
 *   voided by the cutoff and is not parked (挂账) then. With the district's time limits the
 *   deadline is the unit's (`unitDueAt`: the dispatch and handling limits in working hours,
 *   moved by an approved extension and a parked period); without, the category's SLA from
 *   registration, on the chosen hours. Escalation gives the next rung a new deadline but
 *   does not move this one.
 * - overdue and not handled (超期未处置): a due case not resolved by the cutoff.
 * - returned (回退), extended (延期, approved) and parked (挂账): those actions in the period;
 *   grouped by unit, each counts for the unit whose case it was when taken.
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
 * - score (综合评分): the weighed mean of the figures in assessment-weights.ts, 0–100, over
 *   those the group has (a figure without cases is left out, and its weight with it); the
 *   groups are ranked by it.
 * - inspectors (监督员): their reports in the period and those accepted (their case
 *   registered by the cutoff); their checks (核查: inspect, verify, a reopen in the
 *   inspector's role) in the period and those on time: within the verification limit of
 *   the resolution they checked, in working hours (not judged without time limits).
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
  overdueUnhandled: number;
  returned: number;
  extended: number;
  parked: number;
  /** The composite score, 0–100 (null without any figure to weigh). */
  score: number | null;
}

/** One inspector's figures (监督员考核). */
export interface InspectorFigures {
  /** The inspector: a report's reporter id (or name), a check's actor. */
  inspector: string;
  reports: number;
  accepted: number;
  acceptedRate: number | null;
  checks: number;
  /** Checks judged against a verification limit (those of cases whose class has time limits). */
  checksJudged: number;
  checkedOnTime: number;
  onTimeCheckRate: number | null;
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
  /** The district's time limits: each case's class's table, counted on the working calendar. Without: the categories' SLAs on `hours`. */
  limits?: { of: (c: Case) => TimeLimits | undefined; calendar: WorkingCalendar };
  /** The composite score's weights (the district's); {@link DEFAULT_WEIGHTS} without. */
  weights?: ScoreWeights;
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
  /** The groups ranked by score (ties share a rank; a group without a score has none). */
  groups: ({ key: string; rank: number | null } & CaseFigures)[];
  inspectors: InspectorFigures[];
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
  /** Returns, approved extensions and parkings, with the unit whose case it was. */
  unitActions: { action: 'returned' | 'extended' | 'parked'; at: number; unit: string }[];
  /** Parkings and unparkings, in order: whether it was parked after each. */
  parkMoves: { at: number; parked: boolean }[];
  /** The inspectors' checks, with the resolution each checked. */
  checks: { at: number; inspector: string; resolvedAt?: number }[];
  /** The verification limit (ms of working time) of the case's class and urgency, with time limits. */
  verifyLimitMs?: number;
}

const UNIT_ACTIONS: Partial<Record<HistoryEntry['action'], CaseFacts['unitActions'][number]['action']>> = {
  return: 'returned',
  approve_extension: 'extended',
  park: 'parked',
};

/** An inspector's check (核查): an inspection, a verification, or a reopening in the inspector's role. */
const isCheck = (entry: HistoryEntry) =>
  entry.action === 'inspect' ||
  (entry.action === 'verify' && entry.role !== 'shift_lead') ||
  (entry.action === 'reopen' && entry.role === 'inspector');

function factsOf(c: Case, hours: SlaHours, limits: AssessmentOptions['limits']): CaseFacts {
  const registered = registrationOf(c) ?? c.openedAt;
  const table = limits?.of(c)?.[c.urgency ?? 'normal'];
  const working: SlaHours = limits ? { kind: 'working', calendar: limits.calendar } : hours;
  const facts: CaseFacts = {
    c,
    registeredAt: registered,
    deadline: table
      ? (c.unitDueAt ?? addSlaHours(registered, (table.dispatch + table.handle) * HOUR, working))
      : addSlaHours(registered, CATEGORY_POLICY[c.category].slaMs, hours),
    dispatchDeadline: table
      ? addSlaHours(registered, table.dispatch * HOUR, working)
      : addSlaHours(registered, DISPATCH_SLA_MS[c.severity], hours),
    resolves: [],
    reopens: [],
    escalations: [],
    unitActions: [],
    parkMoves: [],
    checks: [],
    ...(table ? { verifyLimitMs: table.verify * HOUR } : {}),
  };
  let lastResolve: { at: number; bySensor: boolean } | undefined;
  for (const entry of c.history) {
    const unitAction = UNIT_ACTIONS[entry.action];
    if (unitAction) facts.unitActions.push({ action: unitAction, at: entry.at, unit: entry.unitId ?? c.leadUnit });
    if (entry.action === 'park' || entry.action === 'unpark')
      facts.parkMoves.push({ at: entry.at, parked: entry.action === 'park' });
    if (isCheck(entry)) facts.checks.push({ at: entry.at, inspector: entry.actor, resolvedAt: lastResolve?.at });
    if (entry.action === 'dispatch') facts.firstDispatchAt ??= entry.at;
    else if (entry.action === 'resolve') {
      facts.firstResolveAt ??= entry.at;
      facts.resolves.push(entry.at);
      lastResolve = { at: entry.at, bySensor: entry.actor.startsWith('sensor:') };
    } else if (entry.action === 'close') {
      facts.closedAt ??= entry.at;
      facts.closingResolve ??= lastResolve;
    } else if (entry.action === 'void') facts.voidedAt ??= entry.at;
    else if (entry.action === 'reopen' || (entry.action === 'inspect' && entry.to === 'reopened'))
      facts.reopens.push(entry.at);
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

/** Returns, approved extensions and parkings counted. */
type UnitActionCounts = Record<'returned' | 'extended' | 'parked', number>;
const NO_UNIT_ACTIONS: Readonly<UnitActionCounts> = { returned: 0, extended: 0, parked: 0 };

/** Whether the case was parked at `t` (its last parking or unparking before then was a parking). */
const parkedAt = (f: CaseFacts, t: number) => f.parkMoves.filter((m) => m.at < t).at(-1)?.parked ?? false;

/** Returns, extensions and parkings in [from, cutoff), by a key of the unit action. */
function unitActionCounts(
  all: readonly CaseFacts[],
  from: number,
  cutoff: number,
  keyOf: (f: CaseFacts, unit: string) => string,
): Map<string, UnitActionCounts> {
  const counts = new Map<string, UnitActionCounts>();
  for (const f of all)
    for (const a of f.unitActions) {
      if (!inPeriod(a.at, from, cutoff)) continue;
      const key = keyOf(f, a.unit);
      let found = counts.get(key);
      if (!found) counts.set(key, (found = { returned: 0, extended: 0, parked: 0 }));
      found[a.action]++;
    }
  return counts;
}

/** The composite score of a group's figures (see assessment-weights.ts), 0–100 to two decimals. */
export function scoreOf(f: Omit<CaseFigures, 'score'>, weights: ScoreWeights = DEFAULT_WEIGHTS): number | null {
  const values: Record<ScoreFigure, number | null> = {
    onTimeHandling: f.onTimeHandlingRate,
    onTimeClosure: f.onTimeClosureRate,
    onTimeDispatch: f.onTimeDispatchRate,
    noRework: f.reworkRate === null ? null : 1 - f.reworkRate,
    noOverdue: f.due > 0 ? 1 - f.overdueUnhandled / f.due : null,
    noReturn: f.due + f.returned > 0 ? 1 - f.returned / (f.due + f.returned) : null,
  };
  let sum = 0;
  let weight = 0;
  for (const key of SCORE_FIGURES) {
    const w = weights[key] ?? 0;
    const v = values[key];
    if (w <= 0 || v === null) continue;
    sum += w * v;
    weight += w;
  }
  return weight > 0 ? Math.round((sum / weight) * 10_000) / 100 : null;
}

function figures(
  all: readonly CaseFacts[],
  period: Period,
  cutoff: number,
  hours: SlaHours,
  weights?: ScoreWeights,
  actions?: UnitActionCounts,
): CaseFigures {
  const { from } = period;
  const before = (t: number | undefined, limit: number): t is number => t !== undefined && t <= limit && t < cutoff;
  let registered = 0,
    due = 0,
    dueClosed = 0,
    closedOnTime = 0,
    handledOnTime = 0,
    dispatchDue = 0,
    dispatchedOnTime = 0,
    overdueUnhandled = 0;
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
    if (inPeriod(f.deadline, from, cutoff) && !voidedByCutoff && !parkedAt(f, cutoff)) {
      due++;
      if (!(f.firstResolveAt !== undefined && f.firstResolveAt < cutoff)) overdueUnhandled++;
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
  const unitActions = actions ?? unitActionCounts(all, from, cutoff, () => '').get('') ?? NO_UNIT_ACTIONS;
  const counted = {
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
    overdueUnhandled,
    ...unitActions,
  };
  return { ...counted, score: scoreOf(counted, weights) };
}

/** Each inspector's reports and checks in [from, cutoff). */
function inspectorFigures(
  all: readonly Case[],
  facts: readonly CaseFacts[],
  from: number,
  cutoff: number,
  working: SlaHours,
): InspectorFigures[] {
  const by = new Map<string, Omit<InspectorFigures, 'acceptedRate' | 'onTimeCheckRate'>>();
  const of = (inspector: string) => {
    let found = by.get(inspector);
    if (!found)
      by.set(inspector, (found = { inspector, reports: 0, accepted: 0, checks: 0, checksJudged: 0, checkedOnTime: 0 }));
    return found;
  };
  for (const c of all)
    for (const r of c.reports ?? []) {
      if (r.source !== 'inspector' || !inPeriod(r.at, from, cutoff)) continue;
      const figures = of(r.reporter?.id ?? r.reporter?.name ?? 'anonymous');
      figures.reports++;
      if (c.registeredAt !== undefined && c.registeredAt < cutoff) figures.accepted++;
    }
  for (const f of facts)
    for (const check of f.checks) {
      if (!inPeriod(check.at, from, cutoff)) continue;
      const figures = of(check.inspector);
      figures.checks++;
      if (f.verifyLimitMs === undefined || check.resolvedAt === undefined) continue;
      figures.checksJudged++;
      if (check.at <= addSlaHours(check.resolvedAt, f.verifyLimitMs, working)) figures.checkedOnTime++;
    }
  return [...by.values()]
    .sort((a, b) => a.inspector.localeCompare(b.inspector))
    .map((i) => ({
      ...i,
      acceptedRate: share(i.accepted, i.reports),
      onTimeCheckRate: share(i.checkedOnTime, i.checksJudged),
    }));
}

/** Ranks by score, most first; ties share a rank; without a score, no rank, last. */
function ranked<T extends CaseFigures & { key: string }>(groups: T[]): (T & { rank: number | null })[] {
  const sorted = [...groups].sort(
    (a, b) =>
      (b.score ?? -1) - (a.score ?? -1) ||
      (b.onTimeClosureRate ?? -1) - (a.onTimeClosureRate ?? -1) ||
      a.key.localeCompare(b.key),
  );
  return sorted.map((g) => ({
    ...g,
    rank: g.score === null ? null : 1 + sorted.filter((o) => o.score !== null && o.score > g.score!).length,
  }));
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
  'overdueUnhandled',
  'returned',
  'extended',
  'parked',
  'score',
];

function compare(
  current: CaseFigures,
  facts: readonly CaseFacts[],
  period: Period,
  hours: SlaHours,
  weights?: ScoreWeights,
): Comparison | null {
  const total = figures(facts, period, period.to, hours, weights);
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
  const { limits, weights } = options;
  const facts = cases.filter((c) => registrationOf(c) !== undefined).map((c) => factsOf(c, hours, limits));
  const total = figures(facts, { from, to }, cutoff, hours, weights);
  const byKey = new Map<string, CaseFacts[]>();
  for (const f of facts) {
    const key = GROUP_KEY[by](f.c);
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  // A unit's returns, extensions and parkings are its own, whoever leads the case now.
  const actions = unitActionCounts(facts, from, cutoff, (f, unit) => (by === 'unit' ? unit : GROUP_KEY[by](f.c)));
  for (const key of actions.keys()) if (!byKey.has(key)) byKey.set(key, []);
  const groups = ranked(
    [...byKey]
      .map(([key, list]) => ({
        key,
        ...figures(list, { from, to }, cutoff, hours, weights, actions.get(key) ?? NO_UNIT_ACTIONS),
      }))
      .filter(
        (g) =>
          g.registered +
            g.due +
            g.closed +
            g.dispatchDue +
            g.resolved +
            g.voided +
            g.escalations +
            g.returned +
            g.extended +
            g.parked >
          0,
      ),
  );
  const length = to - from;
  return {
    period: { from, to, cutoff },
    by,
    hours: hours.kind,
    total,
    groups,
    inspectors: inspectorFigures(
      cases,
      facts,
      from,
      cutoff,
      limits ? { kind: 'working', calendar: limits.calendar } : hours,
    ),
    sensors: {
      ...sensorFigures(cases, from, cutoff, options.devices, options.outages),
      sweepingCoverage: sweepingCoverage(options.sweeping ?? []),
    },
    intake: intakeFigures(cases, from, cutoff),
    previous: compare(total, facts, { from: from - length, to: from }, hours, weights),
    yearEarlier: compare(total, facts, { from: yearBefore(from), to: yearBefore(to) }, hours, weights),
  };
}
