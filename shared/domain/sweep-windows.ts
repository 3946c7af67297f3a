import type { SweepRoute } from './city-model.ts';
import { addDays, localTimeParts, zonedTimeToEpoch } from './local-time.ts';

/** One occurrence of a route's schedule window: `key` is `<local date>T<start>`. */
export interface WindowInstance {
  routeId: string;
  key: string;
  date: string;
  from: number;
  to: number;
}

/** Every window instance of the route on the local dates from `fromTs` to `toTs`. */
export function windowInstances(route: SweepRoute, timeZone: string, fromTs: number, toTs: number): WindowInstance[] {
  const out: WindowInstance[] = [];
  const last = localTimeParts(toTs, timeZone).date;
  for (
    let date = localTimeParts(fromTs, timeZone).date, guard = 0;
    date <= last && guard < 400;
    date = addDays(date, 1), guard++
  ) {
    const weekday = localTimeParts(zonedTimeToEpoch(date, '12:00', timeZone), timeZone).weekday;
    for (const w of route.windows) {
      if (!w.days.includes(weekday)) continue;
      out.push({
        routeId: route.siteId,
        key: `${date}T${w.start}`,
        date,
        from: zonedTimeToEpoch(date, w.start, timeZone),
        to: zonedTimeToEpoch(date, w.end, timeZone),
      });
    }
  }
  return out;
}

/** The rest of the window's local day: sweeping then resolves a missed window as swept late. */
export function lateRange(instance: WindowInstance, timeZone: string): { from: number; to: number } {
  return { from: instance.to, to: zonedTimeToEpoch(addDays(instance.date, 1), '00:00', timeZone) };
}

export const lateKey = (instance: WindowInstance) => `${instance.key}#late`;
