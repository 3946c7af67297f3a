import { addDays, localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';

/**
 * The latest moment at or before `now` when the zone's wall clock reads `time` (`HH:MM`):
 * a start for a virtual clock that meets a stack judging readings by the real clock, so
 * that the test never falls outside the stack's window of accepted times.
 */
export function lastLocalTime(time: string, timeZone: string, now = Date.now()): number {
  const today = localTimeParts(now, timeZone).date;
  const at = zonedTimeToEpoch(today, time, timeZone);
  return at <= now ? at : zonedTimeToEpoch(addDays(today, -1), time, timeZone);
}
