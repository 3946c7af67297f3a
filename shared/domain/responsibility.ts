/** The district's departments (the city model's `Department` records name one of these). */
export const DEPARTMENT_IDS = [
  'municipal-landscaping',
  'enforcement',
  'traffic-police',
  'market-supervision',
  'city-management-office',
] as const;
export type DepartmentId = (typeof DEPARTMENT_IDS)[number];

/** Case categories (contract names: add, never rename). */
export const CASE_CATEGORIES = [
  'garbage_overflow',
  'collection_due',
  'bin_fire',
  'bin_knocked_over',
  'device_low_battery',
  'sensor_stuck',
  'device_offline',
  'market_stall_outside',
  'market_goods_piled',
  'market_litter',
  'illegal_parking',
  'missed_sweeping',
  'sweeping_too_fast',
  'sweeper_silent',
  // What people report (intake): the common manual classes.
  'exposed_garbage',
  'piled_goods',
  'street_trading',
  'shopfront_trading',
  'posters_graffiti',
  'illegal_structure',
  'dirty_road',
  'damaged_bin',
  'damaged_manhole_cover',
] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

export const CATEGORY_GROUPS = [
  'sanitation',
  'city_appearance',
  'traffic_order',
  'market_hygiene',
  'device_fault',
  'municipal_facilities',
] as const;
export type CategoryGroup = (typeof CATEGORY_GROUPS)[number];

/** A responsible party: a named department, or the territorial office that owns the place. */
export type Party = DepartmentId | 'street-office';

export interface Responsibility {
  group: CategoryGroup;
  lead: Party;
  with: readonly Party[];
}

/** The district plan's responsibility table (docs/design.md, "The case cycle"), by category group. */
export const RESPONSIBILITY_BY_GROUP: Record<CategoryGroup, Responsibility> = {
  sanitation: { group: 'sanitation', lead: 'municipal-landscaping', with: ['street-office'] },
  city_appearance: { group: 'city_appearance', lead: 'enforcement', with: ['street-office'] },
  traffic_order: { group: 'traffic_order', lead: 'traffic-police', with: ['enforcement', 'street-office'] },
  // The market's co-management group: the street office leads with Market Supervision.
  market_hygiene: {
    group: 'market_hygiene',
    lead: 'street-office',
    with: ['market-supervision', 'municipal-landscaping'],
  },
  device_fault: { group: 'device_fault', lead: 'city-management-office', with: [] },
  municipal_facilities: { group: 'municipal_facilities', lead: 'municipal-landscaping', with: ['street-office'] },
};

export const CATEGORY_GROUP: Record<CaseCategory, CategoryGroup> = {
  garbage_overflow: 'sanitation',
  collection_due: 'sanitation',
  bin_fire: 'sanitation',
  bin_knocked_over: 'sanitation',
  missed_sweeping: 'sanitation',
  sweeping_too_fast: 'sanitation',
  sweeper_silent: 'sanitation',
  market_stall_outside: 'city_appearance',
  market_goods_piled: 'city_appearance',
  illegal_parking: 'traffic_order',
  market_litter: 'market_hygiene',
  device_low_battery: 'device_fault',
  sensor_stuck: 'device_fault',
  device_offline: 'device_fault',
  exposed_garbage: 'sanitation',
  dirty_road: 'sanitation',
  damaged_bin: 'sanitation',
  piled_goods: 'city_appearance',
  street_trading: 'city_appearance',
  shopfront_trading: 'city_appearance',
  posters_graffiti: 'city_appearance',
  illegal_structure: 'city_appearance',
  damaged_manhole_cover: 'municipal_facilities',
};

/** Anything overdue escalates to the unit that supervises. */
export const ESCALATION_UNIT: DepartmentId = 'city-management-office';

/** A place by its ids: the grid, and the community and street office that own it (the registry's `Place` holds them whole). */
export interface PlaceIds {
  streetId: string;
  communityId: string;
  gridId: string;
}

/** The lead unit and co-units for a category at a place (unit ids: departments or the street's id). */
export function responsibleUnits(category: CaseCategory, place: PlaceIds): { leadUnit: string; coUnits: string[] } {
  const r = RESPONSIBILITY_BY_GROUP[CATEGORY_GROUP[category]];
  const resolve = (p: Party) => (p === 'street-office' ? place.streetId : p);
  const leadUnit = resolve(r.lead);
  return { leadUnit, coUnits: r.with.map(resolve).filter((u) => u !== leadUnit) };
}
