import { telemetryRuleName } from '#shared/domain/iot-names';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Log, Metrics } from '#shared/app/ports/observability';
import type { CityModel } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { topicMatches } from '#shared/domain/topics';
import { refusedPublish } from '#shared/domain/telemetry';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { documentClient, localDynamoClient, localStreamsClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames, type TableNames } from '#shared/adapters/dynamodb/tables';
import { encodeEnvelope } from '#shared/events/telemetry-envelope';
import { wireDeps } from '#shared/runtime/wiring';
import type { TableUses } from '#shared/adapters/dynamodb/grants';
import { API_ROUTES, FUNCTIONS, SCHEDULES, shardCount, TELEMETRY_FLOWS } from '#infra/topology';
import { CASE_EVENT_SOURCE, type CaseEvent } from '#shared/events/case-events';
import { REPORT_EVENT_SOURCE, type ReportEvent } from '#shared/events/report-events';
import { HOTLINE_EVENT_SOURCE, type HotlineEvent } from '#shared/events/hotline-events';
import { Checkpoints, startEventRelay } from './event-relay.ts';
import { fileSink, sinkPublisher, webhookSink } from '#shared/adapters/event-publisher/sinks';
import { FolderReportStore } from '../../shared/adapters/report-store/folder.ts';
import { FolderMediaStore } from '../../shared/adapters/media-store/folder.ts';
import { keepDiscarded, redriveDiscarded, type RedriveOutcome } from './discarded-batches.ts';
import { startScheduler } from './scheduler.ts';
import { startApiServer } from './api-server.ts';
import { LOCAL_AUDIENCE, LocalSignIn, type NewUser } from './sign-in.ts';
import type { SignInPolicy } from './sign-in-throttle.ts';
import { JwtIdentity, type JwtIdentityOptions } from '#shared/adapters/identity/jwt-identity';
import type { Identity } from '#shared/app/ports/identity';
import { ensurePki, type LocalPki } from './device-pki.ts';
import { isLoopback, LOCAL_HOST } from './listen.ts';
import { startBroker, type AcceptedPublish, type BrokerEvents } from './broker.ts';
import { superviseDynamoDbLocal } from './dynamodb-local.ts';
import { FileArchive } from './file-archive.ts';
import { ExecutionEnvironments } from './execution-environments.ts';
import { LocalStream } from './local-stream.ts';
import { StreamArchive } from './stream-archive.ts';
import { StreamEventSource, type DiscardedBatch, type StreamEventSourceOptions } from './stream-event-source.ts';

export interface StackObserver {
  log: Log;
  metrics: Metrics;
  broker?: BrokerEvents;
  /** A batch an event source gave up on (kept whole in the data folder's discarded file). */
  discarded?(batch: DiscardedBatch): void;
  batch?: StreamEventSourceOptions['onBatch'];
  /** Each case event, once it is in the events file. */
  caseEvent?(event: CaseEvent): void;
  /** Each report publication, once it is in the events file. */
  reportPublished?(event: ReportEvent): void;
  /** Each answer to the 12345 hotline, once it is in the events file. */
  hotline?(event: HotlineEvent): void;
  schedule?(info: { schedule: string; result?: unknown; error?: unknown }): void;
}

/** An identity that makes its verifier on first use, once the API's address is known (one per execution environment). */
const lazyIdentity = (options: () => JwtIdentityOptions): Identity => {
  let made: JwtIdentity | undefined;
  return { verify: (token) => (made ??= new JwtIdentity(options())).verify(token) };
};

export const quietObserver = (): StackObserver => ({
  log: { info() {}, warn() {}, error() {} },
  metrics: { count() {}, flush() {} },
});

