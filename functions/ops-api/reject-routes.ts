import { z } from 'zod';
import type { RejectStore } from '#shared/app/ports/rejects';
import { THING_NAME_PATTERN } from '#shared/domain/topics';
import { json, parseRequest, type RouteHandler } from './http-router.ts';
import { wholeParam } from '#shared/app/request-params';

/** The thing of messages too broken to name one (`UNKNOWN_THING` in the store). */
const UNREADABLE = '(unknown)';

const RejectQuery = z.strictObject({
  thing: z.union([z.string().regex(THING_NAME_PATTERN), z.literal(UNREADABLE)], {
    error: `thing is required: a thing name, or "${UNREADABLE}" for messages with no readable thing`,
  }),
  code: z
    .string()
    .regex(/^[a-z_]{1,40}$/, 'code is a rejection code such as malformed_json')
    .optional(),
  since: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)) || /^\d{1,15}$/.test(v), 'since is an ISO time or epoch milliseconds')
    .transform((v) => (/^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)))
    .optional(),
  limit: wholeParam('limit', z.number().min(1).max(200)).default(50),
  nextToken: z.string().max(2000).optional(),
});

/** `GET /rejects?thing=&code=&since=`: the messages ingest refused, with their reason and original payload, newest first. */
export const rejectRoutes = (deps: { rejects: Pick<RejectStore, 'list'> }): Record<string, RouteHandler> => ({
  'GET /rejects': async (event) => {
    const { thing, ...query } = parseRequest(RejectQuery, event.queryStringParameters ?? {});
    return json(200, await deps.rejects.list({ thing: thing === UNREADABLE ? undefined : thing, ...query }));
  },
});
