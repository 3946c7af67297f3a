import {
  type CaseFacts,
  factsOf,
  figures,
  inPeriod,
  inspectorFigures,
  NO_UNIT_ACTIONS,
  ranked,
  registrationOf,
  unitActionCounts,
} from './assessment-facts.ts';
import type {
  Assessment,
  AssessmentOptions,
  CaseFigures,
  Comparison,
  Grouping,
  IntakeFigures,
  Period,
} from './assessment-model.ts';
import { sensorFigures, sweepingCoverage } from './assessment-sensors.ts';
import type { ScoreWeights } from './assessment-weights.ts';
import type { Case } from './case/model.ts';
import { SOURCES, type Source } from './classification.ts';
import { CALENDAR_HOURS, type SlaHours } from './working-time.ts';

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
 * - dispatched on time (按时派遣): of the cases whose dispatch deadline (`DISPATCH_SLA_MS`
 *   by severity, in case/category-policy.ts) falls in the period, not voided and not
 *   cleared by a sensor before it, those first dispatched by it.
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
const GROUP_KEY: Record<Grouping, (c: Case) => string> = {
  unit: (c) => c.leadUnit,
  street: (c) => c.streetId,
  community: (c) => c.communityId,
  grid: (c) => c.gridId,
};

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
