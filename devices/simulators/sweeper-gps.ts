import type { Device, Position, SweepRoute } from '#shared/domain/city-model';
import type { GpsFix } from '#shared/domain/payloads';
import { localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';
import { BaseSimulator, round } from './simulator.ts';

export interface SweeperBehaviour {
  /** Stretches of the route (fractions of its length) driven with the brush off. */
  brushOffStretches?: [number, number][];
  speedKmh?: number;
}

const FIX_EVERY_MS = 10_000;
const WORKING_REPORT_MS = 30_000;
const EARTH_M = 6_371_000;

/** A street sweeper's GPS unit: parked outside its route's windows, sweeping it back and forth inside. */
export class SweeperGps extends BaseSimulator {
  private readonly cumulative: number[];
  private readonly lengthM: number;
  /** Its working speed: constant, so positions along the route stay continuous. */
  private readonly speedKmh: number;
  private lastFixAt: number | undefined;

  constructor(
    device: Device,
    start: number,
    private readonly route: SweepRoute,
    private readonly timeZone: string,
    private readonly behaviour: SweeperBehaviour = {},
  ) {
    super(device, start);
    const coords = route.line.coordinates;
    this.cumulative = [0];
    for (let i = 1; i < coords.length; i++)
      this.cumulative.push(this.cumulative[i - 1]! + distanceM(coords[i - 1]!, coords[i]!));
    this.lengthM = this.cumulative.at(-1)!;
    this.speedKmh = behaviour.speedKmh ?? 9 + this.random() * 3;
  }

  /** The start of the schedule window `now` falls in, if any. */
  windowStart(now: number): number | undefined {
    const { date, weekday, minuteOfDay } = localTimeParts(now, this.timeZone);
    for (const w of this.route.windows) {
      const [sh, sm] = w.start.split(':').map(Number) as [number, number];
      const [eh, em] = w.end.split(':').map(Number) as [number, number];
      if (w.days.includes(weekday) && minuteOfDay >= sh * 60 + sm && minuteOfDay < eh * 60 + em)
        return zonedTimeToEpoch(date, w.start, this.timeZone);
    }
    return undefined;
  }

  protected override intervalMs(now: number): number {
    return this.windowStart(now) !== undefined ? WORKING_REPORT_MS : super.intervalMs(now);
  }

  protected reading(now: number) {
    const start = this.windowStart(now);
    if (start === undefined) {
      this.lastFixAt = undefined;
      const [lon, lat] = this.route.line.coordinates[0]!;
      return {
        ts: now,
        seq: this.nextSeq(),
        lat: round(lat, 7),
        lon: round(lon, 7),
        speedKmh: 0,
        headingDeg: 0,
        brushOn: false,
      };
    }
    const speedKmh = this.speedKmh;
    const points: GpsFix[] = [];
    let t = Math.max(this.lastFixAt === undefined ? now - WORKING_REPORT_MS : this.lastFixAt + FIX_EVERY_MS, start);
    for (; t <= now && points.length < 500; t += FIX_EVERY_MS) {
      const travelled = ((t - start) / 3_600_000) * speedKmh * 1000;
      const lap = travelled % (2 * this.lengthM);
      const forward = lap <= this.lengthM;
      const along = forward ? lap : 2 * this.lengthM - lap;
      const { position, heading } = this.at(along);
      const fraction = along / this.lengthM;
      const brushOff = (this.behaviour.brushOffStretches ?? []).some(([a, b]) => fraction >= a && fraction <= b);
      points.push({
        ts: t,
        lat: round(position[1] + (this.random() - 0.5) * 2e-5, 7),
        lon: round(position[0] + (this.random() - 0.5) * 2e-5, 7),
        speedKmh: round(speedKmh),
        headingDeg: round((forward ? heading : heading + 180) % 360),
        brushOn: !brushOff,
      });
      this.lastFixAt = t;
    }
    if (points.length === 0) return null;
    return { ts: now, seq: this.nextSeq(), points };
  }

  private at(along: number): { position: Position; heading: number } {
    const coords = this.route.line.coordinates;
    let i = 1;
    while (i < coords.length - 1 && this.cumulative[i]! < along) i++;
    const a = coords[i - 1]!;
    const b = coords[i]!;
    const span = this.cumulative[i]! - this.cumulative[i - 1]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (along - this.cumulative[i - 1]!) / span)) : 0;
    return { position: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], heading: bearing(a, b) };
  }
}

const rad = (d: number) => (d * Math.PI) / 180;

function distanceM(a: Position, b: Position): number {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.sqrt(h));
}

function bearing(a: Position, b: Position): number {
  const y = Math.sin(rad(b[0] - a[0])) * Math.cos(rad(b[1]));
  const x =
    Math.cos(rad(a[1])) * Math.sin(rad(b[1])) - Math.sin(rad(a[1])) * Math.cos(rad(b[1])) * Math.cos(rad(b[0] - a[0]));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}
