import type { SegmentCoverage } from '#shared/domain/coverage';

/** Covered cells of one segment in one route window (or its late part), by one pass: a sweeper in one direction. */
export interface CoverageIncrement {
  routeId: string;
  windowKey: string;
  segmentId: string;
  pass: string;
  cells: number[];
}

/** Sweeping coverage by route window and segment. */
export interface CoverageStore {
  /** Adds covered cells (a set union, so a batch seen twice changes nothing). */
  add(increments: CoverageIncrement[], now: number): Promise<void>;
  read(routeId: string, windowKey: string): Promise<Map<string, SegmentCoverage>>;
}
