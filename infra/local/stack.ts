import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Log, Metrics, RetryQueue } from '#shared/app/ports';
import type { CityModel } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { topicMatches } from '#shared/domain/topics';
import { documentClient, localDynamoClient, localStreamsClient } from '#shared/adapters/dynamodb/client';
import { ensureTables, tableNames, type TableNames } from '#shared/adapters/dynamodb/tables';
import { encodeEnvelope, type ingestHandler } from '#shared/adapters/telemetry-envelope';
import { wireDeps } from '#shared/adapters/wiring';
import { API_ROUTES, FUNCTIONS, SCHEDULES, TELEMETRY_ROUTES, visibilityTimeoutSeconds, type TelemetryRoute } from '#infra/routes';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { CASE_EVENT_SOURCE, type CaseEvent } from '#shared/events/case-events';
import type { ReportEvent } from '#shared/events/report-events';
import { Checkpoints, fileSink, sinkPublisher, startEventRelay, webhookSink } from './event-relay.ts';
import { FolderReportStore } from './folder-report-store.ts';
import { DEAD_LETTER_FILE, redriveDeadLetters, type RedriveOutcome } from './dead-letters.ts';
import { startScheduler } from './scheduler.ts';
import { startApiServer } from './api-server.ts';
import { startBroker, type AcceptedPublish, type BrokerEvents } from './broker.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { FileArchive } from './file-archive.ts';
import { deliveryProcessor } from './delivery-stream.ts';
import { LocalQueue, QueuePoller, type DeadLetter, type PollerOptions } from './local-queue.ts';

export interface StackObserver {
  log: Log;
  metrics: Metrics;
  broker?: BrokerEvents;
  deadLetter?(message: DeadLetter): void;
  batch?: PollerOptions['onBatch'];
  /** Each case event, once it is in the events file. */
  caseEvent?(event: CaseEvent): void;
  /** Each report publication, once it is in the events file. */
  reportPublished?(event: ReportEvent): void;
  schedule?(info: { schedule: string; result?: unknown; error?: unknown }): void;
}

export const quietObserver = (): StackObserver => ({
  log: { info() {}, warn() {}, error() {} },
  metrics: { count() {}, flush() {} },
});

export interface LocalStackOptions {
  clock: Clock;
  /** Keeps DynamoDB Local's files and the dead-letter file here; omitted: nothing is kept. */
  dataDir?: string;
  /** Use a DynamoDB (Local) already running instead of starting one. */
  dynamoEndpoint?: string;
  tablePrefix?: string;
  host?: string;
  mqttPort?: number;
  apiPort?: number;
  /** Registry to load at start (idempotent); the sample district by default of the caller. */
  model?: CityModel;
  /** Overrides of the route table's queue timing, for tests. */
  visibilityTimeoutMs?: number;
  batchWindowMs?: number;
  /**
   * How much faster than real time the clock runs: the batch windows shrink by it, so a
   * queue holds messages as long in clock time as it would at speed 1.
   */
  timeScale?: number;
  /** Webhook URLs that receive every case event (POST, JSON), with retry. */
  webhooks?: string[];
  /** The events file (what the bus carries: case events and report publications); default `<dataDir>/events/case-events.jsonl`, or a temporary folder in memory. */
  eventsFile?: string;
  /** Put the data folder's dead letters back on their queues before taking messages (`npm start -- --redrive`). */
  redrive?: boolean;
  /** Told how many dead letters went back, by queue. */
  onRedrive?(outcome: RedriveOutcome): void;
  /** Run the route table's schedules (default true), or only those named. */
  schedules?: boolean | readonly string[];
  observer?: StackObserver;
}

