import type { Site } from '#shared/domain/city-model';
import type { Place, Registry } from './ports/registry.ts';

/** What the ids a service shows are called: a district's departments, some sites, and the places of some grids. */
export interface IdNames {
  /** Department unit id → name. */
  units: Map<string, string>;
  sites: Map<string, Site>;
  places: Map<string, Place | undefined>;
}

/** Reads the names of a district's departments, of these sites and of these grids' places (one read each, at once). */
export async function readIdNames(
  registry: Pick<Registry, 'listDepartments' | 'getSites' | 'getPlace'>,
  districtId: string,
  siteIds: Iterable<string>,
  gridIds: Iterable<string>,
): Promise<IdNames> {
  const [departments, sites, places] = await Promise.all([
    registry.listDepartments(districtId),
    registry.getSites([...new Set(siteIds)]),
    readPlaces(registry, gridIds),
  ]);
  return { units: new Map(departments.map((d) => [d.unitId, d.name])), sites, places };
}

/** The places of these grids (one read each, at once). */
export async function readPlaces(
  registry: Pick<Registry, 'getPlace'>,
  gridIds: Iterable<string>,
): Promise<Map<string, Place | undefined>> {
  return new Map(
    await Promise.all([...new Set(gridIds)].map(async (gridId) => [gridId, await registry.getPlace(gridId)] as const)),
  );
}
