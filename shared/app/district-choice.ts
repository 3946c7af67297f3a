import type { District } from '#shared/domain/city-model';
import { RequestRefusedError } from './errors.ts';

/**
 * The district a request names, or the only one there is when it names none; otherwise a
 * refusal that names the request's parameter (`districtId`, Open311's `jurisdiction_id`).
 */
export function chooseDistrict(
  districts: readonly District[],
  districtId: string | undefined,
  parameter = 'districtId',
): District {
  const district = districtId
    ? districts.find((d) => d.districtId === districtId)
    : districts.length === 1
      ? districts[0]
      : undefined;
  if (district) return district;
  throw new RequestRefusedError(
    districtId
      ? `no district "${districtId}"`
      : `${parameter} is required (one of ${districts.map((d) => d.districtId).join(', ')})`,
  );
}