export interface LocalStack {
  eventsFile: string;
  /** The reports bucket's stand-in: `<district>/<month>/` folders of report files. */
  reportsDir: string;
  /** Where every accepted reading is archived (JSON Lines per kind and day). */
  archiveDir: string;
  mqttUrl: string;
  apiUrl: string;
  dynamoEndpoint: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  queues: Map<string, LocalQueue>;
  deadLetters: DeadLetter[];
  /** Resolves once every queue is empty and no batch is running. */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded local twin: DynamoDB Local, an MQTT broker with the IoT policy's rules,
 * the route table's router and queues, the ingest functions and the ops API, all running
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
    let dynamoLocal: DynamoDbLocal | undefined;
    const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
    if (!options.dynamoEndpoint) {
      dynamoLocal = await startDynamoDbLocal({ dataDir: dataDir && join(dataDir, 'dynamodb') });
      stops.push(() => dynamoLocal!.stop());
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamoLocal!.endpoint;
    const dynamo = localDynamoClient(dynamoEndpoint);
    stops.push(async () => dynamo.destroy());
    const doc = documentClient(dynamo);
    const tables = tableNames(options.tablePrefix ?? 'cityops-');
    await ensureTables(dynamo, tables);
    // The archive bucket (S3 in AWS): in the data folder, or a temporary one in memory.
    const archiveDir = join(dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-archive-')), 'archive');
    const archive = new FileArchive(archiveDir);
    /** Each route's retry queue (made below, before any handler runs). */
    const retryQueues = new Map<DeviceKind, LocalQueue>();
    const retryQueue = (kind: DeviceKind): RetryQueue => ({
      send: async (bodies) => {
        await Promise.all(bodies.map((body) => retryQueues.get(kind)!.send(body)));
      },
    });
    // The bus's targets: the events file and the webhooks (case events reach them through the relay below).
    const scratch = dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-'));
    const eventsFile = options.eventsFile ?? join(scratch, 'events', 'case-events.jsonl');
    const onBusEvent = (event: { source: string }) =>
      event.source === CASE_EVENT_SOURCE ? observer.caseEvent?.(event as CaseEvent) : observer.reportPublished?.(event as ReportEvent);
    const sinks = [fileSink(eventsFile, onBusEvent), ...(options.webhooks ?? []).map(webhookSink)];
    // The reports bucket: in the data folder, or the temporary one.
    const reportsDir = join(scratch, 'reports');
    const deps = wireDeps({ doc, tables, retryQueue, clock: options.clock, log: observer.log, metrics: observer.metrics, reports: new FolderReportStore(reportsDir), events: sinkPublisher(sinks) });
    const { registry } = deps;
    if (options.model) await registry.putModel(options.model);
    const handlers: Record<string, (event: never) => Promise<unknown>> = {};
    for (const spec of FUNCTIONS) {
      const module = await import(pathToFileURL(resolve(import.meta.dirname, '../..', spec.entry)).href);
      handlers[spec.name] = module.makeHandler(deps);
    }

    const deadLetters: DeadLetter[] = [];
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const onDeadLetter = (message: DeadLetter) => {
      deadLetters.push(message);
      if (dataDir) appendFileSync(join(dataDir, DEAD_LETTER_FILE), `${JSON.stringify(message)}\n`);
      observer.deadLetter?.(message);
    };

    const queues = new Map<string, LocalQueue>();
    const pollers: QueuePoller[] = [];
    const timing = (route: TelemetryRoute) => ({
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? visibilityTimeoutSeconds(route) * 1000,
      windowMs: (seconds: number) => options.batchWindowMs ?? (seconds * 1000) / (options.timeScale ?? 1),
    });
    for (const route of TELEMETRY_ROUTES) {
      const { visibilityTimeoutMs, windowMs } = timing(route);
      // An ingest function takes both triggers: its delivery stream's buffers and its retry queue's batches.
      const handler = handlers[route.function] as ReturnType<typeof ingestHandler>;
      // On disk with a data folder: what the broker acknowledged, and what waits for a retry, survives a crash.
      const journal = (name: string) => dataDir && join(dataDir, 'queues', `${name}.jsonl`);

      const retry = new LocalQueue(route.retryQueue, { visibilityTimeoutMs, maxReceiveCount: route.maxReceiveCount, deadLetter: onDeadLetter, journalPath: journal(route.retryQueue) });
      retryQueues.set(route.kind, retry);
      queues.set(route.retryQueue, retry);
      pollers.push(new QueuePoller(retry, handler, { batchSize: route.batchSize, batchWindowMs: windowMs(route.batchWindowSeconds), maxConcurrency: route.maxConcurrency, onBatch: observer.batch }));

      // The delivery stream: its buffer, processed by the ingest function, delivered to the archive.
      const buffer = new LocalQueue(route.deliveryStream, {
        visibilityTimeoutMs,
        maxReceiveCount: route.processingRetries + 1,
        deadLetter: (message) => {
          archive.writeFailuresSync(route.kind, [
            { recordId: message.messageId, at: message.sentAt, rawData: Buffer.from(message.body).toString('base64'), reason: `processing failed ${message.receiveCount} times` },
          ]);
          onDeadLetter(message);
        },
        journalPath: journal(route.deliveryStream),
      });
      queues.set(route.deliveryStream, buffer);
      const deliver = deliveryProcessor({ stream: route.deliveryStream, kind: route.kind, archive, process: handler });
      // One buffer at a time: a device's readings then reach its state in order, without two
      // buffers racing for the same item (Firehose may run more at once; conditional writes make either safe).
      pollers.push(new QueuePoller(buffer, deliver, { batchSize: route.bufferRecords, batchWindowMs: windowMs(route.bufferSeconds), maxConcurrency: 1, onBatch: observer.batch }));
    }
    if (options.redrive) {
      if (!dataDir) throw new Error('redrive needs a data folder: in memory there are no dead letters to put back');
      options.onRedrive?.(await redriveDeadLetters(dataDir, queues, observer.log));
    }
    for (const poller of pollers) poller.start();
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      for (const queue of queues.values()) queue.close();
      // State changes held back (write-behind) are written before DynamoDB Local stops.
      await deps.telemetry.flush().catch((error: unknown) => observer.log.warn('held-back state not written', { error: (error as Error).message }));
    });

