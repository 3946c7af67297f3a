import { z } from 'zod';
import { assess, earliestRelevant, GROUPINGS, type Assessment } from '#shared/domain/assessment';
import type { District } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { SlaClock } from '#shared/domain/working-time';
import type { CaseStore, Page } from './ports.ts';

const DAY = 86_400_000;
/** The longest period one request assesses (a year, and a little for a leap year's quarter ends). */
export const MAX_ASSESSMENT_DAYS = 370;
/**
 * How long before a period (and its year-earlier comparison) a case may have opened and
 * still count: one still open then, closed or due in the period. Cases open longer are
 * left out of the figures (none in the SLA table comes near).
 */
export const ASSESSMENT_LOOKBACK_DAYS = 90;

const time = (name: string) =>
  z.string().transform((v, ctx) => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be epoch milliseconds or an ISO time` });
      return z.NEVER;
    }
    return t;
  });

/** `GET /assessment` query parameters: the period [from, to), the grouping, the SLA clock. */
export const AssessmentQuery = z
  .strictObject({
    from: time('from'),
    to: time('to'),
    by: z.enum(GROUPINGS).default('unit'),
    clock: z.enum(['calendar', 'working']).default('calendar'),
    districtId: z.string().min(1).max(100).optional(),
  })
  .refine((q) => q.to > q.from, { message: 'to must be after from', path: ['to'] })
  .refine((q) => q.to - q.from <= MAX_ASSESSMENT_DAYS * DAY, { message: `a period is at most ${MAX_ASSESSMENT_DAYS} days`, path: ['to'] });
export type AssessmentQuery = z.infer<typeof AssessmentQuery>;

export interface AssessmentDeps {
  registry: {
    listDistricts(): Promise<District[]>;
    listDevices(options: { districtId?: string; limit?: number; nextToken?: string }): Promise<Page<{ thing: string; kind: DeviceKind }>>;
  };
  caseStore: Pick<CaseStore, 'listOpened'>;
  clock: Clock;
}

/** A district's assessment request cannot be answered as asked. */
export class AssessmentRequestError extends Error {}

/**
 * Assesses a district's units over a period: reads the cases that can count (opened from
 * the lookback before the year-earlier comparison to the period's end) and the district's
 * devices, and applies the district's working calendar when the working clock is asked for.
 */
export async function assessDistrict(deps: AssessmentDeps, query: AssessmentQuery): Promise<Assessment & { districtId: string }> {
  const districts = await deps.registry.listDistricts();
  const district = query.districtId ? districts.find((d) => d.districtId === query.districtId) : districts.length === 1 ? districts[0] : undefined;
  if (!district) {
    throw new AssessmentRequestError(
      query.districtId ? `no district "${query.districtId}"` : `districtId is required (one of ${districts.map((d) => d.districtId).join(', ')})`,
    );
  }
  const clock: SlaClock = query.clock === 'working' ? { kind: 'working', calendar: { timeZone: district.timezone, ...district.calendar } } : { kind: 'calendar' };
  const since = earliestRelevant(query) - ASSESSMENT_LOOKBACK_DAYS * DAY;
  const [cases, devices] = await Promise.all([deps.caseStore.listOpened(district.districtId, since, query.to), allDevices(deps, district.districtId)]);
  return { districtId: district.districtId, ...assess(cases, { from: query.from, to: query.to, by: query.by, asOf: deps.clock.now(), clock, devices }) };
}

async function allDevices(deps: AssessmentDeps, districtId: string) {
  const devices: { thing: string; kind: DeviceKind }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.registry.listDevices({ districtId, limit: 500, nextToken });
    devices.push(...page.items.map(({ thing, kind }) => ({ thing, kind })));
    nextToken = page.nextToken;
  } while (nextToken);
  return devices;
}
