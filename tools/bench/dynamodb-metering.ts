import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { convertToAttr } from '@aws-sdk/util-dynamodb';

/*
 * DynamoDB units as AWS would bill them, measured on DynamoDB Local: consumed capacity
 * where it reports it, item sizes where it under-reports (PartiQL batches, BatchGetItem).
 */

/**
 * Index key attributes billed by the meter for PartiQL writes, which DynamoDB Local reports
 * nothing for: the telemetry table's keys-only `bySilence` index. A write that changes an
 * item's index key costs a delete and a put there (2 units), a first one a put; a write
 * that leaves it as it was costs the index nothing.
 */
const INDEX_KEY = 'silenceDue';

/** Requests, read units and write units of every command a client sends (consumed capacity asked of each). */
export function meter(client: DynamoDBClient) {
  const totals = {
    requests: new Map<string, number>(),
    statements: 0,
    readUnits: 0,
    writeUnits: 0,
    writeUnitsBy: new Map<string, number>(),
  };
  const wrote = (command: string, units: number) => {
    totals.writeUnits += units;
    totals.writeUnitsBy.set(command, (totals.writeUnitsBy.get(command) ?? 0) + units);
  };
  const indexed = new Map<string, unknown>();
  const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const command = String(context.commandName);
      const params = (input as { input: Record<string, unknown> }).input;
      if (command !== 'DescribeTableCommand' && command !== 'CreateTableCommand')
        params.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(input);
      totals.requests.set(command, (totals.requests.get(command) ?? 0) + 1);
      if (command === 'BatchExecuteStatementCommand') {
        // DynamoDB Local reports no capacity for PartiQL batches: each write statement's units from its item's size.
        const statements = params.Statements as { Statement: string; Parameters: unknown[] }[];
        totals.statements += statements.length;
        for (const statement of statements) {
          wrote(command, Math.max(1, Math.ceil(statementItemBytes(statement) / 1024)));
          const { key, indexKey } = statementKeys(statement);
          if (indexKey === undefined) continue;
          const before = indexed.get(key);
          if (before !== indexKey) wrote('index bySilence', before === undefined ? 1 : 2);
          indexed.set(key, indexKey);
        }
        return result;
      }
      if (command === 'BatchGetItemCommand') {
        // DynamoDB bills a batch read per key: each item rounded up to 4 KB, a key not found
        // as one unit (half for eventually consistent reads). DynamoDB Local reports less.
        const asked = params.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>;
        const found = (result.output as { Responses?: Record<string, Record<string, unknown>[]> }).Responses ?? {};
        for (const [table, request] of Object.entries(asked)) {
          const factor = request.ConsistentRead ? 1 : 0.5;
          const items = found[table] ?? [];
          // Marshalled or not, depending on where the document client's unmarshalling ran.
          const bytes = (item: Record<string, unknown>) =>
            Object.entries(item).reduce(
              (b, [k, v]) =>
                b +
                Buffer.byteLength(k) +
                attributeBytes(
                  isAttributeValue(v)
                    ? v
                    : (convertToAttr(v, { removeUndefinedValues: true }) as unknown as Record<string, unknown>),
                ),
              0,
            );
          totals.readUnits +=
            factor *
            (items.reduce((n, item) => n + Math.ceil(bytes(item) / 4096), 0) +
              Math.max(0, request.Keys.length - items.length));
        }
        return result;
      }
      const consumed = (
        result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }
      ).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (READS.has(command)) totals.readUnits += units;
      else wrote(command, units);
      return result;
    },
    { step: 'initialize', name: 'benchMeter' },
  );
  return totals;
}

/** Whether a value is a marshalled attribute value (`{ S: … }`, `{ N: … }`, …). */
const isAttributeValue = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  ['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS'].includes(Object.keys(v)[0]!);

/**
 * An attribute value's size as DynamoDB bills it (its item-size rules: numbers about a byte per two digits, 3 bytes a
 * map or list and 1 an element).
 */
function attributeBytes(v: Record<string, unknown>): number {
  if ('S' in v) return Buffer.byteLength(v.S as string);
  if ('N' in v)
    return (
      Math.ceil(
        String(v.N)
          .replace(/^-|\.|e.*$/gi, '')
          .replace(/^0+/, '').length / 2,
      ) + 1
    );
  if ('B' in v) return (v.B as Uint8Array).length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('L' in v) return 3 + (v.L as Record<string, unknown>[]).reduce((n, e) => n + 1 + attributeBytes(e), 0);
  if ('M' in v)
    return (
      3 +
      Object.entries(v.M as Record<string, Record<string, unknown>>).reduce(
        (n, [k, e]) => n + 1 + Buffer.byteLength(k) + attributeBytes(e),
        0,
      )
    );
  return JSON.stringify(v).length;
}

/** A PartiQL write statement's item key, and its index key value if it sets one. */
function statementKeys({ Statement, Parameters }: { Statement: string; Parameters: unknown[] }): {
  key: string;
  indexKey: unknown;
} {
  const names = Statement.startsWith('INSERT')
    ? [...Statement.matchAll(/'([^']+)': \?/g)].map((m) => m[1]!)
    : [...[...Statement.matchAll(/SET "([^"]+)" = \?/g)].map((m) => m[1]!), 'pk', 'sk'];
  const value = (name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? undefined : JSON.stringify(Parameters[i]);
  };
  return { key: `${value('pk')}|${value('sk')}`, indexKey: value(INDEX_KEY) };
}

/** The size of the item a PartiQL write statement leaves (INSERT: its values; UPDATE: every attribute is SET, plus the key). */
function statementItemBytes({ Statement, Parameters }: { Statement: string; Parameters: unknown[] }): number {
  const names = Statement.startsWith('INSERT')
    ? [...Statement.matchAll(/'([^']+)': \?/g)].map((m) => m[1]!)
    : [...[...Statement.matchAll(/SET "([^"]+)" = \?/g)].map((m) => m[1]!), 'pk', 'sk'];
  // Marshalled or not, depending on where the document client's marshalling ran: the key tells.
  const marshalled = typeof Parameters[names.indexOf('pk')] !== 'string';
  return names.reduce(
    (n, name, i) =>
      n +
      Buffer.byteLength(name) +
      attributeBytes(
        (marshalled ? Parameters[i] : convertToAttr(Parameters[i], { removeUndefinedValues: true })) as Record<
          string,
          unknown
        >,
      ),
    0,
  );
}