    /** The topic rules: each accepted publish goes, as an envelope, to every route it matches. */
    const route = async (publish: AcceptedPublish): Promise<void> => {
      // A Basic Ingest publish goes to the one rule it names; any other to every rule whose filter matches.
      const matched = TELEMETRY_ROUTES.filter((r) => (publish.rule ? r.ruleName === publish.rule : topicMatches(r.topicFilter, publish.topic)));
      if (matched.length === 0) observer.log.warn('publish matched no route', { topic: publish.topic });
      // The broker sends the PUBACK once this resolves: once every matched delivery stream has kept the message.
      await Promise.all(matched.map((r) => queues.get(r.deliveryStream)!.send(encodeEnvelope(publish))));
    };

    const broker = await startBroker({
      host: options.host,
      port: options.mqttPort ?? 1883,
      lookupDevice: (thing) => registry.getDevice(thing),
      onPublish: route,
      clock: options.clock,
      events: observer.broker,
    });
    stops.push(() => broker.stop());

    const api = await startApiServer({ host: options.host, port: options.apiPort ?? 3000, routes: API_ROUTES, handlers: handlers as never });
    stops.push(() => api.stop());

    const streams = localStreamsClient(dynamoEndpoint);
    const relay = startEventRelay({
      dynamo,
      streams,
      table: tables.cases,
      sinks,
      checkpoints: await Checkpoints.open(dataDir && join(dataDir, 'events', 'checkpoints.json')),
      log: observer.log,
    });
    stops.push(async () => {
      await relay.stop();
      streams.destroy();
    });

    const schedules = options.schedules ?? true;
    if (schedules !== false) {
      const chosen = schedules === true ? SCHEDULES : SCHEDULES.filter((s) => schedules.includes(s.name));
      const scheduler = startScheduler({ schedules: chosen, handlers: handlers as never, clock: options.clock, onRun: observer.schedule });
      stops.push(() => scheduler.stop());
    }

    return {
      eventsFile,
      reportsDir,
      archiveDir,
      mqttUrl: broker.url,
      apiUrl: api.url,
      dynamoEndpoint,
      tables,
      dynamo,
      queues,
      deadLetters,
      drained: async (timeoutMs = 30_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!pollers.every((p) => p.idle)) {
          if (Date.now() > deadline) throw new Error('queues did not drain in time');
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
