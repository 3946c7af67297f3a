import type { CaseFigures } from '#shared/domain/assessment-model';
import type { PeriodReport, PeriodReportFile } from '#shared/app/period-report';
import { reportHtml } from './report-page.ts';
import { hours, nameOf, trendOf, worstRoutes } from './report-words.ts';

/* How a report (a month's, a quarter's, a half-year's) is published: its JSON, CSV tables and an HTML page. */

/** The report's files by name, with their content types: `report.json`, the CSV tables and `report.html`. */
export function reportFiles(report: PeriodReport): PeriodReportFile[] {
  return [
    { name: 'report.json', text: `${JSON.stringify(report, null, 2)}\n`, contentType: 'application/json' },
    ...Object.entries(reportCsv(report)).map(([name, text]) => ({
      name,
      text,
      contentType: 'text/csv; charset=utf-8',
    })),
    { name: 'report.html', text: reportHtml(report), contentType: 'text/html; charset=utf-8' },
  ];
}

const csvField = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csv = (header: string[], rows: unknown[][]) =>
  `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;

/** The report's tables as CSV files (RFC 4180, rates as shares 0–1, times in hours). */
export function reportCsv(report: PeriodReport): Record<string, string> {
  const { assessment } = report;
  const unitRow = (key: string, name: string, f: CaseFigures, rank: number | null) => [
    key,
    name,
    rank,
    f.score,
    f.registered,
    f.due,
    f.closedOnTime,
    f.onTimeClosureRate,
    f.dueClosed,
    f.closedRate,
    f.dispatchDue,
    f.dispatchedOnTime,
    f.onTimeDispatchRate,
    f.handledOnTime,
    f.onTimeHandlingRate,
    f.closed,
    f.resolved,
    f.reworked,
    f.reworkRate,
    f.voided,
    f.escalations,
    f.sensorVerifiedShare,
    hours(f.timeToDispatch.averageMs),
    hours(f.timeToDispatch.p90Ms),
    hours(f.timeToClose.averageMs),
    hours(f.timeToClose.p90Ms),
    f.overdueUnhandled,
    f.returned,
    f.extended,
    f.parked,
  ];
  const trend = trendOf(report);
  return {
    'units.csv': csv(
      [
        'unit',
        'name',
        'rank',
        'score',
        'registered',
        'due',
        'closed_on_time',
        'on_time_closure_rate',
        'due_closed',
        'closed_rate',
        'dispatch_due',
        'dispatched_on_time',
        'on_time_dispatch_rate',
        'handled_on_time',
        'on_time_handling_rate',
        'closed',
        'resolved',
        'reworked',
        'rework_rate',
        'voided',
        'escalations',
        'sensor_verified_share',
        'dispatch_avg_h',
        'dispatch_p90_h',
        'close_avg_h',
        'close_p90_h',
        'overdue_unhandled',
        'returned',
        'extended',
        'parked',
      ],
      [
        ...assessment.groups.map((g) => unitRow(g.key, nameOf(report, g.key), g, g.rank)),
        unitRow('', 'district', assessment.total, null),
      ],
    ),
    [trend.file]: csv(
      [trend.column, 'registered', 'due', 'closed_on_time', 'on_time_closure_rate', 'closed'],
      trend.rows.map((w) => [w.label, w.registered, w.due, w.closedOnTime, w.onTimeClosureRate, w.closed]),
    ),
    'inspectors.csv': csv(
      [
        'inspector',
        'reports',
        'accepted',
        'accepted_rate',
        'checks',
        'checks_judged',
        'checked_on_time',
        'on_time_check_rate',
      ],
      (assessment.inspectors ?? []).map((i) => [
        i.inspector,
        i.reports,
        i.accepted,
        i.acceptedRate,
        i.checks,
        i.checksJudged,
        i.checkedOnTime,
        i.onTimeCheckRate,
      ]),
    ),
    'garbage-rooms.csv': csv(
      ['site', 'name', 'overflow_hours'],
      assessment.sensors.overflowHours.map((r) => [r.siteId, nameOf(report, r.siteId), r.hours]),
    ),
    'routes.csv': csv(
      ['site', 'name', 'coverage_share', 'swept_in_time', 'segment_windows', 'windows', 'missed_windows'],
      worstRoutes(report).map((r) => [
        r.routeId,
        nameOf(report, r.routeId),
        r.share,
        r.sweptInTime,
        r.segmentWindows,
        r.windows,
        r.missedWindows,
      ]),
    ),
  };
}
