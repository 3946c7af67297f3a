import { z } from 'zod';
import { envelope, type BusEvent } from './event-definition.ts';

/** Report events: published on the same bus as the case events, from their own source. */
export const REPORT_EVENT_SOURCE = 'cityops.reports';

export const ReportFileSchema = z.object({
  name: z.string().describe('file name, e.g. report.html'),
  key: z.string().describe('object key in the reports bucket (a path under the reports folder locally)'),
  contentType: z.string(),
  bytes: z.int().nonnegative(),
});

export const ReportPublishedSchema = z.object({
  districtId: z.string(),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .describe('the local calendar month assessed, YYYY-MM; for a quarter’s or a half-year’s report, its last month'),
  period: z
    .string()
    .regex(/^\d{4}-((0[1-9]|1[0-2])|Q[1-4]|H[12])$/)
    .optional()
    .describe(
      'the period assessed: YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY-Hn (a half-year); absent on reports published before quarters',
    ),
  periodKind: z.enum(['month', 'quarter', 'half']).optional(),
  timeZone: z.string(),
  generatedAt: z.string().describe('ISO 8601 with the district’s offset'),
  location: z.string().describe('where the files are: s3://bucket/prefix/ in AWS, a folder locally'),
  files: z.array(ReportFileSchema).min(1),
  summary: z
    .object({
      registered: z.int(),
      due: z.int(),
      closed: z.int(),
      closedOnTime: z.int(),
      onTimeClosureRate: z.number().nullable(),
    })
    .describe('the district’s totals for the period'),
});
export type ReportPublished = z.infer<typeof ReportPublishedSchema>;

export const REPORT_EVENTS = {
  ReportPublished: {
    source: REPORT_EVENT_SOURCE,
    detailType: 'ReportPublished',
    version: '1',
    schema: envelope(
      'ReportPublished',
      '1',
      'A district’s assessment report (a month’s, a quarter’s or a half-year’s) was written: JSON, CSV and HTML files.',
      ReportPublishedSchema,
      'publication',
    ),
  },
} as const;

export type ReportEvent = BusEvent<ReportPublished, 'ReportPublished'> & { source: typeof REPORT_EVENT_SOURCE };

/**
 * The event for a published report. Its id is the district and month, so a publication
 * tried again is recognisable as the same one; a deliberate republication (after
 * corrections) names its time too, so receivers that drop repeats do not drop it.
 */
export function reportPublishedEvent(data: ReportPublished, occurredAt: number, republication = false): ReportEvent {
  const def = REPORT_EVENTS.ReportPublished;
  const id = `report:${data.districtId}:${data.period ?? data.month}${republication ? `:${occurredAt}` : ''}`;
  return {
    source: def.source,
    detailType: def.detailType,
    detail: { metadata: { version: def.version, occurredAt, id }, data },
  };
}