export interface LocalStackOptions {
  clock: Clock;
  /** When a client's message arrived (default: the clock's now): see the broker's option. */
  arrivalOf?(clientId: string): number;
  /** Keeps DynamoDB Local's files, the streams' journals, the archive and the discarded batches here; omitted: nothing is kept. */
  dataDir?: string;
  /** Use a DynamoDB (Local) already running instead of starting one. */
  dynamoEndpoint?: string;
  tablePrefix?: string;
  host?: string;
  /** Plain MQTT (the client id alone is the identity): default 1883, on loopback only. */
  mqttPort?: number;
  /**
   * Open plain MQTT (default: when `host` is loopback). Refused on any other address: there
   * a client knowing a thing's name would be that thing.
   */
  plainMqtt?: boolean;
  /**
   * MQTT over TLS with a device certificate from the stack's own authority (`npm start`:
   * 8883). Omitted: no TLS listener.
   */
  mqttTlsPort?: number;
  /**
   * Things the plain listener takes though they hold a certificate from the stack's
   * authority (`all`: every one), for trying things by hand. Default none: a thing with a
   * certificate connects over TLS only.
   */
  plainMqttFor?: 'all' | readonly string[];
  /** Where the authority, the broker's and the devices' certificates are kept (default `<dataDir>/pki`, or a temporary folder). */
  pkiDir?: string;
  apiPort?: number;
  /**
   * The cameras' snapshot listener (mutual TLS with their certificates), when the stack has
   * a device authority (a TLS port); default a free port.
   */
  snapshotsPort?: number;
  /** The workbench's built files, served by the ops API at `/app/` (see workbench.ts); none: no workbench. */
  appDir?: string;
  /** Registry to load at start (idempotent); the sample district by default of the caller. */
  model?: CityModel;
  /** Overrides of the topology's event-source settings, for tests. */
  batchWindowMs?: number;
  maxRetryAttempts?: number;
  maxRecordAgeMs?: number;
  /**
   * Chance that a function's execution environment is recycled after an invocation (default
   * 0.02; the test stacks use more): nothing may depend on one environment's memory.
   */
  recycleRate?: number;
  /** Chance that an ingest invocation fails on purpose, before or after its work (default 0). */
  failRate?: number;
  /** How often the archive consumer writes what it buffered (default 1 s). */
  archiveBufferMs?: number;
  /**
   * How much faster than real time the clock runs: the batch windows shrink by it, so a
   * queue holds messages as long in clock time as it would at speed 1.
   */
  timeScale?: number;
  /** Webhook URLs that receive every case event (POST, JSON), with retry. */
  webhooks?: string[];
  /** The 12345 hotline's receivers: its replies, send-backs and results only (POST, JSON), with retry. */
  hotlineWebhooks?: string[];
  /** The users to make when the data folder has no users file (default: one sample user per role, with new passwords). */
  users?: NewUser[];
  /** How many wrong passwords the sign-in takes (default the user pool's own policy: sign-in-throttle.ts); tests shorten it. */
  signInPolicy?: Partial<SignInPolicy>;
  /** The events file (what the bus carries: case events and report publications); default `<dataDir>/events/case-events.jsonl`, or a temporary folder in memory. */
  eventsFile?: string;
  /** Put the data folder's discarded batches back on their streams before taking messages (`npm start -- --redrive`). */
  redrive?: boolean;
  /** Told how many records went back, by stream. */
  onRedrive?(outcome: RedriveOutcome): void;
  /** Run the topology's schedules (default true), or only those named. */
  schedules?: boolean | readonly string[];
  observer?: StackObserver;
}

