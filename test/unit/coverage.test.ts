import { describe, expect, it } from 'vitest';
import { CoverageEngine, judgeRoute, type SegmentCoverage } from '#shared/domain/coverage';
import { SweepRoute, type Position } from '#shared/domain/city-model';
import { segmentRoute } from '#shared/domain/route-segments';
import type { GpsFix } from '#shared/domain/payloads';

// A 200 m street running east at 30.3° N, cut into four 50 m segments.
const LAT = 30.3;
const LON = 120.15;
const M_PER_DEG_LAT = 111_195;
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((LAT * Math.PI) / 180);
const at = (eastM: number, northM = 0): Position => [LON + eastM / M_PER_DEG_LON, LAT + northM / M_PER_DEG_LAT];

function route(over: Partial<SweepRoute> = {}, id = 'rt-t'): SweepRoute {
  const line = { type: 'LineString' as const, coordinates: [at(0), at(200)] };
  const oneWay = over.oneWay ?? false;
  return SweepRoute.parse({
    siteId: id,
    siteKind: 'sweeping_route',
    districtId: 'd',
    gridId: 'g',
    name: 'test street',
    streetId: 's',
    unitId: 'municipal-landscaping',
    line,
    segments: segmentRoute(id, line, 50).map(({ midpoint: _m, ...s }) => ({
      ...s,
      gridId: 'g',
      streetId: 's',
      oneWay,
    })),
    windows: [{ start: '05:00', end: '07:00', days: [1, 2, 3, 4, 5, 6, 7] }],
    ...over,
  });
}

const T0 = Date.UTC(2026, 10, 26, 21, 0); // 05:00 in Shanghai
const WINDOW = { from: T0, to: T0 + 2 * 3_600_000 };

/** Fixes every `everyS` seconds at `kmh`, from east metre `from` to `to`, `northM` off the centre line. */
function drive(opts: {
  from: number;
  to: number;
  kmh?: number;
  everyS?: number;
  northM?: number;
  brushOn?: boolean;
  start?: number;
}): GpsFix[] {
  const kmh = opts.kmh ?? 10;
  const every = opts.everyS ?? 10;
  const step = (kmh / 3.6) * every * Math.sign(opts.to - opts.from);
  const fixes: GpsFix[] = [];
  let t = opts.start ?? T0 + 60_000;
  for (let x = opts.from; step > 0 ? x <= opts.to + 1e-9 : x >= opts.to - 1e-9; x += step) {
    const [lon, lat] = at(x, opts.northM ?? 0);
    fixes.push({ ts: t, lat, lon, speedKmh: kmh, headingDeg: step > 0 ? 90 : 270, brushOn: opts.brushOn ?? true });
    t += every * 1000;
  }
  return fixes;
}

function swept(engine: CoverageEngine, ...traces: GpsFix[][]) {
  const cells = engine.newCells();
  const tooFast = traces.flatMap((fixes) => engine.cover(fixes, cells, WINDOW));
  const fractions = engine.fractions(cells);
  return {
    fractions: [...fractions].map((f) => Math.round(f * 100) / 100),
    swept: engine.segmentIds.filter((_, i) => fractions[i]! >= engine.options.sweptFraction),
    tooFast,
  };
}

