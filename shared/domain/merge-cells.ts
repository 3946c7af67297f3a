import type { LatLon } from './city-model.ts';
import type { CaseClass } from './classification.ts';

/**
 * Where active cases of a class meet reports nearby: squares of the class's merge
 * distance, so that a case within that distance of a point is in the point's cell or one
 * of its eight neighbours. The case store indexes active cases by their cell; a class
 * whose merge distance changes starts new cells (its older cases are no longer found).
 */

export const isMerging = (cls: CaseClass) => cls.merge.distanceM > 0 && cls.merge.withinMinutes > 0;

/** Merge cells are squares of the class's merge distance (at least 50 m), so a match is in a cell next to the point's. */
const cellSize = (cls: CaseClass) => Math.max(50, cls.merge.distanceM);
const M_PER_DEG = 111_320;
/**
 * Cells are fixed in degrees, so that a point and a case near it agree on their columns: a
 * column is the cell size at latitude 70°, which is wider than the size everywhere nearer
 * the equator (every city this serves), so a neighbour column still covers the distance.
 */
const COLUMN_SCALE = Math.cos((70 * Math.PI) / 180);
const cellXY = (cls: CaseClass, p: LatLon) => {
  const size = cellSize(cls);
  return [Math.floor((p.lon * M_PER_DEG * COLUMN_SCALE) / size), Math.floor((p.lat * M_PER_DEG) / size)] as const;
};
const cellKey = (districtId: string, cls: CaseClass, x: number, y: number) =>
  `${districtId}#${cls.classId}#${cellSize(cls)}#${x}:${y}`;

/** The merge cell a case of the class at this point sits in (the store indexes active cases by it). */
export function mergeCell(districtId: string, cls: CaseClass, p: LatLon): string {
  const [x, y] = cellXY(cls, p);
  return cellKey(districtId, cls, x, y);
}

/** The cells to look in for a case to join: the point's and its eight neighbours. */
export function mergeCellsAround(districtId: string, cls: CaseClass, p: LatLon): string[] {
  const [x, y] = cellXY(cls, p);
  const cells: string[] = [];
  for (const dx of [-1, 0, 1]) for (const dy of [-1, 0, 1]) cells.push(cellKey(districtId, cls, x + dx, y + dy));
  return cells;
}
