import type { CoverageStore } from './ports/coverage.ts';
import type { Registry } from './ports/registry.ts';
import type { Signal } from '#shared/domain/case/model';
import type { SweepRoute } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { CoverageEngine } from '#shared/domain/coverage';
import type { GpsFix, PayloadOf } from '#shared/domain/payloads';
import { lateKey, lateRange, windowInstances, type WindowInstance } from '#shared/domain/sweep-windows';
import { gpsFixes, type DeviceBatch, type Reading } from '#shared/domain/telemetry';
import type { SiteDirectory } from './site-directory.ts';
import type { CoverageIncrement } from './ports/coverage.ts';

type RouteRegistry = Pick<Registry, 'listDistricts' | 'listSites'>;

/** A district's routes with their coverage engine, built once and kept a few minutes. */
export class RouteDirectory {
  private readonly cache = new Map<
    string,
    { at: number; value: Promise<{ routes: SweepRoute[]; engine: CoverageEngine; timeZone: string }> }
  >();

  constructor(
    private readonly registry: RouteRegistry,
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  of(districtId: string) {
    const hit = this.cache.get(districtId);
    if (hit && Math.abs(this.clock.now() - hit.at) < this.ttlMs) return hit.value;
    const value = (async () => {
      const [routes, districts] = await Promise.all([
        this.registry.listSites(districtId, 'sweeping_route'),
        this.registry.listDistricts(),
      ]);
      const timeZone = districts.find((d) => d.districtId === districtId)?.timeZone ?? 'UTC';
      return { routes, engine: new CoverageEngine(routes), timeZone };
    })();
    this.cache.set(districtId, { at: this.clock.now(), value });
    value.catch(() => this.cache.delete(districtId));
    return value;
  }
}

/** Whether a sweeper counts on a route: named there, or of the route's unit when it names none. */
export const mayCount = (route: SweepRoute, device: { thing: string; unitId?: string }) =>
  route.sweepers.length ? route.sweepers.includes(device.thing) : device.unitId === route.unitId;

export interface SweepCoverageDeps {
  sites: Pick<SiteDirectory, 'watchOf'>;
  routes: RouteDirectory;
  store: Pick<CoverageStore, 'add'>;
  clock: Clock;
}

/**
 * What a batch of a sweeper's GPS adds to the coverage of the routes it may sweep: per
 * (route, window, segment) covered cells — written once per touched segment, never per fix
 * — and the too-fast stretches as signals.
 */
export class SweepCoverage {
  constructor(private readonly deps: SweepCoverageDeps) {}

  async record(batch: DeviceBatch, neighbours: { before?: Reading; after?: Reading } = {}): Promise<Signal[]> {
    const watch = await this.deps.sites.watchOf(batch.thing);
    if (!watch) return [];
    const { routes, engine, timeZone } = await this.deps.routes.of(watch.device.districtId);
    const fixesOf = (r: Reading) => gpsFixes(r.payload as PayloadOf<'sweepers'>);
    const fixes = batch.readings.flatMap(fixesOf).sort((a, b) => a.ts - b.ts);
    // Joined to the stored messages on either side: the step across a message boundary counts
    // whichever of the two batches comes second (coverage is a set union, so twice is once).
    const before = neighbours.before && fixesOf(neighbours.before).at(-1);
    const after = neighbours.after && fixesOf(neighbours.after)[0];
    if (before && before.ts < fixes[0]!.ts) fixes.unshift(before);
    if (after && after.ts > fixes.at(-1)!.ts) fixes.push(after);
    if (fixes.length < 2) return [];

    const increments: CoverageIncrement[] = [];
    const signals: Signal[] = [];
    routes.forEach((route, r) => {
      if (!mayCount(route, watch.device)) return;
      const only = new Uint8Array(routes.length);
      only[r] = 1;
      for (const instance of windowInstances(route, timeZone, fixes[0]!.ts, fixes.at(-1)!.ts)) {
        const inWindow = this.cover(engine, batch.thing, fixes, instance, instance.key, instance, only, increments);
        if (inWindow.length)
          signals.push(tooFastSignal(route, batch.thing, instance, inWindow[0]!.speedKmh, inWindow[0]!.ts));
        this.cover(
          engine,
          batch.thing,
          fixes,
          instance,
          lateKey(instance),
          lateRange(instance, timeZone),
          only,
          increments,
        );
      }
    });
    if (increments.length) await this.deps.store.add(increments, this.deps.clock.now());
    return signals;
  }

  /** A pass is one sweeper along one direction of a segment: the route's passes count them. */
  private cover(
    engine: CoverageEngine,
    thing: string,
    fixes: GpsFix[],
    instance: WindowInstance,
    windowKey: string,
    range: { from: number; to: number },
    only: Uint8Array,
    out: CoverageIncrement[],
  ) {
    if (fixes.at(-1)!.ts <= range.from || fixes[0]!.ts >= range.to) return [];
    const along = engine.newCells();
    const against = engine.newCells();
    const tooFast = engine.cover(fixes, along, range, only, against);
    for (const [direction, cells] of [
      ['along', along],
      ['against', against],
    ] as const) {
      for (const [segment, covered] of engine.coveredCells(cells)) {
        out.push({
          routeId: instance.routeId,
          windowKey,
          segmentId: engine.segmentIds[segment]!,
          pass: `${thing}:${direction}`,
          cells: covered,
        });
      }
    }
    return tooFast;
  }
}

function tooFastSignal(
  route: SweepRoute,
  thing: string,
  instance: WindowInstance,
  speedKmh: number,
  ts: number,
): Signal {
  return {
    kind: 'anomaly',
    category: 'sweeping_too_fast',
    siteId: route.siteId,
    thing,
    unit: route.unitId,
    // One per route window: the same window's later stretches count as the same anomaly.
    evidence: {
      at: instance.from,
      thing,
      summary: `${speedKmh} km/h with the brush down on ${route.name} (limit ${route.maxSpeedKmh} km/h), window ${instance.key}`,
      data: { window: instance.key, speedKmh, ts },
    },
  };
}
