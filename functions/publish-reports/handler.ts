import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/runtime/lambda';
import { publishReports, PublicationRequest, type PublishReportsDeps } from '#shared/app/publish-reports';
import { reportFiles } from './report-files.ts';

/**
 * Scheduled (topology: publish-reports): publishes each district's report of the month
 * that ended (and of the quarter and half-year it ends), if it is not there yet. An
 * operator may invoke it with `{ "month": "2026-11", "districtId": "gongshu", "republish":
 * true }` (or `"quarter": "2026-Q4"`, `"half": "2026-H2"`) to publish a period again
 * (after cases were corrected); any other event is the schedule's.
 */
export const makeHandler =
  (deps: Omit<PublishReportsDeps, 'renderReport'>) => async (event: ScheduledEvent | Record<string, unknown>) => {
    const scheduled = (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';
    const parsed = PublicationRequest.safeParse(scheduled ? {} : event);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
      throw new Error(`publish-reports: not a request it understands (${issues.join('; ')})`);
    }
    const outcome = await publishReports({ ...deps, renderReport: reportFiles }, parsed.data);
    return {
      published: outcome.published.map((r) => `${r.districtId} ${r.period ?? r.month} → ${r.location}`),
      alreadyPublished: outcome.alreadyPublished,
      notYet: outcome.notYet,
    };
  };

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
