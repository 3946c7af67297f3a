import distance from '@turf/distance';
import { z } from 'zod';
import { ScoreWeights } from './assessment-weights.ts';
import { Classification } from './classification.ts';
import { DEFAULT_LOCALE, LOCALES } from './locales.ts';
import { DEPARTMENT_IDS } from './responsibility.ts';
import { DEVICE_KINDS } from './device-kinds.ts';
import { THING_NAME_PATTERN } from './topics.ts';

/**
 * The city model: district → street/town office → community → grid, the sites that
 * devices watch, the units that act, and the device registry. Geometry is GeoJSON
 * (positions are [lon, lat], WGS 84).
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'ids are lowercase letters, digits and dashes');
/** A local time of day, `HH:MM`. */
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'local time as HH:MM');
const name = z.string().min(1).max(200);
const phone = z.string().regex(/^[0-9+\- ]{5,20}$/);

export const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
export type Position = z.infer<typeof Position>;
export const LatLon = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
export type LatLon = z.infer<typeof LatLon>;

/** The distance between two points on the ground, in metres. */
export const metresBetween = (a: LatLon, b: LatLon) => distance([a.lon, a.lat], [b.lon, b.lat], { units: 'meters' });

const closedRing = z
  .array(Position)
  .min(4)
  .refine(
    (ring) => ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1],
    'a polygon ring must be closed',
  );
export const PolygonGeometry = z.object({ type: z.literal('Polygon'), coordinates: z.array(closedRing).min(1) });
export type PolygonGeometry = z.infer<typeof PolygonGeometry>;
export const LineStringGeometry = z.object({ type: z.literal('LineString'), coordinates: z.array(Position).min(2) });
export type LineStringGeometry = z.infer<typeof LineStringGeometry>;

export const Contact = z.object({ name, phone });
export type Contact = z.infer<typeof Contact>;

/** A name in the district's own language beside the English `name` (the sample's are Chinese). */
const localName = name.optional();

export const District = z.object({
  districtId: id,
  name,
  localName,
  city: name,
  /** IANA time zone for schedules and daily windows. */
  timeZone: z.string().min(1),
  /** The language its people read first (pages, reports): zh-CN unless set (see locales.ts). */
  locale: z.enum(LOCALES).default(DEFAULT_LOCALE),
  /**
   * The working calendar, for assessments on working-day SLA clocks: public holidays and
   * the weekend days worked in their place, as local `YYYY-MM-DD` dates.
   */
  calendar: z
    .object({
      holidays: z.array(z.iso.date()).max(1000).default([]),
      /** Weekend days worked in exchange for a holiday (调休上班). */
      makeUpWorkdays: z.array(z.iso.date()).max(1000).default([]),
      /** Working hours of a working day, local `HH:MM` periods in order (e.g. 08:30–12:00, 13:30–17:30); none: the whole day. */
      hours: z
        .array(z.tuple([hhmm, hhmm]))
        .max(6)
        .refine((periods) => periods.every(([from, to], i) => from < to && (i === 0 || periods[i - 1]![1] <= from)), {
          message: 'working hours are periods from < to, in order, not overlapping',
        })
        .optional(),
    })
    .optional(),
  /**
   * The standard classification of problems and each class's registration and merge rules
   * (see classification.ts). Without one, every category is a class of its own, registered
   * at once and never merged.
   */
  classification: Classification.optional(),
  /** How the assessment scores the units: the composite score's weights (see assessment-weights.ts). */
  assessment: z.object({ weights: ScoreWeights }).optional(),
});
export type District = z.infer<typeof District>;

/** A town or street office (镇/街道): a territorial unit. Its id is its unit id. */
export const Street = z.object({
  streetId: id,
  districtId: id,
  name,
  localName,
  officeKind: z.enum(['street', 'town']),
  contact: Contact,
});
export type Street = z.infer<typeof Street>;

export const Community = z.object({
  communityId: id,
  streetId: id,
  districtId: id,
  name,
  localName,
  contact: Contact,
});
export type Community = z.infer<typeof Community>;

export const Grid = z.object({
  gridId: id,
  communityId: id,
  streetId: id,
  districtId: id,
  name,
  localName,
  polygon: PolygonGeometry,
  /** The grid's named responsible person: the assignee of its cases. */
  responsible: Contact,
});
export type Grid = z.infer<typeof Grid>;

