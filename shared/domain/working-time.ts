import { addDays, localTimeParts, zonedTimeToEpoch } from './local-time.ts';

/**
 * A district's working calendar: Monday to Friday, less its public holidays, plus the
 * weekend days worked in their place (调休). Dates are local `YYYY-MM-DD`.
 */
export interface WorkingCalendar {
  timeZone: string;
  holidays?: readonly string[];
  workdays?: readonly string[];
}

/** How SLA deadlines and durations are counted: all the time, or only on working days. */
export type SlaHours = { kind: 'calendar' } | { kind: 'working'; calendar: WorkingCalendar };

export const CALENDAR_HOURS: SlaHours = { kind: 'calendar' };

/** No calendar goes this long without a working day: a guard against one that has none. */
const MAX_DAYS = 3_660;

function isWorkingDay(date: string, weekday: number, calendar: WorkingCalendar): boolean {
  if (calendar.workdays?.includes(date)) return true;
  if (calendar.holidays?.includes(date)) return false;
  return weekday <= 5;
}

/** Local days from `start` on: each with its working flag and its end (the next local midnight). */
function* days(start: number, calendar: WorkingCalendar): Generator<{ working: boolean; end: number }> {
  let t = start;
  for (let i = 0; i < MAX_DAYS; i++) {
    const { date, weekday } = localTimeParts(t, calendar.timeZone);
    const end = zonedTimeToEpoch(addDays(date, 1), '00:00', calendar.timeZone);
    yield { working: isWorkingDay(date, weekday, calendar), end };
    t = end;
  }
  throw new Error(`the working calendar of ${calendar.timeZone} has no working day in ${MAX_DAYS} days`);
}

/** `start` plus `ms` of SLA time: in working hours, time on days off does not count. */
export function addSlaHours(start: number, ms: number, hours: SlaHours): number {
  if (hours.kind === 'calendar') return start + ms;
  let t = start;
  let left = ms;
  for (const day of days(start, hours.calendar)) {
    if (day.working) {
      if (left <= day.end - t) return t + left;
      left -= day.end - t;
    }
    t = day.end;
  }
  throw new Error('unreachable');
}

/** The SLA time between `from` and `to` (0 if `to` is not later). */
export function slaDuration(from: number, to: number, hours: SlaHours): number {
  if (to <= from) return 0;
  if (hours.kind === 'calendar') return to - from;
  let total = 0;
  let t = from;
  for (const day of days(from, hours.calendar)) {
    const end = Math.min(day.end, to);
    if (day.working) total += end - t;
    if (day.end >= to) return total;
    t = day.end;
  }
  throw new Error('unreachable');
}
