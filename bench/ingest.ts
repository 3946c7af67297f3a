/**
 * `npm run bench -- ingest [--devices 1000] [--messages 20000] [--warm-up 10000] [--in-flight 1] [--rate <msg/s>]`: garbage-room
 * sensors publishing through the whole local twin (MQTT → broker → router → delivery
 * stream → ingest function → DynamoDB Local and the archive), on one DynamoDB Local
 * started for the run. Each sensor follows the simulator's fill model with its readings
 * 5 minutes apart in reading time, so the state written behind behaves as in the field. Each
 * device has one message in flight by default, so a batch rarely holds two readings of
 * one device — as in a real fleet, where a sensor reports every few minutes (more in
 * flight per device lets the batches collapse them, and flatters the per-message counts).
 * The fleet first publishes `--warm-up` messages that are not measured, and the raw ceiling
 * is measured after a pass of its own that is not either: DynamoDB Local is a JVM, and for
 * its first seconds it is still compiling what it runs, so both figures are its steady state.
 * Without `--rate` the devices publish as fast as they are acknowledged (the sustained
 * rate is the pipeline's ceiling, and the latency mostly queueing); with `--rate` they
 * publish that many messages a second in all, to see the latency under a given load.
 *
 * Prints: sustained messages per second; p50 and p99 from publish to stored state;
 * DynamoDB requests, write units and read units per message (as DynamoDB Local reports
 * consumed capacity); the ingest handler's CPU per reading, with and without the AWS
 * SDK's share; DynamoDB Local's raw BatchWriteItem ceiling measured in the same run, and
 * our throughput as a share of it; and from the measured counts and the list prices in
 * `../shared/aws-prices.md`, the AWS cost per million messages of this design beside the
 * per-message design (rule → Lambda per message → PutItem of the reading + UpdateItem of
 * the state). Any rejected bench message stops the run: its figures would mean nothing.
 */
import { BatchWriteItemCommand, CreateTableCommand, PutItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { convertToAttr } from '@aws-sdk/util-dynamodb';
import { loadDistrictDir } from '#devices/district-files';
import type { FleetOrder, FleetReport } from './ingest-fleet.ts';
import { BinSensor } from '#devices/simulators/bin-sensor';
import { systemClock } from '#shared/adapters/clock';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames } from '#shared/adapters/dynamodb/tables';
import { DynamoRegistryStore } from '#shared/adapters/dynamodb/registry-store';
import { encodeEnvelope, firehoseIngestHandler } from '#shared/adapters/telemetry-envelope';
import { wireDeps } from '#shared/adapters/wiring';
import type { IngestDeps } from '#shared/app/ports';
import { Device, type CityModel } from '#shared/domain/city-model';
import { topicFor } from '#shared/domain/topics';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { quietObserver, startLocalStack } from '#infra/local/stack';
import { functionSpec, TELEMETRY_ROUTES } from '#infra/routes';

const args = new Map(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])));
const DEVICES = Number(args.get('devices') ?? 1000);
const MESSAGES = Number(args.get('messages') ?? 20_000);
const IN_FLIGHT = Number(args.get('in-flight') ?? 1);
const WARM_UP = Number(args.get('warm-up') ?? 10_000);
if (!(WARM_UP >= 0)) throw new Error('--warm-up must be a number of messages (0 for none)');
const RATE = args.has('rate') ? Number(args.get('rate')) : undefined;
if (RATE !== undefined && !(RATE > 0)) throw new Error('--rate must be a positive number of messages per second');
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line: string) => process.stdout.write(`${line}\n`);
/** Epoch ms with sub-millisecond precision, comparable across threads. */
const now = () => performance.timeOrigin + performance.now();
const progress = (line: string) => process.stderr.write(`\r${line.padEnd(70)}`);

/** Requests, read units and write units of every command a client sends (consumed capacity asked of each). */
function meter(client: DynamoDBClient) {
  const totals = { requests: new Map<string, number>(), statements: 0, readUnits: 0, writeUnits: 0 };
  const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const command = String(context.commandName);
      const params = (input as { input: Record<string, unknown> }).input;
      if (command !== 'DescribeTableCommand' && command !== 'CreateTableCommand') params.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(input);
      totals.requests.set(command, (totals.requests.get(command) ?? 0) + 1);
      if (command === 'BatchExecuteStatementCommand') {
        // DynamoDB Local reports no capacity for PartiQL batches: each write statement's units from its item's size.
        const statements = params.Statements as { Statement: string; Parameters: unknown[] }[];
        totals.statements += statements.length;
        for (const statement of statements) totals.writeUnits += Math.max(1, Math.ceil(statementItemBytes(statement) / 1024));
        return result;
      }
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (READS.has(command)) totals.readUnits += units;
      else totals.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchMeter' },
  );
  return totals;
}

