import type { DistrictAssessment } from '#shared/app/assessment-service';
import type { CaseFigures } from '#shared/domain/assessment';
import { addDays, isoWithOffset, localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';

/**
 * The monthly report for the quarterly joint meetings: a district's unit assessment for a
 * month, its weeks, and the garbage rooms (overflow hours) and routes (sweeping coverage)
 * that did worst, as JSON, CSV and a
 * self-contained HTML page (inline CSS and SVG charts; no fonts, scripts or images from
 * elsewhere, so it opens offline and can be mailed as one file). Pure: the caller brings
 * the assessments and writes the files.
 */
export interface WeekFigures
  extends Pick<CaseFigures, 'registered' | 'due' | 'closedOnTime' | 'onTimeClosureRate' | 'closed'> {
  /** The week's first local day (a Monday, or the 1st when the month starts mid-week). */
  label: string;
  from: number;
  to: number;
}

export interface MonthlyReport {
  districtId: string;
  month: string;
  timeZone: string;
  generatedAt: string;
  assessment: DistrictAssessment;
  weeks: WeekFigures[];
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

export function buildMonthlyReport(
  month: string,
  assessment: DistrictAssessment,
  weeks: { label: string; assessment: DistrictAssessment }[],
  now: number,
): MonthlyReport {
  return {
    districtId: assessment.districtId,
    month,
    timeZone: assessment.timeZone,
    generatedAt: isoWithOffset(now, assessment.timeZone),
    assessment,
    weeks: weeks.map(({ label, assessment: w }) => ({
      label,
      from: w.period.from,
      to: w.period.to,
      registered: w.total.registered,
      due: w.total.due,
      closedOnTime: w.total.closedOnTime,
      onTimeClosureRate: w.total.onTimeClosureRate,
      closed: w.total.closed,
    })),
  };
}

/**
 * Assesses a month and each of its weeks with `assess` (the ops API's `/assessment` for the
 * command line, the assessment service itself for the scheduled publication) and builds
 * the report. `say` is told of each step.
 */
export async function assembleMonthlyReport(
  month: string,
  assess: (query: { month: string } | { from: number; to: number }) => Promise<DistrictAssessment>,
  now: () => number,
  say: (line: string) => void = () => {},
): Promise<MonthlyReport> {
  say(`assessing ${month}…`);
  const whole = await assess({ month });
  const weeks = weeksOf(whole.period, whole.timeZone);
  const weekly = [];
  for (const [i, week] of weeks.entries()) {
    say(`assessing the week from ${week.label} (${i + 1} of ${weeks.length})…`);
    weekly.push({ label: week.label, assessment: await assess({ from: week.from, to: week.to }) });
  }
  return buildMonthlyReport(month, whole, weekly, now());
}

/** One file of a published report. */
export interface ReportFile {
  name: string;
  text: string;
  contentType: string;
}
