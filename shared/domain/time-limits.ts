import { z } from 'zod';
import type { Case } from './cases.ts';
import type { Urgency } from './classification.ts';
import { addSlaHours, slaDuration, type WorkingCalendar } from './working-time.ts';

/**
 * Time limits (时限) of the case cycle's stages, by urgency, in working hours: how long
 * the intake has to register (立案), the dispatcher to dispatch (派遣), the unit to handle
 * (处置) and the inspector to verify (核查). A district's classification table gives a
 * default table and, for a class, its own; counted in the district's working hours
 * (working days, less holidays, plus swapped working days, within the working periods).
 */
export const STAGES = ['register', 'dispatch', 'handle', 'verify'] as const;
export type Stage = (typeof STAGES)[number];

const hours = z.number().positive('a time limit is more than no time').max(2000);
const StageLimits = z.strictObject({ register: hours, dispatch: hours, handle: hours, verify: hours });

/** Every urgency's limits (the classification's urgencies; not imported from it, which imports this). */
export const TimeLimits = z.strictObject({
  urgent: StageLimits,
  pressing: StageLimits,
  normal: StageLimits,
} satisfies Record<Urgency, typeof StageLimits>);
export type TimeLimits = z.infer<typeof TimeLimits>;

const HOUR = 3_600_000;

/** When a stage begun at `start` is due: its limit for the urgency, in the calendar's working hours. */
export const deadlineOf = (
  limits: TimeLimits,
  urgency: Urgency,
  stage: Stage,
  start: number,
  calendar: WorkingCalendar,
): number => addSlaHours(start, limits[urgency][stage] * HOUR, { kind: 'working', calendar });

/** What a district's time limits need: the table for the case's class, and the working calendar. */
export interface LimitsInForce {
  limits: TimeLimits;
  calendar: WorkingCalendar;
}

/**
 * The unit's deadline (`dueAt`) after a change of a case, by the time limits: once
 * registered, the dispatch and handling limits from registration; once dispatched, the
 * handling limit from dispatch. Undefined when the change starts neither.
 */
export function unitDeadline(
  before: Pick<Case, 'registeredAt' | 'status' | 'dueAt' | 'parked'> | undefined,
  after: Pick<Case, 'registeredAt' | 'status' | 'urgency' | 'updatedAt'>,
  { limits, calendar }: LimitsInForce,
): number | undefined {
  const urgency = after.urgency ?? 'normal';
  const limit = limits[urgency];
  const working = { kind: 'working' as const, calendar };
  // Unparked: the working time that was left when it was parked, from now.
  if (before?.status === 'parked' && after.status !== 'parked' && before.parked)
    return addSlaHours(after.updatedAt, slaDuration(before.parked.at, before.dueAt, working), working);
  if (after.status === 'dispatched' && before?.status !== 'dispatched')
    return addSlaHours(after.updatedAt, limit.handle * HOUR, { kind: 'working', calendar });
  if (after.registeredAt !== undefined && before?.registeredAt === undefined)
    return addSlaHours(after.registeredAt, (limit.dispatch + limit.handle) * HOUR, { kind: 'working', calendar });
  return undefined;
}

/**
 * The deadlines of the intake's and the inspector's stages after a change of a case:
 * `registerBy` when it comes into the intake (received, or waiting for an on-site check)
 * — the registration limit from then; `verifyBy` when it is resolved — the verification
 * limit from the resolution. Empty when the change starts neither.
 */
export function stageDeadlines(
  before: Pick<Case, 'status'> | undefined,
  after: Pick<Case, 'status' | 'urgency' | 'updatedAt'>,
  { limits, calendar }: LimitsInForce,
): Partial<Pick<Case, 'registerBy' | 'verifyBy'>> {
  const limit = limits[after.urgency ?? 'normal'];
  const working = { kind: 'working' as const, calendar };
  const intake = (status: string | undefined) => status === 'received' || status === 'checking';
  if (intake(after.status) && !intake(before?.status))
    return { registerBy: addSlaHours(after.updatedAt, limit.register * HOUR, working) };
  if (after.status === 'resolved' && before?.status !== 'resolved')
    return { verifyBy: addSlaHours(after.updatedAt, limit.verify * HOUR, working) };
  return {};
}
