import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { listingCursor, type Page } from '#shared/app/paging';
import type { TicketListing, TicketStore } from '#shared/app/ports/tickets';
import { OPEN_TICKET_STATUSES, type DeviceFault, type MaintenanceTicket } from '#shared/domain/maintenance';
import { classify } from './errors.ts';
import type { StoreGrants } from './grants.ts';
import { queryAll } from './query.ts';

/**
 * Ticket table layout: each ticket under `ticket#<id>` / `ticket`; the (device, fault)'s
 * open ticket is named by a lock item `open#<thing>#<fault>` / `lock`, created in the same
 * transaction as the ticket and deleted in the one that closes it (as the case table's).
 * Index `byDistrict`: a district's tickets by opening time.
 */
export const ticketKeys = {
  ticket: (ticketId: string) => ({ pk: `ticket#${ticketId}`, sk: 'ticket' }),
  lock: (thing: string, fault: string) => ({ pk: `open#${thing}#${fault}`, sk: 'lock' }),
};

const pad = (n: number) => String(n).padStart(15, '0');
const STORAGE = ['pk', 'sk', 'recordType', 'districtKey', 'openedKey'] as const;

export const ticketItem = (t: MaintenanceTicket) => ({
  ...t,
  ...ticketKeys.ticket(t.ticketId),
  recordType: 'ticket',
  districtKey: t.districtId,
  openedKey: `${pad(t.openedAt)}#${t.ticketId}`,
});

function fromItem(item: Record<string, unknown>): MaintenanceTicket {
  const rest = { ...item };
  for (const name of STORAGE) delete rest[name];
  return rest as unknown as MaintenanceTicket;
}

const isOpen = (t: MaintenanceTicket) => OPEN_TICKET_STATUSES.includes(t.status);
const pageTokens = listingCursor(/^\d{15}#.{1,200}$/);
const listingOf = (l: TicketListing) => [l.districtId, l.status, l.operator, l.fault, l.thing];
const failedCondition = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof TransactionCanceledException &&
    Boolean(error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')));

/** What each method sends (see `grants.ts`): a ticket's lock is the only item ever deleted. */
export const TICKET_GRANTS: StoreGrants<DynamoTicketStore> = {
  create: ['PutItem'],
  save: ['PutItem', { action: 'DeleteItem', keysStartingWith: 'open#' }],
  get: ['GetItem'],
  findOpen: ['GetItem'],
  list: ['Query'],
  listOpened: ['Query'],
};

export class DynamoTicketStore implements TicketStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(t: MaintenanceTicket): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...ticketKeys.lock(t.thing, t.fault), recordType: 'lock', ticketId: t.ticketId },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.table, Item: ticketItem(t), ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      if (failedCondition(error)) return 'exists';
      return classify(error, `open ticket ${t.ticketId}`);
    }
  }

  async save(t: MaintenanceTicket, previous: MaintenanceTicket): Promise<boolean> {
    const put = {
      TableName: this.table,
      Item: ticketItem(t),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': previous.version },
    };
    try {
      if (isOpen(previous) && !isOpen(t))
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              {
                Delete: {
                  TableName: this.table,
                  Key: ticketKeys.lock(t.thing, t.fault),
                  ConditionExpression: 'ticketId = :id',
                  ExpressionAttributeValues: { ':id': t.ticketId },
                },
              },
            ],
          }),
        );
      else await this.doc.send(new PutCommand(put));
      return true;
    } catch (error) {
      if (failedCondition(error)) return false;
      return classify(error, `save ticket ${t.ticketId}`);
    }
  }

  async get(ticketId: string): Promise<MaintenanceTicket | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: ticketKeys.ticket(ticketId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async findOpen(thing: string, fault: DeviceFault): Promise<MaintenanceTicket | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: ticketKeys.lock(thing, fault), ConsistentRead: true }),
    );
    return Item ? this.get(Item.ticketId as string) : undefined;
  }

  /** Newest first, the other filters applied on the way; the page token is the last ticket's sort key. */
  async list(listing: TicketListing): Promise<Page<MaintenanceTicket>> {
    const limit = listing.limit ?? 50;
    const cursor = listing.nextToken ? pageTokens.decode(listing.nextToken, listingOf(listing)) : undefined;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':d': listing.districtId };
    const conditions: string[] = [];
    for (const field of ['status', 'operator', 'fault', 'thing'] as const) {
      const v = listing[field];
      if (v === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = v;
      conditions.push(`#${field} = :${field}`);
    }
    if (cursor) values[':cursor'] = cursor;
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    let more = false;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byDistrict',
          KeyConditionExpression: `districtKey = :d${cursor ? ' AND openedKey < :cursor' : ''}`,
          ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (items.length <= limit && start);
    if (items.length > limit) {
      items.length = limit;
      more = true;
    } else more = Boolean(start);
    return {
      items: items.map(fromItem),
      ...(more && items.length
        ? { nextToken: pageTokens.encode(String(items.at(-1)!.openedKey), listingOf(listing)) }
        : {}),
    };
  }

  async listOpened(districtId: string, from: number, to: number): Promise<MaintenanceTicket[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byDistrict',
      KeyConditionExpression: 'districtKey = :d AND openedKey BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':d': districtId, ':from': pad(from), ':to': `${pad(to - 1)}$` },
    });
    return items.map(fromItem);
  }
}
