import type { SweepRoute } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';
import { lateKey, windowInstances } from '#shared/domain/sweep-windows';
import { CLOSE_WINDOWS, unswept } from './close-windows.ts';
import type { CoverageStore } from './ports/coverage.ts';
import type { Registry } from './ports/registry.ts';
import type { RouteDirectory } from './sweep-coverage.ts';

export interface RouteQueryDeps {
  registry: Pick<Registry, 'listDistricts' | 'getSite'>;
  routes: Pick<RouteDirectory, 'of'>;
  coverageStore: Pick<CoverageStore, 'read'>;
  clock: Clock;
}

/** A route as a listing shows it. */
export interface RouteSummary {
  routeId: string;
  districtId: string;
  name: string;
  streetId: string;
  unitId: string;
  segments: number;
  lengthM: number;
  windows: SweepRoute['windows'];
  passesRequired: number;
  sweepers: string[];
}

const summary = (route: SweepRoute): RouteSummary => ({
  routeId: route.siteId,
  districtId: route.districtId,
  name: route.name,
  streetId: route.streetId,
  unitId: route.unitId,
  segments: route.segments.length,
  lengthM: Math.round(route.segments.reduce((m, s) => m + s.lengthM, 0)),
  windows: route.windows,
  passesRequired: route.passesRequired,
  sweepers: route.sweepers,
});

/** The sweeping routes of a district, or of every district. */
export async function listRoutes(deps: RouteQueryDeps, districtId?: string): Promise<RouteSummary[]> {
  const districts = districtId ? [districtId] : (await deps.registry.listDistricts()).map((d) => d.districtId);
  const all = await Promise.all(districts.map(async (id) => (await deps.routes.of(id)).routes));
  return all.flat().map(summary);
}

async function routeOf(deps: RouteQueryDeps, routeId: string): Promise<SweepRoute | undefined> {
  const site = await deps.registry.getSite(routeId);
  return site?.siteKind === 'sweeping_route' ? site : undefined;
}

/** A route with its segments as a GeoJSON FeatureCollection (LineStrings). */
export async function describeRoute(deps: RouteQueryDeps, routeId: string) {
  const route = await routeOf(deps, routeId);
  if (!route) return undefined;
  return {
    ...summary(route),
    segments: {
      type: 'FeatureCollection' as const,
      features: route.segments.map((s) => ({
        type: 'Feature' as const,
        geometry: s.line,
        properties: { segmentId: s.segmentId, gridId: s.gridId, streetId: s.streetId, lengthM: s.lengthM },
      })),
    },
  };
}

/** How a segment fared in a window: swept within it, swept later that day, missed, or the window not over yet. */
export type SegmentOutcome = 'swept' | 'swept_late' | 'missed' | 'open';

/**
 * A route's sweeping on a local date (the district's zone), per window and segment: swept
 * in time, swept late (after the window, by the day's end), missed, or open (the window
 * not closed yet, by the same grace the window close uses). Any date the coverage table
 * still keeps.
 */
export async function routeCoverageOn(deps: RouteQueryDeps, routeId: string, date: string) {
  const route = await routeOf(deps, routeId);
  if (!route) return undefined;
  const { engine, timeZone } = await deps.routes.of(route.districtId);
  const dayStart = zonedTimeToEpoch(date, '00:00', timeZone);
  const windows = windowInstances(route, timeZone, dayStart, dayStart + 86_400_000 - 1).filter(
    (w) => localTimeParts(w.from, timeZone).date === date,
  );
  const now = deps.clock.now();
  return {
    routeId,
    date,
    timeZone,
    windows: await Promise.all(
      windows.map(async (w) => {
        const [inTime, late] = await Promise.all([
          deps.coverageStore.read(route.siteId, w.key),
          deps.coverageStore.read(route.siteId, lateKey(w)),
        ]);
        const unsweptInTime = new Set(unswept(engine, route, [inTime]).segments.map((s) => s.segmentId));
        const withLate = unswept(engine, route, [inTime, late]);
        const unsweptAtAll = new Set(withLate.segments.map((s) => s.segmentId));
        const closed = now >= w.to + CLOSE_WINDOWS.graceMs;
        const outcome = (segmentId: string): SegmentOutcome =>
          !unsweptInTime.has(segmentId)
            ? 'swept'
            : !unsweptAtAll.has(segmentId)
              ? 'swept_late'
              : closed
                ? 'missed'
                : 'open';
        const segments = route.segments.map((s) => ({ segmentId: s.segmentId, outcome: outcome(s.segmentId) }));
        const counts = Object.fromEntries(
          (['swept', 'swept_late', 'missed', 'open'] as const).map((o) => [
            o,
            segments.filter((s) => s.outcome === o).length,
          ]),
        );
        return { window: w.key, from: w.from, to: w.to, closed, coveragePct: withLate.coveragePct, counts, segments };
      }),
    ),
  };
}
