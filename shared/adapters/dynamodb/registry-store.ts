import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CityModel, Community, Department, Device, District, Grid, Site, Street } from '#shared/domain/city-model';
import type { StoreGrants } from './grants.ts';
import { decodePageToken, encodePageToken, type Page } from '#shared/app/paging';
import { z } from 'zod';
import { InvalidPageTokenError } from '#shared/app/errors';
import type { DeviceListing, Place, Registry } from '#shared/app/ports/registry';
import { batchPut } from './batch-write.ts';
import { batchGetAll, queryAll } from './query.ts';

/**
 * Registry layout: every record under its own key (`<type>#<id>`), so a device or site is
 * one GetItem; the `byParent` index lists a district's records by type (`gsiSk` prefix),
 * and lists the districts themselves under `gsiPk = "districts"`.
 */
type RecordType = 'district' | 'street' | 'community' | 'grid' | 'department' | 'site' | 'device';

const DISTRICTS_PARTITION = 'districts';

export const registryKeys = {
  district: (id: string) => `district#${id}`,
  street: (id: string) => `street#${id}`,
  community: (id: string) => `community#${id}`,
  grid: (id: string) => `grid#${id}`,
  department: (districtId: string, unitId: string) => `department#${districtId}#${unitId}`,
  site: (id: string) => `site#${id}`,
  device: (thing: string) => `device#${thing}`,
};

/** What each method sends (see `grants.ts`). */
export const REGISTRY_GRANTS: StoreGrants<DynamoRegistryStore> = {
  putModel: ['BatchWriteItem'],
  getDevice: ['GetItem'],
  getSite: ['GetItem'],
  getDevices: ['BatchGetItem'],
  getSites: ['BatchGetItem'],
  getPlace: ['GetItem', 'BatchGetItem'],
  listDistricts: ['Query'],
  listSites: ['Query'],
  listStreets: ['Query'],
  listCommunities: ['Query'],
  listGrids: ['Query'],
  listDepartments: ['Query'],
  listDevices: ['Query'],
};

