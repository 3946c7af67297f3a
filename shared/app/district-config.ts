import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { District, Grid, LatLon } from '#shared/domain/city-model';
import type { Classification } from '#shared/domain/classification';
import type { Clock } from '#shared/domain/clock';
import type { Registry } from './ports/registry.ts';

/**
 * A district's configuration as the intake reads it: its classification table and its
 * grids (to place a reported point), remembered for a minute so that a burst of reports
 * reads the registry once, and a changed table is in force within a minute everywhere.
 */
export class DistrictConfig {
  private districts?: { at: number; value: Promise<District[]> };
  private readonly grids = new Map<string, { at: number; value: Promise<Grid[]> }>();

  constructor(
    private readonly registry: Pick<Registry, 'listDistricts' | 'listGrids'>,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  private fresh<T>(hit: { at: number; value: Promise<T> } | undefined, read: () => Promise<T>) {
    const now = this.clock.now();
    if (hit && Math.abs(now - hit.at) < this.ttlMs) return hit;
    const value = read();
    // A failed read is not remembered.
    value.catch(() => undefined);
    return { at: now, value };
  }

  async district(districtId: string): Promise<District | undefined> {
    this.districts = this.fresh(this.districts, () => this.registry.listDistricts());
    const value = this.districts.value;
    value.catch(() => (this.districts = undefined));
    return (await value).find((d) => d.districtId === districtId);
  }

  async classification(districtId: string): Promise<Classification | undefined> {
    return (await this.district(districtId))?.classification;
  }

  /** The grid a point lies in, or none when it is outside the district's grids. */
  async gridAt(districtId: string, p: LatLon): Promise<Grid | undefined> {
    const hit = this.fresh(this.grids.get(districtId), () => this.registry.listGrids(districtId));
    this.grids.set(districtId, hit);
    hit.value.catch(() => this.grids.delete(districtId));
    return (await hit.value).find((g) => booleanPointInPolygon([p.lon, p.lat], g.polygon));
  }
}
