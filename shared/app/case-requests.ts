import { z } from 'zod';
import { CASE_ACTIONS, CASE_STATUSES, REFUSAL_REASONS } from '#shared/domain/case/statuses';
import { LatLon } from '#shared/domain/city-model';
import { REFUSAL_REASON_NAMES } from '#shared/domain/labels';
import { PEOPLE_SOURCES, URGENCIES } from '#shared/domain/classification';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import type { CaseFilter } from './ports/cases.ts';
import { timeParam, wholeParam } from './request-params.ts';

/** `GET /cases` query parameters. `since` takes epoch ms or an ISO time. */
export const CaseQuery = z.strictObject({
  status: z.enum(CASE_STATUSES).optional(),
  category: z.enum(CASE_CATEGORIES).optional(),
  unit: z.string().min(1).max(100).optional(),
  streetId: z.string().min(1).max(100).optional(),
  communityId: z.string().min(1).max(100).optional(),
  gridId: z.string().min(1).max(100).optional(),
  districtId: z.string().min(1).max(100).optional(),
  since: timeParam('since').optional(),
  limit: wholeParam('limit', z.number().min(1).max(500)).default(50),
  nextToken: z.string().max(2000).optional(),
});

const text = (max: number) => z.string().trim().max(max);
const MediaId = z.string().min(1).max(200);

/**
 * `POST /cases/{caseId}/transitions` body. A refusal names its reason; photos of the work
 * go in `media`. Who acts is the signed-in user, never a body field.
 */
export const TransitionRequest = z
  .strictObject({
    action: z.enum(CASE_ACTIONS),
    actor: z
      .never({ error: 'actor is not taken from the body: the actor is the signed-in user (Authorization: Bearer …)' })
      .optional(),
    note: z.string().max(2000).optional(),
    reason: z.enum(REFUSAL_REASONS).optional(),
    media: z.array(MediaId).max(20).default([]),
    /** A dispatch's unit (a department's or a street office's id): the case's lead unit from then on. */
    unitId: z.string().min(1).max(100).optional(),
    /** An extension's new deadline: epoch ms or an ISO time. */
    until: z.union([z.int().positive(), timeParam('until')]).optional(),
    /** A parking's review date: epoch ms or an ISO time. */
    reviewAt: z.union([z.int().positive(), timeParam('reviewAt')]).optional(),
    /** A dispatch down's community, or its grid (二级派遣): one of them. */
    communityId: z.string().min(1).max(100).optional(),
    gridId: z.string().min(1).max(100).optional(),
    /** An inspection's outcome (核查), and where the inspector stood. */
    outcome: z.enum(['pass', 'fail']).optional(),
    position: LatLon.optional(),
  })
  .refine((r) => r.action !== 'refuse' || r.reason, {
    message: `a refusal needs a reason: one of ${REFUSAL_REASONS.join(', ')}`,
    path: ['reason'],
    params: { zh: `不予立案须选择原因：${REFUSAL_REASONS.map((r) => REFUSAL_REASON_NAMES[r].zh).join('、')}` },
  })
  .refine((r) => r.action !== 'return' || r.note?.trim(), {
    message: 'a return (回退) needs a note: why the case is not for this unit',
    path: ['note'],
    params: { zh: '回退须填写说明：为什么不属于本单位' },
  })
  .refine((r) => r.action === 'dispatch' || !r.unitId, {
    message: 'unitId goes with a dispatch only',
    path: ['unitId'],
    params: { zh: '只有派遣时才选择单位' },
  })
  .refine((r) => (r.action === 'request_extension') === (r.until !== undefined), {
    message: 'until (the new deadline) goes with request_extension, and it needs one',
    path: ['until'],
    params: { zh: '申请延期须给出新时限（只有申请延期时才给）' },
  })
  .refine((r) => (r.action === 'park') === (r.reviewAt !== undefined), {
    message: 'reviewAt (when to look at it again) goes with park, and it needs one',
    path: ['reviewAt'],
    params: { zh: '挂账须给出复查日期（只有挂账时才给）' },
  })
  .refine((r) => !['request_extension', 'reject_extension', 'park'].includes(r.action) || r.note?.trim(), {
    message: 'an extension request, a rejection or a parking needs a note: why',
    path: ['note'],
    params: { zh: '申请延期、不同意延期和挂账都须说明原因' },
  })
  .refine((r) => (r.action === 'dispatch_down') === (Number(!!r.communityId) + Number(!!r.gridId) === 1), {
    message: 'a dispatch down names one community (communityId) or one grid (gridId); nothing else names either',
    path: ['communityId'],
  })
  .refine((r) => (r.action === 'inspect') === (r.outcome !== undefined && r.position !== undefined), {
    message: 'an inspection gives its outcome (pass or fail) and position { lat, lon }; nothing else gives either',
    path: ['outcome'],
  })
  .refine((r) => r.action !== 'inspect' || r.media.length > 0, {
    message: 'an inspection (核查) is made with a photo of the site (media: an uploaded id)',
    path: ['media'],
  })
  .refine((r) => (r.action !== 'supervise' && !(r.action === 'inspect' && r.outcome === 'fail')) || r.note?.trim(), {
    message: 'a supervision notice or a failed inspection needs a note',
    path: ['note'],
  });