/** A department. Territorial units (street offices, communities, grids) are their own records. */
export const Department = z.object({
  unitId: z.enum(DEPARTMENT_IDS),
  districtId: id,
  name,
  localName,
  contact: Contact,
});
export type Department = z.infer<typeof Department>;

/** Per-site overrides of detector defaults (the detectors document their defaults). */
export const ThresholdOverrides = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/), z.number()).default({});

const siteBase = { siteId: id, districtId: id, gridId: id, name, localName };

export const GarbageRoom = z.object({
  ...siteBase,
  siteKind: z.literal('garbage_room'),
  location: LatLon,
  capacityLitres: z.int().positive(),
  thresholds: ThresholdOverrides,
});
export type GarbageRoom = z.infer<typeof GarbageRoom>;

export const MarketZone = z.object({
  zoneId: id,
  name,
  zoneKind: z.enum(['stalls', 'walkway', 'entrance', 'parking', 'perimeter']),
  polygon: PolygonGeometry,
});
export type MarketZone = z.infer<typeof MarketZone>;

export const Market = z.object({
  ...siteBase,
  siteKind: z.literal('market'),
  polygon: PolygonGeometry,
  zones: z.array(MarketZone).min(1),
  thresholds: ThresholdOverrides,
});
export type Market = z.infer<typeof Market>;

const localTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'local time as HH:MM');
/** ISO weekday numbers, 1 = Monday … 7 = Sunday. */
export const Weekday = z.int().min(1).max(7);

export const ScheduleWindow = z
  .object({ start: localTime, end: localTime, days: z.array(Weekday).min(1).max(7) })
  .refine((w) => w.start < w.end, 'a window ends after it starts (same local day)');
export type ScheduleWindow = z.infer<typeof ScheduleWindow>;

export const RouteSegment = z.object({
  segmentId: z.string().min(1).max(80),
  gridId: id,
  streetId: id,
  line: LineStringGeometry,
  lengthM: z.number().positive(),
  oneWay: z.boolean().default(false),
});
export type RouteSegment = z.infer<typeof RouteSegment>;

export const SweepRoute = z.object({
  ...siteBase,
  siteKind: z.literal('sweeping_route'),
  streetId: id,
  line: LineStringGeometry,
  segments: z.array(RouteSegment).min(1),
  windows: z.array(ScheduleWindow).min(1),
  /** The unit that sweeps it (a department id or a territorial unit id). */
  unitId: id,
  passesRequired: z.int().min(1).max(10).default(1),
  /** Vehicles that count; empty means any sweeper of the assigned unit. */
  sweepers: z.array(z.string().regex(THING_NAME_PATTERN)).default([]),
  brushRequired: z.boolean().default(true),
  maxSpeedKmh: z.number().positive().default(15),
  oneWay: z.boolean().default(false),
  thresholds: ThresholdOverrides,
});
export type SweepRoute = z.infer<typeof SweepRoute>;

export const Site = z.discriminatedUnion('siteKind', [GarbageRoom, Market, SweepRoute]);
export type Site = z.infer<typeof Site>;
export type SiteKind = Site['siteKind'];

export const Device = z.object({
  thing: z.string().regex(THING_NAME_PATTERN),
  kind: z.enum(DEVICE_KINDS),
  districtId: id,
  /** The site it watches: a garbage room, a market, or a sweeper's home route. */
  siteId: id,
  /** The unit that operates it (sweepers: the sweeping unit). */
  unitId: id.optional(),
  /** How often it reports when healthy; offline detection works from this. */
  expectedIntervalSeconds: z.int().min(1).max(86_400),
  model: z.string().max(100).optional(),
  /** Detector overrides for this device; they win over its site's. */
  thresholds: ThresholdOverrides.optional(),
});
export type Device = z.infer<typeof Device>;

/** A whole district's registry, as loaded from the sample files or seeded into the store. */
export const CityModel = z.object({
  districts: z.array(District).min(1),
  streets: z.array(Street),
  communities: z.array(Community),
  grids: z.array(Grid),
  departments: z.array(Department),
  sites: z.array(Site),
  devices: z.array(Device),
});
export type CityModel = z.infer<typeof CityModel>;

/** Which kind of site each device kind watches. */
export const SITE_KIND_OF_DEVICE = {
  bins: 'garbage_room',
  sweepers: 'sweeping_route',
  cameras: 'market',
} as const satisfies Record<(typeof DEVICE_KINDS)[number], SiteKind>;

