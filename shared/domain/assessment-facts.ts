import { DEFAULT_WEIGHTS, SCORE_FIGURES, type ScoreFigure, type ScoreWeights } from './assessment-weights.ts';
import type { AssessmentOptions, CaseFigures, DurationFigures, InspectorFigures, Period } from './assessment-model.ts';
import { CATEGORY_POLICY, DISPATCH_SLA_MS } from './case/category-policy.ts';
import type { Case, HistoryEntry } from './case/model.ts';
import { addSlaHours, slaDuration, type SlaHours } from './working-time.ts';

/**
 * The units' figures of a period (see assessment.ts for their definitions): what each
 * case's history says (its facts), counted for a group, scored, ranked; and the inspectors'.
 */

const HOUR = 3_600_000;

/** When a case was registered: its registration, or its opening for a case stored before intake; none while in intake or refused. */
export const registrationOf = (c: Case): number | undefined => c.registeredAt ?? (c.reports ? undefined : c.openedAt);

/** What a case's history says, as the assessment needs it. */
export interface CaseFacts {
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

export function factsOf(c: Case, hours: SlaHours, limits: AssessmentOptions['limits']): CaseFacts {
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

export const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
export const inPeriod = (t: number | undefined, from: number, cutoff: number): t is number =>
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
export const NO_UNIT_ACTIONS: Readonly<UnitActionCounts> = { returned: 0, extended: 0, parked: 0 };

/** Whether the case was parked at `t` (its last parking or unparking before then was a parking). */
const parkedAt = (f: CaseFacts, t: number) => f.parkMoves.filter((m) => m.at < t).at(-1)?.parked ?? false;

/** Returns, extensions and parkings in [from, cutoff), by a key of the unit action. */
export function unitActionCounts(
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

export function figures(
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
export function inspectorFigures(
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
export function ranked<T extends CaseFigures & { key: string }>(groups: T[]): (T & { rank: number | null })[] {
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
