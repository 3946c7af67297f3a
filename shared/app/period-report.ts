import { type DistrictAssessment, monthsOf, type PeriodKind, periodKindOf } from '#shared/app/assessment-service';
import type { CaseFigures } from '#shared/domain/assessment-model';
import { addDays, isoWithOffset, localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';

/** The reports a month's end brings: the month's, and the quarter's and the half-year's it ends. */
export function periodsEndingWith(month: string): string[] {
  const m = Number(month.slice(5, 7));
  const year = month.slice(0, 4);
  return [month, ...(m % 3 === 0 ? [`${year}-Q${m / 3}`] : []), ...(m % 6 === 0 ? [`${year}-H${m / 6}`] : [])];
}

/** The assessment query that names a period. */
export const periodQuery = (period: string): { month: string } | { quarter: string } | { half: string } =>
  ({ [periodKindOf(period)]: period }) as { month: string } | { quarter: string } | { half: string };

/**
 * The report for the joint meetings: a district's unit assessment for a month, a quarter
 * or a half-year, its trend (a month's weeks, the months of a quarter or half-year), and
 * the garbage rooms (overflow hours) and routes (sweeping coverage) that did worst, as
 * JSON, CSV and a
 * self-contained HTML page (inline CSS and SVG charts; no fonts, scripts or images from
 * elsewhere, so it opens offline and can be mailed as one file). Pure: the caller brings
 * the assessments and writes the files.
 */
export interface WeekFigures
  extends Pick<CaseFigures, 'registered' | 'due' | 'closedOnTime' | 'onTimeClosureRate' | 'closed'> {
  /** The week's first local day (a Monday, or the 1st when the month starts mid-week); a month's `YYYY-MM`. */
  label: string;
  from: number;
  to: number;
}

export interface PeriodReport {
  districtId: string;
  /** The period: `YYYY-MM`, `YYYY-Qn` or `YYYY-Hn`. */
  period: string;
  kind: PeriodKind;
  /** The month assessed; for a quarter or a half-year, its last month (the one whose end brings it). */
  month: string;
  timeZone: string;
  generatedAt: string;
  assessment: DistrictAssessment;
  /** A month's trend: its weeks. */
  weeks?: WeekFigures[];
  /** A quarter's or a half-year's trend: its months. */
  months?: WeekFigures[];
}

/** The local weeks (Monday to Sunday) that meet [from, to), clipped to it. */
export function weeksOf(
  period: { from: number; to: number },
  timeZone: string,
): { label: string; from: number; to: number }[] {
  const weeks: { label: string; from: number; to: number }[] = [];
  let start = period.from;
  while (start < period.to) {
    const { date, weekday } = localTimeParts(start, timeZone);
    const end = Math.min(period.to, zonedTimeToEpoch(addDays(date, 8 - weekday), '00:00', timeZone));
    weeks.push({ label: date, from: start, to: end });
    start = end;
  }
  return weeks;
}

export function buildPeriodReport(
  period: string,
  assessment: DistrictAssessment,
  parts: { label: string; assessment: DistrictAssessment }[],
  now: number,
): PeriodReport {
  const kind = periodKindOf(period);
  const trend = parts.map(({ label, assessment: w }) => ({
    label,
    from: w.period.from,
    to: w.period.to,
    registered: w.total.registered,
    due: w.total.due,
    closedOnTime: w.total.closedOnTime,
    onTimeClosureRate: w.total.onTimeClosureRate,
    closed: w.total.closed,
  }));
  return {
    districtId: assessment.districtId,
    period,
    kind,
    month: monthsOf(period).at(-1)!,
    timeZone: assessment.timeZone,
    generatedAt: isoWithOffset(now, assessment.timeZone),
    assessment,
    ...(kind === 'month' ? { weeks: trend } : { months: trend }),
  };
}

/**
 * Assesses a period (a month, a quarter, a half-year) and each part of its trend (a
 * month's weeks, the others' months) with `assess` (the ops API's `/assessment` for the
 * command line, the assessment service itself for the scheduled publication) and builds
 * the report. `say` is told of each step.
 */
export async function assemblePeriodReport(
  period: string,
  assess: (query: ReturnType<typeof periodQuery> | { from: number; to: number }) => Promise<DistrictAssessment>,
  now: () => number,
  say: (line: string) => void = () => {},
): Promise<PeriodReport> {
  say(`assessing ${period}…`);
  const whole = await assess(periodQuery(period));
  const parts = [];
  if (periodKindOf(period) === 'month') {
    const weeks = weeksOf(whole.period, whole.timeZone);
    for (const [i, week] of weeks.entries()) {
      say(`assessing the week from ${week.label} (${i + 1} of ${weeks.length})…`);
      parts.push({ label: week.label, assessment: await assess({ from: week.from, to: week.to }) });
    }
  } else {
    const months = monthsOf(period);
    for (const [i, month] of months.entries()) {
      say(`assessing ${month} (${i + 1} of ${months.length})…`);
      parts.push({ label: month, assessment: await assess({ month }) });
    }
  }
  return buildPeriodReport(period, whole, parts, now());
}

/** One file of a published report. */
export interface PeriodReportFile {
  name: string;
  text: string;
  contentType: string;
}