/**
 * Cross-reference checks the schemas cannot state alone: every reference resolves,
 * ids are unique, and the hierarchy is consistent. Returns the problems found.
 */
export function checkModelReferences(model: CityModel): string[] {
  const problems: string[] = [];
  const index = <T>(items: T[], key: (t: T) => string, what: string) => {
    const map = new Map<string, T>();
    for (const item of items) {
      const k = key(item);
      if (map.has(k)) problems.push(`duplicate ${what} id "${k}"`);
      map.set(k, item);
    }
    return map;
  };
  const districts = index(model.districts, (d) => d.districtId, 'district');
  const streets = index(model.streets, (s) => s.streetId, 'street');
  const communities = index(model.communities, (c) => c.communityId, 'community');
  const grids = index(model.grids, (g) => g.gridId, 'grid');
  const departments = index(model.departments, (d) => d.unitId, 'department');
  const sites = index(model.sites, (s) => s.siteId, 'site');
  index(model.devices, (d) => d.thing, 'device');
  const unitIds = new Set([...departments.keys(), ...streets.keys(), ...communities.keys(), ...grids.keys()]);

  const needDistrict = (what: string, districtId: string) => {
    if (!districts.has(districtId)) problems.push(`${what}: unknown district "${districtId}"`);
  };
  for (const s of model.streets) needDistrict(`street ${s.streetId}`, s.districtId);
  for (const c of model.communities) {
    needDistrict(`community ${c.communityId}`, c.districtId);
    if (!streets.has(c.streetId)) problems.push(`community ${c.communityId}: unknown street "${c.streetId}"`);
  }
  for (const g of model.grids) {
    needDistrict(`grid ${g.gridId}`, g.districtId);
    const community = communities.get(g.communityId);
    if (!community) problems.push(`grid ${g.gridId}: unknown community "${g.communityId}"`);
    else if (community.streetId !== g.streetId) {
      problems.push(`grid ${g.gridId}: street "${g.streetId}" differs from its community's "${community.streetId}"`);
    }
  }
  for (const d of model.departments) needDistrict(`department ${d.unitId}`, d.districtId);
  for (const site of model.sites) {
    needDistrict(`site ${site.siteId}`, site.districtId);
    if (!grids.has(site.gridId)) problems.push(`site ${site.siteId}: unknown grid "${site.gridId}"`);
    if (site.siteKind === 'sweeping_route') {
      if (!unitIds.has(site.unitId)) problems.push(`route ${site.siteId}: unknown unit "${site.unitId}"`);
      if (!streets.has(site.streetId)) problems.push(`route ${site.siteId}: unknown street "${site.streetId}"`);
      for (const seg of site.segments) {
        const grid = grids.get(seg.gridId);
        if (!grid) problems.push(`segment ${seg.segmentId}: unknown grid "${seg.gridId}"`);
        else if (grid.streetId !== seg.streetId)
          problems.push(`segment ${seg.segmentId}: street differs from its grid's`);
      }
    }
  }
  for (const device of model.devices) {
    needDistrict(`device ${device.thing}`, device.districtId);
    const site = sites.get(device.siteId);
    if (!site) problems.push(`device ${device.thing}: unknown site "${device.siteId}"`);
    else if (site.siteKind !== SITE_KIND_OF_DEVICE[device.kind]) {
      problems.push(`device ${device.thing}: a ${device.kind} device cannot watch a ${site.siteKind}`);
    }
    if (device.unitId && !unitIds.has(device.unitId))
      problems.push(`device ${device.thing}: unknown unit "${device.unitId}"`);
  }
  for (const site of model.sites) {
    if (site.siteKind === 'sweeping_route') {
      for (const thing of site.sweepers) {
        const device = model.devices.find((d) => d.thing === thing);
        if (device?.kind !== 'sweepers') problems.push(`route ${site.siteId}: "${thing}" is not a registered sweeper`);
      }
    }
  }
  return problems;
}

/** A point to put a site's cases on the map: the room itself, a market's centre, a route's midpoint vertex. */
export function siteLocation(site: Site): LatLon {
  switch (site.siteKind) {
    case 'garbage_room':
      return site.location;
    case 'market': {
      const ring = site.polygon.coordinates[0]!.slice(0, -1);
      const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
      const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      return { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
    }
    case 'sweeping_route': {
      const [lon, lat] = site.line.coordinates[Math.floor(site.line.coordinates.length / 2)]!;
      return { lat, lon };
    }
  }
}
