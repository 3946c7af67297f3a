import { addDays, localTimeParts, zonedTimeToEpoch } from './local-time.ts';

/**
 * A district's working calendar: Monday to Friday, less its public holidays, plus the
 * weekend days worked in their place (调休). Dates are local `YYYY-MM-DD`. With working
 * hours (local `HH:MM` periods, e.g. 08:30–12:00 and 13:30–17:30), only those count on a
 * working day; without, the whole working day does.
 */
export interface WorkingCalendar {
  timeZone: string;
  holidays?: readonly string[];
  /** Weekend days worked in exchange for a holiday (调休上班). */
  makeUpWorkdays?: readonly string[];
  hours?: readonly (readonly [string, string])[];
}

/** A district's working calendar: its time zone, holidays, make-up workdays and working hours. */
export const workingCalendarOf = (district: {
  timeZone: string;
  calendar?: Omit<WorkingCalendar, 'timeZone'>;
}): WorkingCalendar => ({
  timeZone: district.timeZone,
  ...district.calendar,
});

/** How SLA deadlines and durations are counted: all the time, or only on working days. */
export type SlaHours = { kind: 'calendar' } | { kind: 'working'; calendar: WorkingCalendar };

export const CALENDAR_HOURS: SlaHours = { kind: 'calendar' };

/** No calendar goes this long without a working day: a guard against one that has none. */
const MAX_DAYS = 3_660;

function isWorkingDay(date: string, weekday: number, calendar: WorkingCalendar): boolean {
  if (calendar.makeUpWorkdays?.includes(date)) return true;
  if (calendar.holidays?.includes(date)) return false;
  return weekday <= 5;
}

/** Local days from `start`'s on: each one's working periods (epoch ms, none on a day off) and its end (the next local midnight). */
function* days(start: number, calendar: WorkingCalendar): Generator<{ periods: [number, number][]; end: number }> {
  let t = start;
  const zone = calendar.timeZone;
  for (let i = 0; i < MAX_DAYS; i++) {
    const { date, weekday } = localTimeParts(t, zone);
    const begin = zonedTimeToEpoch(date, '00:00', zone);
    const end = zonedTimeToEpoch(addDays(date, 1), '00:00', zone);
    const periods: [number, number][] = !isWorkingDay(date, weekday, calendar)
      ? []
      : calendar.hours?.length
        ? calendar.hours.map(([from, to]) => [zonedTimeToEpoch(date, from, zone), zonedTimeToEpoch(date, to, zone)])
        : [[begin, end]];
    yield { periods, end };
    t = end;
  }
  throw new Error(`the working calendar of ${zone} has no working day in ${MAX_DAYS} days`);
}

/** `start` plus `ms` of SLA time: in working hours, only working periods of working days count. */
export function addSlaHours(start: number, ms: number, hours: SlaHours): number {
  if (hours.kind === 'calendar' || ms <= 0) return start + Math.max(ms, 0);
  let left = ms;
  for (const day of days(start, hours.calendar)) {
    for (const [from, to] of day.periods) {
      const t = Math.max(from, start);
      if (t >= to) continue;
      if (left <= to - t) return t + left;
      left -= to - t;
    }
  }
  throw new Error('unreachable');
}

/** The SLA time between `from` and `to` (0 if `to` is not later). */
export function slaDuration(from: number, to: number, hours: SlaHours): number {
  if (to <= from) return 0;
  if (hours.kind === 'calendar') return to - from;
  let total = 0;
  for (const day of days(from, hours.calendar)) {
    for (const [a, b] of day.periods) {
      const s = Math.max(a, from);
      const e = Math.min(b, to);
      if (e > s) total += e - s;
    }
    if (day.end >= to) return total;
  }
  throw new Error('unreachable');
}