/** An attribute value's size as DynamoDB bills it (its item-size rules: numbers about a byte per two digits, 3 bytes a map or list and 1 an element). */
function attributeBytes(v: Record<string, unknown>): number {
  if ('S' in v) return Buffer.byteLength(v.S as string);
  if ('N' in v) return Math.ceil(String(v.N).replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if ('B' in v) return (v.B as Uint8Array).length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('L' in v) return 3 + (v.L as Record<string, unknown>[]).reduce((n, e) => n + 1 + attributeBytes(e), 0);
  if ('M' in v) return 3 + Object.entries(v.M as Record<string, Record<string, unknown>>).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + attributeBytes(e), 0);
  return JSON.stringify(v).length;
}

/** The size of the item a PartiQL write statement leaves (INSERT: its values; UPDATE: every attribute is SET, plus the key). */
function statementItemBytes({ Statement, Parameters }: { Statement: string; Parameters: unknown[] }): number {
  const names = Statement.startsWith('INSERT') ? [...Statement.matchAll(/'([^']+)': \?/g)].map((m) => m[1]!) : [...[...Statement.matchAll(/SET "([^"]+)" = \?/g)].map((m) => m[1]!), 'pk', 'sk'];
  // Marshalled or not, depending on where the document client's marshalling ran: the key tells.
  const marshalled = typeof Parameters[names.indexOf('pk')] !== 'string';
  return names.reduce((n, name, i) => n + Buffer.byteLength(name) + attributeBytes((marshalled ? Parameters[i] : convertToAttr(Parameters[i], { removeUndefinedValues: true })) as Record<string, unknown>), 0);
}

/** CPU time (ms) a process has used so far, user and system, from /proc (Linux); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** The sample district plus `DEVICES` garbage-room sensors, spread over its garbage rooms. */
async function benchDistrict(): Promise<CityModel> {
  const model = await loadDistrictDir();
  const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
  const devices = Array.from({ length: DEVICES }, (_, i) =>
    Device.parse({ thing: `bench-bin-${String(i + 1).padStart(4, '0')}`, kind: 'bins', districtId: rooms[i % rooms.length]!.districtId, siteId: rooms[i % rooms.length]!.siteId, expectedIntervalSeconds: 300 }),
  );
  return { ...model, devices: [...model.devices, ...devices] };
}

interface Ceiling {
  itemsPerSecond: number;
  writeUnitsPerItem: number;
  putsPerSecond: number;
  /** CPU per item of DynamoDB Local's JVM and of this process, µs (JVM: undefined off Linux). */
  jvmUs?: number;
  processUs: number;
}

async function rawCeiling(endpoint: string, items: number, TableName: string, jvmPid: number | undefined): Promise<Ceiling> {
  const client = localDynamoClient(endpoint);
  const totals = meter(client);
  await client.send(new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }] }));
  // Items shaped like a stored reading (about 250 bytes).
  const item = (i: number): WriteRequest => ({
    PutRequest: {
      Item: {
        pk: { S: `device#raw-${i % 500}` },
        sk: { S: `reading#${String(1_780_000_000_000 + i).padStart(15, '0')}#${String(i).padStart(16, '0')}` },
        thing: { S: `raw-${i % 500}` },
        kind: { S: 'bins' },
        ts: { N: String(1_780_000_000_000 + i) },
        seq: { N: String(i) },
        receivedAt: { N: String(1_780_000_000_000 + i) },
        payload: { M: { fillPct: { N: '42' }, batteryPct: { N: '80' }, temperatureC: { N: '18' }, tiltDeg: { N: '1' } } },
        expiresAt: { N: String(1_782_000_000) },
      },
    },
  });
  let next = 0;
  const jvmBefore = processCpuMs(jvmPid);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // As many writers as the ingest stack may run batches at once, each writing 25 at a time.
  const writers = TELEMETRY_ROUTES.reduce((n, r) => n + r.maxConcurrency, 0) * 2;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < items) {
        let requests = Array.from({ length: Math.min(25, items - next) }, () => item(next++));
        while (requests.length) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: requests } }));
          requests = out.UnprocessedItems?.[TableName] ?? [];
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const jvmAfter = processCpuMs(jvmPid);
  const cpu = process.cpuUsage(cpuBefore);
  const writeUnitsPerItem = totals.writeUnits / items;
  // For reference: the same writers with one PutItem per item, as a conditional state write must be.
  const puts = Math.ceil(items / 5);
  let put = 0;
  const putStarted = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (put < puts) await client.send(new PutItemCommand({ TableName, Item: item(items + put++).PutRequest!.Item! }));
    }),
  );
  const putSeconds = (performance.now() - putStarted) / 1000;
  client.destroy();
  return {
    itemsPerSecond: items / seconds,
    writeUnitsPerItem,
    putsPerSecond: puts / putSeconds,
    jvmUs: jvmBefore === undefined || jvmAfter === undefined ? undefined : ((jvmAfter - jvmBefore) * 1000) / items,
    processUs: (cpu.user + cpu.system) / items,
  };
}

