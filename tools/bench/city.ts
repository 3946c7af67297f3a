/**
 * `npm run bench -- city [--districts 100] [--outage 10]`: a city's registry in DynamoDB
 * Local and what this machine can measure of it, each figure beside its target or its
 * reference in the same run:
 *
 * - the registry: `--districts` copies of the sample district's streets, communities and
 *   grids, each with 1,000 devices (970 garbage-room sensors, each in a garbage room of its
 *   own: 600 reporting every 5 minutes and 370 hourly; 10 cameras on the two markets; 20
 *   sweepers on the five routes): 100,000 devices by default, and every device's state as
 *   ingest leaves it (with its silence due time);
 * - the offline check with nobody silent: the fleet-reading check of the earlier version
 *   (every registry page, every device's state and offline flag) against the check by
 *   silence due time: item reads, capacity units and time (target: under 1,000 reads);
 * - an outage of `--outage` whole districts (10,000 devices): the check's reads and time,
 *   in proportion to the silent devices, and the case store under that storm (the cases
 *   opened a second, the write units a case, and the hottest index partition's share of
 *   them: the rate at which it would reach DynamoDB's 1,000 write units a second per
 *   partition, sharded and not);
 * - memory: the check's heap during the storm, and an ingest environment's registry cache
 *   holding every device;
 * - the load model of a city (README): messages a second, Kinesis, Lambda, DynamoDB, IoT
 *   Core quotas and the monthly cost, from the model and the ingest bench's measured units.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { batchPut } from '#shared/adapters/dynamodb/batch-write';
import { CASE_INDEX_SHARDS, caseItem } from '#shared/adapters/dynamodb/case-store';
import { batchGetAll } from '#shared/adapters/dynamodb/query';
import { ensureTables, tableNames } from '#shared/adapters/dynamodb/tables';
import { telemetryKeys } from '#shared/adapters/dynamodb/telemetry-store';
import { checkOffline } from '#shared/app/check-offline';
import { allPages } from '#shared/app/paging';
import { SiteDirectory } from '#shared/app/site-directory';
import type { Case } from '#shared/domain/case/model';
import type { CityModel, Device, Site } from '#shared/domain/city-model';
import { silenceKeys } from '#shared/domain/detectors/offline-detector';
import { wireDeps } from '#shared/runtime/wiring';
import { loadDistrictDir } from '#devices/district-files';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { quietObserver } from '#infra/local/stack';
import { functionSpec } from '#infra/topology';
import { meter } from './dynamodb-metering.ts';
import { PRICES } from './ingest-cost.ts';

const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const number = (name: string, fallback: number) => {
  const n = Number(args.get(name) ?? fallback);
  if (!(n >= 1)) throw new Error(`--${name} must be a positive number`);
  return Math.floor(n);
};
const DISTRICTS = number('districts', 100);
const OUTAGE = Math.min(number('outage', 10), DISTRICTS);
const MIN = 60_000;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MB`;
const progress = (text: string) => process.stderr.write(`\r${text.padEnd(70)}`);
const line = (label: string, value: string) => console.log(`  ${label.padEnd(30)}${value}`);

/** The garbage collector, to measure what stays on the heap (`--expose-gc` set at run time). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** District `k`: the sample's streets, communities and grids renamed, 970 garbage rooms, its markets and routes, 1,000 devices. */
function cityModel(sample: CityModel, districts: number): CityModel {
  const ids = [
    ...sample.districts.map((d) => d.districtId),
    ...sample.streets.map((s) => s.streetId),
    ...sample.communities.map((c) => c.communityId),
    ...sample.grids.map((g) => g.gridId),
    ...sample.sites.map((s) => s.siteId),
  ];
  const rooms = sample.sites.filter((s) => s.siteKind === 'garbage_room');
  const markets = sample.sites.filter((s) => s.siteKind === 'market');
  const routes = sample.sites.filter((s) => s.siteKind === 'sweeping_route');
  const model: CityModel = {
    districts: [],
    departments: [],
    streets: [],
    communities: [],
    grids: [],
    sites: [],
    devices: [],
  };
  const base = { ...sample, devices: [], sites: [...markets, ...routes] };
  for (let k = 0; k < districts; k++) {
    let json = JSON.stringify(base);
    for (const id of ids) json = json.replaceAll(`"${id}"`, `"${id}-k${k}"`);
    const copy = JSON.parse(json) as CityModel;
    const districtId = copy.districts[0]!.districtId;
    const garbageRooms: Site[] = Array.from({ length: 970 }, (_, i) => {
      const room = rooms[i % rooms.length]!;
      return { ...room, siteId: `gr-k${k}-${i}`, gridId: `${room.gridId}-k${k}`, districtId } as Site;
    });
    const device = (thing: string, kind: Device['kind'], siteId: string, interval: number): Device => ({
      thing,
      kind,
      districtId,
      siteId,
      expectedIntervalSeconds: interval,
    });
    const devices: Device[] = [
      ...garbageRooms.map((room, i) => device(`bin-k${k}-${i}`, 'bins', room.siteId, i < 600 ? 300 : 3600)),
      ...Array.from({ length: 10 }, (_, i) =>
        device(`cam-k${k}-${i}`, 'cameras', `${markets[i % markets.length]!.siteId}-k${k}`, 15),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        device(`sw-k${k}-${i}`, 'sweepers', `${routes[i % routes.length]!.siteId}-k${k}`, 60),
      ),
    ];
    model.districts.push(...copy.districts);
    model.departments.push(...copy.departments);
    model.streets.push(...copy.streets);
    model.communities.push(...copy.communities);
    model.grids.push(...copy.grids);
    model.sites.push(...copy.sites, ...garbageRooms);
    model.devices.push(...devices);
  }
  return model;
}

