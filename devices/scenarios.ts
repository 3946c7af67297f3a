import type { CityModel, Device, Market, SweepRoute } from '#shared/domain/city-model';
import { topicFor } from '#shared/domain/topics';
import { GarbageRoomSensor, type GarbageRoomBehaviour } from './simulators/garbage-room-sensor.ts';
import { MarketCamera, type CameraBehaviour } from './simulators/market-camera.ts';
import { ScriptedDevice, seededRandom, type Emission, type Simulator } from './simulators/simulator.ts';
import { SweeperGps, type SweeperBehaviour } from './simulators/sweeper-gps.ts';

/** Per-device behaviour a scenario sets; devices it does not name behave normally. */
interface ScenarioPlan {
  bins?: (device: Device, index: number) => GarbageRoomBehaviour;
  sweepers?: (device: Device, index: number) => SweeperBehaviour;
  cameras?: (device: Device, index: number) => CameraBehaviour;
  /** Devices that go quiet after this many virtual minutes. */
  silentAfterMinutes?: (device: Device, index: number) => number | undefined;
  faulty?: (device: Device, index: number) => boolean;
  /** Devices replaced by a scripted one (a backlog upload, then fixed readings). */
  scripted?: (device: Device, start: number) => Simulator | undefined;
}

const MIN = 60_000;
/** The demo's scripted devices: every anomaly kind of the detectors, within the first minute. */
function demoDevice(device: Device, start: number): Simulator | undefined {
  const roomReading = (over: (t: number) => Record<string, number>) => (t: number, seq: number) => ({
    ts: t,
    seq,
    fillPct: 40,
    temperatureC: 21,
    tiltDeg: 2,
    batteryPct: 80,
    ...over(t),
  });
  const backlog = (times: number[], make: (t: number, seq: number) => object) => (s: number) =>
    times.map((dt, i) => make(s - dt, i));
  const detections = (list: [string, string][]) => (t: number, seq: number) => ({
    ts: t,
    seq,
    detections: list.map(([type, zoneId]) => ({
      type,
      zoneId,
      confidence: 0.82,
      bbox: [0.2, 0.3, 0.2, 0.2],
      snapshotKey: `snapshots/${device.thing}/${t}.jpg`,
    })),
  });
  const marketBacklog = (list: [string, string][]) => backlog([7 * MIN, 5 * MIN, 3 * MIN, MIN], detections(list));
  const scripts: Record<string, () => Simulator> = {
    // Overflow: two readings at 90 % or more.
    'bin-gs-001': () =>
      new ScriptedDevice(
        device,
        start,
        backlog(
          [2 * MIN, MIN],
          roomReading(() => ({ fillPct: 93 })),
        ),
        roomReading(() => ({ fillPct: 95 })),
      ),
    // Collection due: a fast rise over the last half hour.
    'bin-gs-002': () =>
      new ScriptedDevice(
        device,
        start,
        (s) => [55, 62, 69].map((fillPct, i) => roomReading(() => ({ fillPct }))(s - (30 - 10 * i) * MIN, i)),
        roomReading(() => ({ fillPct: 76 })),
      ),
    // Fire: a jump from 22 °C to 68 °C.
    'bin-gs-003': () =>
      new ScriptedDevice(
        device,
        start,
        backlog(
          [MIN],
          roomReading(() => ({ temperatureC: 22 })),
        ),
        roomReading(() => ({ temperatureC: 68 })),
      ),
    // Knocked over.
    'bin-gs-004': () =>
      new ScriptedDevice(
        device,
        start,
        () => [],
        roomReading(() => ({ tiltDeg: 72 })),
      ),
    // Low battery.
    'bin-gs-005': () =>
      new ScriptedDevice(
        device,
        start,
        () => [],
        roomReading(() => ({ batteryPct: 9 })),
      ),
    // Stuck sensor: four hours of the same fill, uploaded from the buffer.
    'bin-gs-006': () =>
      new ScriptedDevice(
        device,
        start,
        backlog(
          Array.from({ length: 48 }, (_, i) => (48 - i) * 5 * MIN),
          roomReading(() => ({ fillPct: 37 })),
        ),
        roomReading(() => ({ fillPct: 37 })),
      ),
    // Offline: one heartbeat, then silence (its interval is 15 s: offline after 45 s).
    'cam-gs-m1-b': () =>
      new ScriptedDevice(
        device,
        start,
        () => [],
        (() => {
          let sent = false;
          return (t: number, seq: number) => {
            if (sent) return null;
            sent = true;
            return detections([])(t, seq);
          };
        })(),
      ),
    // Market disorder, from the cameras' buffers: stalls outside and cars on the apron; goods piled and litter.
    'cam-gs-m1-a': () =>
      new ScriptedDevice(
        device,
        start,
        marketBacklog([
          ['stall_outside_boundary', 'mk-01-frontage'],
          ['illegal_parking', 'mk-01-parking'],
        ]),
        detections([
          ['stall_outside_boundary', 'mk-01-frontage'],
          ['illegal_parking', 'mk-01-parking'],
        ]),
      ),
    'cam-gs-m2-a': () =>
      new ScriptedDevice(
        device,
        start,
        marketBacklog([
          ['goods_piled', 'mk-02-frontage'],
          ['litter_pile', 'mk-02-entrance'],
        ]),
        detections([
          ['goods_piled', 'mk-02-frontage'],
          ['litter_pile', 'mk-02-entrance'],
        ]),
      ),
  };
  return scripts[device.thing]?.();
}