/** The ingest handler alone, batch after batch (nothing else running): process CPU per reading. */
async function handlerCpu(deps: IngestDeps, devices: Device[], batches: number): Promise<number> {
  const handler = firehoseIngestHandler('bins', deps, { send: async () => {} });
  const now = Date.now();
  // The same sensors as the pipeline run: readings 5 minutes apart, one per device per buffer as in the field.
  const first = now - Math.ceil(((batches + 1) * 100) / devices.length + 2) * 6 * 60_000;
  const sensors = devices.map((d) => new BinSensor(d, first));
  let n = 0;
  const event = (): FirehoseTransformationEvent => ({
    invocationId: `bench-${n}`,
    deliveryStreamArn: 'arn:aws:firehose:local:000000000000:deliverystream/bench',
    region: 'local',
    records: Array.from({ length: 100 }, () => {
      const sensor = sensors[n++ % sensors.length]!;
      const thing = sensor.device.thing;
      const payload = sensor.emit(sensor.nextAt)!.payload;
      const body = encodeEnvelope({ topic: topicFor('bins', thing), clientId: thing, receivedAt: now, payload: new TextEncoder().encode(JSON.stringify(payload)) });
      return { recordId: `m${n}`, approximateArrivalTimestamp: now, data: Buffer.from(body).toString('base64') };
    }),
  });
  // Warm up first (site lookups cached, code paths compiled), then the measured batches: built in
  // this order, every measured reading is newer than what the warm-up stored (none is stale).
  await handler(event());
  const events = Array.from({ length: batches }, event);
  const before = process.cpuUsage();
  let accepted = 0;
  for (const e of events) accepted += (await handler(e)).records.filter((r) => r.result === 'Ok').length;
  const used = process.cpuUsage(before);
  if (accepted !== batches * 100) throw new Error(`handler CPU run: ${batches * 100 - accepted} of ${batches * 100} readings were not accepted`);
  return (used.user + used.system) / (batches * 100);
}

