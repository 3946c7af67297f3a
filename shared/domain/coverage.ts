import Flatbush from 'flatbush';
import type { SweepRoute } from './city-model.ts';
import type { GpsFix } from './payloads.ts';

/**
 * Sweeping coverage: which stretch of which route segment a sweeper traversed, with the
 * brush on, slowly enough, in the right direction. Defaults, overridable per engine:
 * - `toleranceM` (15): how far from a segment's centre line the path may run;
 * - `headingToleranceDeg` (45): how far the direction of travel may turn from the
 *   segment's (either way, unless the segment is one-way);
 * - consecutive fixes are joined, so sparse GPS (a fix every 10–30 s) covers the stretch
 *   in between, but never across a gap of more than `maxGapS` (90 s) or `maxGapM` (250 m);
 * - a segment counts as swept at `sweptFraction` (0.8) of its length, measured in cells
 *   of `cellM` (1 m).
 * Speed limit and brush requirement are per route. Positions are projected once to a
 * local plane (metres), and segments sit in a flatbush index: the hot path does no
 * trigonometry and allocates nothing per fix.
 */
export const COVERAGE_DEFAULTS = {
  toleranceM: 15,
  headingToleranceDeg: 45,
  maxGapS: 90,
  maxGapM: 250,
  sweptFraction: 0.8,
  cellM: 1,
};
export type CoverageOptions = typeof COVERAGE_DEFAULTS;

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** One too-fast stretch with the brush down over a route. */
export interface TooFast {
  routeIndex: number;
  ts: number;
  speedKmh: number;
}

export class CoverageEngine {
  readonly options: CoverageOptions;
  readonly routes: SweepRoute[];
  /** Per segment: route index, length, first cell in the flat cell array, cell count. */
  readonly segmentRoute: Int32Array;
  readonly segmentLength: Float64Array;
  readonly segmentCell0: Int32Array;
  readonly segmentCells: Int32Array;
  readonly segmentIds: string[];
  readonly totalCells: number;
  private readonly lat0: number;
  private readonly lon0: number;
  private readonly kx: number;
  private readonly ky: number;
  // Straight pieces of segments: start point, unit direction, length, offset along the segment, owner.
  private readonly px: Float64Array;
  private readonly py: Float64Array;
  private readonly ux: Float64Array;
  private readonly uy: Float64Array;
  private readonly plen: Float64Array;
  private readonly poff: Float64Array;
  private readonly pseg: Int32Array;
  private readonly poneWay: Uint8Array;
  private readonly index: Flatbush;
  private readonly cosHeading: number;
  private readonly routeMaxSpeed: Float64Array;
  private readonly routeBrush: Uint8Array;

  constructor(routes: SweepRoute[], options: Partial<CoverageOptions> = {}) {
    this.options = { ...COVERAGE_DEFAULTS, ...options };
    this.routes = routes;
    const segments = routes.flatMap((route, r) => route.segments.map((segment) => ({ r, segment })));
    const all = segments.flatMap(({ segment }) => segment.line.coordinates);
    this.lat0 = all.reduce((s, p) => s + p[1], 0) / Math.max(1, all.length);
    this.lon0 = all.reduce((s, p) => s + p[0], 0) / Math.max(1, all.length);
    this.kx = EARTH_M * RAD * Math.cos(this.lat0 * RAD);
    this.ky = EARTH_M * RAD;
    this.cosHeading = Math.cos(this.options.headingToleranceDeg * RAD);
    this.routeMaxSpeed = Float64Array.from(routes, (r) => r.maxSpeedKmh);
    this.routeBrush = Uint8Array.from(routes, (r) => (r.brushRequired ? 1 : 0));

    const pieces = segments.reduce((n, { segment }) => n + segment.line.coordinates.length - 1, 0);
    this.segmentRoute = new Int32Array(segments.length);
    this.segmentLength = new Float64Array(segments.length);
    this.segmentCell0 = new Int32Array(segments.length);
    this.segmentCells = new Int32Array(segments.length);
    this.segmentIds = segments.map(({ segment }) => segment.segmentId);
    this.px = new Float64Array(pieces);
    this.py = new Float64Array(pieces);
    this.ux = new Float64Array(pieces);
    this.uy = new Float64Array(pieces);
    this.plen = new Float64Array(pieces);
    this.poff = new Float64Array(pieces);
    this.pseg = new Int32Array(pieces);
    this.poneWay = new Uint8Array(pieces);
    this.index = new Flatbush(Math.max(1, pieces));
    const tol = this.options.toleranceM;
    let p = 0;
    let cells = 0;
    segments.forEach(({ r, segment }, s) => {
      let offset = 0;
      const coords = segment.line.coordinates;
      for (let i = 1; i < coords.length; i++) {
        const [ax, ay] = this.project(coords[i - 1]![1], coords[i - 1]![0]);
        const [bx, by] = this.project(coords[i]![1], coords[i]![0]);
        const len = Math.hypot(bx - ax, by - ay);
        this.px[p] = ax;
        this.py[p] = ay;
        this.ux[p] = len > 0 ? (bx - ax) / len : 1;
        this.uy[p] = len > 0 ? (by - ay) / len : 0;
        this.plen[p] = len;
        this.poff[p] = offset;
        this.pseg[p] = s;
        this.poneWay[p] = segment.oneWay || this.routes[r]!.oneWay ? 1 : 0;
        this.index.add(Math.min(ax, bx) - tol, Math.min(ay, by) - tol, Math.max(ax, bx) + tol, Math.max(ay, by) + tol);
        offset += len;
        p++;
      }
      this.segmentRoute[s] = r;
      this.segmentLength[s] = offset;
      this.segmentCell0[s] = cells;
      // About one cell per `cellM`, so a 50.02 m segment has 50 cells, not 51.
      this.segmentCells[s] = Math.max(1, Math.round(offset / this.options.cellM));
      cells += this.segmentCells[s]!;
    });
    if (pieces === 0) this.index.add(0, 0, 0, 0);
    this.index.finish();
    this.totalCells = cells;
  }

