import type { CoverageStore } from './ports/coverage.ts';
import type { TelemetryStore } from './ports/telemetry.ts';
import type { Registry } from './ports/registry.ts';
import type { Case } from '#shared/domain/cases';
import { DEFAULT_LOCALE, type Locale } from '#shared/domain/labels';
import type { Grid, Site, SweepingRoute } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { zonedTimeToEpoch, localTimeParts } from '#shared/domain/local-time';
import { lateKey, windowInstances } from '#shared/domain/sweep-windows';
import { chooseDistrict } from './district-choice.ts';
import { allPages } from './paging.ts';
import type { CaseStore } from './ports/cases.ts';
import type { RouteDirectory } from './sweep-coverage.ts';
import { unswept } from './close-windows.ts';

/**
 * What the live ops page draws: the district's grids, its garbage rooms with their fill,
 * its markets, its sweeping routes with today's coverage, and its active cases. One read
 * of each, so the page can ask for it every few seconds.
 */
export interface DistrictMap {
  district: { districtId: string; name: string; timeZone: string; locale: Locale };
  generatedAt: number;
  grids: Pick<Grid, 'gridId' | 'name' | 'communityId' | 'streetId' | 'polygon'>[];
  garbageRooms: {
    siteId: string;
    name: string;
    gridId: string;
    location: { lat: number; lon: number };
    fillPct: number | null;
    lastSeenAt: number | null;
  }[];
  markets: {
    siteId: string;
    name: string;
    gridId: string;
    polygon: Extract<Site, { siteKind: 'market' }>['polygon'];
  }[];
  routes: {
    siteId: string;
    name: string;
    line: SweepingRoute['line'];
    windowsToday: number;
    coveragePct: number | null;
  }[];
  /** Active cases (in intake, working, waiting for verification, parked), with their history. */
  cases: Case[];
}

export interface DistrictMapDeps {
  registry: Pick<Registry, 'listDistricts' | 'listGrids' | 'listSites' | 'listDevices'>;
  telemetry: Pick<TelemetryStore, 'getLatestMany'>;
  routes: Pick<RouteDirectory, 'of'>;
  coverageStore: Pick<CoverageStore, 'read'>;
  caseStore: Pick<CaseStore, 'listActive'>;
  clock: Clock;
}

export async function districtMap(deps: DistrictMapDeps, districtId?: string): Promise<DistrictMap> {
  const district = chooseDistrict(await deps.registry.listDistricts(), districtId);
  const now = deps.clock.now();
  const id = district.districtId;
  const [grids, rooms, markets, bins, cases, routes] = await Promise.all([
    deps.registry.listGrids(id),
    deps.registry.listSites(id, 'garbage_room'),
    deps.registry.listSites(id, 'market'),
    allPages((nextToken) => deps.registry.listDevices({ districtId: id, kind: 'bins', limit: 500, nextToken })),
    deps.caseStore.listActive(id),
    routeCoverage(deps, id, now),
  ]);
  const states = await deps.telemetry.getLatestMany(bins.map((d) => d.thing));
  const fill = new Map<string, { fillPct: number; lastSeenAt: number }>();
  for (const bin of bins) {
    const state = states.get(bin.thing);
    if (!state || typeof state.fillPct !== 'number') continue;
    // A room with more than one sensor shows its fullest.
    const known = fill.get(bin.siteId);
    if (!known || state.fillPct > known.fillPct)
      fill.set(bin.siteId, { fillPct: state.fillPct, lastSeenAt: Math.max(state.lastSeenAt, known?.lastSeenAt ?? 0) });
  }
  return {
    district: {
      districtId: id,
      name: district.name,
      timeZone: district.timezone,
      locale: district.locale ?? DEFAULT_LOCALE,
    },
    generatedAt: now,
    grids: grids.map(({ gridId, name, communityId, streetId, polygon }) => ({
      gridId,
      name,
      communityId,
      streetId,
      polygon,
    })),
    garbageRooms: rooms.map((r) => ({
      siteId: r.siteId,
      name: r.name,
      gridId: r.gridId,
      location: r.location,
      fillPct: fill.get(r.siteId)?.fillPct ?? null,
      lastSeenAt: fill.get(r.siteId)?.lastSeenAt ?? null,
    })),
    markets: markets.map((m) => ({ siteId: m.siteId, name: m.name, gridId: m.gridId, polygon: m.polygon })),
    routes,
    cases: cases.sort((a, b) => b.openedAt - a.openedAt),
  };
}

/** Each route's coverage over today's windows that have begun (a window and its late part), as a mean; null before the first. */
async function routeCoverage(deps: DistrictMapDeps, districtId: string, now: number): Promise<DistrictMap['routes']> {
  const { routes, engine, timeZone } = await deps.routes.of(districtId);
  const startOfDay = zonedTimeToEpoch(localTimeParts(now, timeZone).date, '00:00', timeZone);
  return Promise.all(
    routes.map(async (route) => {
      const today = windowInstances(route, timeZone, startOfDay, now).filter((w) => w.from <= now);
      const pcts = await Promise.all(
        today.map(
          async (w) =>
            unswept(
              engine,
              route,
              await Promise.all([
                deps.coverageStore.read(route.siteId, w.key),
                deps.coverageStore.read(route.siteId, lateKey(w)),
              ]),
            ).coveragePct,
        ),
      );
      return {
        siteId: route.siteId,
        name: route.name,
        line: route.line,
        windowsToday: today.length,
        coveragePct: pcts.length ? Math.round((pcts.reduce((a, b) => a + b, 0) / pcts.length) * 10) / 10 : null,
      };
    }),
  );
}