export interface LocalStack {
  eventsFile: string;
  /** The reports bucket's stand-in: `<district>/<month>/` folders of report files. */
  reportsDir: string;
  /** Where every accepted reading is archived (JSON Lines per kind and day). */
  archiveDir: string;
  /** Where devices connect: the plain listener on loopback, or the TLS one when plain MQTT is off. */
  mqttUrl: string;
  /** The TLS listener, when there is one. */
  mqttsUrl?: string;
  /** The authority and the devices' certificates, when there is a TLS listener. */
  pki?: LocalPki;
  apiUrl: string;
  /** Where cameras PUT their snapshots (`<url>/snapshots/<thing>/<file>`) with their certificates, when there is an authority. */
  snapshotsUrl?: string;
  /** The operators' sign-in: the users file of the data folder (`POST /auth/token`), and tokens for tests. */
  signIn: LocalSignIn;
  /** Users made at this start (the data folder had none), with their passwords: told once. */
  createdUsers: NewUser[];
  dynamoEndpoint: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  streams: Map<string, LocalStream>;
  /** Each function's execution environments, by function name. */
  environments: Map<string, ExecutionEnvironments<never, unknown>>;
  /** Batches the event sources gave up on, this run. */
  discarded: DiscardedBatch[];
  /** Records the ingest functions and the archive have not finished. */
  backlog(): number;
  /** Resolves once every stream's records are processed and archived and no batch is running. */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded local twin: DynamoDB Local, an MQTT broker with the IoT policy's rules,
 * the topology's router and streams (each read by its ingest function and the archive), the functions and the ops API, all running
 * the very handler modules deployed to Lambda.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const observer = options.observer ?? quietObserver();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
    const tables = tableNames(options.tablePrefix ?? 'cityops-');
    // A DynamoDB Local the stack started is watched: one that dies is started again, on the
    // same port and data folder, with backoff; meanwhile the streams hold what the broker
    // acknowledged and the event sources retry, so nothing is lost and nobody steps in.
    const supervisor = options.dynamoEndpoint
      ? undefined
      : await superviseDynamoDbLocal({
          dataDir: dataDir && join(dataDir, 'dynamodb'),
          log: observer.log,
          // In memory, a restarted DynamoDB Local is empty: the tables and the registry come back, the rest is gone.
          restore: dataDir
            ? undefined
            : async (client) => {
                await ensureTables(client, tables);
                if (options.model)
                  await wireDeps({
                    doc: documentClient(client),
                    tables,
                    clock: options.clock,
                    log: observer.log,
                    metrics: observer.metrics,
                  }).registry.putModel(options.model);
              },
        });
    if (supervisor) stops.push(() => supervisor.stop());
    const dynamoEndpoint = options.dynamoEndpoint ?? supervisor!.endpoint;
    const dynamo = localDynamoClient(dynamoEndpoint);
    stops.push(async () => dynamo.destroy());
    const doc = documentClient(dynamo);
    await ensureTables(dynamo, tables);
    // The archive bucket (S3 in AWS): in the data folder, or a temporary one in memory.
    const archiveDir = join(dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-archive-')), 'archive');
    const archive = new FileArchive(archiveDir);
    // The bus's targets: the events file and the webhooks (case events reach them through the relay below).
    const scratch = dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-'));
    const eventsFile = options.eventsFile ?? join(scratch, 'events', 'case-events.jsonl');
    const onBusEvent = (event: { source: string }) => {
      if (event.source === CASE_EVENT_SOURCE) observer.caseEvent?.(event as CaseEvent);
      else if (event.source === REPORT_EVENT_SOURCE) observer.reportPublished?.(event as ReportEvent);
      else if (event.source === HOTLINE_EVENT_SOURCE) observer.hotline?.(event as HotlineEvent);
    };
    const sinks = [
      fileSink(eventsFile, onBusEvent),
      ...(options.webhooks ?? []).map((url) => webhookSink(url)),
      ...(options.hotlineWebhooks ?? []).map((url) => webhookSink(url, [HOTLINE_EVENT_SOURCE])),
    ];
    // The reports bucket: in the data folder, or the temporary one.
    const reportsDir = join(scratch, 'reports');
    const reports = new FolderReportStore(reportsDir);
    // The media bucket: in the data folder, or the temporary one; its upload URLs are the local API's.
    let apiUrl = '';
    const media = new FolderMediaStore(join(scratch, 'media'), () => apiUrl, join(scratch, 'snapshots'));
    // The operators' user pool's stand-in: tokens from POST /auth/token, verified by the ops API with the keys it publishes.
    const { signIn, created: createdUsers } = await LocalSignIn.open(
      join(scratch, 'sign-in'),
      () => apiUrl,
      options.users,
      options.signInPolicy,
    );
    const events = sinkPublisher(sinks);
    /** Every port's adapter, new for each execution environment (its own caches), on the shared clients. */
    const wire = (grants?: { functionName: string; tables: TableUses }) =>
      wireDeps({
        doc,
        tables,
        clock: options.clock,
        log: observer.log,
        metrics: observer.metrics,
        reports,
        events,
        media,
        grants,
        identity: lazyIdentity(() => ({
          keys: new URL(`${apiUrl}/auth/jwks.json`),
          issuer: signIn.issuerUrl(),
          audience: LOCAL_AUDIENCE,
        })),
      });
    const { registry, telemetry, caseStore, rejects } = wire();
    // Cases stored by a version before the sharded index keys get them (once; a marker says so).
    const reindexed = await caseStore.reindex();
    if (reindexed.rewritten) observer.log.info('case index keys sharded', reindexed);
    if (options.model) {
      await registry.putModel(options.model);
      // State stored by a version before the offline check's index joins it (once; then nothing to do).
      const migrated = await telemetry.indexSilence(options.model.devices);
      if (migrated.indexed || migrated.offline) observer.log.info('offline check index filled', migrated);
    }
    const ingestFunctions = new Set(TELEMETRY_FLOWS.map((r) => r.function));
    const environments = new Map<string, ExecutionEnvironments<never, unknown>>();
    const handlers: Record<string, (event: never) => Promise<unknown>> = {};
    for (const spec of FUNCTIONS) {
      const module = await import(pathToFileURL(resolve(import.meta.dirname, '../..', spec.entry)).href);
      const pool = new ExecutionEnvironments<never, unknown>(
        spec.name,
        // The pages' built files go to the function that serves them (`pages` in the topology), as they are bundled beside it in AWS.
        () =>
          module.makeHandler({
            ...wire({ functionName: spec.name, tables: spec.tables }),
            ...(spec.pages && options.appDir ? { appDir: options.appDir } : {}),
          }),
        {
          recycleRate: options.recycleRate ?? 0.02,
          failRate: ingestFunctions.has(spec.name) ? options.failRate : 0,
        },
      );
      environments.set(spec.name, pool);
      handlers[spec.name] = pool.invoke;
    }

    const discarded: DiscardedBatch[] = [];
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const onDiscard = (batch: DiscardedBatch) => {
      if (dataDir) keepDiscarded(dataDir, batch);
      discarded.push(batch);
      observer.discarded?.(batch);
    };

    const streams = new Map<string, LocalStream>();
    const sources: StreamEventSource[] = [];
    const archivers: StreamArchive[] = [];
    const windowMs = (seconds: number) => options.batchWindowMs ?? (seconds * 1000) / (options.timeScale ?? 1);
    for (const route of TELEMETRY_FLOWS) {
      // On disk with a data folder: what the broker acknowledged survives a crash.
      const stream = new LocalStream(route.stream, {
        shards: shardCount(route),
        consumers: [route.function, route.archive],
        retentionMs: route.retentionHours * 3_600_000,
        journalPath: dataDir && join(dataDir, 'streams', `${route.stream}.jsonl`),
        warn: (message) => observer.log.warn(message),
      });
      streams.set(route.stream, stream);
      sources.push(
        new StreamEventSource(stream, route.function, {
          functionName: route.function,
          batchSize: route.batchSize,
          batchWindowMs: windowMs(route.batchWindowSeconds),
          parallelizationFactor: route.parallelizationFactor,
          bisectOnError: route.bisectOnError,
          maxRetryAttempts: options.maxRetryAttempts ?? route.maxRetryAttempts,
          maxRecordAgeMs: options.maxRecordAgeMs ?? route.maxRecordAgeSeconds * 1000,
          invoke: handlers[route.function] as StreamEventSourceOptions['invoke'],
          discard: onDiscard,
          onBatch: observer.batch,
        }),
      );
      archivers.push(
        new StreamArchive(stream, route.archive, {
          kind: route.kind,
          archive,
          bufferMs: options.archiveBufferMs ?? 1000,
          log: observer.log,
        }),
      );
    }
    if (options.redrive) {
      if (!dataDir)
        throw new Error('redrive needs a data folder: in memory there are no discarded batches to put back');
      options.onRedrive?.(await redriveDiscarded(dataDir, streams, observer.log));
    }
    for (const source of sources) source.start();
    for (const archiver of archivers) archiver.start();
    stops.push(async () => {
      await Promise.all(sources.map((s) => s.stop()));
      await Promise.all(archivers.map((a) => a.stop()));
      for (const stream of streams.values()) stream.close();
    });

    const ruleNames = new Map(TELEMETRY_FLOWS.map((flow) => [flow, telemetryRuleName(flow.kind)]));
    /** The topic rules (of the default stage): each accepted publish goes, as an envelope, to every flow it matches. */
    const route = async (publish: AcceptedPublish): Promise<void> => {
      // A Basic Ingest publish goes to the one rule it names; any other to every rule whose filter matches.
      const matched = publish.rule
        ? TELEMETRY_FLOWS.filter((r) => ruleNames.get(r) === publish.rule)
        : TELEMETRY_FLOWS.filter((r) => topicMatches(r.topicFilter, publish.topic));
      if (matched.length === 0) observer.log.warn('publish matched no telemetry flow', { topic: publish.topic });
      // The broker sends the PUBACK once this resolves: once every matched stream has kept the message (partition key: the thing).
      const data = Buffer.from(encodeEnvelope(publish)).toString('base64');
      await Promise.all(matched.map((r) => streams.get(r.stream)!.put(publish.clientId, data)));
    };

    const loopback = isLoopback(options.host ?? LOCAL_HOST);
    const plain = options.plainMqtt ?? loopback;
    if (plain && !loopback)
      throw new Error(
        `plain MQTT is for loopback only: on ${options.host} a client that knows a thing's name would be that thing; devices connect over TLS with their certificates (turn plain MQTT off)`,
      );
    if (!plain && options.mqttTlsPort === undefined)
      throw new Error(
        `no MQTT listener: plain MQTT is for loopback only${loopback ? ' and is off' : ` (not ${options.host})`}; give a TLS port for devices with certificates`,
      );
    const pki =
      options.mqttTlsPort === undefined
        ? undefined
        : await ensurePki(
            options.pkiDir ?? join(dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-pki-')), 'pki'),
            (options.model?.devices ?? []).map((d) => d.thing),
            options.host && !loopback ? [options.host] : [],
          );
    const broker = await startBroker({
      host: options.host,
      port: plain ? (options.mqttPort ?? 1883) : undefined,
      tls: pki && {
        port: options.mqttTlsPort!,
        host: options.host,
        key: pki.broker.key,
        cert: pki.broker.cert,
        ca: pki.ca,
      },
      lookupDevice: (thing) => registry.getDevice(thing),
      certified: pki?.certified,
      plainMqttFor: options.plainMqttFor,
      onPublish: route,
      // What the broker refuses is kept at /rejects (in AWS, IoT Core's logs tell it: docs/devices.md).
      onRefused: (refusal) =>
        void rejects
          .save([refusedPublish(refusal, `broker-${randomUUID()}`)])
          .then(({ retry, failed }) => {
            if (retry.length || failed.length) throw new Error(failed[0]?.reason ?? 'not written');
          })
          .catch((error: Error) =>
            observer.log.warn('a refused publish could not be kept', { error: error.message, topic: refusal.topic }),
          ),
      clock: options.clock,
      arrivalOf: options.arrivalOf,
      events: observer.broker,
    });
    stops.push(() => broker.stop());

    // /health locally is the stack's own: each part, and 503 when one is down.
    const probe = localDynamoClient(dynamoEndpoint, {
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 1500 },
    });
    stops.push(async () => probe.destroy());
    type PartStatus = { up: boolean; [detail: string]: unknown };
    /** The parts started after the API, as they come up. */
    const monitors: { relay?: () => PartStatus; scheduler?: () => PartStatus } = {};
    const health = async () => {
      const store = await probe
        .send(new ListTablesCommand({ Limit: 1 }))
        .then(() => ({ up: true }))
        .catch((error: Error) => ({
          up: false,
          error: error.name,
          ...(supervisor?.restarting ? { restarting: true } : {}),
        }));
      const parts = {
        broker: {
          up: true,
          ...(broker.url ? { mqtt: broker.url } : {}),
          ...(broker.tlsUrl ? { mqtts: broker.tlsUrl } : {}),
        },
        store,
        queues: { up: true, backlog: sources.reduce((n, s) => n + s.backlog, 0) },
        relay: monitors.relay?.() ?? { up: false, error: 'starting' },
        scheduler:
          options.schedules === false
            ? { up: true, schedules: 'off' }
            : (monitors.scheduler?.() ?? { up: false, error: 'starting' }),
      };
      const up = Object.values(parts).every((p) => p.up);
      return { status: up ? 200 : 503, body: { status: up ? 'ok' : 'degraded', parts } };
    };
    const api = await startApiServer({
      host: options.host,
      port: options.apiPort ?? 3000,
      routes: API_ROUTES,
      handlers: handlers as never,
      health,
      media: { store: media, clock: options.clock },
      signIn,
      log: observer.log,
      snapshots: pki && { port: options.snapshotsPort ?? 0, key: pki.broker.key, cert: pki.broker.cert, ca: pki.ca },
    });
    apiUrl = api.url;
    stops.push(() => api.stop());

    const caseStream = localStreamsClient(dynamoEndpoint);
    const relay = startEventRelay({
      dynamo,
      streams: caseStream,
      table: tables.cases,
      sinks,
      checkpoints: await Checkpoints.open(dataDir && join(dataDir, 'events', 'checkpoints.json')),
      log: observer.log,
    });
    monitors.relay = relay.status;
    stops.push(async () => {
      await relay.stop();
      caseStream.destroy();
    });

    const schedules = options.schedules ?? true;
    if (schedules !== false) {
      const chosen = schedules === true ? SCHEDULES : SCHEDULES.filter((s) => schedules.includes(s.name));
      const scheduler = startScheduler({
        schedules: chosen,
        handlers: handlers as never,
        clock: options.clock,
        onRun: observer.schedule,
      });
      monitors.scheduler = scheduler.status;
      stops.push(() => scheduler.stop());
    }

    return {
      eventsFile,
      reportsDir,
      archiveDir,
      mqttUrl: (broker.url ?? broker.tlsUrl)!,
      mqttsUrl: broker.tlsUrl,
      pki,
      apiUrl: api.url,
      snapshotsUrl: api.snapshotsUrl,
      signIn,
      createdUsers,
      dynamoEndpoint,
      tables,
      dynamo,
      streams,
      environments,
      discarded,
      backlog: () => sources.reduce((n, s) => n + s.backlog, 0),
      drained: async (timeoutMs = 30_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!sources.every((s) => s.idle) || !archivers.every((a) => a.idle)) {
          if (Date.now() > deadline) throw new Error('streams did not drain in time');
          await new Promise((r) => setTimeout(r, 25));
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