  /** Local plane coordinates in metres (equirectangular about the routes' centre: ample within a city). */
  project(lat: number, lon: number): [number, number] {
    return [(lon - this.lon0) * this.kx, (lat - this.lat0) * this.ky];
  }

  /** A fresh coverage buffer: one byte per cell of every segment. */
  newCells(): Uint8Array {
    return new Uint8Array(this.totalCells);
  }

  /**
   * Marks in `cells` what one sweeper's fixes (oldest first) covered between `from` and
   * `to` (epoch ms), on the routes `eligible` allows (by route index; all when omitted).
   * With `against`, what it covered travelling against a segment's drawn direction is
   * marked there instead (a pass along each side of the street counts apart).
   * Returns the too-fast stretches it drove with the brush on over an eligible route.
   */
  cover(
    fixes: readonly GpsFix[],
    cells: Uint8Array,
    window: { from: number; to: number },
    eligible?: Uint8Array,
    against: Uint8Array = cells,
  ): TooFast[] {
    const tooFast: TooFast[] = [];
    const { toleranceM: tol, maxGapS, maxGapM } = this.options;
    const { px, py, ux, uy, plen, poff, pseg, poneWay, segmentRoute, segmentCell0, segmentCells } = this;
    const cosH = this.cosHeading;
    let prev: GpsFix | undefined;
    let ax = 0;
    let ay = 0;
    for (const fix of fixes) {
      const bx = (fix.lon - this.lon0) * this.kx;
      const by = (fix.lat - this.lat0) * this.ky;
      const a = prev;
      const fax = ax;
      const fay = ay;
      prev = fix;
      ax = bx;
      ay = by;
      if (!a) continue;
      const dtMs = fix.ts - a.ts;
      if (dtMs <= 0 || dtMs > maxGapS * 1000) continue;
      if (fix.ts <= window.from || a.ts >= window.to) continue;
      const dx = bx - fax;
      const dy = by - fay;
      const dist = Math.sqrt(dx * dx + dy * dy);
      if (dist < 0.5 || dist > maxGapM) continue;
      // The unit's own speed reading when it sends one (a position jump after a GPS gap is no speed).
      const speedKmh = a.speedKmh ?? (dist / dtMs) * 3600;
      const brush = a.brushOn === true;
      // The part of the step inside the window, as a fraction of the step.
      const s0 = a.ts < window.from ? (window.from - a.ts) / dtMs : 0;
      const s1 = fix.ts > window.to ? (window.to - a.ts) / dtMs : 1;
      const cx = dx / dist;
      const cy = dy / dist;
      let reportedFast = -1;
      this.index.search(
        Math.min(fax, bx) - tol,
        Math.min(fay, by) - tol,
        Math.max(fax, bx) + tol,
        Math.max(fay, by) + tol,
        (p) => {
          const seg = pseg[p]!;
          const route = segmentRoute[seg]!;
          if (eligible && !eligible[route]) return false;
          const dot = cx * ux[p]! + cy * uy[p]!;
          if (poneWay[p] ? dot < cosH : dot < cosH && -dot < cosH) return false;
          if (this.routeBrush[route] && !brush) return false;
          if (speedKmh > this.routeMaxSpeed[route]!) {
            if (brush && reportedFast !== route) {
              reportedFast = route;
              tooFast.push({ routeIndex: route, ts: fix.ts, speedKmh: Math.round(speedKmh * 10) / 10 });
            }
            return false;
          }
          // Signed distance from the piece's line at both ends, linear along the step.
          const ox = fax - px[p]!;
          const oy = fay - py[p]!;
          const da = -ox * uy[p]! + oy * ux[p]!;
          const db = -(bx - px[p]!) * uy[p]! + (by - py[p]!) * ux[p]!;
          let lo = s0;
          let hi = s1;
          if (da === db) {
            if (da > tol || da < -tol) return false;
          } else {
            const k = 1 / (db - da);
            const e0 = (-tol - da) * k;
            const e1 = (tol - da) * k;
            if (e0 < e1) {
              if (e0 > lo) lo = e0;
              if (e1 < hi) hi = e1;
            } else {
              if (e1 > lo) lo = e1;
              if (e0 < hi) hi = e0;
            }
            if (lo >= hi) return false;
          }
          // Along the piece, clipped to it, then to the segment's cells.
          const ta = ox * ux[p]! + oy * uy[p]!;
          const tStep = dx * ux[p]! + dy * uy[p]!;
          let t0 = ta + tStep * lo;
          let t1 = ta + tStep * hi;
          if (t0 > t1) {
            const t = t0;
            t0 = t1;
            t1 = t;
          }
          if (t0 < 0) t0 = 0;
          if (t1 > plen[p]!) t1 = plen[p]!;
          if (t1 <= t0) return false;
          const base = segmentCell0[seg]!;
          const n = segmentCells[seg]!;
          const into = dot >= 0 ? cells : against;
          // Cells scale to the segment's length (n cells over its length).
          const scale = n / this.segmentLength[seg]!;
          let c0 = Math.floor((t0 + poff[p]!) * scale);
          const c1 = Math.min(n, Math.ceil((t1 + poff[p]!) * scale));
          for (c0 = Math.max(0, c0); c0 < c1; c0++) into[base + c0] = 1;
          return false;
        },
      );
    }
    return tooFast;
  }

