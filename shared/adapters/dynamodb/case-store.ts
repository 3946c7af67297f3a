import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { StoreGrants } from './grants.ts';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { listingCursor, type Page } from '#shared/app/paging';
import type { CaseFilter, CaseStore } from '#shared/app/ports/cases';
import { deskStage } from '#shared/domain/case/lateness';
import type { Case } from '#shared/domain/case/model';
import { ACTIVE_STATUSES, isActive, WORKING_STATUSES } from '#shared/domain/case/statuses';
import type { CaseCategory } from '#shared/domain/responsibility';
import { spreadHash } from '#shared/domain/spread';
import { CASE_STORAGE_ATTRIBUTES } from '#shared/events/case-events';
import { classify } from './errors.ts';
import { queryAll } from './query.ts';

/**
 * Case table layout: each case under `case#<id>` / `case`; the (site, category)'s active
 * case is named by a lock item `active#<site>#<category>` / `lock`, created in the same
 * transaction as the case (so two workers opening the same case produce exactly one) and
 * deleted in the same transaction that takes the case out of the active statuses. A
 * report with the sender's own number (a 12345 ticket) is named by a reference item
 * `ref#<source>#<number>` / `ref`, written with the report and never deleted, so the same
 * ticket sent twice, even at once, is one report. The serials of case numbers are counted
 * per district and local day by a counter item `serial#<district>#<YYYYMMDD>` / `serial`
 * (one small item a day; the table has no TTL, and the counters are kept as a record).
 */
export const caseKeys = {
  case: (caseId: string) => ({ pk: `case#${caseId}`, sk: 'case' }),
  lock: (siteId: string, category: string) => ({ pk: `active#${siteId}#${category}`, sk: 'lock' }),
  ref: (source: string, externalId: string) => ({ pk: `ref#${source}#${externalId}`, sk: 'ref' }),
  serial: (districtId: string, day: string) => ({ pk: `serial#${districtId}#${day}`, sk: 'serial' }),
};

/**
 * The reference items of the case's reports that `previous` did not have yet: each is
 * written only if its number is free, so a number taken by any case (this one included)
 * fails the write.
 */
