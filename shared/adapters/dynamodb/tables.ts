import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type TableDescription,
  waitUntilTableExists,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/**
 * The tables, by lifecycle (docs/design.md, "Data model and keys"). One definition serves the
 * local twin (created here) and the CDK app (which builds its tables from it).
 */
export interface TableSpec {
  partitionKey: string;
  sortKey?: string;
  /** Attribute holding an epoch-seconds expiry. */
  ttlAttribute?: string;
  indexes?: IndexSpec[];
  stream?: boolean;
}

/** A global secondary index: string keys (a number sort key if said), every attribute projected unless `keysOnly`. */
export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey?: string;
  sortKeyType?: 'S' | 'N';
  /** Only the keys in the index (a write there costs a unit however large the item). */
  keysOnly?: boolean;
}

export const TABLES = {
  /** Districts, streets, communities, grids, departments, sites, devices. */
  registry: {
    partitionKey: 'pk',
    indexes: [{ name: 'byParent', partitionKey: 'gsiPk', sortKey: 'gsiSk' }],
  },
  /**
   * Latest device state with detector state, and reading history (with TTL). Index: the
   * devices that report by silence due time (sparse, sharded, keys only) for the offline
   * check (see `shared/domain/detectors/offline-detector.ts`).
   */
  telemetry: {
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'expiresAt',
    indexes: [
      { name: 'bySilence', partitionKey: 'silenceShard', sortKey: 'silenceDue', sortKeyType: 'N', keysOnly: true },
    ],
  },
  /** Messages refused by ingest, with reason and original payload. */
  rejects: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
  /** Sweeping coverage: covered cells per (route, window, segment), added as sets. */
  coverage: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
  /**
   * Cases, their active-case locks and the case-number counters (`serial#<district>#<day>`):
   * the only table with a stream, which carries every case change to the event bus (the
   * Pipe passes case items only). Indexes: by district, lead unit and street (newest
   * first), working cases by due time (sparse) for escalation, and active cases by merge
   * cell (sparse: `shared/domain/merge-cells.ts`) for intake's merging; each of the first four is
   * sharded (`<district>#<n>`, …: see `case-store.ts`) so that a district-wide storm of
   * cases spreads over several index partitions, and queries fan out over the shards.
   */
  cases: {
    partitionKey: 'pk',
    sortKey: 'sk',
    stream: true,
    indexes: [
      { name: 'byDistrictShard', partitionKey: 'districtShard', sortKey: 'openedKey' },
      { name: 'byUnitShard', partitionKey: 'unitShard', sortKey: 'openedKey' },
      { name: 'byStreetShard', partitionKey: 'streetShard', sortKey: 'openedKey' },
      { name: 'byDue', partitionKey: 'workingKey', sortKey: 'dueKey' },
      { name: 'byMergeCell', partitionKey: 'mergeKey', sortKey: 'openedKey' },
    ],
  },
  /**
   * Maintenance tickets (a device's faults, for its operator) and their open-ticket locks;
   * index: a district's tickets by opening time (see `ticket-store.ts`).
   */
  tickets: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: 'byDistrict', partitionKey: 'districtKey', sortKey: 'openedKey' }],
  },
} as const satisfies Record<string, TableSpec>;

export type TableKey = keyof typeof TABLES;
export type TableNames = Record<TableKey, string>;

export const tableNames = (prefix: string): TableNames =>
  Object.fromEntries(Object.keys(TABLES).map((k) => [k, `${prefix}${k}`])) as TableNames;

/** Lambda functions learn their table names from `TABLE_<KEY>` variables. */
export const tableEnvName = (key: TableKey): string => `TABLE_${key.toUpperCase()}`;

export function tableNamesFromEnv(env: Record<string, string | undefined>): TableNames {
  return Object.fromEntries(
    (Object.keys(TABLES) as TableKey[]).map((k) => {
      const value = env[tableEnvName(k)];
      if (!value) throw new Error(`environment variable ${tableEnvName(k)} is not set`);
      return [k, value];
    }),
  ) as TableNames;
}

const keySchema = (pk: string, sk?: string): KeySchemaElement[] => [
  { AttributeName: pk, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
];

const indexOf = (index: IndexSpec): GlobalSecondaryIndex => ({
  IndexName: index.name,
  KeySchema: keySchema(index.partitionKey, index.sortKey),
  Projection: { ProjectionType: index.keysOnly ? 'KEYS_ONLY' : 'ALL' },
});

const indexAttributes = (index: IndexSpec): AttributeDefinition[] => [
  { AttributeName: index.partitionKey, AttributeType: 'S' },
  ...(index.sortKey ? [{ AttributeName: index.sortKey, AttributeType: index.sortKeyType ?? 'S' }] : []),
];

/**
 * Creates any missing table (on-demand, with TTL and stream as specified) and waits for it;
 * brings a table made by an earlier version to the specified indexes, one change at a time
 * as DynamoDB allows: the missing ones added, the ones no longer specified removed.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    (Object.keys(TABLES) as TableKey[]).map(async (key) => {
      const spec: TableSpec = TABLES[key];
      const TableName = names[key];
      let existing: TableDescription | undefined;
      try {
        existing = (await client.send(new DescribeTableCommand({ TableName }))).Table;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      if (existing) return reconcileIndexes(client, TableName, spec, existing);
      const attributes = new Map<string, AttributeDefinition>(
        [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])].map((AttributeName) => [
          AttributeName,
          { AttributeName, AttributeType: 'S' },
        ]),
      );
      for (const index of spec.indexes ?? [])
        for (const attribute of indexAttributes(index)) attributes.set(attribute.AttributeName!, attribute);
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(spec.partitionKey, spec.sortKey),
          AttributeDefinitions: [...attributes.values()],
          GlobalSecondaryIndexes: spec.indexes?.map(indexOf),
          StreamSpecification: spec.stream ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
        }),
      );
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName });
      if (spec.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: spec.ttlAttribute },
          }),
        );
      }
    }),
  );
}

async function reconcileIndexes(
  client: DynamoDBClient,
  TableName: string,
  spec: TableSpec,
  existing: TableDescription,
): Promise<void> {
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!));
  const wanted = new Set((spec.indexes ?? []).map((index) => index.name));
  const changes = [
    ...(spec.indexes ?? [])
      .filter((index) => !present.has(index.name))
      .map((index) => ({
        name: index.name,
        update: new UpdateTableCommand({
          TableName,
          AttributeDefinitions: indexAttributes(index),
          GlobalSecondaryIndexUpdates: [{ Create: indexOf(index) }],
        }),
      })),
    ...[...present]
      .filter((name) => !wanted.has(name))
      .map((name) => ({
        name,
        update: new UpdateTableCommand({ TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] }),
      })),
  ];
  for (const { name, update } of changes) {
    await client.send(update);
    // One index at a time: wait until it is built (or gone) and the table active before the next.
    for (let waited = 0; ; waited += 500) {
      const table = (await client.send(new DescribeTableCommand({ TableName }))).Table;
      const index = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === name);
      const settled = wanted.has(name) ? index?.IndexStatus === 'ACTIVE' : !index;
      if (settled && table?.TableStatus === 'ACTIVE') break;
      if (waited > 120_000) throw new Error(`index ${name} of ${TableName} not settled after two minutes`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