  /** The fraction of each segment's cells that are covered, in segment order. */
  fractions(cells: Uint8Array): Float64Array {
    const out = new Float64Array(this.segmentIds.length);
    for (let s = 0; s < out.length; s++) {
      const base = this.segmentCell0[s]!;
      const n = this.segmentCells[s]!;
      let covered = 0;
      for (let c = 0; c < n; c++) covered += cells[base + c]!;
      out[s] = covered / n;
    }
    return out;
  }

  /** Covered cell numbers per segment (only segments with any), for storing as increments. */
  coveredCells(cells: Uint8Array): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (let s = 0; s < this.segmentIds.length; s++) {
      const base = this.segmentCell0[s]!;
      let list: number[] | undefined;
      for (let c = 0; c < this.segmentCells[s]!; c++) {
        if (cells[base + c]) (list ??= []).push(c);
      }
      if (list) out.set(s, list);
    }
    return out;
  }

  /** Segment index by id. */
  segmentIndex(segmentId: string): number {
    return this.segmentIds.indexOf(segmentId);
  }
}

/** A segment's stored coverage: the cells of each pass (a sweeper along one direction). */
export type SegmentCoverage = Map<string, Set<number>>;

/**
 * Whether each segment of a route is swept: the union of its passes covers `sweptFraction`,
 * and, where the route asks for more than one pass, that many passes each cover it.
 */
export function judgeRoute(engine: CoverageEngine, route: SweepRoute, coverage: Map<string, SegmentCoverage>) {
  let coveredCells = 0;
  let totalCells = 0;
  const unswept = route.segments.filter((segment) => {
    const n = engine.segmentCells[engine.segmentIndex(segment.segmentId)]!;
    const passes = [...(coverage.get(segment.segmentId)?.values() ?? [])];
    const union = new Set(passes.flatMap((cells) => [...cells]));
    coveredCells += Math.min(n, union.size);
    totalCells += n;
    const fullPasses = passes.filter((cells) => cells.size / n >= engine.options.sweptFraction).length;
    return (
      union.size / n < engine.options.sweptFraction || (route.passesRequired > 1 && fullPasses < route.passesRequired)
    );
  });
  return { unswept, coveragePct: Math.round((1000 * coveredCells) / Math.max(1, totalCells)) / 10 };
}
