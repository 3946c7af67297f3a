import length from '@turf/length';
import lineChunk from '@turf/line-chunk';
import { lineString } from '@turf/helpers';
import type { LineStringGeometry, Position } from './city-model.ts';

export const DEFAULT_MAX_SEGMENT_M = 50;

export interface SegmentShape {
  segmentId: string;
  line: LineStringGeometry;
  lengthM: number;
  /** Middle vertex-free point along the piece, used to find its grid. */
  midpoint: Position;
}

/** Splits a route into pieces of at most `maxLengthM` metres, numbered along the line. */
export function segmentRoute(
  routeId: string,
  line: LineStringGeometry,
  maxLengthM = DEFAULT_MAX_SEGMENT_M,
): SegmentShape[] {
  if (!(maxLengthM > 0)) throw new Error('segment length must be positive');
  const pieces = lineChunk(lineString(line.coordinates), maxLengthM / 1000, { units: 'kilometers' }).features;
  return pieces
    .map((piece, i) => {
      const coordinates = piece.geometry.coordinates.map(([lon, lat]) => [round(lon!), round(lat!)] as Position);
      const lengthM = length(piece, { units: 'kilometers' }) * 1000;
      const mid = lineChunk(piece, lengthM / 2000, { units: 'kilometers' }).features[0]!.geometry.coordinates.at(-1)!;
      return {
        segmentId: `${routeId}-s${String(i + 1).padStart(3, '0')}`,
        line: { type: 'LineString' as const, coordinates },
        lengthM: Math.round(lengthM * 100) / 100,
        midpoint: [mid[0]!, mid[1]!] as Position,
      };
    })
    .filter((s) => s.lengthM > 0.01);
}

/** Seven decimals: about a centimetre. */
const round = (v: number) => Math.round(v * 1e7) / 1e7;
