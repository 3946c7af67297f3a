import { allPages } from './paging.ts';
import type { CoverageStore } from './ports/coverage.ts';
import type { TelemetryStore } from './ports/telemetry.ts';
import type { Registry } from './ports/registry.ts';
import type { Signal } from '#shared/domain/case/model';
import { WORKING_STATUSES } from '#shared/domain/case/statuses';
import type { Device, SweepRoute } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { judgeRoute, type CoverageEngine, type SegmentCoverage } from '#shared/domain/coverage';
import { lateKey, windowInstances, type WindowInstance } from '#shared/domain/sweep-windows';
import type { CaseService } from './case-service.ts';
import type { CaseStore } from './ports/cases.ts';
import { mayCount, type RouteDirectory } from './sweep-coverage.ts';

export interface CloseWindowsDeps {
  registry: Pick<Registry, 'listDistricts' | 'listSites' | 'listDevices'>;
  routes: Pick<RouteDirectory, 'of'>;
  coverageStore: Pick<CoverageStore, 'read'>;
  telemetry: Pick<TelemetryStore, 'anyReading'>;
  caseStore: Pick<CaseStore, 'findActive'>;
  cases: Pick<CaseService, 'handle'>;
  clock: Clock;
}

/** Windows are judged this long after they close (late GPS batches still count), and looked back over for this long. */
export const CLOSE_WINDOWS = { graceMs: 15 * 60_000, lookbackMs: 6 * 3_600_000 };

/**
 * The scheduled window close: for each route window that closed (after the grace period),
 * a missed-sweeping case for its unit naming the unswept segments, with the coverage and
 * a GeoJSON of the gaps; a sweeper-silent case when none of the route's sweepers reported
 * during the window. An open missed-sweeping case whose segments were swept later the same
 * day resolves as swept late. Signals are idempotent per window, so overlapping runs are safe.
 */
export async function closeWindows(deps: CloseWindowsDeps): Promise<{ signals: Signal[] }> {
  const now = deps.clock.now();
  const closedBy = now - CLOSE_WINDOWS.graceMs;
  const signals: Signal[] = [];
  for (const district of await deps.registry.listDistricts()) {
    const { routes, engine, timeZone } = await deps.routes.of(district.districtId);
    // Every page: a city district can have more sweepers than one page holds.
    const sweepers = await allPages((nextToken) =>
      deps.registry.listDevices({ districtId: district.districtId, kind: 'sweepers', limit: 500, nextToken }),
    );
    for (const route of routes) {
      const instances = windowInstances(route, timeZone, closedBy - CLOSE_WINDOWS.lookbackMs, closedBy).filter(
        (w) => w.to <= closedBy && w.to > closedBy - CLOSE_WINDOWS.lookbackMs,
      );
      for (const instance of instances) {
        const eligible = sweepers.filter((d) => mayCount(route, d));
        const heard = await Promise.all(
          eligible.map((d) => deps.telemetry.anyReading(d.thing, instance.from, instance.to)),
        );
        if (eligible.length && !heard.some(Boolean)) signals.push(silentSignal(route, eligible, instance));
        const coverage = await deps.coverageStore.read(route.siteId, instance.key);
        const missed = unswept(engine, route, [coverage]);
        if (missed.segments.length) signals.push(missedSignal(route, instance, missed));
      }
      const swept = await sweptLate(deps, engine, route);
      if (swept) signals.push(swept);
    }
  }
  await deps.cases.handle(signals);
  return { signals };
}

/** The segments not swept, and the coverage, from one or more stored coverages (a window and its late part). */
export function unswept(engine: CoverageEngine, route: SweepRoute, coverages: Map<string, SegmentCoverage>[]) {
  const merged = new Map<string, SegmentCoverage>();
  for (const coverage of coverages) {
    for (const [segmentId, passes] of coverage) {
      const into = merged.get(segmentId) ?? new Map<string, Set<number>>();
      for (const [pass, cells] of passes) into.set(pass, new Set([...(into.get(pass) ?? []), ...cells]));
      merged.set(segmentId, into);
    }
  }
  const { unswept: segments, coveragePct } = judgeRoute(engine, route, merged);
  return { segments, coveragePct };
}

function missedSignal(route: SweepRoute, instance: WindowInstance, missed: ReturnType<typeof unswept>): Signal {
  const ids = missed.segments.map((s) => s.segmentId);
  return {
    kind: 'anomaly',
    category: 'missed_sweeping',
    siteId: route.siteId,
    unit: route.unitId,
    evidence: {
      at: instance.to,
      summary:
        `${ids.length} of ${route.segments.length} segments of ${route.name} not swept in the ${instance.key} window ` +
        `(coverage ${missed.coveragePct} %): ${ids.join(', ')}`,
      data: {
        window: instance.key,
        unsweptSegments: ids,
        coveragePct: missed.coveragePct,
        gaps: {
          type: 'FeatureCollection',
          features: missed.segments.map((s) => ({
            type: 'Feature',
            geometry: s.line,
            properties: { segmentId: s.segmentId, streetId: s.streetId, gridId: s.gridId, lengthM: s.lengthM },
          })),
        },
      },
    },
  };
}

function silentSignal(route: SweepRoute, eligible: Device[], instance: WindowInstance): Signal {
  return {
    kind: 'anomaly',
    category: 'sweeper_silent',
    siteId: route.siteId,
    thing: eligible[0]!.thing,
    unit: route.unitId,
    evidence: {
      at: instance.to,
      thing: eligible[0]!.thing,
      summary: `no report from ${eligible.map((d) => d.thing).join(', ')} through the ${instance.key} window of ${route.name}`,
      data: { window: instance.key },
    },
  };
}

/** The route's open missed-sweeping case, if its segments have since been swept the same day. */
async function sweptLate(
  deps: CloseWindowsDeps,
  engine: CoverageEngine,
  route: SweepRoute,
): Promise<Signal | undefined> {
  const active = await deps.caseStore.findActive(route.siteId, 'missed_sweeping');
  if (!active || !WORKING_STATUSES.includes(active.status)) return undefined;
  const latest = [...active.evidence].reverse().find((e) => typeof e.data?.window === 'string');
  if (!latest) return undefined;
  const window = latest.data!.window as string;
  const wanted = new Set(latest.data!.unsweptSegments as string[]);
  const instance = { key: window } as WindowInstance;
  const [inWindow, late] = await Promise.all([
    deps.coverageStore.read(route.siteId, window),
    deps.coverageStore.read(route.siteId, lateKey(instance)),
  ]);
  const still = unswept(engine, route, [inWindow, late]).segments.filter((s) => wanted.has(s.segmentId));
  if (still.length) return undefined;
  return {
    kind: 'clear',
    category: 'missed_sweeping',
    siteId: route.siteId,
    unit: route.unitId,
    evidence: {
      at: deps.clock.now(),
      summary: `swept late: ${[...wanted].join(', ')} swept after the ${window} window, the same day`,
      data: { window, sweptLate: [...wanted] },
    },
  };
}
