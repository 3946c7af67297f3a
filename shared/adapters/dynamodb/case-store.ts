import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { StoreGrants } from './grants.ts';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { decodePageToken, encodePageToken, type Page } from '#shared/app/paging';
import type { CaseFilter, CaseStore } from '#shared/app/ports/cases';
import { isActive, WORKING_STATUSES, type Case } from '#shared/domain/cases';
import type { CaseCategory } from '#shared/domain/responsibility';
import { classify } from './errors.ts';
import { queryAll } from './query.ts';

/**
 * Case table layout: each case under `case#<id>` / `case`; the (site, category)'s active
 * case is named by a lock item `active#<site>#<category>` / `lock`, created in the same
 * transaction as the case (so two workers opening the same case produce exactly one) and
 * deleted in the same transaction that takes the case out of the active statuses.
 */
export const caseKeys = {
  case: (caseId: string) => ({ pk: `case#${caseId}`, sk: 'case' }),
  lock: (siteId: string, category: string) => ({ pk: `active#${siteId}#${category}`, sk: 'lock' }),
};

const pad = (n: number) => String(n).padStart(15, '0');

/** The stored item: the case plus its index attributes (the working index is sparse). */
export function caseItem(c: Case): Record<string, unknown> {
  return {
    ...c,
    ...caseKeys.case(c.caseId),
    recordType: 'case',
    openedKey: `${pad(c.openedAt)}#${c.caseId}`,
    ...(WORKING_STATUSES.includes(c.status)
      ? { workingKey: `${c.districtId}#working`, dueKey: `${pad(c.dueAt)}#${c.caseId}` }
      : {}),
  };
}

export function fromItem(item: Record<string, unknown>): Case {
  const { pk: _pk, sk: _sk, recordType: _r, openedKey: _o, workingKey: _w, dueKey: _d, ...rest } = item;
  return rest as unknown as Case;
}

/** What each method sends (see `grants.ts`): a case's lock is the only item ever deleted. */
export const CASE_GRANTS: StoreGrants<DynamoCaseStore> = {
  create: ['PutItem'],
  save: ['PutItem', { action: 'DeleteItem', keysStartingWith: 'active#' }],
  get: ['GetItem'],
  findActive: ['GetItem'],
  list: ['Query'],
  listWorking: ['Query'],
  listOpened: ['Query'],
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
            { Put: { TableName: this.table, Item: caseItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
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
        : [
            {
              Delete: {
                TableName: this.table,
                Key: caseKeys.lock(c.siteId, c.category),
                ConditionExpression: 'caseId = :id',
                ExpressionAttributeValues: { ':id': c.caseId },
              },
            },
          ];
    try {
      // A transaction only when the lock goes with it: a single conditional put costs half the write units.
      if (release.length) await this.doc.send(new TransactWriteCommand({ TransactItems: [put, ...release] }));
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

  /**
   * Cases newest first, through the index the filter allows (lead unit, street, or
   * district); the other filters apply on the way. Pages by `nextToken`.
   */
  async list(filter: CaseFilter): Promise<Page<Case>> {
    const [index, key, value] = filter.unit
      ? ['byUnit', 'leadUnit', filter.unit]
      : filter.streetId
        ? ['byStreet', 'streetId', filter.streetId]
        : ['byDistrict', 'districtId', filter.districtId];
    const names: Record<string, string> = { '#k': key };
    const values: Record<string, unknown> = { ':k': value };
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
    let keyCondition = '#k = :k';
    if (filter.since !== undefined) {
      names['#o'] = 'openedKey';
      values[':since'] = pad(filter.since);
      keyCondition += ' AND #o >= :since';
    }
    const items: Case[] = [];
    let start: Record<string, unknown> | undefined = filter.nextToken ? decodePageToken(filter.nextToken) : undefined;
    const limit = filter.limit ?? 50;
    do {
      const input: QueryCommandInput = {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
        ScanIndexForward: false,
        Limit: limit - items.length,
        ExclusiveStartKey: start,
      };
      const page = await this.doc.send(new QueryCommand(input));
      items.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return { items, ...(start ? { nextToken: encodePageToken(start) } : {}) };
  }

  async listWorking(districtId: string): Promise<Case[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byDue',
      KeyConditionExpression: 'workingKey = :w',
      ExpressionAttributeValues: { ':w': `${districtId}#working` },
    });
    return items.map(fromItem);
  }

  async listOpened(districtId: string, from: number, to: number): Promise<Case[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byDistrict',
      // openedKey is `<padded openedAt>#<caseId>`: "#" sorts before any digit, "$" after "#".
      KeyConditionExpression: 'districtId = :d AND openedKey BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':d': districtId, ':from': pad(from), ':to': `${pad(to - 1)}$` },
    });
    return items.map(fromItem);
  }
}
