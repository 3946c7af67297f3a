import type { CoverageStore } from './ports/coverage.ts';
import type { TelemetryStore } from './ports/telemetry.ts';
import type { Registry } from './ports/registry.ts';
import type { Case } from '#shared/domain/case/model';
import { DEFAULT_LOCALE, type Locale } from '#shared/domain/locales';
import type { Grid, Site, SweepRoute } from '#shared/domain/city-model';
import { type CaseClass, classCode } from '#shared/domain/classification';
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
  district: { districtId: string; name: string; localName?: string; timeZone: string; locale: Locale };
  generatedAt: number;
  /** The units a case goes to: departments, street offices and communities, by name. */
  units: MapUnit[];
  /** The classes of problem people report (the district's classification table). */
  classes: MapClass[];
  grids: Pick<Grid, 'gridId' | 'name' | 'localName' | 'communityId' | 'streetId' | 'polygon'>[];
  garbageRooms: {
    siteId: string;
    name: string;
    localName?: string;
    gridId: string;
    location: { lat: number; lon: number };
    fillPct: number | null;
    lastSeenAt: number | null;
  }[];
  markets: {
    siteId: string;
    name: string;
    localName?: string;
    gridId: string;
    polygon: Extract<Site, { siteKind: 'market' }>['polygon'];
  }[];
  routes: {
    siteId: string;
    name: string;
    localName?: string;
    line: SweepRoute['line'];
    windowsToday: number;
    coveragePct: number | null;
  }[];
  /** Active cases (in intake, working, waiting for verification, parked), with their history. */
  cases: Case[];
}

export interface MapUnit {
  unitId: string;
  kind: 'department' | 'street' | 'community';
  name: string;
  localName?: string;
  /** A community's street office. */
  streetId?: string;
}

export interface MapClass {
  classId: string;
  classCode: string;
  type: CaseClass['type'];
  major: { zh: string; en: string };
  minor: { zh: string; en: string };
}

export interface DistrictMapDeps {
  registry: Pick<
    Registry,
    'listDistricts' | 'listGrids' | 'listSites' | 'listDevices' | 'listDepartments' | 'listStreets' | 'listCommunities'
  >;
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
  const [departments, streets, communities, grids, rooms, markets, roomSensors, cases, routes] = await Promise.all([
    deps.registry.listDepartments(id),
    deps.registry.listStreets(id),
    deps.registry.listCommunities(id),
    deps.registry.listGrids(id),
    deps.registry.listSites(id, 'garbage_room'),
    deps.registry.listSites(id, 'market'),
    allPages((nextToken) => deps.registry.listDevices({ districtId: id, kind: 'bins', limit: 500, nextToken })),
    deps.caseStore.listActive(id),
    routeCoverage(deps, id, now),
  ]);
  const states = await deps.telemetry.getLatestMany(roomSensors.map((d) => d.thing));
  const fill = new Map<string, { fillPct: number; lastSeenAt: number }>();
  for (const sensor of roomSensors) {
    const state = states.get(sensor.thing);
    if (!state || typeof state.fillPct !== 'number') continue;
    // A room with more than one sensor shows its fullest.
    const known = fill.get(sensor.siteId);
    if (!known || state.fillPct > known.fillPct)
      fill.set(sensor.siteId, {
        fillPct: state.fillPct,
        lastSeenAt: Math.max(state.lastSeenAt, known?.lastSeenAt ?? 0),
      });
  }
  return {
    district: {
      districtId: id,
      name: district.name,
      ...(district.localName ? { localName: district.localName } : {}),
      timeZone: district.timeZone,
      locale: district.locale ?? DEFAULT_LOCALE,
    },
    generatedAt: now,
    units: [
      ...departments.map((d) => ({ unitId: d.unitId, kind: 'department' as const, ...named(d) })),
      ...streets.map((st) => ({ unitId: st.streetId, kind: 'street' as const, ...named(st) })),
      ...communities.map((c) => ({
        unitId: c.communityId,
        kind: 'community' as const,
        ...named(c),
        streetId: c.streetId,
      })),
    ],
    classes: (district.classification?.classes ?? []).map((c) => ({
      classId: c.classId,
      classCode: classCode(c),
      type: c.type,
      major: { zh: c.major.zh, en: c.major.en },
      minor: { zh: c.minor.zh, en: c.minor.en },
    })),
    grids: grids.map(({ gridId, communityId, streetId, polygon, ...g }) => ({
      gridId,
      ...named(g),
      communityId,
      streetId,
      polygon,
    })),
    garbageRooms: rooms.map((r) => ({
      siteId: r.siteId,
      ...named(r),
      gridId: r.gridId,
      location: r.location,
      fillPct: fill.get(r.siteId)?.fillPct ?? null,
      lastSeenAt: fill.get(r.siteId)?.lastSeenAt ?? null,
    })),
    markets: markets.map((m) => ({ siteId: m.siteId, ...named(m), gridId: m.gridId, polygon: m.polygon })),
    routes,
    cases: cases.sort((a, b) => b.openedAt - a.openedAt),
  };
}

/** A name and, where it has one, its local name. */
const named = (x: { name: string; localName?: string | undefined }) => ({
  name: x.name,
  ...(x.localName ? { localName: x.localName } : {}),
});

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
        ...named(route),
        line: route.line,
        windowsToday: today.length,
        coveragePct: pcts.length ? Math.round((pcts.reduce((a, b) => a + b, 0) / pcts.length) * 10) / 10 : null,
      };
    }),
  );
}