const sample = await loadDistrictDir();
const model = cityModel(sample, DISTRICTS);
const fleet = model.devices;
const ofKind = (kind: string) => fmt(fleet.filter((d) => d.kind === kind).length);
console.log(
  `city benchmark: ${fmt(fleet.length)} devices in ${fmt(DISTRICTS)} districts (${ofKind('bins')} garbage-room sensors, ` +
    `${ofKind('cameras')} cameras, ${ofKind('sweepers')} sweepers), on DynamoDB Local`,
);

const ddb = await startDynamoDbLocal({});
const client = localDynamoClient(ddb.endpoint);
const totals = meter(client);
const doc = documentClient(client);
const tables = tableNames('city-');
await ensureTables(client, tables);
const clockNow = Date.UTC(2026, 11, 1, 8, 0);
const clock = { now: () => clockNow };
const log = quietObserver().log;
const metrics = { count() {}, flush() {} };
/** Unguarded, to write the city; the check runs with its function's grants, as in AWS. */
const deps = wireDeps({ doc, tables, clock, log, metrics });
const checkDeps = wireDeps({
  doc,
  tables,
  clock,
  log,
  metrics,
  grants: { functionName: 'check-offline', tables: functionSpec('check-offline').tables },
});
const measured = async <T>(run: () => Promise<T>) => {
  totals.requests.clear();
  totals.readUnits = totals.writeUnits = 0;
  totals.writeUnitsBy.clear();
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  const requests = new Map(totals.requests);
  const writeUnitsBy = new Map(totals.writeUnitsBy);
  return { result, ms, readUnits: totals.readUnits, writeUnits: totals.writeUnits, writeUnitsBy, requests };
};
const count = (requests: Map<string, number>, command: string) => requests.get(command) ?? 0;

