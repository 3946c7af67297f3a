import { z } from 'zod';
import { GROUPINGS, type Assessment, type SweepWindowResult } from '#shared/domain/assessment-model';
import { assess, earliestRelevant } from '#shared/domain/assessment';
import type { Case } from '#shared/domain/case/model';
import { classById, classOf, limitsOf } from '#shared/domain/classification';
import type { Clock } from '#shared/domain/clock';
import { DEFAULT_LOCALE, type Locale } from '#shared/domain/locales';
import { type SlaHours, workingCalendarOf } from '#shared/domain/working-time';
import { addMonths, zonedTimeToEpoch } from '#shared/domain/local-time';
import { windowInstances } from '#shared/domain/sweep-windows';
import { chooseDistrict } from './district-choice.ts';
import type { RouteDirectory } from './sweep-coverage.ts';
import { unswept } from './close-windows.ts';
import { timeParam } from './request-params.ts';
import { allPages } from './paging.ts';
import { readIdNames, readPlaces } from './names.ts';
import type { CaseStore } from './ports/cases.ts';
import type { CoverageStore } from './ports/coverage.ts';
import type { Registry } from './ports/registry.ts';
import type { TicketStore } from './ports/tickets.ts';
import { outageOf } from '#shared/domain/maintenance';

const DAY = 86_400_000;
/** The longest period one request assesses (a year, and a little for a leap year's quarter ends). */
export const MAX_ASSESSMENT_DAYS = 370;
/**
 * How long before a period (and its year-earlier comparison) a case may have opened and
 * still count: one still open then, closed or due in the period. Cases open longer are
 * left out of the figures (none in the SLA table comes near).
 */
export const ASSESSMENT_LOOKBACK_DAYS = 90;

/** A calendar month, `YYYY-MM`. */
export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** A calendar quarter, `YYYY-Q1` … `YYYY-Q4`. */
export const QUARTER = /^\d{4}-Q[1-4]$/;
/** A half-year, `YYYY-H1` or `YYYY-H2`. */
export const HALF = /^\d{4}-H[12]$/;

/**
 * `GET /assessment` query parameters: the period [from, to), or a `month` (YYYY-MM) of the
 * district's local calendar; the grouping; the SLA hours (calendar or working).
 */
export const AssessmentQuery = z
  .strictObject({
    from: timeParam('from').optional(),
    to: timeParam('to').optional(),
    month: z.string().regex(MONTH, 'month must be YYYY-MM').optional(),
    quarter: z.string().regex(QUARTER, 'quarter must be YYYY-Q1 … YYYY-Q4').optional(),
    half: z.string().regex(HALF, 'half must be YYYY-H1 or YYYY-H2').optional(),
    by: z.enum(GROUPINGS).default('unit'),
    hours: z.enum(['calendar', 'working']).default('calendar'),
    districtId: z.string().min(1).max(100).optional(),
  })
  .refine(
    (q) =>
      [q.month, q.quarter, q.half].filter((p) => p !== undefined).length +
        (q.from !== undefined && q.to !== undefined ? 1 : 0) ===
        1 && (q.from === undefined) === (q.to === undefined),
    {
      message: 'give one of month, quarter or half, or both from and to',
    },
  )
  .refine((q) => q.from === undefined || q.to! > q.from!, { message: 'to must be after from', path: ['to'] })
  .refine((q) => q.from === undefined || q.to! - q.from! <= MAX_ASSESSMENT_DAYS * DAY, {
    message: `a period is at most ${MAX_ASSESSMENT_DAYS} days`,
    path: ['to'],
  });
export type AssessmentQuery = z.infer<typeof AssessmentQuery>;

export interface AssessmentDeps {
  registry: Pick<Registry, 'listDistricts' | 'listDepartments' | 'getSites' | 'getPlace' | 'listDevices'>;
  caseStore: Pick<CaseStore, 'listOpened'>;
  ticketStore: Pick<TicketStore, 'listOpened'>;
  routes: Pick<RouteDirectory, 'of'>;
  coverageStore: Pick<CoverageStore, 'read'>;
  clock: Clock;
}

/** `count` local months from the first instant of `month`. */
const monthsPeriod = (month: string, count: number, timeZone: string) => ({
  from: zonedTimeToEpoch(`${month}-01`, '00:00', timeZone),
  to: zonedTimeToEpoch(`${addMonths(month, count)}-01`, '00:00', timeZone),
});

/** The periods a report or an assessment covers: a month (`YYYY-MM`), a quarter (`YYYY-Qn`) or a half-year (`YYYY-Hn`). */
export type PeriodKind = 'month' | 'quarter' | 'half';

export const periodKindOf = (period: string): PeriodKind => {
  if (MONTH.test(period)) return 'month';
  if (QUARTER.test(period)) return 'quarter';
  if (HALF.test(period)) return 'half';
  throw new RangeError(`not a month, quarter or half-year: ${period}`);
};

/** The local months of a period, in order. */
export function monthsOf(period: string): string[] {
  const kind = periodKindOf(period);
  if (kind === 'month') return [period];
  const months = kind === 'quarter' ? 3 : 6;
  const first = (Number(period.at(-1)) - 1) * months + 1;
  const start = `${period.slice(0, 4)}-${String(first).padStart(2, '0')}`;
  return Array.from({ length: months }, (_, i) => addMonths(start, i));
}

