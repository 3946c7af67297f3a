import { z } from 'zod';
import { addSlaHours, type WorkingCalendar } from './working-time.ts';

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

/** Every urgency's limits (the classification's `URGENCIES`, which it checks against these: it imports this). */
export const TimeLimits = z.strictObject({
  urgent: StageLimits,
  pressing: StageLimits,
  normal: StageLimits,
});
export type TimeLimits = z.infer<typeof TimeLimits>;

const HOUR = 3_600_000;

/** When a stage begun at `start` is due: its limit for the urgency, in the calendar's working hours. */
export const deadlineOf = (
  limits: TimeLimits,
  urgency: keyof TimeLimits,
  stage: Stage,
  start: number,
  calendar: WorkingCalendar,
): number => addSlaHours(start, limits[urgency][stage] * HOUR, { kind: 'working', calendar });

/** What a district's time limits need: the table for the case's class, and the working calendar. */
export interface LimitsInForce {
  limits: TimeLimits;
  calendar: WorkingCalendar;
}
