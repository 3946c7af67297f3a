/**
 * `npm run bench -- ingest [--devices 4000] [--min-gap-ms 2000] [--messages 24000] [--warm-up 12000]
 * [--latency-messages 24000] [--reference 10000] [--city-rate 200] [--recycle 0.001]`:
 * garbage-room sensors publishing through the whole local twin (MQTT → broker → Kinesis
 * twin → event source mapping → ingest function in its execution environments → DynamoDB
 * Local; the archive consumer beside it), on one DynamoDB Local started for the run, and the
 * per-message reference design against the same DynamoDB Local. Each sensor follows the
 * simulator's fill model with its readings 5 minutes apart in reading time, and the broker
 * dates their arrival 5 minutes apart too: the state written only on a change, and the
 * silence bucket that moves with arrival time, behave as in the field; each device has one message in flight
 * and publishes at most one every `--min-gap-ms`, so a batch holds one reading of a device
 * (as in a real fleet, where a sensor reports every few minutes) and nothing flatters the
 * figures by collapsing a device's readings.
 *
 * In one run it prints, each beside its target:
 * - the sustained rate of the pipeline (the sensors publish as fast as acknowledged) and of
 *   the reference design (one invocation, one consistent read and one write per message);
 * - DynamoDB write and read units per garbage-room message at steady state;
 * - p50/p99 from publish to the reading's batch being done (its state stored, or found
 *   unchanged) at half the sustained rate;
 * - the ingest handler's CPU per reading, its own work (stores in memory) and with the SDK;
 * - the AWS cost per million messages of both designs, like for like (`ingest-cost.ts`).
 * The warm-up (`--warm-up` messages) is not measured: DynamoDB Local is a JVM that compiles
 * what it runs in its first seconds. Any rejected bench message stops the run.
 */
import { Worker } from 'node:worker_threads';
import { loadDistrictDir } from '#devices/district-files';
import type { FleetOrder, FleetPhase, FleetReport } from './ingest-fleet.ts';
import { ourCost, PRICES, referenceCost, total as sum } from './ingest-cost.ts';
import { runReference } from './ingest-reference.ts';
import { meter } from './dynamodb-metering.ts';
import { processCpuMs } from './process-cpu.ts';
import { handlerCpu, memoryPorts } from './handler-cpu.ts';
import { systemClock } from '#shared/adapters/clock';
import { spreadHash } from '#shared/domain/spread';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames } from '#shared/adapters/dynamodb/tables';
import { DynamoRegistryStore } from '#shared/adapters/dynamodb/registry-store';
import { wireDeps } from '#shared/runtime/wiring';
import { Device, type CityModel } from '#shared/domain/city-model';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { quietObserver, startLocalStack } from '#infra/local/stack';
import { functionSpec, TELEMETRY_FLOWS } from '#infra/topology';

const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const number = (name: string, fallback: number) => {
  const n = Number(args.get(name) ?? fallback);
  if (!(n >= 0)) throw new Error(`--${name} must be a number`);
  return n;
};
const DEVICES = number('devices', 4000);
/** A garbage-room sensor's report interval (the sample district's and the fleet model's). */
const REPORT_INTERVAL_MS = 5 * 60_000;

/**
 * Each sensor's messages dated a report interval apart on arrival, as in the field (the
 * bench sends a sensor's readings seconds apart): the n-th message of a thing arrives n
 * intervals after its first, which comes at a phase of its own within an interval.
 */
