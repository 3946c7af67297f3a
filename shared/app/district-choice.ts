import type { District } from '#shared/domain/city-model';

/**
 * The district a request names, or the only one there is when it names none; otherwise
 * why not, in words that name the request's parameter (`districtId`, Open311's
 * `jurisdiction_id`).
 */
export function chooseDistrict(districts: readonly District[], districtId: string | undefined, parameter = 'districtId'): { district: District } | { refusal: string } {
  const district = districtId ? districts.find((d) => d.districtId === districtId) : districts.length === 1 ? districts[0] : undefined;
  if (district) return { district };
  return { refusal: districtId ? `no district "${districtId}"` : `${parameter} is required (one of ${districts.map((d) => d.districtId).join(', ')})` };
}