describe('coverage engine with crafted traces', () => {
  const engine = new CoverageEngine([route()]);

  it('a full pass with a fix every 10 s sweeps every segment', () => {
    expect(swept(engine, drive({ from: -5, to: 205 })).swept).toEqual([
      'rt-t-s001',
      'rt-t-s002',
      'rt-t-s003',
      'rt-t-s004',
    ]);
  });

  it('sparse GPS (a fix every 30 s) is joined and still covers', () => {
    expect(swept(engine, drive({ from: -5, to: 250, everyS: 30 })).swept).toHaveLength(4);
  });

  it('a skipped block leaves exactly its segments unswept', () => {
    const r = swept(engine, drive({ from: -5, to: 52 }), drive({ from: 148, to: 205, start: T0 + 30 * 60_000 }));
    expect(r.swept).toEqual(['rt-t-s001', 'rt-t-s004']);
    expect(r.fractions[1]).toBeLessThan(0.1);
    expect(r.fractions[2]).toBeLessThan(0.1);
  });

  it('a parallel street 25 m away does not count; 10 m of GPS drift does', () => {
    expect(swept(engine, drive({ from: -5, to: 205, northM: 25 })).swept).toEqual([]);
    expect(swept(engine, drive({ from: -5, to: 205, northM: 10 })).swept).toHaveLength(4);
  });

  it('does not bridge a GPS gap longer than the limit', () => {
    const fixes = drive({ from: -5, to: 250 });
    // Fixes lost between 51 m and 189 m: a 50 s hole is bridged, a 170 s one is not.
    const shortHole = [...fixes.slice(0, 3), ...fixes.slice(-3)];
    expect(swept(engine, shortHole).swept).toHaveLength(4);
    const longHole = [...fixes.slice(0, 3), ...fixes.slice(-3).map((f) => ({ ...f, ts: f.ts + 120_000 }))];
    const r = swept(engine, longHole);
    expect(r.swept).toEqual(['rt-t-s001']);
    expect(r.fractions[1]).toBeLessThan(0.05);
    expect(r.fractions[2]).toBe(0);
  });

  it('a pass with the brush off does not count', () => {
    expect(swept(engine, drive({ from: -5, to: 205, brushOn: false })).swept).toEqual([]);
  });

  it('too fast does not count, and is reported when the brush is on', () => {
    const r = swept(engine, drive({ from: -5, to: 205, kmh: 25 }));
    expect(r.swept).toEqual([]);
    expect(r.tooFast.length).toBeGreaterThan(0);
    expect(r.tooFast[0]).toMatchObject({ routeIndex: 0 });
    expect(r.tooFast[0]!.speedKmh).toBeGreaterThan(15);
    expect(swept(engine, drive({ from: -5, to: 205, kmh: 25, brushOn: false })).tooFast).toEqual([]);
  });

  it('either direction counts on a two-way street; only the signed direction on a one-way one', () => {
    expect(swept(engine, drive({ from: 205, to: -5 })).swept).toHaveLength(4);
    const oneWay = new CoverageEngine([route({ oneWay: true })]);
    expect(swept(oneWay, drive({ from: 205, to: -5 })).swept).toEqual([]);
    expect(swept(oneWay, drive({ from: -5, to: 205 })).swept).toHaveLength(4);
  });

  it('crossing the street (heading across it) covers nothing', () => {
    const across: GpsFix[] = [-30, -10, 10, 30].map((n, i) => {
      const [lon, lat] = at(100, n);
      return { ts: T0 + 60_000 + i * 5000, lat, lon, brushOn: true };
    });
    expect(swept(engine, across).fractions.every((f) => f === 0)).toBe(true);
  });

  it('counts only the part of a pass inside the window, for steps that straddle its start and end', () => {
    // 10 km/h from x = -5: the window opens 40 s in (about 106 m along) and the pass goes on past its close.
    const start = T0 - 40_000;
    const r = swept(engine, drive({ from: -5, to: 205, start }));
    expect(r.swept).toEqual(['rt-t-s003', 'rt-t-s004']);
    const closing = { from: T0 - 3_600_000, to: T0 };
    const cells = engine.newCells();
    engine.cover(drive({ from: -5, to: 205, start }), cells, closing);
    const f = engine.fractions(cells);
    expect(engine.segmentIds.filter((_, i) => f[i]! >= 0.8)).toEqual(['rt-t-s001', 'rt-t-s002']);
  });

  it('only counts for the routes it is told the sweeper may sweep', () => {
    const two = new CoverageEngine([route(), route({}, 'rt-u')]);
    const cells = two.newCells();
    two.cover(drive({ from: -5, to: 205 }), cells, WINDOW, Uint8Array.from([0, 1]));
    const f = two.fractions(cells);
    expect(two.segmentIds.filter((_, i) => f[i]! >= 0.8)).toEqual(['rt-u-s001', 'rt-u-s002', 'rt-u-s003', 'rt-u-s004']);
  });
});

describe('passes', () => {
  /** Coverage as stored: one pass per direction of travel. */
  function stored(engine: CoverageEngine, ...traces: GpsFix[][]): Map<string, SegmentCoverage> {
    const along = engine.newCells();
    const against = engine.newCells();
    for (const fixes of traces) engine.cover(fixes, along, WINDOW, undefined, against);
    const out = new Map<string, SegmentCoverage>();
    for (const [pass, cells] of [
      ['s1:along', along],
      ['s1:against', against],
    ] as const) {
      for (const [segment, covered] of engine.coveredCells(cells)) {
        const id = engine.segmentIds[segment]!;
        out.set(id, (out.get(id) ?? new Map()).set(pass, new Set(covered)));
      }
    }
    return out;
  }

  it('a route that asks for two passes is swept by one pass each way, not by one alone', () => {
    const twice = route({ passesRequired: 2 });
    const engine = new CoverageEngine([twice]);
    expect(judgeRoute(engine, twice, stored(engine, drive({ from: -5, to: 205 }))).unswept).toHaveLength(4);
    const both = judgeRoute(
      engine,
      twice,
      stored(engine, drive({ from: -5, to: 205 }), drive({ from: 205, to: -5, start: T0 + 20 * 60_000 })),
    );
    expect(both.unswept).toEqual([]);
    expect(both.coveragePct).toBe(100);
  });

  it('a route of one pass takes the union of its passes', () => {
    const once = route();
    const engine = new CoverageEngine([once]);
    const halves = stored(engine, drive({ from: -5, to: 110 }), drive({ from: 205, to: 90, start: T0 + 20 * 60_000 }));
    expect(judgeRoute(engine, once, halves).unswept).toEqual([]);
  });
});