try {
  // The registry, and every device's state as ingest leaves it.
  progress('writing the registry…');
  const written = await measured(() => deps.registry.putModel(model));
  const T0 = clockNow;
  const stateItem = (device: Device, lastSeenAt: number) => {
    const keys = silenceKeys(device, lastSeenAt);
    return {
      messageId: device.thing,
      item: {
        pk: telemetryKeys.device(device.thing),
        sk: telemetryKeys.state,
        thing: device.thing,
        kind: device.kind,
        ts: lastSeenAt,
        seq: 1,
        wts: lastSeenAt,
        wseq: 1,
        lastSeenAt,
        silenceShard: keys.shard,
        silenceDue: keys.due,
        v: 1,
      },
    };
  };
  const writeStates = async (devices: Device[], lastSeenAt: (d: Device) => number) => {
    for (let i = 0; i < devices.length; i += 5_000) {
      progress(`device state: ${fmt(i)} of ${fmt(devices.length)}…`);
      const outcome = await batchPut(
        doc,
        tables.telemetry,
        devices.slice(i, i + 5_000).map((d) => stateItem(d, lastSeenAt(d))),
      );
      if (outcome.retry.length || outcome.failed.length) throw new Error('state items not written');
    }
  };
  // Every device heard from within its last interval.
  const seeded = await measured(() =>
    writeStates(
      fleet,
      (d) => T0 - (Number.parseInt(d.thing.replace(/\D/g, ''), 10) % d.expectedIntervalSeconds) * 1000,
    ),
  );
  progress('');
  console.log('\nthe city in DynamoDB Local');
  line('registry', `${fmt(written.result.written)} records in ${fmt(written.ms / 1000, 1)} s`);
  line('device state', `${fmt(fleet.length)} state items in ${fmt(seeded.ms / 1000, 1)} s`);

  // 1. Nobody silent (each device heard from within its interval): the fleet-reading check of
  // the earlier version against the check by due time. The clock stays at T0: the fleet reports on.
  progress('the fleet-reading check (the earlier version)…');
  const before = await measured(async () => {
    const devices = await allPages((nextToken) => deps.registry.listDevices({ limit: 500, nextToken }));
    const things = devices.map((d) => d.thing);
    const [states] = await Promise.all([
      deps.telemetry.getLatestMany(things),
      batchGetAll(
        doc,
        tables.telemetry,
        things.map((thing) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.formerOfflineFlag })),
      ),
    ]);
    return states.size;
  });
  progress('the check by silence due time…');
  const check = () => checkOffline({ ...checkDeps, budgetMs: 40_000 });
  const quiet = await measured(check);
  progress('');
  const itemReads = (run: { requests: Map<string, number> }, items: number) =>
    `${fmt(items)} item reads in ${fmt(count(run.requests, 'QueryCommand'))} queries and ` +
    `${fmt(count(run.requests, 'BatchGetItemCommand'))} batch reads`;
  /** Read units as AWS bills them: a query at least half a unit. */
  const billedReadUnits = (run: { readUnits: number; requests: Map<string, number> }) =>
    fmt(Math.max(run.readUnits, 0.5 * count(run.requests, 'QueryCommand')), 1);
  console.log(`\noffline check at ${fmt(fleet.length)} devices, every device reporting (one run)`);
  line(
    'before: read the fleet',
    `${itemReads(before, fleet.length * 3)}; ${fmt(before.readUnits)} read units; ${fmt(before.ms / 1000, 1)} s`,
  );
  line(
    'now: by silence due time',
    `${itemReads(quiet, quiet.result.checked)}; ${billedReadUnits(quiet)} read units (AWS bills a query at least half a unit); ` +
      `${fmt(quiet.ms)} ms   target < 1,000 item reads: ${quiet.result.checked < 1000 ? 'met' : 'NOT met'}`,
  );

  // 2. An outage of whole districts: their devices went silent a day ago (long enough for the
  // hourly sensors too: 3 hours, and up to a 12-hour bucket).
  const outageDistricts = new Set(model.districts.slice(0, OUTAGE).map((d) => d.districtId));
  const silent = fleet.filter((d) => outageDistricts.has(d.districtId));
  await writeStates(silent, () => T0 - 24 * 60 * MIN);
  progress('');
  const baseline = heap();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 50);
  const runs: Awaited<ReturnType<typeof measureCheck>>[] = [];
  function measureCheck() {
    return measured(check);
  }
  for (let run = 0; run < 10; run++) {
    progress(`outage: check run ${run + 1}…`);
    const next = await measureCheck();
    runs.push(next);
    if (next.result.left === 0) break;
  }
  clearInterval(sampler);
  const after = await measured(check);
  progress('');
  const marked = runs.reduce((n, r) => n + r.result.wentOffline.length, 0);
  const stormMs = runs.reduce((n, r) => n + r.ms, 0);
  console.log(`\nan outage of ${fmt(OUTAGE)} districts: ${fmt(silent.length)} devices silent for a day`);
  for (const [i, r] of runs.entries())
    line(
      `check run ${i + 1}`,
      `${fmt(r.result.checked)} silent devices taken (${fmt(r.result.left)} left for the next run) in ${fmt(r.ms / 1000, 1)} s; ` +
        `${fmt(r.readUnits)} read units, ${fmt(r.readUnits / Math.max(1, r.result.checked), 2)} a silent device`,
    );
  line('marked offline', `${fmt(marked)} of ${fmt(silent.length)}`);
  line(
    'the run after',
    `${itemReads(after, after.result.checked)}; ${billedReadUnits(after)} read units; ` +
      `${fmt(after.ms)} ms (the marked devices left the index)`,
  );

  // The case store under that storm: what was written, and where.
  const cases: Case[] = [];
  for (const districtId of outageDistricts)
    cases.push(...(await allPages((nextToken) => deps.caseStore.list({ districtId, limit: 500, nextToken }))));
  const itemKb = Math.max(...cases.map((c) => Math.ceil(Buffer.byteLength(JSON.stringify(caseItem(c))) / 1024)));
  const writeUnitsPerCase = runs.reduce((n, r) => n + (r.writeUnitsBy.get('TransactWriteItemsCommand') ?? 0), 0);
  const hottest = (key: (item: Record<string, unknown>) => unknown) => {
    const byKey = new Map<unknown, number>();
    for (const c of cases) {
      const k = key(caseItem(c));
      if (k !== undefined) byKey.set(k, (byKey.get(k) ?? 0) + 1);
    }
    return Math.max(...byKey.values()) / cases.length;
  };
  const rate = (cases.length * 1000) / stormMs;
  console.log(`\nthe case store under the storm (${fmt(cases.length)} device-offline cases: one a site)`);
  line(
    'cases opened',
    `${fmt(cases.length)} in ${fmt(stormMs / 1000, 1)} s: ${fmt(rate)} a second on this machine ` +
      '(the case lock and the case in one transaction)',
  );
  line(
    'write units a case',
    `${fmt(writeUnitsPerCase / Math.max(1, cases.length), 1)} measured ` +
      "(the lock and the case in a transaction, with the case's four index entries); " +
      `an index entry: ${itemKb} (a ${itemKb} KB item, all attributes projected)`,
  );
  for (const [index, key, unsharded] of [
    ['byDistrictShard', (i: Record<string, unknown>) => i.districtShard, (i: Record<string, unknown>) => i.districtId],
    ['byUnitShard', (i: Record<string, unknown>) => i.unitShard, (i: Record<string, unknown>) => i.leadUnit],
    ['byStreetShard', (i: Record<string, unknown>) => i.streetShard, (i: Record<string, unknown>) => i.streetId],
    ['byDue', (i: Record<string, unknown>) => i.workingKey, (i: Record<string, unknown>) => i.districtId],
  ] as const) {
    const share = hottest(key);
    const shareUnsharded = hottest(unsharded);
    line(
      `index ${index}`,
      `hottest partition ${fmt(share * 100, 1)} % of the cases (one key: ${fmt(shareUnsharded * 100, 1)} %): ` +
        `1,000 write units a second reached at ${fmt(1000 / (share * itemKb))} cases a second ` +
        `(one key: ${fmt(1000 / (shareUnsharded * itemKb))})`,
    );
  }

  // Memory: the check during the storm; an ingest environment's registry cache of every device.
  const beforeCache = heap();
  const directory = new SiteDirectory(deps.registry, clock);
  for (let i = 0; i < fleet.length; i += 1000) {
    progress(`ingest registry cache: ${fmt(i)} of ${fmt(fleet.length)}…`);
    await directory.prefetch(fleet.slice(i, i + 1000).map((d) => d.thing));
  }
  const cached = heap() - beforeCache;
  progress('');
  console.log(`\nmemory with ${fmt(fleet.length)} devices`);
  line('check-offline in the storm', `heap peak ${mb(peak - baseline)} above its start (the function has 512 MB)`);
  line(
    'an ingest environment',
    `${mb(cached)} of heap to hold every device's registry entry (${fmt(cached / fleet.length)} bytes a device; the function has 512 MB)`,
  );

  printLoadModel();
} finally {
  client.destroy();
  await ddb.stop();
}