const newRefs = (table: string, c: Case, previous?: Case) => {
  const known = new Set((previous?.reports ?? []).map((r) => r.reportId));
  return (c.reports ?? [])
    .filter((r) => r.externalId && !known.has(r.reportId))
    .map((r) => ({
      Put: {
        TableName: table,
        Item: { ...caseKeys.ref(r.source, r.externalId!), recordType: 'ref', caseId: c.caseId, reportId: r.reportId },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
};

const pad = (n: number) => String(n).padStart(15, '0');

/**
 * Shards of each index partition key: a case goes to shard `hash(caseId) mod 8` of its
 * district, lead unit, street and working list, so a district-wide storm of cases writes
 * eight index partitions, not one (each takes about 1,000 write units a second). Listings
 * query the eight and merge them.
 */
export const CASE_INDEX_SHARDS = 8;
const SHARDS = Array.from({ length: CASE_INDEX_SHARDS }, (_, n) => n);
const shardOf = (caseId: string) => spreadHash(caseId) % CASE_INDEX_SHARDS;
const workingKey = (districtId: string, shard: number) => `${districtId}#working#${shard}`;
/** The rest of the desk: active cases someone must act on that are not the units' work (intake, verification, parked). */
const deskKey = (districtId: string, shard: number) => `${districtId}#desk#${shard}`;
/** Active statuses outside the working list, in the desk's key space of the same index. */
const DESK_STATUSES = ACTIVE_STATUSES.filter((s) => !WORKING_STATUSES.includes(s));

/** When the desk's case is next due (see `deskStage`): the intake's registration, the inspector's check, a parking's review. */
const deskDue = (c: Case) => deskStage(c)?.deadline ?? c.dueAt;

/** The stored item: the case plus its index attributes (the working and desk index is sparse: active cases only). */
export function caseItem(c: Case): Record<string, unknown> {
  const shard = shardOf(c.caseId);
  return {
    ...c,
    ...caseKeys.case(c.caseId),
    recordType: 'case',
    openedKey: `${pad(c.openedAt)}#${c.caseId}`,
    districtShard: `${c.districtId}#${shard}`,
    unitShard: `${c.leadUnit}#${shard}`,
    ...(c.streetId ? { streetShard: `${c.streetId}#${shard}` } : {}),
    ...(WORKING_STATUSES.includes(c.status)
      ? { workingKey: workingKey(c.districtId, shard), dueKey: `${pad(c.dueAt)}#${c.caseId}` }
      : DESK_STATUSES.includes(c.status)
        ? { workingKey: deskKey(c.districtId, shard), dueKey: `${pad(deskDue(c))}#${c.caseId}` }
        : {}),
    ...(isActive(c.status) && c.mergeCell ? { mergeKey: c.mergeCell } : {}),
  };
}

/** The lock items naming a case: its own (site, category)'s and those whose signals joined it. */
const locksOf = (c: Case) => [...(c.siteId ? [{ siteId: c.siteId, category: c.category }] : []), ...(c.joined ?? [])];

export function fromItem(item: Record<string, unknown>): Case {
  const rest = { ...item };
  for (const name of CASE_STORAGE_ATTRIBUTES) delete rest[name];
  return rest as unknown as Case;
}

/** A listing's page token: the sort key of the last case handed out (the next page starts below it). */
const pageTokens = listingCursor(/^\d{15}#.{1,200}$/);
const listingOf = (f: CaseFilter) => [
  f.districtId,
  f.unit,
  f.streetId,
  f.status,
  f.category,
  f.communityId,
  f.gridId,
  f.since,
];

/** What each method sends (see `grants.ts`): a case's lock is the only item ever deleted, a day's serial counter the only one updated. */
export const CASE_GRANTS: StoreGrants<DynamoCaseStore> = {
  create: ['PutItem'],
  nextSerial: [{ action: 'UpdateItem', keysStartingWith: 'serial#' }],
  save: ['PutItem', { action: 'DeleteItem', keysStartingWith: 'active#' }],
  get: ['GetItem'],
  findActive: ['GetItem'],
  findByExternalId: ['GetItem'],
  list: ['Query'],
  listWorking: ['Query'],
  listActive: ['Query'],
  listNear: ['Query'],
  listOpened: ['Query'],
  reindex: ['GetItem', 'Scan', 'PutItem'],
};

export class DynamoCaseStore implements CaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(c: Case): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            // A person's report names no site: nothing to lock (merging finds it instead).
            ...(c.siteId && isActive(c.status)
              ? [
                  {
                    Put: {
                      TableName: this.table,
                      Item: {
                        ...caseKeys.lock(c.siteId, c.category),
                        recordType: 'lock',
                        caseId: c.caseId,
                        openedAt: c.openedAt,
                      },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ]
              : []),
            { Put: { TableName: this.table, Item: caseItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...newRefs(this.table, c),
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      )
        return 'exists';
      return classify(error, `open case ${c.caseId}`);
    }
  }

  async nextSerial(districtId: string, day: string): Promise<number> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: caseKeys.serial(districtId, day),
          UpdateExpression: 'ADD #serial :one SET recordType = :type',
          ExpressionAttributeNames: { '#serial': 'serial' },
          ExpressionAttributeValues: { ':one': 1, ':type': 'serial' },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes!.serial);
    } catch (error) {
      return classify(error, `count the cases of ${districtId} on ${day}`);
    }
  }

  async save(c: Case, previous: Case): Promise<boolean> {
    const put = {
      Put: {
        TableName: this.table,
        Item: caseItem(c),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': previous.version },
      },
    };
    const release =
      isActive(c.status) || !isActive(previous.status)
        ? []
        : locksOf(c).map((lock) => ({
            Delete: {
              TableName: this.table,
              Key: caseKeys.lock(lock.siteId, lock.category),
              ConditionExpression: 'caseId = :id',
              ExpressionAttributeValues: { ':id': c.caseId },
            },
          }));
    // A (site, category) whose signals joined the case in this change: its lock names the case from now on.
    const joining = (c.joined ?? [])
      .filter((j) => !(previous.joined ?? []).some((p) => p.siteId === j.siteId && p.category === j.category))
      .filter(() => isActive(c.status))
      .map((j) => ({
        Put: {
          TableName: this.table,
          Item: { ...caseKeys.lock(j.siteId, j.category), recordType: 'lock', caseId: c.caseId, openedAt: c.openedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      }));
    const refs = newRefs(this.table, c, previous);
    try {
      // A transaction only when a lock goes with it: a single conditional put costs half the write units.
      if (release.length || joining.length || refs.length)
        await this.doc.send(new TransactWriteCommand({ TransactItems: [put, ...release, ...joining, ...refs] }));
      else await this.doc.send(new PutCommand(put.Put));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
      )
        return false;
      return classify(error, `save case ${c.caseId}`);
    }
  }

  async get(caseId: string): Promise<Case | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: caseKeys.case(caseId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async findActive(siteId: string, category: CaseCategory): Promise<Case | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: caseKeys.lock(siteId, category), ConsistentRead: true }),
    );
    return Item ? this.get(Item.caseId as string) : undefined;
  }

  async findByExternalId(source: string, externalId: string): Promise<Case | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: caseKeys.ref(source, externalId), ConsistentRead: true }),
    );
    return Item ? this.get(Item.caseId as string) : undefined;
  }

  /**
   * Cases newest first, through the index the filter allows (lead unit, street, or
   * district); the other filters apply on the way. The index's shards are merged: each is
   * read a few cases at a time, and read further only when its cases are next, so a page
   * reads about its own length plus a few a shard. The page token is the last case's sort
   * key: the next page starts below it in every shard.
   */
  async list(filter: CaseFilter): Promise<Page<Case>> {
    const [index, key, value] = filter.unit
      ? ['byUnitShard', 'unitShard', filter.unit]
      : filter.streetId
        ? ['byStreetShard', 'streetShard', filter.streetId]
        : ['byDistrictShard', 'districtShard', filter.districtId];
    const cursor = filter.nextToken ? pageTokens.decode(filter.nextToken, listingOf(filter)) : undefined;
    const limit = filter.limit ?? 50;
    const names: Record<string, string> = { '#k': key };
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    const add = (field: keyof Case, v: string | undefined) => {
      if (v === undefined) return;
      names[`#${field}`] = field;
      values[`:${field}`] = v;
      conditions.push(`#${field} = :${field}`);
    };
    add('status', filter.status);
    add('category', filter.category);
    add('communityId', filter.communityId);
    add('gridId', filter.gridId);
    if (filter.unit && filter.streetId) add('streetId', filter.streetId);
    // Newest first, from below the cursor (inclusive bounds; the cursor's own case is dropped) down to `since`.
    let range = '';
    if (cursor !== undefined || filter.since !== undefined) names['#o'] = 'openedKey';
    if (cursor !== undefined && filter.since !== undefined) {
      range = ' AND #o BETWEEN :since AND :cursor';
      Object.assign(values, { ':since': pad(filter.since), ':cursor': cursor });
    } else if (cursor !== undefined) {
      range = ' AND #o <= :cursor';
      values[':cursor'] = cursor;
    } else if (filter.since !== undefined) {
      range = ' AND #o >= :since';
      values[':since'] = pad(filter.since);
    }
    const chunk = Math.ceil(limit / CASE_INDEX_SHARDS) + 1;
    const shards = SHARDS.map((n) => ({
      key: `${value}#${n}`,
      buffer: [] as Record<string, unknown>[],
      start: undefined as Record<string, unknown> | undefined,
      done: false,
    }));
    const refill = async (shard: (typeof shards)[number]) => {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: `#k = :k${range}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':k': shard.key },
          ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
          ScanIndexForward: false,
          Limit: chunk,
          ExclusiveStartKey: shard.start,
        }),
      );
      shard.buffer.push(...(page.Items ?? []).filter((item) => item.openedKey !== cursor));
      shard.start = page.LastEvaluatedKey;
      shard.done = !page.LastEvaluatedKey;
    };
    const items: Record<string, unknown>[] = [];
    while (items.length < limit) {
      await Promise.all(shards.filter((s) => s.buffer.length === 0 && !s.done).map(refill));
      let next: (typeof shards)[number] | undefined;
      for (const shard of shards)
        if (shard.buffer.length && (!next || String(shard.buffer[0]!.openedKey) > String(next.buffer[0]!.openedKey)))
          next = shard;
      if (!next) {
        if (shards.every((s) => s.done)) break;
        continue;
      }
      items.push(next.buffer.shift()!);
    }
    const more = shards.some((s) => s.buffer.length > 0 || !s.done);
    return {
      items: items.map(fromItem),
      ...(more && items.length
        ? { nextToken: pageTokens.encode(String(items.at(-1)!.openedKey), listingOf(filter)) }
        : {}),
    };
  }

  /**
   * Migration: rewrites the case items stored before the index keys were sharded with
   * their sharded attributes (a scan of the table, once: a marker item records that it is
   * done). Each rewrite is conditional on the case's version, so a case changed meanwhile
   * keeps its change (and has its attributes from that save); the events pipe takes a
   * rewrite at the same version for no change.
   */
  async reindex(): Promise<{ rewritten: number }> {
    const statuses = Object.fromEntries(DESK_STATUSES.map((s, i) => [`:s${i}`, s]));
    const sharded = await this.rewriteOnce(`shards#${CASE_INDEX_SHARDS}`, 'attribute_not_exists(districtShard)');
    // The desk (intake, verification, parked) joined the working index later.
    const desk = await this.rewriteOnce(
      'desk#1',
      `attribute_not_exists(workingKey) AND #status IN (${Object.keys(statuses).join(', ')})`,
      statuses,
      { '#status': 'status' },
    );
    return { rewritten: sharded + desk };
  }

  /** Rewrites, once (a marker item records it), the case items the condition finds, each conditional on its version. */
  private async rewriteOnce(
    step: string,
    condition: string,
    values: Record<string, string> = {},
    attributeNames?: Record<string, string>,
  ): Promise<number> {
    const marker = { pk: 'layout#cases', sk: step };
    const done = await this.doc.send(new GetCommand({ TableName: this.table, Key: marker, ConsistentRead: true }));
    if (done.Item) return 0;
    const names = attributeNames ? { ExpressionAttributeNames: attributeNames } : {};
    let rewritten = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: `recordType = :case AND ${condition}`,
          ExpressionAttributeValues: { ':case': 'case', ...values },
          ...names,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: caseItem(fromItem(item)),
              ConditionExpression: `version = :v AND ${condition}`,
              ExpressionAttributeValues: { ':v': item.version, ...values },
              ...names,
            }),
          );
          rewritten++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) return classify(error, `reindex ${item.pk}`);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...marker, recordType: 'layout', at: new Date().toISOString() },
      }),
    );
    return rewritten;
  }

  async listNear(cells: string[]): Promise<Case[]> {
    const found = await Promise.all(
      cells.map((cell) =>
        queryAll(this.doc, {
          TableName: this.table,
          IndexName: 'byMergeCell',
          KeyConditionExpression: 'mergeKey = :m',
          ExpressionAttributeValues: { ':m': cell },
        }),
      ),
    );
    return found.flat().map(fromItem);
  }

  async listWorking(districtId: string): Promise<Case[]> {
    return this.fromShards((n) => ({
      IndexName: 'byDue',
      KeyConditionExpression: 'workingKey = :w',
      ExpressionAttributeValues: { ':w': workingKey(districtId, n) },
    }));
  }

  async listActive(districtId: string): Promise<Case[]> {
    const [working, desk] = await Promise.all([
      this.listWorking(districtId),
      this.fromShards((n) => ({
        IndexName: 'byDue',
        KeyConditionExpression: 'workingKey = :w',
        ExpressionAttributeValues: { ':w': deskKey(districtId, n) },
      })),
    ]);
    return [...working, ...desk];
  }

  async listOpened(districtId: string, from: number, to: number): Promise<Case[]> {
    const items = await this.fromShards((n) => ({
      IndexName: 'byDistrictShard',
      // openedKey is `<padded openedAt>#<caseId>`: "#" sorts before any digit, "$" after "#".
      KeyConditionExpression: 'districtShard = :d AND openedKey BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':d': `${districtId}#${n}`, ':from': pad(from), ':to': `${pad(to - 1)}$` },
    }));
    // In openedKey order: opened time, then case id (by code unit, as the key sorts).
    return items.sort((a, b) => a.openedAt - b.openedAt || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  }

  /** Every case a query finds in each index shard (the query made for shard `n`), all shards at once. */
  private async fromShards(query: (shard: number) => Omit<QueryCommandInput, 'TableName'>): Promise<Case[]> {
    const shards = await Promise.all(SHARDS.map((n) => queryAll(this.doc, { TableName: this.table, ...query(n) })));
    return shards.flat().map(fromItem);
  }
}
