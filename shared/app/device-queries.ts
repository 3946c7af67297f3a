import type { TelemetryStore } from './ports/telemetry.ts';
import type { Device, Site } from '#shared/domain/city-model';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { DeviceState } from './ports/telemetry.ts';
import type { Page } from './paging.ts';
import type { Registry } from './ports/registry.ts';

/** What the device queries read: the registry and the latest device state. */
export type RegistryReader = Pick<Registry, 'getDevice' | 'getSite' | 'getPlace' | 'listDevices'>;
export type StateReader = Pick<TelemetryStore, 'getLatest' | 'getLatestMany'>;

export interface SiteSummary {
  siteId: string;
  siteKind: Site['siteKind'];
  name: string;
  gridId: string;
  location?: { lat: number; lon: number };
}

export interface DeviceView {
  device: Device;
  site: SiteSummary | null;
  grid: { gridId: string; name: string; responsible: { name: string; phone: string } } | null;
  community: { communityId: string; name: string } | null;
  street: { streetId: string; name: string } | null;
  /** The latest reading's fields, or null before the first reading. */
  state: Record<string, unknown> | null;
  lastSeenAt: number | null;
}

export interface DeviceListItem extends Device {
  lastSeenAt: number | null;
  lastReadingTs: number | null;
}

export function summariseSite(site: Site): SiteSummary {
  const { siteId, siteKind, name, gridId } = site;
  return { siteId, siteKind, name, gridId, ...(site.siteKind === 'garbage_room' ? { location: site.location } : {}) };
}

/** A device with its place in the city and its latest state. */
export async function describeDevice(
  deps: { registry: RegistryReader; telemetry: StateReader },
  thing: string,
): Promise<DeviceView | undefined> {
  const [device, state] = await Promise.all([deps.registry.getDevice(thing), deps.telemetry.getLatest(thing)]);
  if (!device) return undefined;
  const site = await deps.registry.getSite(device.siteId);
  const place = site ? await deps.registry.getPlace(site.gridId) : undefined;
  const { thing: _t, kind: _k, ts: _ts, seq: _s, lastSeenAt, ...fields } = state ?? ({} as Partial<DeviceState>);
  return {
    device,
    site: site ? summariseSite(site) : null,
    grid: place ? { gridId: place.grid.gridId, name: place.grid.name, responsible: place.grid.responsible } : null,
    community: place?.community ? { communityId: place.community.communityId, name: place.community.name } : null,
    street: place?.street ? { streetId: place.street.streetId, name: place.street.name } : null,
    state: state ? { ts: state.ts, seq: state.seq, ...fields } : null,
    lastSeenAt: lastSeenAt ?? null,
  };
}

export async function listDevices(
  deps: { registry: RegistryReader; telemetry: StateReader },
  options: { kind?: DeviceKind; districtId?: string; limit?: number; nextToken?: string },
): Promise<Page<DeviceListItem>> {
  const page = await deps.registry.listDevices(options);
  const states = await deps.telemetry.getLatestMany(page.items.map((d) => d.thing));
  return {
    ...page,
    items: page.items.map((d) => ({
      ...d,
      lastSeenAt: states.get(d.thing)?.lastSeenAt ?? null,
      lastReadingTs: states.get(d.thing)?.ts ?? null,
    })),
  };
}
