/**
 * `npm run bench -- coverage`: the coverage engine against a straightforward turf matcher.
 * Generates a district of at least 2,000 route segments and 1,000,000 GPS fixes from
 * simulated sweeper passes (with noise, some brush-off stretches), runs the engine over all
 * of them on one core, runs the turf matcher (nearestPointOnLine over every segment for
 * every fix) over a sample of at least 5,000 of the same fixes, and prints both rates,
 * their ratio, and whether the two agree on which segments of the sample were swept.
 */
import { lineString, point } from '@turf/helpers';
import nearestPointOnLine from '@turf/nearest-point-on-line';
import { CoverageEngine } from '#shared/domain/coverage';
import { SweepRoute, type Position } from '#shared/domain/city-model';
import type { GpsFix } from '#shared/domain/payloads';
import { segmentRoute } from '#shared/domain/route-segments';
import { seededRandom } from '#devices/simulators/simulator';

const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const FIXES = Number(args.get('fixes') ?? 1_000_000);
const SAMPLE = Number(args.get('sample') ?? 5_000);
const STREETS = Number(args.get('streets') ?? 26); // per direction; 2 km each, 40 segments
const random = seededRandom('coverage-bench');

const LAT = 30.3;
const LON = 120.12;
const M_LAT = 111_195;
const M_LON = M_LAT * Math.cos((LAT * Math.PI) / 180);
const at = (x: number, y: number): Position => [LON + x / M_LON, LAT + y / M_LAT];
const SPACING = 80;
const LENGTH = 2000;

/** A count as printed: with thousands separators. */
const en = (n: number) => n.toLocaleString('en');

function log(text: string) {
  process.stdout.write(`${text}\n`);
}

// A grid of streets: east–west and north–south, 80 m apart, 2 km long, one route each.
const routes: SweepRoute[] = [];
for (let i = 0; i < STREETS; i++) {
  for (const dir of ['ew', 'ns'] as const) {
    const off = i * SPACING + 40;
    const line = {
      type: 'LineString' as const,
      coordinates: dir === 'ew' ? [at(0, off), at(LENGTH, off)] : [at(off, 0), at(off, LENGTH)],
    };
    const id = `r${dir}${String(i).padStart(2, '0')}`;
    routes.push(
      SweepRoute.parse({
        siteId: id,
        siteKind: 'sweeping_route',
        districtId: 'bench',
        gridId: 'g',
        name: id,
        streetId: 's',
        unitId: 'municipal-landscaping',
        line,
        segments: segmentRoute(id, line, 50).map(({ midpoint: _m, ...s }) => ({ ...s, gridId: 'g', streetId: 's' })),
        windows: [{ start: '05:00', end: '07:00', days: [1, 2, 3, 4, 5, 6, 7] }],
      }),
    );
  }
}
const segmentCount = routes.reduce((n, r) => n + r.segments.length, 0);

// Sweeper passes: a fix every 10 s at 8–12 km/h, 3 m of GPS noise, one pass in five with the brush up for a while.
const T0 = Date.UTC(2026, 10, 26, 21, 0);
const traces: GpsFix[][] = [];
let total = 0;
while (total < FIXES) {
  const route = routes[Math.floor(random() * routes.length)]!;
  const [[lon0, lat0], [lon1, lat1]] = route.line.coordinates as [Position, Position];
  const forward = random() < 0.5;
  const kmh = 8 + random() * 4;
  const step = (kmh / 3.6) * 10;
  const from = random() * 600;
  const to = LENGTH - random() * 600;
  const brushUp = random() < 0.2 ? [from + random() * 400, from + 400 + random() * 300] : [-1, -1];
  const fixes: GpsFix[] = [];
  let t = T0 + Math.floor(random() * 3_600_000);
  for (let d = from; d <= to && total + fixes.length < FIXES; d += step) {
    const f = forward ? d / LENGTH : 1 - d / LENGTH;
    const noise = () => ((random() + random() + random() - 1.5) * 3) / M_LAT;
    fixes.push({
      ts: t,
      lat: lat0 + (lat1 - lat0) * f + noise(),
      lon: lon0 + (lon1 - lon0) * f + noise(),
      speedKmh: kmh,
      brushOn: !(d >= brushUp[0]! && d <= brushUp[1]!),
    });
    t += 10_000;
  }
  traces.push(fixes);
  total += fixes.length;
}
const window = { from: T0, to: T0 + 2 * 3_600_000 };
log(
  `coverage benchmark: ${routes.length} routes, ${segmentCount} segments of ≤ 50 m, ${en(total)} fixes in ${en(traces.length)} passes`,
);

// The engine over everything, on this one thread.
const engine = new CoverageEngine(routes);
const cells = engine.newCells();
for (const trace of traces.slice(0, 200)) engine.cover(trace, engine.newCells(), window); // warm-up
const started = process.hrtime.bigint();
for (const trace of traces) engine.cover(trace, cells, window);
const engineMs = Number(process.hrtime.bigint() - started) / 1e6;
const engineRate = total / (engineMs / 1000);
const fractions = engine.fractions(cells);
log(
  `engine:  ${en(total)} fixes in ${engineMs.toFixed(0)} ms = ${en(Math.round(engineRate))} fixes/s (one core); ` +
    `${fractions.filter((f) => f >= 0.8).length} of ${segmentCount} segments swept`,
);

