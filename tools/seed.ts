/**
 * `npm run seed`: validates a district folder (the sample by default) and writes its
 * registry into DynamoDB. By default it starts DynamoDB Local on the same data folder
 * `npm start` uses, so the next start finds it seeded (npm start also seeds on its own).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { DynamoRegistryStore } from '#shared/adapters/dynamodb/registry-store';
import { ensureTables, tableNames } from '#shared/adapters/dynamodb/tables';
import { DynamoTelemetryStore } from '#shared/adapters/dynamodb/telemetry-store';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb-local';
import { DistrictFileError, loadDistrictDir, SAMPLE_DISTRICT_DIR } from '../devices/district-files.ts';

const HELP = `Usage: npm run seed -- [options]

Loads a district folder, checks it against the schemas, and writes its registry (districts,
streets, communities, grids, departments, sites, devices) into DynamoDB. Idempotent.

Options:
  --district-dir <dir>      district folder (default: the sample district, devices/sample-district)
  --data-dir <dir>          DynamoDB Local data folder to seed (default .cityops, as npm start)
  --endpoint <url>          seed a DynamoDB (Local) that is already running instead
  --table-prefix <prefix>   local table names (default cityops-)
  --aws                     seed the deployed registry table in AWS (default credentials and region)
  --registry-table <name>   the registry table's name, with --aws
  --telemetry-table <name>  with --aws: also put the district's devices into the offline
                            check's index (once, after the first deploy that has it; idempotent)
  --check                   validate the folder only; write nothing
  -h, --help                this text
`;

async function main() {
  const { values } = parseArgs({
    options: {
      'district-dir': { type: 'string', default: SAMPLE_DISTRICT_DIR },
      'data-dir': { type: 'string', default: '.cityops' },
      endpoint: { type: 'string' },
      'table-prefix': { type: 'string', default: 'cityops-' },
      aws: { type: 'boolean', default: false },
      'registry-table': { type: 'string' },
      'telemetry-table': { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const model = await loadDistrictDir(values['district-dir']);
  const counts = [
    `${model.streets.length} streets`,
    `${model.communities.length} communities`,
    `${model.grids.length} grids`,
    `${model.sites.length} sites`,
    `${model.devices.length} devices`,
  ];
  const summary = `${model.districts.map((d) => d.name).join(', ')}: ${counts.join(', ')}`;
  console.log(`checked ${values['district-dir']}: ${summary}`);
  if (values.check) return;

  if (values.aws) {
    if (!values['registry-table'])
      throw new Error('--aws needs --registry-table <name> (the stack prints it as an output)');
    const doc = documentClient(new DynamoDBClient({}));
    const { written } = await new DynamoRegistryStore(doc, values['registry-table']).putModel(model);
    console.log(`wrote ${written} registry records to ${values['registry-table']} in AWS`);
    if (values['telemetry-table']) {
      const migrated = await new DynamoTelemetryStore(doc, values['telemetry-table']).indexSilence(model.devices);
      console.log(
        `offline check index: ${migrated.indexed} devices added, ${migrated.offline} offline marks carried over`,
      );
    }
    return;
  }

  let local: DynamoDbLocal | undefined;
  if (!values.endpoint) {
    console.log(`starting DynamoDB Local on ${values['data-dir']}/dynamodb …`);
    local = await startDynamoDbLocal({ dataDir: `${values['data-dir']}/dynamodb` });
  }
  const client = localDynamoClient(values.endpoint ?? local!.endpoint);
  try {
    const tables = tableNames(values['table-prefix']);
    await ensureTables(client, tables);
    const doc = documentClient(client);
    const { written } = await new DynamoRegistryStore(doc, tables.registry).putModel(model);
    console.log(`wrote ${written} registry records to ${tables.registry}`);
    const migrated = await new DynamoTelemetryStore(doc, tables.telemetry).indexSilence(model.devices);
    if (migrated.indexed || migrated.offline)
      console.log(
        `offline check index: ${migrated.indexed} devices added, ${migrated.offline} offline marks carried over`,
      );
  } finally {
    client.destroy();
    await local?.stop();
  }
}

main().catch((error) => {
  process.stderr.write(
    `seed: ${error instanceof DistrictFileError ? error.message : ((error as Error).stack ?? error)}\n`,
  );
  process.exit(1);
});