/** A named period of the local calendar (see {@link monthsOf}) as instants of the district's zone. */
export function namedPeriod(name: string, timeZone: string): { from: number; to: number } {
  const months = monthsOf(name);
  return monthsPeriod(months[0]!, months.length, timeZone);
}

export type DistrictAssessment = Assessment & {
  districtId: string;
  timeZone: string;
  /** The district's language, which its reports speak first. */
  locale?: Locale;
  /** What the groups' keys and the sites in the sensor figures are called. */
  names: Record<string, string>;
};

/**
 * Assesses a district's units over a period: reads the cases that can count (opened from
 * the lookback before the year-earlier comparison to the period's end) and the district's
 * devices, and applies the district's working calendar when working hours are asked for.
 */
export async function assessDistrict(deps: AssessmentDeps, query: AssessmentQuery): Promise<DistrictAssessment> {
  const district = chooseDistrict(await deps.registry.listDistricts(), query.districtId);
  const name = query.month ?? query.quarter ?? query.half;
  const period = name ? namedPeriod(name, district.timeZone) : { from: query.from!, to: query.to! };
  const hours: SlaHours =
    query.hours === 'working' ? { kind: 'working', calendar: workingCalendarOf(district) } : { kind: 'calendar' };
  const since = earliestRelevant(period) - ASSESSMENT_LOOKBACK_DAYS * DAY;
  const asOf = deps.clock.now();
  const [cases, tickets, devices, sweeping] = await Promise.all([
    deps.caseStore.listOpened(district.districtId, since, period.to),
    deps.ticketStore.listOpened(district.districtId, since, period.to),
    allDevices(deps, district.districtId),
    sweepWindows(deps, district.districtId, period.from, Math.min(period.to, asOf)),
  ]);
  const cutoff = Math.min(period.to, asOf);
  const outages = tickets.filter((t) => t.fault === 'device_offline').map((t) => outageOf(t, cutoff));
  const table = district.classification;
  const calendar = workingCalendarOf(district);
  const limits =
    table?.timeLimits || table?.classes.some((c) => c.timeLimits)
      ? {
          of: (c: Case) => limitsOf(table, (c.classId && classById(table, c.classId)) || classOf(table, c.category)),
          calendar,
        }
      : undefined;
  const assessment = assess(cases, {
    ...period,
    by: query.by,
    asOf,
    hours,
    devices,
    sweeping,
    outages,
    ...(limits ? { limits } : {}),
    ...(district.assessment ? { weights: district.assessment.weights } : {}),
  });
  return {
    districtId: district.districtId,
    timeZone: district.timeZone,
    locale: district.locale ?? DEFAULT_LOCALE,
    ...assessment,
    names: await namesOf(deps, district.districtId, assessment, [...new Set(cases.map((c) => c.gridId))]),
  };
}

/** Names for the ids an assessment shows: units (departments, or a street office), streets, communities, grids and sites. */
async function namesOf(
  deps: AssessmentDeps,
  districtId: string,
  a: Assessment,
  gridIds: string[],
): Promise<Record<string, string>> {
  const siteIds = [...a.sensors.overflowHours, ...a.sensors.missedSweeping]
    .map((s) => s.siteId)
    .concat(a.sensors.sweepingCoverage.byRoute.map((r) => r.routeId));
  const { units, sites } = await readIdNames(deps.registry, districtId, siteIds, []);
  const names: Record<string, string> = Object.fromEntries(units);
  for (const [siteId, site] of sites) names[siteId] = site.name;
  // Streets, communities and grids (and street offices as units) are named by the places of the cases' grids, read only
  // when a group needs them.
  if (a.groups.every((g) => g.key in names)) return names;
  for (const place of (await readPlaces(deps.registry, gridIds)).values()) {
    if (!place) continue;
    names[place.grid.gridId] ??= place.grid.name;
    if (place.community) names[place.community.communityId] ??= place.community.name;
    if (place.street) names[place.street.streetId] ??= place.street.name;
  }
  return names;
}

/** Each sweeping window of the district's routes that began and ended in [from, to), judged by its stored coverage. */
async function sweepWindows(
  deps: AssessmentDeps,
  districtId: string,
  from: number,
  to: number,
): Promise<SweepWindowResult[]> {
  if (to <= from) return [];
  const { routes, engine, timeZone } = await deps.routes.of(districtId);
  const judged = await Promise.all(
    routes.map((route) =>
      Promise.all(
        windowInstances(route, timeZone, from, to - 1)
          .filter((w) => w.from >= from && w.to <= to)
          .map(async (w) => {
            const missed = unswept(engine, route, [await deps.coverageStore.read(route.siteId, w.key)]);
            return {
              routeId: route.siteId,
              unitId: route.unitId,
              date: w.date,
              windowKey: w.key,
              segments: route.segments.length,
              sweptInTime: route.segments.length - missed.segments.length,
            };
          }),
      ),
    ),
  );
  return judged.flat();
}

async function allDevices(deps: AssessmentDeps, districtId: string) {
  return (await allPages((nextToken) => deps.registry.listDevices({ districtId, limit: 500, nextToken }))).map(
    ({ thing, kind }) => ({ thing, kind }),
  );
}
