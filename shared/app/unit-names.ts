import { nameIn } from '#shared/domain/labels';
import { DEFAULT_LOCALE } from '#shared/domain/locales';
import type { Registry } from './ports/registry.ts';

/**
 * The district's units by id (departments, street offices, communities, grids), each by its local name (Chinese): what
 * refusals name them by.
 */
export async function unitNames(
  registry: Pick<Registry, 'listDepartments' | 'listStreets' | 'listCommunities' | 'listGrids'>,
  districtId: string,
): Promise<Map<string, string>> {
  const [departments, streets, communities, grids] = await Promise.all([
    registry.listDepartments(districtId),
    registry.listStreets(districtId),
    registry.listCommunities(districtId),
    registry.listGrids(districtId),
  ]);
  const named = (id: string, unit: { name: string; localName?: string }) => [id, nameIn(DEFAULT_LOCALE, unit)] as const;
  return new Map([
    ...departments.map((d) => named(d.unitId, d)),
    ...streets.map((st) => named(st.streetId, st)),
    ...communities.map((c) => named(c.communityId, c)),
    ...grids.map((g) => named(g.gridId, g)),
  ]);
}