// The same semantics, straightforwardly: every fix against every segment with turf.
const sample: GpsFix[][] = [];
let sampleFixes = 0;
for (const trace of traces) {
  if (sampleFixes >= SAMPLE) break;
  sample.push(trace);
  sampleFixes += trace.length;
}
const segs = routes.flatMap((r) =>
  r.segments.map((s) => ({
    id: s.segmentId,
    route: r,
    line: lineString(s.line.coordinates),
    lengthM: s.lengthM,
    oneWay: s.oneWay,
  })),
);
const tol = engine.options.toleranceM;
const cosH = Math.cos((engine.options.headingToleranceDeg * Math.PI) / 180);
const turfCells = new Map<string, Uint8Array>();
const mark = (id: string, lengthM: number, a: number, b: number) => {
  let c = turfCells.get(id);
  if (!c) turfCells.set(id, (c = new Uint8Array(Math.ceil(lengthM))));
  for (let i = Math.max(0, Math.floor(Math.min(a, b))); i < Math.min(c.length, Math.ceil(Math.max(a, b))); i++)
    c[i] = 1;
};
const turfStarted = process.hrtime.bigint();
for (const trace of sample) {
  let prev: { fix: GpsFix; near: { dist: number; loc: number }[] } | undefined;
  for (const fix of trace) {
    const p = point([fix.lon, fix.lat]);
    const near = segs.map((s) => {
      const n = nearestPointOnLine(s.line, p, { units: 'meters' });
      return { dist: n.properties.dist, loc: n.properties.location };
    });
    if (prev && fix.ts - prev.fix.ts <= engine.options.maxGapS * 1000 && prev.fix.brushOn) {
      const dx = (fix.lon - prev.fix.lon) * M_LON;
      const dy = (fix.lat - prev.fix.lat) * M_LAT;
      const dist = Math.hypot(dx, dy);
      const kmh = prev.fix.speedKmh ?? (dist / (fix.ts - prev.fix.ts)) * 3600;
      if (dist >= 0.5 && dist <= engine.options.maxGapM) {
        segs.forEach((s, i) => {
          const a = prev!.near[i]!;
          const b = near[i]!;
          if (a.dist > tol && b.dist > tol) return;
          if (kmh > s.route.maxSpeedKmh) return;
          const [[x0, y0], [x1, y1]] = [s.line.geometry.coordinates[0]!, s.line.geometry.coordinates.at(-1)!];
          const sx = (x1! - x0!) * M_LON;
          const sy = (y1! - y0!) * M_LAT;
          const dot = (dx * sx + dy * sy) / (dist * Math.hypot(sx, sy));
          if (s.oneWay ? dot < cosH : Math.abs(dot) < cosH) return;
          mark(s.id, s.lengthM, a.loc, b.loc);
        });
      }
    }
    prev = { fix, near };
  }
}
const turfMs = Number(process.hrtime.bigint() - turfStarted) / 1e6;
const turfRate = sampleFixes / (turfMs / 1000);
log(
  `turf:    ${en(sampleFixes)} fixes in ${turfMs.toFixed(0)} ms = ${en(Math.round(turfRate))} fixes/s ` +
    `(nearestPointOnLine over all ${segmentCount} segments per fix)`,
);

// The engine over the same sample, and the comparison.
const sampleCells = engine.newCells();
for (const trace of sample) engine.cover(trace, sampleCells, window);
const sampleFractions = engine.fractions(sampleCells);
const engineSwept = new Set(engine.segmentIds.filter((_, i) => sampleFractions[i]! >= 0.8));
const turfSwept = new Set(
  [...turfCells].filter(([, c]) => c.reduce((n, v) => n + v, 0) / c.length >= 0.8).map(([id]) => id),
);
const both = [...engineSwept].filter((id) => turfSwept.has(id)).length;
const onlyEngine = [...engineSwept].filter((id) => !turfSwept.has(id));
const onlyTurf = [...turfSwept].filter((id) => !engineSwept.has(id));
log(
  `ratio:   the engine matches ${(engineRate / turfRate).toFixed(0)} × as many fixes per second as the turf matcher ` +
    `(target ≥ 100 ×); engine target ≥ 1,000,000 fixes/s: ${engineRate >= 1_000_000 ? 'met' : 'NOT met'}`,
);
/** The first few of some segment ids, in brackets after a space; nothing when there are none. */
const firstFew = (ids: string[]) => (ids.length ? ` (${ids.slice(0, 5).join(', ')})` : '');
log(
  [
    `agree:   on the sample, ${both} segments swept by both`,
    `${onlyEngine.length} only by the engine${firstFew(onlyEngine)}`,
    `${onlyTurf.length} only by turf${firstFew(onlyTurf)} → ${onlyEngine.length + onlyTurf.length === 0 ? 'they agree' : 'they differ'}`,
  ].join('; '),
);
if (process.env.BENCH_DEBUG) {
  for (const id of [...onlyEngine, ...onlyTurf]) {
    const i = engine.segmentIndex(id);
    const c = turfCells.get(id);
    const turf = c ? (c.reduce((n, v) => n + v, 0) / c.length).toFixed(3) : 0;
    const engineCells = sampleCells.subarray(
      engine.segmentCell0[i]!,
      engine.segmentCell0[i]! + engine.segmentCells[i]!,
    );
    log(
      `  ${id}: engine ${sampleFractions[i]!.toFixed(3)}, turf ${turf}; ` +
        `engine cells ${[...engineCells].join('')}; turf cells ${c?.join('')}`,
    );
  }
}