export const SCENARIOS = {
  demo: {
    description:
      'the sample fleet, with one device for each anomaly kind (overflow, collection due, fire, knocked ' +
      'over, low battery, stuck sensor, offline, market disorder) within the first minute',
    plan: { scripted: demoDevice },
  },
  normal: {
    description: 'a healthy fleet: garbage rooms filled and emptied, sweepers on schedule, quiet markets',
    plan: {},
  },
  overflow: {
    description: 'every fifth garbage room is never emptied and fills fast past its threshold',
    plan: { bins: (_d, i) => (i % 5 === 0 ? { neverCollected: true, fillRate: 40 } : {}) },
  },
  'market-disorder': {
    description: 'stalls and goods spill onto the first market’s frontage; cars park on the apron',
    plan: {
      cameras: (d) =>
        d.siteId === 'mk-01'
          ? {
              persistent: [
                { type: 'stall_outside_boundary', zoneKind: 'perimeter' },
                { type: 'illegal_parking', zoneKind: 'parking' },
              ],
            }
          : {},
    },
  },
  'skip-segments': {
    description: 'sweepers lift the brush over a stretch of each route (40–50 % of its length)',
    plan: { sweepers: () => ({ brushOffStretches: [[0.4, 0.5]] }) },
  },
  silent: {
    description: 'a few devices (one in eight) stop reporting after 10 virtual minutes',
    plan: { silentAfterMinutes: (_d, i) => (i % 8 === 3 ? 10 : undefined) },
  },
  faulty: {
    description:
      'a few devices send bad messages: malformed JSON, out-of-range values, old and future times, another ' +
      'device’s name, replays, and a publish to another thing’s topic',
    plan: { faulty: (d, i) => d.kind === 'bins' && i % 10 === 1 },
  },
} satisfies Record<string, { description: string; plan: ScenarioPlan }>;

export type ScenarioName = keyof typeof SCENARIOS;
export const isScenarioName = (name: string): name is ScenarioName => name in SCENARIOS;

/** Builds the simulators for a model's devices under a scenario, starting at virtual time `start`. */
export function buildFleet(
  model: CityModel,
  scenario: ScenarioName,
  start: number,
  devices: Device[] = model.devices,
): Simulator[] {
  const plan: ScenarioPlan = SCENARIOS[scenario].plan;
  const timeZone = (districtId: string) => model.districts.find((d) => d.districtId === districtId)?.timeZone ?? 'UTC';
  const site = (id: string) => model.sites.find((s) => s.siteId === id);
  const counters = { bins: 0, sweepers: 0, cameras: 0 };
  return devices.map((device, overall) => {
    const i = counters[device.kind]++;
    const scripted = plan.scripted?.(device, start);
    if (scripted) return scripted;
    let sim: Simulator;
    switch (device.kind) {
      case 'bins':
        sim = new GarbageRoomSensor(device, start, plan.bins?.(device, i));
        break;
      case 'sweepers':
        sim = new SweeperGps(
          device,
          start,
          site(device.siteId) as SweepRoute,
          timeZone(device.districtId),
          plan.sweepers?.(device, i),
        );
        break;
      case 'cameras':
        sim = new MarketCamera(device, start, site(device.siteId) as Market, plan.cameras?.(device, i));
        break;
    }
    const silentAfter = plan.silentAfterMinutes?.(device, overall);
    if (silentAfter !== undefined) sim = silenced(sim, start + silentAfter * 60_000);
    if (plan.faulty?.(device, i))
      sim = faulty(
        sim,
        devices.find((d) => d.kind === device.kind && d.thing !== device.thing)?.thing ?? 'someone-else',
      );
    return sim;
  });
}

/** The same device, its emissions passed through `change` (the inner simulator keeps its schedule). */
function wrap(sim: Simulator, change: (emission: Emission | null, now: number) => Emission | null): Simulator {
  return {
    device: sim.device,
    topic: sim.topic,
    get nextAt() {
      return sim.nextAt;
    },
    emit: (now) => change(sim.emit(now), now),
  };
}

function silenced(sim: Simulator, after: number): Simulator {
  return wrap(sim, (emission, now) => (now >= after ? null : emission));
}

/** Every third message is replaced by a fault, cycling through the kinds of bad input. */
function faulty(sim: Simulator, otherThing: string): Simulator {
  const random = seededRandom(`${sim.device.thing}/faults`);
  let count = 0;
  let fault = 0;
  let last: Emission | null = null;
  const faults: ((now: number, good: Record<string, unknown>) => Emission)[] = [
    () => ({ payload: '{"ts": 1, "seq": 2, "fillPct": ' }),
    (now, good) => ({ payload: { ...good, ts: now, fillPct: 140 + Math.round(random() * 50) } }),
    (now, good) => ({ payload: { ...good, ts: now - 10 * 86_400_000 } }),
    (now, good) => ({ payload: { ...good, ts: now + 3_600_000 } }),
    (now, good) => ({ payload: { ...good, ts: now, thing: otherThing } }),
    () => last ?? { payload: 'null' },
    (_now, good) => ({ payload: good, topic: topicFor(sim.device.kind, otherThing) }),
  ];
  return wrap(sim, (emission, now) => {
    if (!emission || typeof emission.payload === 'string') return emission;
    if (++count % 3 !== 0) return (last = emission);
    return faults[fault++ % faults.length]!(now, emission.payload as Record<string, unknown>);
  });
}
