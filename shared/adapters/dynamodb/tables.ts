import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/**
 * The tables, by lifecycle (DESIGN.md "Storage and scale"). One definition serves the
 * local twin (created here) and the CDK app (which builds its tables from it).
 */
export interface TableSpec {
  partitionKey: string;
  sortKey?: string;
  /** Attribute holding an epoch-seconds expiry. */
  ttlAttribute?: string;
  indexes?: { name: string; partitionKey: string; sortKey?: string }[];
  stream?: boolean;
}

export const TABLES = {
  /** Districts, streets, communities, grids, departments, sites, devices. */
  registry: {
    partitionKey: 'pk',
    indexes: [{ name: 'byParent', partitionKey: 'gsiPk', sortKey: 'gsiSk' }],
  },
  /** Latest device state and reading history (with TTL); detector state joins it later. */
  telemetry: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
  /** Messages refused by ingest, with reason and original payload. */
  rejects: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
  /** Sweeping coverage: covered cells per (route, window, segment), added as sets. */
  coverage: { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' },
  /**
   * Cases and their active-case locks: the only table with a stream, which carries every
   * case change to the event bus. Indexes: by district, lead unit and street (newest
   * first), and working cases by due time (sparse) for escalation.
   */
  cases: {
    partitionKey: 'pk',
    sortKey: 'sk',
    stream: true,
    indexes: [
      { name: 'byDistrict', partitionKey: 'districtId', sortKey: 'openedKey' },
      { name: 'byUnit', partitionKey: 'leadUnit', sortKey: 'openedKey' },
      { name: 'byStreet', partitionKey: 'streetId', sortKey: 'openedKey' },
      { name: 'byDue', partitionKey: 'workingKey', sortKey: 'dueKey' },
    ],
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

/** Creates any missing table (on-demand, with TTL and stream as specified) and waits for it. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    (Object.keys(TABLES) as TableKey[]).map(async (key) => {
      const spec: TableSpec = TABLES[key];
      const TableName = names[key];
      try {
        await client.send(new DescribeTableCommand({ TableName }));
        return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      const attributes = new Set<string>([spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])]);
      const keySchema = (pk: string, sk?: string): KeySchemaElement[] => [
        { AttributeName: pk, KeyType: 'HASH' },
        ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
      ];
      const GlobalSecondaryIndexes: GlobalSecondaryIndex[] | undefined = spec.indexes?.map((index) => {
        attributes.add(index.partitionKey);
        if (index.sortKey) attributes.add(index.sortKey);
        return {
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        };
      });
      const AttributeDefinitions: AttributeDefinition[] = [...attributes].map((AttributeName) => ({
        AttributeName,
        AttributeType: 'S',
      }));
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(spec.partitionKey, spec.sortKey),
          AttributeDefinitions,
          GlobalSecondaryIndexes,
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