/**
 * The load model of a city: 60,000 garbage rooms every 5 minutes, 2,000 sweepers (a fix a
 * second, sent as a message a minute), 1,000 cameras every 15 s; the rest of the 100,000
 * garbage-room sensors hourly. Units a message are the ingest bench's (`npm run bench --
 * ingest`, docs/ingest.md) where measured, item sizes otherwise.
 */
function printLoadModel() {
  const month = 30 * 86_400;
  const flows = [
    // kind, devices, messages/s, bytes a record, write units a message, read units a message
    { kind: 'garbage rooms (5 min)', devices: 60_000, perSecond: 60_000 / 300, bytes: 250, wru: 0.36, rru: 1.2 },
    { kind: 'garbage rooms (hourly)', devices: 37_000, perSecond: 37_000 / 3600, bytes: 250, wru: 0.36, rru: 1.2 },
    // A minute of fixes (60 × about 40 bytes): its state, its history item (3 KB) and a coverage add a message.
    { kind: 'sweepers (60 fixes a message)', devices: 2_000, perSecond: 2_000 / 60, bytes: 2_600, wru: 6, rru: 2 },
    // A camera's state and its market's shared detector: a write each.
    { kind: 'cameras (15 s)', devices: 1_000, perSecond: 1_000 / 15, bytes: 400, wru: 2, rru: 1 },
  ];
  const total = flows.reduce((n, f) => n + f.perSecond, 0);
  console.log('\nload model of a city (steady state; the README table)');
  /** A row of the load table: the flow, then its figures right-aligned. */
  const row = (label: string, ...cells: string[]) => `  ${label.padEnd(30)}${cells.map((c) => c.padStart(8)).join('')}`;
  console.log(row('flow', 'devices', 'msg/s', 'KB/s', 'WRU/s', 'RRU/s'));
  for (const f of flows)
    console.log(
      row(
        f.kind,
        fmt(f.devices),
        fmt(f.perSecond, 1),
        fmt((f.perSecond * f.bytes) / 1024, 1),
        fmt(f.perSecond * f.wru),
        fmt(f.perSecond * f.rru),
      ),
    );
  const wru = flows.reduce((n, f) => n + f.perSecond * f.wru, 0);
  const rru = flows.reduce((n, f) => n + f.perSecond * f.rru, 0);
  const kbs = flows.reduce((n, f) => n + (f.perSecond * f.bytes) / 1024, 0);
  const flowDevices = flows.reduce((n, f) => n + f.devices, 0);
  console.log(row('total', fmt(flowDevices), fmt(total, 1), fmt(kbs, 1), fmt(wru), fmt(rru)));
  // The reconnect storm: the outage's devices upload an hour of backlog (12 readings each) within 5 minutes.
  const backlog = (10_000 * 12) / 300;
  const messages = total * month;
  const streams = 3;
  const lines: [string, number][] = [
    ['IoT rules + actions (Basic Ingest)', (messages / 1e6) * (PRICES.ruleTriggered + PRICES.actionExecuted)],
    [
      'Kinesis on demand (3 streams)',
      streams * 720 * PRICES.kinesisOnDemandStreamHour +
        ((messages * 1024) / 2 ** 30) * PRICES.kinesisOnDemandWrittenGb +
        ((2 * kbs * 1024 * month) / 2 ** 30) * PRICES.kinesisOnDemandReadGb,
    ],
    ['Firehose archive (5 KB records)', ((messages * 5120) / 2 ** 30) * PRICES.firehosePerGb],
    [
      'Lambda (batches of ~100, 512 MB, 0.3 s)',
      (messages / 100 / 1e6) * PRICES.lambdaRequest + (messages / 100) * 0.3 * 0.5 * PRICES.gbSecondArm,
    ],
    ['DynamoDB writes', ((wru * month) / 1e6) * PRICES.wru],
    ['DynamoDB reads', ((rru * month) / 1e6) * PRICES.rru],
    ['offline check (16 queries a minute)', ((16 * 0.5 * 43_200) / 1e6) * PRICES.rru],
  ];
  console.log(
    `  reconnect storm: 10,000 devices upload an hour each within 5 minutes: ${fmt(backlog)} messages/s more on the garbage-room stream`,
  );
  console.log(
    `  Kinesis: on demand takes ${fmt(total + backlog)} records/s in the storm ` +
      '(a provisioned shard takes 1,000 records/s or 1 MB/s): ' +
      `provisioned, ${fmt(Math.ceil((200 + backlog) / 1000))} shard(s) for garbage rooms, 1 each for sweepers and cameras`,
  );
  console.log(
    '  Lambda: one batch a shard a second, 2 at once a shard (parallelization factor): ' +
      `at most ${fmt(2 * Math.ceil((total + backlog) / 1000) + 4)} concurrent ingest invocations in the storm`,
  );
  console.log(
    `  DynamoDB: ${fmt(wru)} write units/s steady (on demand; a table partition takes 1,000): ` +
      `the telemetry table spreads by thing; the case indexes by ${CASE_INDEX_SHARDS} shards`,
  );
  console.log(
    '  IoT Core quotas to raise (defaults, region-dependent; see the Service Quotas console): ' +
      `connections (500,000 in us-east-1; fewer elsewhere) hold ${fmt(100_000)}; ` +
      "connect requests 500/s per account: a city-wide reconnect of 100,000 takes 200 s, so raise it or keep the devices' back-off; " +
      `publish in 20,000/s per account (2,000 in smaller regions) holds ${fmt(total + backlog)}/s`,
  );
  console.log('  monthly cost (USD, AWS list prices in tools/bench/ingest-cost.ts, us-east-1, 30 days)');
  for (const [name, usd] of lines) console.log(`    ${name.padEnd(40)}${fmt(usd, 0).padStart(8)}`);
  console.log(
    `    ${'total'.padEnd(40)}${fmt(
      lines.reduce((n, [, u]) => n + u, 0),
      0,
    ).padStart(8)}`,
  );
}