/** What a report and a 12345 ticket both say: the class, the place, the urgency, the media. */
const REPORTED = {
  districtId: z.string().min(1).max(100).optional(),
  classId: z.string().min(1).max(64),
  location: LatLon.optional(),
  componentId: z.string().min(1).max(64).optional(),
  address: text(500).optional(),
  urgency: z.enum(URGENCIES).optional(),
  media: z.array(MediaId).max(20).default([]),
};
/** A place is a point or a component: the check, and the issue naming what lacks one. */
const hasPlace = (r: { location?: unknown; componentId?: string }) => Boolean(r.location || r.componentId);
const placeIssue = (what: string) => ({
  message: `${what} needs a location { lat, lon } or a componentId`,
  path: ['location'],
});

/** `POST /cases/reports` body: a person's report. */
export const ReportBody = z
  .strictObject({
    ...REPORTED,
    source: z.enum(PEOPLE_SOURCES),
    description: text(2000).min(1, 'description is required: what is wrong'),
    reporter: z
      .strictObject({ name: text(100).optional(), phone: text(30).optional(), id: text(100).optional() })
      .optional(),
    externalId: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{8,64}$/,
        'externalId is the sender’s own number for the report: 8 to 64 letters, digits, - and _',
      )
      .optional(),
  })
  .refine(hasPlace, placeIssue('a report'))
  .refine((r) => !(r.externalId && r.source === 'hotline_12345'), {
    message:
      'a 12345 ticket’s number is taken by POST /hotline/12345/tickets (its ticketNo), not as a report’s externalId',
    path: ['externalId'],
  });
export type TransitionRequest = z.infer<typeof TransitionRequest>;

/**
 * `POST /hotline/12345/tickets` body: a ticket the 12345 hotline hands over (see
 * docs/hotline.md). `ticketNo` is the hotline's number: the same ticket sent again is
 * the same report.
 */
export const HotlineTicketBody = z
  .strictObject({
    ticketNo: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'ticketNo is the hotline’s ticket number: letters, digits, - and _, up to 64'),
    ...REPORTED,
    description: text(2000).min(1, 'description is required: what the caller reported'),
    caller: z.strictObject({ name: text(100).optional(), phone: text(30).optional() }).optional(),
  })
  .refine(hasPlace, placeIssue('a ticket'));
export type HotlineTicketBody = z.infer<typeof HotlineTicketBody>;

export type CaseQuery = z.infer<typeof CaseQuery> & CaseFilter;
