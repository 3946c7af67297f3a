import type { DistrictMap } from '../../shared/app/district-map.ts';
import type { Case } from '../../shared/domain/case/model.ts';
import { dictionaryOf, nameIn } from '../../shared/domain/labels.ts';
import type { Locale } from '../../shared/domain/locales.ts';
import { localTimeParts, zonedTimeToEpoch } from '../../shared/domain/local-time.ts';

/** What the pages read, in the district's language: the dictionary, and units, places and classes by name. */
export const LOCALE: Locale = 'zh-CN';
export const words = dictionaryOf(LOCALE);

/** A unit's name (a department, a street office, a community, or a grid), its id where the district has none. */
export function unitName(map: DistrictMap | undefined, unitId: string | undefined, locale: Locale = LOCALE): string {
  if (!unitId) return '—';
  const unit = map?.units.find((u) => u.unitId === unitId) ?? map?.grids.find((g) => g.gridId === unitId);
  return unit ? nameIn(locale, unit) : unitId;
}

export const gridName = (map: DistrictMap | undefined, gridId: string, locale: Locale = LOCALE): string => {
  const grid = map?.grids.find((g) => g.gridId === gridId);
  return grid ? nameIn(locale, grid) : gridId;
};

export const districtName = (map: DistrictMap | undefined, locale: Locale = LOCALE): string =>
  map ? nameIn(locale, map.district) : '';

/** A class's name (its minor class, under its major one), its id where the table has none. */
export function className(map: DistrictMap | undefined, classId: string | undefined, locale: Locale = LOCALE): string {
  const cls = map?.classes.find((c) => c.classId === classId);
  const key = locale === 'en' ? 'en' : 'zh';
  return cls ? `${cls.major[key]} · ${cls.minor[key]}` : (classId ?? '—');
}

/** A case's class by name: its class in the table, else its category in the dictionary. */
export const caseClassName = (
  map: DistrictMap | undefined,
  c: Pick<Case, 'classId' | 'category'>,
  locale: Locale = LOCALE,
): string => (c.classId ? className(map, c.classId, locale) : dictionaryOf(locale).category[c.category]);

/** A case's place by name: its site (a garbage room, a market, a route), else its grid. */
export function siteName(
  map: DistrictMap | undefined,
  c: Pick<Case, 'siteId' | 'gridId'>,
  locale: Locale = LOCALE,
): string {
  const site = [...(map?.garbageRooms ?? []), ...(map?.markets ?? []), ...(map?.routes ?? [])].find(
    (s) => s.siteId === c.siteId,
  );
  return site ? nameIn(locale, site) : gridName(map, c.gridId, locale);
}

/** A time in the district's zone, as people there write it. */
export const localTime = (t: number | undefined, timeZone = 'Asia/Shanghai', locale: Locale = LOCALE): string =>
  t === undefined ? '—' : new Date(t).toLocaleString(locale, { timeZone, hour12: false });

/** The time of day in the district's zone, HH:MM:SS. */
export const clockTime = (t: number, timeZone = 'Asia/Shanghai'): string =>
  new Date(t).toLocaleTimeString('zh-CN', { timeZone, hour12: false });

/** Midnight of today in the district's zone, as epoch ms. */
export const startOfToday = (now: number, timeZone: string): number =>
  zonedTimeToEpoch(localTimeParts(now, timeZone).date, '00:00', timeZone);

/** This month in the district's zone, YYYY-MM. */
export const thisMonth = (now: number, timeZone: string): string => localTimeParts(now, timeZone).date.slice(0, 7);