export class DynamoRegistryStore implements Registry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Writes a whole model (idempotent: the same model twice leaves the same records). */
  async putModel(model: CityModel): Promise<{ written: number }> {
    const records: { type: RecordType; pk: string; gsiPk: string; gsiSk: string; data: object }[] = [
      ...model.districts.map((d) => ({
        type: 'district' as const,
        pk: registryKeys.district(d.districtId),
        gsiPk: DISTRICTS_PARTITION,
        gsiSk: `district#${d.districtId}`,
        data: d,
      })),
      ...model.streets.map((s) => ({
        type: 'street' as const,
        pk: registryKeys.street(s.streetId),
        gsiPk: s.districtId,
        gsiSk: `street#${s.streetId}`,
        data: s,
      })),
      ...model.communities.map((c) => ({
        type: 'community' as const,
        pk: registryKeys.community(c.communityId),
        gsiPk: c.districtId,
        gsiSk: `community#${c.communityId}`,
        data: c,
      })),
      ...model.grids.map((g) => ({
        type: 'grid' as const,
        pk: registryKeys.grid(g.gridId),
        gsiPk: g.districtId,
        gsiSk: `grid#${g.gridId}`,
        data: g,
      })),
      ...model.departments.map((d) => ({
        type: 'department' as const,
        pk: registryKeys.department(d.districtId, d.unitId),
        gsiPk: d.districtId,
        gsiSk: `department#${d.unitId}`,
        data: d,
      })),
      ...model.sites.map((s) => ({
        type: 'site' as const,
        pk: registryKeys.site(s.siteId),
        gsiPk: s.districtId,
        gsiSk: `site#${s.siteKind}#${s.siteId}`,
        data: s,
      })),
      ...model.devices.map((d) => ({
        type: 'device' as const,
        pk: registryKeys.device(d.thing),
        gsiPk: d.districtId,
        gsiSk: `device#${d.kind}#${d.thing}`,
        data: d,
      })),
    ];
    const outcome = await batchPut(
      this.doc,
      this.table,
      records.map(({ type, pk, gsiPk, gsiSk, data }) => ({
        messageId: pk,
        item: { ...data, pk, gsiPk, gsiSk, recordType: type },
      })),
      { attempts: 8 },
    );
    const undone = [...outcome.retry, ...outcome.failed.map((f) => `${f.messageId} (${f.reason})`)];
    if (undone.length > 0) throw new Error(`registry records not written: ${undone.slice(0, 5).join(', ')}`);
    return { written: records.length };
  }

  getDevice(thing: string): Promise<Device | undefined> {
    return this.get<Device>(registryKeys.device(thing));
  }

  getSite(siteId: string): Promise<Site | undefined> {
    return this.get<Site>(registryKeys.site(siteId));
  }

  /** Many devices at once (BatchGetItem, 100 keys a request), by thing; unknown things are absent. */
  async getDevices(things: string[]): Promise<Map<string, Device>> {
    const found = await this.getMany(things.map(registryKeys.device));
    return new Map([...found.values()].map((d) => [(d as Device).thing, d as Device]));
  }

  /** Many sites at once, by site id. */
  async getSites(siteIds: string[]): Promise<Map<string, Site>> {
    const found = await this.getMany(siteIds.map(registryKeys.site));
    return new Map([...found.values()].map((s) => [(s as Site).siteId, s as Site]));
  }

  private async getMany(pks: string[]): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetAll(
      this.doc,
      this.table,
      pks.map((pk) => ({ pk })),
    );
    return new Map(items.map((item) => [item.pk as string, strip(item)]));
  }

  /** A grid with the community and street office that own it. */
  async getPlace(gridId: string): Promise<Place | undefined> {
    const grid = await this.get<Grid>(registryKeys.grid(gridId));
    if (!grid) return undefined;
    const keys = [registryKeys.community(grid.communityId), registryKeys.street(grid.streetId)];
    const found = await this.getMany(keys);
    return {
      grid,
      community: found.get(keys[0]!) as Community | undefined,
      street: found.get(keys[1]!) as Street | undefined,
    };
  }

  async listDistricts(): Promise<District[]> {
    return (await this.queryAll(DISTRICTS_PARTITION, 'district#')) as District[];
  }

  async listSites<K extends Site['siteKind']>(
    districtId: string,
    siteKind: K,
  ): Promise<Extract<Site, { siteKind: K }>[]> {
    return (await this.queryAll(districtId, `site#${siteKind}#`)) as Extract<Site, { siteKind: K }>[];
  }

  async listStreets(districtId: string): Promise<Street[]> {
    return (await this.queryAll(districtId, 'street#')) as Street[];
  }

  async listCommunities(districtId: string): Promise<Community[]> {
    return (await this.queryAll(districtId, 'community#')) as Community[];
  }

  async listGrids(districtId: string): Promise<Grid[]> {
    return (await this.queryAll(districtId, 'grid#')) as Grid[];
  }

  async listDepartments(districtId: string): Promise<Department[]> {
    return (await this.queryAll(districtId, 'department#')) as Department[];
  }

  /** Devices of every district (or one), optionally of one kind, a page at a time. */
  async listDevices(options: DeviceListing): Promise<Page<Device>> {
    const limit = options.limit ?? 100;
    const districtIds = options.districtId
      ? [options.districtId]
      : (await this.listDistricts()).map((d) => d.districtId);
    const prefix = options.kind ? `device#${options.kind}#` : 'device#';
    let { d: districtIndex, k: startKey } = decodeToken(options.nextToken, districtIds, prefix);
    const items: Device[] = [];
    while (districtIndex < districtIds.length && items.length < limit) {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byParent',
          KeyConditionExpression: 'gsiPk = :pk AND begins_with(gsiSk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': districtIds[districtIndex],
            ':prefix': prefix,
          },
          ExclusiveStartKey: startKey,
          Limit: limit - items.length,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => strip(item) as Device));
      startKey = page.LastEvaluatedKey;
      if (!startKey) districtIndex++;
    }
    const more = districtIndex < districtIds.length;
    return { items, ...(more ? { nextToken: encodeToken(districtIndex, startKey) } : {}) };
  }

  private async get<T>(pk: string): Promise<T | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk } }));
    return Item ? (strip(Item) as T) : undefined;
  }

  private async queryAll(gsiPk: string, prefix: string): Promise<unknown[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byParent',
      KeyConditionExpression: 'gsiPk = :pk AND begins_with(gsiSk, :prefix)',
      ExpressionAttributeValues: { ':pk': gsiPk, ':prefix': prefix },
    });
    return items.map(strip);
  }
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, gsiPk: _gp, gsiSk: _gs, recordType: _t, ...rest } = item;
  return rest;
}

function encodeToken(d: number, k: Record<string, unknown> | undefined): string {
  return encodePageToken({ d, k });
}

/** A device listing's page token: the district's place in the listing, and the index key to go on from. */
const DeviceToken = z
  .object({
    d: z.int().min(0).max(100_000),
    k: z
      .object({ pk: z.string().max(1024), gsiPk: z.string().max(1024), gsiSk: z.string().max(1024) })
      .strict()
      .optional(),
  })
  .strict();

/**
 * The token checked against the listing it is used with: its district must be the one at
 * its place, and its key one of that listing's (a token from another query is a 400).
 */
function decodeToken(
  token: string | undefined,
  districtIds: string[],
  prefix: string,
): { d: number; k: Record<string, unknown> | undefined } {
  if (!token) return { d: 0, k: undefined };
  const parsed = DeviceToken.safeParse(decodePageToken(token));
  const fits =
    parsed.success &&
    parsed.data.d < districtIds.length &&
    (!parsed.data.k ||
      (parsed.data.k.gsiPk === districtIds[parsed.data.d] &&
        parsed.data.k.gsiSk.startsWith(prefix) &&
        parsed.data.k.pk.startsWith('device#')));
  if (!parsed.success || !fits)
    throw new InvalidPageTokenError('nextToken is not one this API issued for this listing');
  return { d: parsed.data.d, k: parsed.data.k };
}
