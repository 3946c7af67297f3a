import { z } from 'zod';
import { addMonths, localTimeParts } from '#shared/domain/local-time';
import { reportPublishedEvent, type ReportPublished } from '#shared/events/report-events';
import { assemblePeriodReport, type PeriodReport, periodsEndingWith, type PeriodReportFile } from './period-report.ts';
import {
  assessDistrict,
  HALF,
  MONTH,
  namedPeriod,
  periodKindOf,
  QUARTER,
  type AssessmentDeps,
} from './assessment-service.ts';
import type { EventPublisher } from './ports/events.ts';
import type { Log } from './ports/observability.ts';
import type { ReportStore } from './ports/reports.ts';

/**
 * The reports' publication (AWS: a schedule, the reports bucket, the event bus;
 * locally: the same schedule, a folder, the events file and webhooks). Each run publishes,
 * for every district, the last local month that has ended (and the quarter and half-year
 * that month ends: March, June, September, December), unless it already has been: a
 * run that fails part-way leaves no `published.json`, so the next run does it all again,
 * and a run after a success only looks for that file. A district's failure does not stop
 * the others; the run then fails, naming them.
 */
export interface PublishReportsDeps extends AssessmentDeps {
  /** The files a report is published as (the function's presentation). */
  renderReport: (report: PeriodReport) => PeriodReportFile[];
  reports: ReportStore;
  events: EventPublisher;
  log: Log;
}

/**
 * How long after a month ends its report waits: the schedules that judge its last hours (sweeping windows 15 minutes
 * after they close, escalations each minute) have run by then.
 */
export const REPORT_GRACE_MS = 60 * 60_000;

/**
 * What a run is asked to do: by the schedule, nothing (the month just ended); by an operator (`aws lambda invoke`), a
 * month, a quarter or a half-year, a district, or a repeat.
 */
export const PublicationRequest = z
  .strictObject({
    month: z.string().regex(MONTH, 'month must be YYYY-MM').optional(),
    quarter: z.string().regex(QUARTER, 'quarter must be YYYY-Q1 … YYYY-Q4').optional(),
    half: z.string().regex(HALF, 'half must be YYYY-H1 or YYYY-H2').optional(),
    districtId: z.string().min(1).optional(),
    /** Publish again even when the month's report is there (after a correction of the cases). */
    republish: z.boolean().default(false),
  })
  .refine((r) => [r.month, r.quarter, r.half].filter(Boolean).length <= 1, {
    message: 'one of month, quarter or half',
  })
  .default({ republish: false });
export type PublicationRequest = z.infer<typeof PublicationRequest>;

/** Where a report's files go: `<district>/<period>/` (a period: `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn`). */
export const reportPrefix = (districtId: string, period: string) => `${districtId}/${period}/`;
/** Written last: its presence means the files are complete and the event went out. */
export const PUBLISHED_MARKER = 'published.json';

/** The local calendar month before the one `at` falls in. */
export function monthBefore(at: number, timeZone: string): string {
  return addMonths(localTimeParts(at, timeZone).date.slice(0, 7), -1);
}

export interface PublicationOutcome {
  published: ReportPublished[];
  /** `districtId period` of reports that were there already. */
  alreadyPublished: string[];
  /** `districtId period: why` of reports not published (a period not yet ended and past its grace). */
  notYet: string[];
}

export async function publishReports(
  deps: PublishReportsDeps,
  request: PublicationRequest = { republish: false },
): Promise<PublicationOutcome> {
  const now = deps.clock.now();
  const districts = (await deps.registry.listDistricts()).filter(
    (d) => !request.districtId || d.districtId === request.districtId,
  );
  if (request.districtId && districts.length === 0) throw new Error(`no district "${request.districtId}"`);
  const outcome: PublicationOutcome = { published: [], alreadyPublished: [], notYet: [] };
  const failures: string[] = [];
  const asked = request.month ?? request.quarter ?? request.half;
  for (const district of districts) {
    const periods = asked ? [asked] : periodsEndingWith(monthBefore(now - REPORT_GRACE_MS, district.timeZone));
    for (const period of periods) {
      const label = `${district.districtId} ${period}`;
      const ended = namedPeriod(period, district.timeZone).to + REPORT_GRACE_MS <= now;
      if (!ended) {
        const kind = periodKindOf(period) === 'half' ? 'half-year' : periodKindOf(period);
        outcome.notYet.push(
          `${label}: the ${kind} has not ended, or ended less than ${REPORT_GRACE_MS / 60_000} minutes ago`,
        );
        continue;
      }
      const failure = await publishOne(deps, district, period, request.republish, outcome);
      if (failure) failures.push(`${label}: ${failure}`);
    }
  }
  if (failures.length) throw new Error(`reports not published: ${failures.join('; ')}`);
  return outcome;
}

/** Publishes one district's report of one period (unless it is there already); the reason when it could not. */
async function publishOne(
  deps: PublishReportsDeps,
  district: { districtId: string; timeZone: string },
  period: string,
  republish: boolean,
  outcome: PublicationOutcome,
): Promise<string | undefined> {
  const label = `${district.districtId} ${period}`;
  {
    const prefix = reportPrefix(district.districtId, period);
    try {
      if (!republish && (await deps.reports.exists(prefix + PUBLISHED_MARKER))) {
        outcome.alreadyPublished.push(label);
        return undefined;
      }
      const report = await assemblePeriodReport(
        period,
        (period) => assessDistrict(deps, { ...period, by: 'unit', hours: 'calendar', districtId: district.districtId }),
        deps.clock.now,
        (line) => deps.log.info(`report ${label}: ${line}`),
      );
      const files = [];
      for (const file of deps.renderReport(report)) {
        await deps.reports.put(prefix + file.name, file.text, file.contentType);
        files.push({
          name: file.name,
          key: prefix + file.name,
          contentType: file.contentType,
          bytes: Buffer.byteLength(file.text),
        });
      }
      const t = report.assessment.total;
      const data: ReportPublished = {
        districtId: district.districtId,
        month: report.month,
        period,
        periodKind: report.kind,
        timeZone: district.timeZone,
        generatedAt: report.generatedAt,
        location: deps.reports.location + prefix,
        files,
        summary: {
          registered: t.registered,
          due: t.due,
          closed: t.closed,
          closedOnTime: t.closedOnTime,
          onTimeClosureRate: t.onTimeClosureRate,
        },
      };
      const event = reportPublishedEvent(data, deps.clock.now(), republish);
      await deps.events.publish([event]);
      await deps.reports.put(prefix + PUBLISHED_MARKER, `${JSON.stringify(event, null, 2)}\n`, 'application/json');
      deps.log.info(`report ${label} published`, { location: data.location, files: files.length });
      outcome.published.push(data);
    } catch (error) {
      deps.log.error(`report ${label} not published; the next run tries again`, { error: (error as Error).message });
      return (error as Error).message;
    }
  }
  return undefined;
}