/** In-memory stand-ins for the stores, so the handler's own work can be told from the SDK's. */
function memoryPorts(real: IngestDeps): IngestDeps {
  const states = new Map<string, unknown>();
  return {
    ...real,
    telemetry: {
      saveLatest: async () => 'written',
      neighbours: async () => ({}),
      saveLatestDetecting: async (batch, _lastSeenAt, detect) => {
        const { state } = detect(states.get(batch.thing) as never, batch.readings as never);
        states.set(batch.thing, state);
        return { outcome: 'written', pending: [], outbox: { pk: batch.thing, sk: 'state' } };
      },
      updateSiteDetector: async () => ({ pending: [], outbox: { pk: '', sk: '' } }),
      ackSignals: async () => {},
      saveHistory: async () => ({ retry: [], failed: [] }),
    },
    rejects: { save: async () => ({ retry: [], failed: [] }) },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const ddb = await startDynamoDbLocal();
try {
  say(`ingest benchmark: ${fmt(DEVICES)} garbage-room sensors, ${fmt(MESSAGES)} QoS 1 messages, ${IN_FLIGHT} in flight per device, ${RATE ? `${fmt(RATE)} messages/s offered` : 'as fast as acknowledged'}`);
  const jvmPid = ddb.process.pid;
  progress('warming DynamoDB Local up for the raw ceiling…');
  await rawCeiling(ddb.endpoint, MESSAGES, 'bench-raw-warm-up', jvmPid);
  progress('measuring DynamoDB Local’s raw BatchWriteItem ceiling…');
  const ceiling = await rawCeiling(ddb.endpoint, MESSAGES, 'bench-raw-ceiling', jvmPid);

  const model = await benchDistrict();
  /** When each reading's buffer was done (epoch ms, by `topic#seq`); with the fleet's publish times, the latencies. */
  const storedAt = new Map<string, number>();
  let stored = 0;
  let retried = 0;
  let envelopeBytes = 0;
  /** The functions' own counts (TelemetryStored, TelemetryRejected, StateWritesDeferred…). */
  const tallies = new Map<string, number>();
  let lastStoredAt = 0;
  let batches = 0;
  let batchMs = 0;
  /** Off during the warm-up. */
  let measuring = false;
  const stack = await startLocalStack({
    clock: systemClock,
    dynamoEndpoint: ddb.endpoint,
    tablePrefix: 'bench-',
    model,
    schedules: false,
    mqttPort: 0,
    apiPort: 0,
    observer: {
      ...quietObserver(),
      metrics: { count: (name, value) => tallies.set(name, (tallies.get(name) ?? 0) + value), flush() {} },
      batch: ({ done, ms }) => {
        if (!measuring) return;
        const at = now();
        batches++;
        batchMs += ms;
        for (const record of done) {
          if (record.eventSourceARN.endsWith('-retry')) retried++;
          envelopeBytes = Math.max(envelopeBytes, Buffer.byteLength(record.body));
          const { topic, payload } = JSON.parse(record.body) as { topic: string; payload: string };
          const { seq } = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { seq: number };
          if (!storedAt.has(`${topic}#${seq}`)) storedAt.set(`${topic}#${seq}`, at);
          stored++;
        }
        lastStoredAt = at;
      },
    },
  });
  const totals = meter(stack.dynamo);
  const devices = model.devices.filter((d) => d.thing.startsWith('bench-bin-'));
  const things = devices.map((d) => d.thing);
  const perDevice = Math.ceil(MESSAGES / things.length);
  const warmUp = Math.ceil(WARM_UP / things.length);
  const fleet = new Worker(new URL('./ingest-fleet.mjs', import.meta.url), { workerData: { mqttUrl: stack.mqttUrl, devices, perDevice, warmUp, inFlight: IN_FLIGHT, rate: RATE } satisfies FleetOrder });
  let sent = 0;
  let publishedAt = new Map<string, number>();
  const fleetDone = new Promise<void>((resolve, reject) => {
    fleet.on('error', reject);
    fleet.on('message', (report: FleetReport) => {
      if (report.type === 'sent') sent = report.sent;
      if (report.type === 'done') {
        publishedAt = new Map(report.publishedAt);
        resolve();
      }
    });
  });
  const report = (type: FleetReport['type']) => new Promise<void>((resolve) => fleet.on('message', (r: FleetReport) => r.type === type && resolve()));
  const warmed = report('warmed');
  await report('connected');
  progress(`warming up: ${fmt(warmUp * things.length)} messages, not measured…`);
  fleet.postMessage('warm');
  await warmed;
  await stack.drained(120_000);
  if (tallies.get('TelemetryRejected')) throw new Error(`${fmt(tallies.get('TelemetryRejected')!)} warm-up messages were rejected`);
  totals.requests.clear();
  totals.statements = totals.readUnits = totals.writeUnits = 0;
  tallies.clear();
  measuring = true;

  const jvmBefore = processCpuMs(jvmPid);
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = now();
  const ticker = setInterval(() => progress(`published ${fmt(sent)} · stored ${fmt(stored)} of ${fmt(perDevice * things.length)}`), 500);
  fleet.postMessage('go');
  await fleetDone;
  await stack.drained(120_000);
  clearInterval(ticker);
  const cpu = process.cpuUsage(cpuBefore);
  const jvmAfter = processCpuMs(jvmPid);
  const mainThreadBusy = performance.eventLoopUtilization(eluBefore).utilization;
  const total = perDevice * things.length;
  const seconds = (lastStoredAt - started) / 1000;
  const rate = total / seconds;
  await fleet.terminate();
  const latencies = [...storedAt].flatMap(([key, at]) => (publishedAt.has(key) ? [at - publishedAt.get(key)!] : [])).sort((a, b) => a - b);
  // Counted now: stopping the stack later writes the held-back state too, which is not the run's.
  const perCommand = [...totals.requests].sort((a, b) => b[1] - a[1]);
  const requests = perCommand.reduce((sum, [, n]) => sum + n, 0);
  const wruPerMessage = totals.writeUnits / total;
  const rruPerMessage = totals.readUnits / total;
  const messagesPerBatch = total / batches;
  const avgBatchMs = batchMs / batches;
  progress('');
  process.stderr.write('\r');

  // The stack stops first, so its pollers and event relay add nothing to the CPU measured next;
  // its tables (and the registry in them) stay in DynamoDB Local.
  await stack.stop();

  progress('measuring the ingest handler’s CPU…');
  // Tables of its own, so the sensors' readings are not stale against what the pipeline stored.
  const cpuClient = localDynamoClient(ddb.endpoint);
  const doc = documentClient(cpuClient);
  const cpuTables = tableNames('bench-cpu-');
  await ensureTables(cpuClient, cpuTables);
  await new DynamoRegistryStore(doc, cpuTables.registry).putModel(model);
  const deps = wireDeps({ doc, tables: cpuTables, clock: systemClock, log: quietObserver().log, metrics: quietObserver().metrics });
  // A hundred devices, so after the warm-up batch their registry entries and state are cached, as in a busy function.
  const withSdk = await handlerCpu(deps, devices.slice(0, 100), 30);
  const ownOnly = await handlerCpu(memoryPorts(deps), devices, 300);
  progress('');
  process.stderr.write('\r');

  say('');
  say('pipeline (MQTT → broker → delivery stream → ingest → DynamoDB Local and the archive, one process, 2 cores)');
  say(`  ${RATE ? 'rate (offered load)     ' : 'sustained rate          '} ${fmt(rate)} messages/s  (${fmt(total)} in ${fmt(seconds, 1)} s)`);
  say(`  publish → stored state   p50 ${fmt(percentile(latencies, 50))} ms · p99 ${fmt(percentile(latencies, 99))} ms  (delivery buffer ${TELEMETRY_ROUTES[0]!.bufferSeconds} s)`);
  say(`  batches                  ${fmt(batches)} · ${fmt(messagesPerBatch, 1)} messages each · ${fmt(avgBatchMs)} ms each · ${fmt(total / Math.max(1, totals.statements), 2)} messages per state write`);
  say(`  DynamoDB per message     ${fmt(requests / total, 3)} requests · ${fmt(wruPerMessage, 3)} write units · ${fmt(rruPerMessage, 3)} read units`);
  say(`                           ${perCommand.map(([c, n]) => `${c.replace('Command', '')} ${fmt(n / total, 3)}`).join(' · ')}`);
  say(`                           ${fmt(totals.statements / total, 3)} conditional state writes (PartiQL statements, 25 to a BatchExecuteStatement; their write units from item sizes)`);
  const processUs = (cpu.user + cpu.system) / total;
  const jvmUs = jvmBefore === undefined || jvmAfter === undefined ? undefined : ((jvmAfter - jvmBefore) * 1000) / total;
  say(`  CPU per message          ${fmt(processUs)} µs this process (broker, delivery streams, handlers and SDK on the main thread, the ${fmt(DEVICES)} publishers on a worker thread)`);
  say(`                           ${jvmUs === undefined ? 'n/a' : fmt(jvmUs)} µs DynamoDB Local's JVM`);
  say(`  main thread busy         ${fmt(mainThreadBusy * 100)} % of the run`);
  say('');
  say('ingest handler CPU per bin reading (batches of 100, run one after another)');
  say(`  own work                 ${fmt(ownOnly, 1)} µs  (decode, validate, collapse, detect; stores in memory)   target ≤ 50 µs: ${ownOnly <= 50 ? 'met' : 'NOT met'}`);
  say(`  with the AWS SDK         ${fmt(withSdk, 1)} µs  (the same, writing to DynamoDB Local through the SDK)`);
  say('');
  say('DynamoDB Local raw ceiling (BatchWriteItem, 25 items of ~250 B per request, same run)');
  say(`  ceiling                  ${fmt(ceiling.itemsPerSecond)} items/s (${fmt(ceiling.writeUnitsPerItem, 2)} write units each; measured after a pass of ${fmt(MESSAGES)} items to warm the JVM)`);
  say(`  CPU per item             ${ceiling.jvmUs === undefined ? 'n/a' : fmt(ceiling.jvmUs)} µs DynamoDB Local's JVM · ${fmt(ceiling.processUs)} µs this process`);
  say(`  PutItem, for reference   ${fmt(ceiling.putsPerSecond)} requests/s (one item a request)`);
  const share = rate / ceiling.itemsPerSecond;
  say(`  our rate as a share      ${fmt(share * 100, 1)} %   target ≥ 80 %: ${share >= 0.8 ? 'met' : 'NOT met'}`);
  if (jvmUs !== undefined && ceiling.jvmUs !== undefined) {
    // Both sides share this machine's cores: what the measured CPU per message allows at most.
    const cores = (await import('node:os')).availableParallelism();
    const bound = (cores * 1_000_000) / (processUs + jvmUs);
    say(`  CPU bound                ${fmt(processUs + jvmUs)} µs a message on ${cores} cores allow at most ${fmt(bound)} messages/s (${fmt((bound / ceiling.itemsPerSecond) * 100)} % of the ceiling),`);
    say(`                           the ceiling's ${fmt(ceiling.jvmUs + ceiling.processUs)} µs an item ${fmt((cores * 1_000_000) / (ceiling.jvmUs + ceiling.processUs))} items/s`);
  }

  const rejected = tallies.get('TelemetryRejected') ?? 0;
  if (rejected) throw new Error(`${fmt(rejected)} bench messages were rejected: the figures would not mean anything`);
  say(`  state writes held back   ${fmt(tallies.get('StateWritesDeferred') ?? 0)} device batches (write-behind: same fingerprint, within the heartbeat)`);

  // Cost per million messages, from the measured counts and ../shared/aws-prices.md (USD, us-east-1).
  const PRICE = { rule: 0.15, action: 0.15, messaging: 1.0, sqsRequest: 0.4, lambdaRequest: 0.2, gbSecondArm: 0.0000133334, gbSecondX86: 0.0000166667, wru: 0.625, rru: 0.125, firehosePerGb: 0.029 };
  const M = 1_000_000;
  const lambdaGb = functionSpec('ingest-bins').memoryMb / 1024;
  // Firehose bills each record rounded up to 5 KB: one rule-action record per message.
  const firehoseGbPerMillion = (M * Math.ceil(envelopeBytes / 5120) * 5120) / 2 ** 30;
  const ours = {
    messaging: 0, // Basic Ingest
    rules: PRICE.rule + PRICE.action,
    transport: firehoseGbPerMillion * PRICE.firehosePerGb + (retried / total) * PRICE.sqsRequest * (1 + 2 / 10),
    lambda: (M / messagesPerBatch) * (PRICE.lambdaRequest / M + (avgBatchMs / 1000) * lambdaGb * PRICE.gbSecondArm),
    dynamodb: wruPerMessage * PRICE.wru + rruPerMessage * PRICE.rru,
  };
  // The per-message design: its two writes are each under 1 KB (a reading, a state item): 2 write units.
  const perMessageLambdaMs = 10;
  const naive = {
    messaging: PRICE.messaging,
    rules: PRICE.rule + PRICE.action,
    transport: 0,
    lambda: PRICE.lambdaRequest + M * (perMessageLambdaMs / 1000) * (128 / 1024) * PRICE.gbSecondX86,
    dynamodb: 2 * PRICE.wru,
  };
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  say('');
  say('AWS cost per million bin messages (list prices of ../shared/aws-prices.md, USD)');
  say(`  ${'item'.padEnd(22)}${'CityOps (measured)'.padStart(20)}${'per-message design'.padStart(22)}`);
  for (const key of Object.keys(ours) as (keyof typeof ours)[]) say(`  ${key.padEnd(22)}${fmt(ours[key], 3).padStart(20)}${fmt(naive[key], 3).padStart(22)}`);
  say(`  ${'total'.padEnd(22)}${fmt(sum(ours), 3).padStart(20)}${fmt(sum(naive), 3).padStart(22)}`);
  const ratio = sum(ours) / sum(naive);
  say(`  ratio                    ${fmt(ratio, 2)}   target ≤ 0.33: ${ratio <= 1 / 3 ? 'met' : 'NOT met'}`);
  say(`  assumptions: Basic Ingest; the rule's Firehose action, ${fmt(envelopeBytes)}-byte records billed as 5 KB each; the retry queue`);
  say(`  for the ${fmt(retried)} messages retried here; Lambda arm64 ${functionSpec('ingest-bins').memoryMb} MB for the measured buffer time (${fmt(messagesPerBatch)} messages a buffer);`);
  say(`  archive S3 puts (one object per stream per 5 minutes) left out; per-message design: x86 128 MB, ${perMessageLambdaMs} ms a message,`);
  say('  PutItem + UpdateItem of items under 1 KB.');

  doc.destroy();
} finally {
  await ddb.stop();
}
