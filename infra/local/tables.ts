import { join } from 'node:path';
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames, type TableNames } from '#shared/adapters/dynamodb/tables';
import { wireDeps, type Deps } from '#shared/runtime/wiring';
import { superviseDynamoDbLocal } from './dynamodb-local.ts';
import type { Piece, Twin } from './pieces.ts';

export interface LocalTables extends Piece {
  endpoint: string;
  names: TableNames;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** The stores with every grant: what the twin itself reads and writes (the registry, the broker's refusals). */
  stores: Pick<Deps, 'registry' | 'rejects'>;
}

export interface TablesSettings {
  /** Use a DynamoDB (Local) already running instead of starting one. */
  dynamoEndpoint?: string;
  /** The tables' names' prefix (default `cityops-`). */
  tablePrefix?: string;
}

/**
 * The stateful stack's DynamoDB tables, on DynamoDB Local (its files in `<dataDir>/dynamodb`,
 * or in memory): made when missing, the stored data brought up to this version, the
 * registry loaded from `model`. A DynamoDB Local the twin started is watched: one that dies
 * is started again, on the same port and data folder, with backoff; meanwhile the streams
 * hold what the broker acknowledged and the event sources retry, so nothing is lost and
 * nobody steps in. Health: a table listing answered within a second and a half.
 */
export async function startTables(
  options: TablesSettings & Pick<Twin, 'dataDir' | 'model' | 'clock' | 'log' | 'metrics'>,
): Promise<LocalTables> {
  const { model, clock, log, metrics, dataDir } = options;
  const names = tableNames(options.tablePrefix ?? 'cityops-');
  const stores = (doc: DynamoDBDocumentClient) => wireDeps({ doc, tables: names, clock, log, metrics });
  const supervisor = options.dynamoEndpoint
    ? undefined
    : await superviseDynamoDbLocal({
        dataDir: dataDir && join(dataDir, 'dynamodb'),
        log,
        // In memory, a restarted DynamoDB Local is empty: the tables and the registry come back, the rest is gone.
        restore: dataDir
          ? undefined
          : async (client) => {
              await ensureTables(client, names);
              if (model) await stores(documentClient(client)).registry.putModel(model);
            },
      });
  const endpoint = options.dynamoEndpoint ?? supervisor!.endpoint;
  const dynamo = localDynamoClient(endpoint);
  const doc = documentClient(dynamo);
  const probe = localDynamoClient(endpoint, {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 },
  });
  const stop = async () => {
    probe.destroy();
    dynamo.destroy();
    await supervisor?.stop();
  };
  try {
    await ensureTables(dynamo, names);
    const { registry, telemetry, caseStore, rejects } = stores(doc);
    // Cases stored by a version before the sharded index keys get them (once; a marker says so).
    const reindexed = await caseStore.reindex();
    if (reindexed.rewritten) log.info('case index keys sharded', reindexed);
    if (model) {
      await registry.putModel(model);
      // State stored by a version before the offline check's index joins it (once; then nothing to do).
      const migrated = await telemetry.indexSilence(model.devices);
      if (migrated.indexed || migrated.offline) log.info('offline check index filled', migrated);
    }
    return {
      endpoint,
      names,
      dynamo,
      doc,
      stores: { registry, rejects },
      health: () =>
        probe
          .send(new ListTablesCommand({ Limit: 1 }))
          .then(() => ({ up: true }))
          .catch((error: Error) => ({
            up: false,
            error: error.name,
            ...(supervisor?.restarting ? { restarting: true } : {}),
          })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
