import type { CityModel, Community, Department, Device, District, Grid, Site, Street } from '#shared/domain/city-model';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Page } from '../paging.ts';

/** A grid with the community and street office that own it. */
export interface Place {
  grid: Grid;
  community: Community | undefined;
  street: Street | undefined;
}

/** Which devices to list, a page at a time. */
export interface DeviceListing {
  kind?: DeviceKind;
  districtId?: string;
  limit?: number;
  nextToken?: string;
}

/**
 * The registry: the city model (districts, their departments, streets, communities, grids
 * and sites) and the devices that watch the sites. Read by every use case; written when a
 * district's files are loaded (`npm run seed`, the local stack's start).
 */
export interface Registry {
  putModel(model: CityModel): Promise<{ written: number }>;
  getDevice(thing: string): Promise<Device | undefined>;
  getSite(siteId: string): Promise<Site | undefined>;
  /** Many at once (a request per hundred); the ones not found are left out. */
  getDevices(things: string[]): Promise<Map<string, Device>>;
  getSites(siteIds: string[]): Promise<Map<string, Site>>;
  getPlace(gridId: string): Promise<Place | undefined>;
  listDistricts(): Promise<District[]>;
  listDepartments(districtId: string): Promise<Department[]>;
  listStreets(districtId: string): Promise<Street[]>;
  listCommunities(districtId: string): Promise<Community[]>;
  listGrids(districtId: string): Promise<Grid[]>;
  listSites<K extends Site['siteKind']>(districtId: string, siteKind: K): Promise<Extract<Site, { siteKind: K }>[]>;
  listDevices(listing: DeviceListing): Promise<Page<Device>>;
}