function fieldArrivals(start: number) {
  const sent = new Map<string, number>();
  return (thing: string) => {
    const n = sent.get(thing) ?? 0;
    sent.set(thing, n + 1);
    return start + (spreadHash(thing) % REPORT_INTERVAL_MS) + n * REPORT_INTERVAL_MS;
  };
}
/** A device's readings at least this far apart (ms), so a 1 s batch holds one of a device (a sensor reports every 5 minutes). */
const MIN_GAP_MS = number('min-gap-ms', 2000);
// 6 and 6 readings a device measured: one silence bucket (12 report intervals) a device.
const MESSAGES = number('messages', 24_000);
const WARM_UP = number('warm-up', 12_000);
const LATENCY_MESSAGES = number('latency-messages', 24_000);
const REFERENCE = number('reference', 10_000);
/** A city's garbage rooms: 60,000 sensors every 5 minutes. */
const CITY_RATE = number('city-rate', 200);
/** Chance that an execution environment is recycled after an invocation. */
const RECYCLE = number('recycle', 0.001);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line: string) => process.stdout.write(`${line}\n`);
/** A line of the results table: its label in a column of 25 characters, then the figures. */
const row = (label: string, text: string) => say(`  ${label.padEnd(25)}${text}`);
/** Epoch ms with sub-millisecond precision, comparable across threads. */
const now = () => performance.timeOrigin + performance.now();
const progress = (line: string) => process.stderr.write(`\r${line.padEnd(70)}`);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** The sample district plus `DEVICES` garbage-room sensors, spread over its garbage rooms. */
async function benchDistrict(): Promise<CityModel> {
  const model = await loadDistrictDir();
  const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
  const devices = Array.from({ length: DEVICES }, (_, i) =>
    Device.parse({
      thing: `bench-bin-${String(i + 1).padStart(4, '0')}`,
      kind: 'bins',
      districtId: rooms[i % rooms.length]!.districtId,
      siteId: rooms[i % rooms.length]!.siteId,
      expectedIntervalSeconds: 300,
    }),
  );
  return { ...model, devices: [...model.devices, ...devices] };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const ddb = await startDynamoDbLocal();
try {
  say(
    [
      `ingest benchmark: ${fmt(DEVICES)} garbage-room sensors`,
      `${fmt(MESSAGES)} QoS 1 messages as fast as acknowledged, then ${fmt(LATENCY_MESSAGES)} at half that rate`,
      `the reference design on ${fmt(REFERENCE)}`,
    ].join('; '),
  );
  const jvmPid = ddb.process.pid;
  const model = await benchDistrict();
  // The per-message reference design first, on the same DynamoDB Local with nothing else in
  // it yet: a warm-up as long as its run, and the concurrency that served it best here
  // (16; 8 to 64 were within 10 % of each other).
  progress('running the per-message reference design…');
  const devices = model.devices.filter((d) => d.thing.startsWith('bench-bin-'));
  const refClient = localDynamoClient(ddb.endpoint);
  const refTotals = meter(refClient);
  const siteOf = new Map(devices.map((d) => [d.thing, d.siteId]));
  const reference = await runReference(refClient, {
    devices,
    siteOf,
    messages: REFERENCE,
    warmUp: REFERENCE,
    concurrency: 16,
    table: 'bench-reference-state',
  });
  // Units per message over everything it ran (warm-up and the one-at-a-time pass have the same shape).
  const refMessages = 2 * REFERENCE + 500;
  const refWru = refTotals.writeUnits / refMessages;
  const refRru = refTotals.readUnits / refMessages;
  refClient.destroy();

  /** When each record's batch was done (epoch ms, by `topic#seq`), in the latency phase. */
  const doneAt = new Map<string, number>();
  let done = 0;
  let recordBytes = 0;
  /** The functions' own counts (TelemetryStored, TelemetryRejected, StateUnchanged…). */
  const tallies = new Map<string, number>();
  let lastDoneAt = 0;
  let batches = 0;
  let batchMs = 0;
  /** Σ distinct devices over the batches: with `done`, how many of a device's messages a batch held. */
  let deviceBatches = 0;
  let timing = false;
  const stack = await startLocalStack({
    clock: systemClock,
    arrivalOf: fieldArrivals(Date.now()),
    dynamoEndpoint: ddb.endpoint,
    tablePrefix: 'bench-',
    model,
    schedules: false,
    mqttPort: 0,
    apiPort: 0,
    // Lambda keeps an environment for hours under steady load: recycling one in a thousand
    // invocations still exercises cold starts without pricing them as the norm.
    recycleRate: RECYCLE,
    observer: {
      ...quietObserver(),
      metrics: { count: (name, value) => tallies.set(name, (tallies.get(name) ?? 0) + value), flush() {} },
      batch: ({ done: records, ms }) => {
        const at = now();
        batches++;
        batchMs += ms;
        done += records.length;
        deviceBatches += new Set(records.map((r) => r.partitionKey)).size;
        lastDoneAt = at;
        for (const record of records) {
          recordBytes = Math.max(recordBytes, Math.ceil((record.data.length * 3) / 4));
          if (!timing) continue;
          const { topic, payload } = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as {
            topic: string;
            payload: string;
          };
          const { seq } = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { seq: number };
          if (!doneAt.has(`${topic}#${seq}`)) doneAt.set(`${topic}#${seq}`, at);
        }
      },
    },
  });
  const totals = meter(stack.dynamo);
  const perDevice = Math.ceil(MESSAGES / devices.length);
  const latencyPerDevice = Math.ceil(LATENCY_MESSAGES / devices.length);
  const warmUp = Math.ceil(WARM_UP / devices.length);
  const order: FleetOrder = {
    mqttUrl: stack.mqttUrl,
    devices,
    readings: warmUp + perDevice + latencyPerDevice,
    warmUp,
    inFlight: 1,
    minGapMs: MIN_GAP_MS,
  };
  const fleet = new Worker(new URL('./ingest-fleet.mjs', import.meta.url), { workerData: order });
  fleet.on('error', (error) => {
    throw error;
  });
  let sent = 0;
  fleet.on('message', (r: FleetReport) => r.type === 'sent' && (sent = r.sent));
  const report = <T extends FleetReport['type']>(type: T) =>
    new Promise<Extract<FleetReport, { type: T }>>((resolve) =>
      fleet.on('message', (r: FleetReport) => r.type === type && resolve(r as never)),
    );
  /** Clears the phase's counts, and with `units` the DynamoDB totals too (kept over both measured phases). */
  const reset = (units: boolean) => {
    if (units) {
      totals.requests.clear();
      totals.statements = totals.readUnits = totals.writeUnits = 0;
      totals.writeUnitsBy.clear();
    }
    batches = batchMs = done = deviceBatches = 0;
  };
  /** Runs a fleet phase to the end and until the streams are drained. */
  const runPhase = async (phase: FleetPhase, label: string) => {
    const finished = report('done');
    const started = now();
    const ticker = setInterval(
      () =>
        progress(`${label}: published ${fmt(sent)} · done ${fmt(done)} of ${fmt(phase.perDevice * devices.length)}`),
      500,
    );
    fleet.postMessage(phase);
    const { publishedAt } = await finished;
    await stack.drained(300_000);
    clearInterval(ticker);
    return { started, publishedAt: new Map(publishedAt) };
  };

  await report('connected');
  progress(`warming up: ${fmt(warmUp * devices.length)} messages, not measured…`);
  const warmed = report('warmed');
  fleet.postMessage('warm');
  await warmed;
  await stack.drained(300_000);
  if (tallies.get('TelemetryRejected'))
    throw new Error(`${fmt(tallies.get('TelemetryRejected')!)} warm-up messages were rejected`);

  // 1. Sustained: as fast as acknowledged.
  reset(true);
  tallies.clear();
  const jvmBefore = processCpuMs(jvmPid);
  const cpuBefore = process.cpuUsage();
  const sustained = await runPhase({ type: 'go', perDevice }, 'sustained');
  const cpu = process.cpuUsage(cpuBefore);
  const jvmAfter = processCpuMs(jvmPid);
  const messages = perDevice * devices.length;
  const seconds = (lastDoneAt - sustained.started) / 1000;
  const rate = messages / seconds;
  const sustainedPerDevice = done / Math.max(1, deviceBatches);
  const rejected = tallies.get('TelemetryRejected') ?? 0;
  if (rejected) throw new Error(`${fmt(rejected)} bench messages were rejected: the figures would not mean anything`);
  const processUs = (cpu.user + cpu.system) / messages;
  const jvmUs =
    jvmBefore === undefined || jvmAfter === undefined ? undefined : ((jvmAfter - jvmBefore) * 1000) / messages;

  // 2. Latency at half the sustained rate.
  reset(false);
  timing = true;
  const half = await runPhase({ type: 'go', perDevice: latencyPerDevice, rate: rate / 2 }, 'half rate');
  timing = false;
  const latencies = [...doneAt]
    .flatMap(([key, at]) => (half.publishedAt.has(key) ? [at - half.publishedAt.get(key)!] : []))
    .sort((a, b) => a - b);
  const environments = stack.environments.get('ingest-bins')!.stats;
  const halfBatchMs = batchMs / Math.max(1, batches);
  const halfMessagesPerBatch = done / Math.max(1, batches);
  // DynamoDB per message over both measured phases: each device's readings there span a
  // whole silence bucket (see the defaults), so the writes that move it count in their long-run share.
  const measuredMessages = (perDevice + latencyPerDevice) * devices.length;
  const perCommand = [...totals.requests].sort((a, b) => b[1] - a[1]);
  const requests = perCommand.reduce((n, [, c]) => n + c, 0);
  const wruPerMessage = totals.writeUnits / measuredMessages;
  const rruPerMessage = totals.readUnits / measuredMessages;
  const statementsPerMessage = totals.statements / measuredMessages;
  const perDeviceHalf = done / Math.max(1, deviceBatches);
  const unchanged = tallies.get('StateUnchanged') ?? 0;
  if (tallies.get('TelemetryRejected'))
    throw new Error(
      `${fmt(tallies.get('TelemetryRejected')!)} bench messages were rejected: the figures would not mean anything`,
    );
  fleet.postMessage('stop');
  await stack.stop();
  progress('');
  process.stderr.write('\r');

  // 3. The handler's CPU per reading.
  progress('measuring the ingest handler’s CPU…');
  const cpuClient = localDynamoClient(ddb.endpoint);
  const doc = documentClient(cpuClient);
  const cpuTables = tableNames('bench-cpu-');
  await ensureTables(cpuClient, cpuTables);
  await new DynamoRegistryStore(doc, cpuTables.registry).putModel(model);
  const deps = wireDeps({
    doc,
    tables: cpuTables,
    clock: systemClock,
    log: quietObserver().log,
    metrics: quietObserver().metrics,
  });
  const withSdk = await handlerCpu(deps, devices.slice(0, 100), 30);
  const ownOnly = await handlerCpu(memoryPorts(deps), devices, 300);
  progress('');
  process.stderr.write('\r');

  const flow = TELEMETRY_FLOWS.find((f) => f.kind === 'bins')!;
  say('');
  say(
    `pipeline (MQTT → broker → stream (${flow.capacity.mode}) → event source → ` +
      'ingest-bins in its execution environments → DynamoDB Local; the archive beside it)',
  );
  row('sustained rate', `${fmt(rate)} messages/s  (${fmt(messages)} in ${fmt(seconds, 1)} s)`);
  row(
    'reference design',
    `${fmt(reference.rate)} messages/s  (${fmt(reference.messages)} in ${fmt(reference.seconds, 1)} s: ` +
      'an invocation a message, GetItem + PutItem, 16 at once, no MQTT)',
  );
  row('ours ÷ reference', `${fmt(rate / reference.rate, 2)} ×   target ≥ 3 ×: ${verdict(rate / reference.rate >= 3)}`);
  row(
    'DynamoDB per message',
    `${fmt(wruPerMessage, 3)} write units · ${fmt(rruPerMessage, 3)} read units · ` +
      `${fmt(requests / measuredMessages, 3)} requests   write units target ≤ 0.4: ${verdict(wruPerMessage <= 0.4)}`,
  );
  say(
    `    (over both measured phases: ${fmt(perDevice + latencyPerDevice)} readings a device; ` +
      `a batch held ${fmt(sustainedPerDevice, 2)} and ${fmt(perDeviceHalf, 2)} messages of a device, as in the field)`,
  );
  say(
    `    requests a message:    ${perCommand.map(([c, n]) => `${c.replace('Command', '')} ${fmt(n / measuredMessages, 3)}`).join(' · ')}`,
  );
  say(
    `    write units a message: ${[...totals.writeUnitsBy]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c.replace('Command', '')} ${fmt(n / measuredMessages, 3)}`)
      .join(' · ')}`,
  );
  row(
    '',
    `${fmt(statementsPerMessage, 3)} conditional state writes a message (PartiQL, 25 to a request); ` +
      `${fmt(unchanged)} device batches found unchanged (nothing written, nothing held)`,
  );
  row('reference, per message', `${fmt(refWru, 3)} write units · ${fmt(refRru, 3)} read units`);
  const p99 = percentile(latencies, 99);
  row(
    'publish → batch done',
    `p50 ${fmt(percentile(latencies, 50))} ms · p99 ${fmt(p99)} ms at ${fmt(rate / 2)} messages/s offered ` +
      `(half the sustained rate; batching window ${flow.batchWindowSeconds} s)   p99 target ≤ 2,000 ms: ${verdict(p99 <= 2000)}`,
  );
  row(
    'execution environments',
    `${fmt(environments.created)} made, ${fmt(environments.recycled)} recycled over ` +
      `${fmt(environments.invocations)} invocations of ingest-bins (--recycle ${RECYCLE}); ` +
      `${flow.parallelizationFactor} batches a shard at once`,
  );
  row(
    'CPU per message',
    `${fmt(processUs)} µs this process (broker, streams, handlers, SDK; the publishers on a worker thread) · ` +
      `${jvmUs === undefined ? 'n/a' : fmt(jvmUs)} µs DynamoDB Local's JVM`,
  );
  say('');
  say('ingest handler CPU per garbage room reading (batches of 100, one after another)');
  row(
    'own work',
    `${fmt(ownOnly, 1)} µs  (decode, validate, collapse, detect; stores in memory)   target ≤ 50 µs: ${verdict(ownOnly <= 50)}`,
  );
  row('with the AWS SDK', `${fmt(withSdk, 1)} µs  (the same, reading and writing DynamoDB Local through the SDK)`);

  const measured = {
    recordBytes,
    messagesPerBatch: halfMessagesPerBatch,
    batchMs: halfBatchMs,
    memoryMb: functionSpec('ingest-bins').memoryMb,
    writeUnitsPerMessage: wruPerMessage,
    readUnitsPerMessage: rruPerMessage,
    messagesPerSecond: CITY_RATE,
  };
  const ours = ourCost(measured);
  const provisioned = ourCost({ ...measured, shards: Math.max(1, Math.ceil(CITY_RATE / 1000)) });
  const ref = referenceCost({
    recordBytes,
    invocationMs: reference.invocationMs,
    memoryMb: 128,
    writeUnitsPerMessage: refWru,
    readUnitsPerMessage: refRru,
  });
  say('');
  say(
    'AWS cost per million garbage-room messages, like for like ' +
      '(USD, AWS list prices in tools/bench/ingest-cost.ts; Basic Ingest and the Firehose archive on both sides)',
  );
  say(`  ${'item'.padEnd(22)}${'CityOps (measured)'.padStart(20)}${'reference (measured)'.padStart(22)}`);
  for (const key of Object.keys(ours))
    say(`  ${key.padEnd(22)}${fmt(ours[key]!, 3).padStart(20)}${fmt(ref[key]!, 3).padStart(22)}`);
  say(`  ${'total'.padEnd(22)}${fmt(sum(ours), 3).padStart(20)}${fmt(sum(ref), 3).padStart(22)}`);
  const ratio = sum(ours) / sum(ref);
  row('ratio', `${fmt(ratio, 2)}   target ≤ 0.33: ${verdict(ratio <= 1 / 3)}`);
  say(
    `  with a provisioned stream (${Math.max(1, Math.ceil(CITY_RATE / 1000))} shard) instead of on demand: ` +
      `${fmt(sum(provisioned), 3)} (ratio ${fmt(sum(provisioned) / sum(ref), 2)})`,
  );
  // What this design pays before any Lambda or DynamoDB work, with the cheapest stream: the
  // rule, the archive and the provisioned stream are paid per message whatever the handler does.
  const floor = provisioned['rule + action']! + provisioned['archive (Firehose)']! + provisioned.stream!;
  const left = sum(ref) / 3 - floor;
  say(
    `  the floor before Lambda and DynamoDB: rule ${fmt(provisioned['rule + action']!, 3)} + ` +
      `archive ${fmt(provisioned['archive (Firehose)']!, 3)} + provisioned stream ${fmt(provisioned.stream!, 3)} = ` +
      `${fmt(floor, 3)} against a third of the reference, ${fmt(sum(ref) / 3, 3)}:`,
  );
  const lambda = ours['Lambda requests']! + ours['Lambda GB-s']!;
  say(
    `    ${fmt(left, 3)} left for Lambda and DynamoDB: after Lambda's ${fmt(lambda, 3)} measured, ` +
      `at most ${fmt(Math.max(0, left - lambda) / PRICES.wru, 3)} write units and no read a message for DynamoDB ` +
      `(measured: ${fmt(ours['DynamoDB writes']! + ours['DynamoDB reads']!, 3)})`,
  );
  const oursWithoutRule = sum(ours) - ours['rule + action']!;
  const refWithoutRule = sum(ref) - ref['rule + action']!;
  say(
    `  without the rule (the same 0.30 on both sides): ${fmt(oursWithoutRule, 3)} against ${fmt(refWithoutRule, 3)} ` +
      `(ratio ${fmt(oursWithoutRule / refWithoutRule, 2)})`,
  );
  say(
    `  assumptions: ${fmt(recordBytes)}-byte records (Kinesis bills 1 KB steps, Firehose 5 KB); ` +
      `the stream's hourly charge at ${fmt(CITY_RATE)} messages/s (a city's garbage rooms);`,
  );
  say(
    `  ours: arm64 ${functionSpec('ingest-bins').memoryMb} MB for ${fmt(halfBatchMs)} ms a batch of ` +
      `${fmt(halfMessagesPerBatch, 1)} (measured at half rate); ` +
      `reference: arm64 128 MB for ${fmt(reference.invocationMs, 2)} ms an invocation ` +
      '(measured one at a time, billed per ms, at least 1).',
  );
} finally {
  await ddb.stop();
}
