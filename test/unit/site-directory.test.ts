import { describe, expect, it } from 'vitest';
import { SiteDirectory } from '#shared/app/site-directory';
import type { Device, Site } from '#shared/domain/city-model';
import { fixedClock } from '../support/fakes.ts';

const site = {
  siteId: 'gr-1',
  siteKind: 'garbage_room',
  thresholds: { overflowPct: 85, stuckReadings: 30 },
} as unknown as Site;
const device = { thing: 'bin-1', siteId: 'gr-1', thresholds: { overflowPct: 80 } } as unknown as Device;

describe('site directory', () => {
  it('gives a device’s site with overrides, the device’s winning over the site’s, and remembers them a while', async () => {
    let reads = 0;
    const clock = fixedClock(0);
    const directory = new SiteDirectory(
      {
        getDevice: async (thing) => (reads++, thing === 'bin-1' ? device : undefined),
        getSite: async () => site,
        getDevices: async () => new Map(),
        getSites: async () => new Map(),
      },
      clock,
      60_000,
    );
    expect(await directory.watchOf('bin-1')).toEqual({
      device,
      site,
      overrides: { overflowPct: 80, stuckReadings: 30 },
    });
    await directory.watchOf('bin-1');
    expect(reads).toBe(1);
    clock.set(61_000);
    await directory.watchOf('bin-1');
    expect(reads).toBe(2);
    expect(await directory.watchOf('nobody')).toBeUndefined();
    await directory.watchOf('nobody');
    expect(reads).toBe(4); // an unknown device is looked up again: it may be registered since
  });

  it('looks up a batch’s devices and their sites in two batched reads, so watchOf reads nothing more', async () => {
    const calls: string[] = [];
    const other = { ...device, thing: 'bin-2' } as Device;
    const directory = new SiteDirectory(
      {
        getDevice: async (thing) => (calls.push(`device ${thing}`), undefined),
        getSite: async (id) => (calls.push(`site ${id}`), site),
        getDevices: async (things) => (
          calls.push(`devices ${things.join(',')}`),
          new Map([device, other].filter((d) => things.includes(d.thing)).map((d) => [d.thing, d]))
        ),
        getSites: async (ids) => (calls.push(`sites ${ids.join(',')}`), new Map([[site.siteId, site]])),
      },
      fixedClock(0),
    );
    await directory.prefetch(['bin-1', 'bin-2', 'bin-1', 'ghost']);
    expect(calls).toEqual(['devices bin-1,bin-2,ghost', 'sites gr-1']);
    expect(await directory.watchOf('bin-2')).toEqual({
      device: other,
      site,
      overrides: { overflowPct: 80, stuckReadings: 30 },
    });
    await directory.prefetch(['bin-1', 'bin-2']); // all held: nothing read
    expect(calls).toHaveLength(2);
    // A device the registry does not know is left to watchOf (it may be registered since).
    expect(await directory.watchOf('ghost')).toBeUndefined();
    expect(calls.at(-1)).toBe('device ghost');
  });
});
