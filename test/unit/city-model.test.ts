import { describe, expect, it } from 'vitest';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { loadDistrictDir } from '#devices/district-files';
import { checkModelReferences, type CityModel } from '#shared/domain/city-model';
import { CASE_CATEGORIES, responsibleUnits } from '#shared/domain/responsibility';

const model = await loadDistrictDir();

describe('the sample district', () => {
  it('has what the foundation asks for', () => {
    const count = (kind: string) => model.sites.filter((s) => s.siteKind === kind).length;
    expect(model.districts).toHaveLength(1);
    expect(model.districts[0]!.timeZone).toBe('Asia/Shanghai');
    expect(model.streets.length).toBeGreaterThanOrEqual(2);
    expect(model.communities.length).toBeGreaterThanOrEqual(4);
    expect(model.grids.length).toBeGreaterThanOrEqual(12);
    expect(count('garbage_room')).toBeGreaterThanOrEqual(30);
    expect(count('market')).toBeGreaterThanOrEqual(2);
    expect(count('sweeping_route')).toBeGreaterThanOrEqual(5);
    expect(model.devices.filter((d) => d.kind === 'sweepers').length).toBeGreaterThanOrEqual(5);
    expect(model.devices.filter((d) => d.kind === 'bins').length).toBeGreaterThanOrEqual(30);
    for (const market of model.sites.filter((s) => s.siteKind === 'market')) {
      expect(market.zones.length).toBeGreaterThan(1);
      expect(model.devices.some((d) => d.kind === 'cameras' && d.siteId === market.siteId)).toBe(true);
    }
    expect(model.departments.map((d) => d.unitId).sort()).toEqual([
      'city-management-office',
      'enforcement',
      'market-supervision',
      'municipal-landscaping',
      'traffic-police',
    ]);
  });

  it('names its district, units and places in Chinese beside English', () => {
    const named = [
      ...model.districts,
      ...model.streets,
      ...model.communities,
      ...model.grids,
      ...model.departments,
      ...model.sites,
    ];
    for (const n of named) {
      expect(n.localName, n.name).toMatch(/^[\p{Script=Han}0-9（）、]+$/u);
      expect(n.name).not.toMatch(/\p{Script=Han}/u);
    }
    expect(new Set(model.grids.map((g) => g.localName)).size).toBe(model.grids.length);
  });

  it('lies in Hangzhou’s Gongshu District, each garbage room inside its grid', () => {
    for (const grid of model.grids) {
      for (const [lon, lat] of grid.polygon.coordinates[0]!) {
        expect(lon).toBeGreaterThan(120.1);
        expect(lon).toBeLessThan(120.2);
        expect(lat).toBeGreaterThan(30.28);
        expect(lat).toBeLessThan(30.35);
      }
    }
    for (const site of model.sites) {
      if (site.siteKind !== 'garbage_room') continue;
      const grid = model.grids.find((g) => g.gridId === site.gridId)!;
      expect(booleanPointInPolygon([site.location.lon, site.location.lat], grid.polygon)).toBe(true);
    }
  });

  it('cuts every route into segments of at most 50 m, each with its grid and street', () => {
    for (const route of model.sites) {
      if (route.siteKind !== 'sweeping_route') continue;
      expect(route.segments.length).toBeGreaterThan(10);
      for (const segment of route.segments) {
        expect(segment.lengthM).toBeLessThanOrEqual(50.01);
        expect(model.grids.find((g) => g.gridId === segment.gridId)?.streetId).toBe(segment.streetId);
      }
      const total = route.segments.reduce((sum, s) => sum + s.lengthM, 0);
      expect(total).toBeGreaterThan(1000);
    }
  });

  it('has no broken references', () => {
    expect(checkModelReferences(model)).toEqual([]);
  });
});

describe('reference checks', () => {
  const broken = (change: (m: CityModel) => void) => {
    const copy = structuredClone(model);
    change(copy);
    return checkModelReferences(copy);
  };
  it('finds an unknown grid, a duplicate device, a device on the wrong kind of site and an inconsistent grid', () => {
    expect(broken((m) => (m.sites[0]!.gridId = 'nowhere'))).toEqual([
      expect.stringContaining('unknown grid "nowhere"'),
    ]);
    expect(broken((m) => m.devices.push({ ...m.devices[0]! }))).toEqual([expect.stringContaining('duplicate device')]);
    expect(broken((m) => (m.devices.find((d) => d.kind === 'cameras')!.siteId = 'gr-001'))).toEqual([
      expect.stringContaining('cannot watch a garbage_room'),
    ]);
    expect(broken((m) => (m.grids[0]!.streetId = 'gs-xiaohe'))).toEqual(
      expect.arrayContaining([expect.stringContaining("differs from its community's")]),
    );
  });
});

describe('responsibility table', () => {
  const place = { streetId: 'gs-hushu', communityId: 'gs-hushu-c1', gridId: 'gs-hushu-c1-g1' };
  it('routes each category group to its lead department and co-units', () => {
    expect(responsibleUnits('garbage_overflow', place)).toEqual({
      leadUnit: 'municipal-landscaping',
      coUnits: ['gs-hushu'],
    });
    expect(responsibleUnits('missed_sweeping', place)).toEqual({
      leadUnit: 'municipal-landscaping',
      coUnits: ['gs-hushu'],
    });
    expect(responsibleUnits('market_stall_outside', place)).toEqual({ leadUnit: 'enforcement', coUnits: ['gs-hushu'] });
    expect(responsibleUnits('illegal_parking', place)).toEqual({
      leadUnit: 'traffic-police',
      coUnits: ['enforcement', 'gs-hushu'],
    });
    expect(responsibleUnits('market_litter', place)).toEqual({
      leadUnit: 'gs-hushu',
      coUnits: ['market-supervision', 'municipal-landscaping'],
    });
    expect(responsibleUnits('device_offline', place)).toEqual({ leadUnit: 'city-management-office', coUnits: [] });
  });
  it('covers every category', () => {
    const units = [
      'city-management-office',
      'enforcement',
      'gs-hushu',
      'market-supervision',
      'municipal-landscaping',
      'traffic-police',
    ];
    for (const category of CASE_CATEGORIES)
      expect(units, category).toContain(responsibleUnits(category, place).leadUnit);
  });
});
