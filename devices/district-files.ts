import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { z } from 'zod';
import {
  CityModel,
  Community,
  Department,
  Device,
  District,
  Grid,
  Street,
  checkModelReferences,
  type Position,
} from '#shared/domain/city-model';
import { Classification } from '#shared/domain/classification';
import { DEFAULT_MAX_SEGMENT_M, segmentRoute } from '#shared/domain/route-segments';

/**
 * A district folder: `district.json` (district, streets, communities, departments),
 * `classification.json` (optional: the standard classes and their rules),
 * `grids.geojson`, `sites.geojson` (garbage rooms, markets and their zones, sweeping
 * routes) and `devices.json`. Loaded into a {@link CityModel} through the same schemas the
 * store uses; route segments are cut from each route's line at load time.
 */
export const SAMPLE_DISTRICT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sample-district');

const Feature = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.string(), coordinates: z.unknown() }),
  properties: z.record(z.string(), z.unknown()),
});
const FeatureCollection = z.object({ type: z.literal('FeatureCollection'), features: z.array(Feature) });
const DistrictFile = z.object({
  district: District,
  streets: z.array(Street),
  communities: z.array(Community),
  departments: z.array(Department),
});

export class DistrictFileError extends Error {}

export async function loadDistrictDir(
  dir = SAMPLE_DISTRICT_DIR,
  options: { maxSegmentM?: number } = {},
): Promise<CityModel> {
  const read = async <T>(file: string, schema: z.ZodType<T>): Promise<T> => {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new DistrictFileError(`${path}: ${(error as Error).message}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new DistrictFileError(`${path}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  };
  const districtFile = await read('district.json', DistrictFile);
  // The classification table (optional): the district's standard classes and their registration and merge rules.
  const hasClassification = await readFile(join(dir, 'classification.json')).then(
    () => true,
    () => false,
  );
  if (hasClassification) districtFile.district.classification = await read('classification.json', Classification);
  const gridFeatures = await read('grids.geojson', FeatureCollection);
  const siteFeatures = await read('sites.geojson', FeatureCollection);
  const devices = await read('devices.json', z.array(Device));

  const grids = gridFeatures.features.map((f) => ({ ...f.properties, polygon: f.geometry }));
  const parsedGrids = z.array(Grid).safeParse(grids);
  if (!parsedGrids.success) throw new DistrictFileError(`grids.geojson: ${z.prettifyError(parsedGrids.error)}`);
  const gridAt = (point: Position) => parsedGrids.data.find((g) => booleanPointInPolygon(point, g.polygon));

  const zones = siteFeatures.features.filter((f) => f.properties.featureType === 'market_zone');
  const sites = siteFeatures.features
    .filter((f) => f.properties.featureType !== 'market_zone')
    .map((f) => {
      const p = f.properties;
      switch (p.siteKind) {
        case 'garbage_room': {
          const [lon, lat] = f.geometry.coordinates as Position;
          return { ...p, location: { lat, lon } };
        }
        case 'market':
          return {
            ...p,
            polygon: f.geometry,
            zones: zones
              .filter((z) => z.properties.siteId === p.siteId)
              .map(({ properties: { featureType: _f, siteId: _s, ...zone }, geometry }) => ({
                ...zone,
                polygon: geometry,
              })),
          };
        case 'sweeping_route': {
          const line = f.geometry as { type: 'LineString'; coordinates: Position[] };
          const segments = segmentRoute(String(p.siteId), line, options.maxSegmentM ?? DEFAULT_MAX_SEGMENT_M).map(
            ({ midpoint, ...s }) => {
              const grid = gridAt(midpoint);
              if (!grid)
                throw new DistrictFileError(`route ${p.siteId}: segment ${s.segmentId} lies outside every grid`);
              return { ...s, gridId: grid.gridId, streetId: grid.streetId, oneWay: Boolean(p.oneWay) };
            },
          );
          return { ...p, line, segments };
        }
        default:
          return p;
      }
    });

  const parsed = CityModel.safeParse({
    districts: [districtFile.district],
    streets: districtFile.streets,
    communities: districtFile.communities,
    grids: parsedGrids.data,
    departments: districtFile.departments,
    sites,
    devices,
  });
  if (!parsed.success) throw new DistrictFileError(`${dir}: ${z.prettifyError(parsed.error)}`);
  const model = parsed.data;

  const problems = checkModelReferences(model);
  for (const site of model.sites) {
    const grid = model.grids.find((g) => g.gridId === site.gridId);
    if (
      grid &&
      site.siteKind === 'garbage_room' &&
      !booleanPointInPolygon([site.location.lon, site.location.lat], grid.polygon)
    ) {
      problems.push(`garbage room ${site.siteId} lies outside its grid ${site.gridId}`);
    }
  }
  if (problems.length > 0) throw new DistrictFileError(`${dir}:\n  ${problems.join('\n  ')}`);
  return model;
}
