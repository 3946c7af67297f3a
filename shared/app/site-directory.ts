import type { Registry } from './ports/registry.ts';
import type { Device, Site } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';

/** What the directory reads: one device or site, or many at once (one request per hundred instead of one each). */
export type RegistryLookup = Pick<Registry, 'getDevice' | 'getSite' | 'getDevices' | 'getSites'>;

/** A device, the site it watches, and the detector overrides that apply (the device's win over the site's). */
export interface Watch {
  device: Device;
  site: Site;
  overrides: Record<string, number>;
}

/**
 * Which site a device watches, with the threshold overrides, remembered for 15 minutes so
 * a function does not read the registry for every batch: longer than a garbage room's
 * 5-minute report interval, or every reading would cost two registry reads. A device
 * moved to another site is seen within that time.
 */
export class SiteDirectory {
  private readonly cache = new Map<string, { at: number; site: Promise<Watch | undefined> }>();

  constructor(
    private readonly registry: RegistryLookup,
    private readonly clock: Clock,
    private readonly ttlMs = 15 * 60_000,
  ) {}

  /**
   * Looks up, in two batched reads, the devices of a batch this directory does not hold
   * yet, so the `watchOf` calls that follow find them (a cold function reads the registry
   * once per batch, not twice per device). Devices it does not find are left to `watchOf`.
   */
  async prefetch(things: string[]): Promise<void> {
    const now = this.clock.now();
    const missing = [...new Set(things)].filter((thing) => {
      const hit = this.cache.get(thing);
      return !hit || Math.abs(now - hit.at) >= this.ttlMs;
    });
    if (missing.length === 0) return;
    const devices = await this.registry.getDevices(missing);
    const sites = await this.registry.getSites([...new Set([...devices.values()].map((d) => d.siteId))]);
    for (const [thing, device] of devices) {
      const site = sites.get(device.siteId);
      if (site)
        this.cache.set(thing, {
          at: now,
          site: Promise.resolve({ device, site, overrides: { ...site.thresholds, ...device.thresholds } }),
        });
    }
  }

  watchOf(thing: string): Promise<Watch | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(thing);
    if (hit && Math.abs(now - hit.at) < this.ttlMs) return hit.site;
    const site = this.registry.getDevice(thing).then(async (device) => {
      const found = device && (await this.registry.getSite(device.siteId));
      return found
        ? { device: device!, site: found, overrides: { ...found.thresholds, ...device!.thresholds } }
        : undefined;
    });
    this.cache.set(thing, { at: now, site });
    site.then((found) => found ?? this.cache.delete(thing)).catch(() => this.cache.delete(thing));
    return site;
  }
}
