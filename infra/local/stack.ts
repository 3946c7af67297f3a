import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CityModel } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import type { TableNames } from '#shared/adapters/dynamodb/tables';
import { API_ROUTES, FUNCTIONS, SCHEDULES, TELEMETRY_FLOWS } from '#infra/topology';
import { localBuckets } from './buckets.ts';
import { startCaseEventPipe } from './case-event-pipe.ts';
import { startFunctions, type FunctionsSettings } from './cityops-functions.ts';
import type { LocalPki } from './device-pki.ts';
import { localEventBus, type EventBusSettings } from './event-bus.ts';
import type { ExecutionEnvironments } from './execution-environments.ts';
import { startIotCore, type IotCoreSettings } from './iot-core.ts';
import type { LocalStream } from './local-stream.ts';
import { startOperatorSignIn, type OperatorSignInSettings } from './operator-sign-in.ts';
import { startOpsApi, type OpsApiSettings } from './ops-api.ts';
import { Pieces, quietObserver, type StackObserver } from './pieces.ts';
import { startSchedules, type SchedulesSettings } from './scheduler.ts';
import type { LocalSignIn, NewUser } from './sign-in.ts';
import type { DiscardedBatch } from './stream-event-source.ts';
import { startTables, type TablesSettings } from './tables.ts';
import { startTelemetryFlows, type TelemetryFlowSettings } from './telemetry-flows.ts';

export { quietObserver, type StackObserver } from './pieces.ts';

/**
 * What `startLocalStack` takes: each piece's settings are documented where the piece is
 * (`TablesSettings` in tables.ts, `IotCoreSettings` in iot-core.ts, …); these are the
 * stack's own.
 */
export interface LocalStackOptions
  extends TablesSettings,
    EventBusSettings,
    OperatorSignInSettings,
    FunctionsSettings,
    TelemetryFlowSettings,
    IotCoreSettings,
    OpsApiSettings,
    SchedulesSettings {
  clock: Clock;
  /** Keeps DynamoDB Local's files, the streams' journals, the archive and the discarded batches here; omitted: nothing is kept. */
  dataDir?: string;
  /** Registry to load at start (idempotent); the sample district by default of the caller. */
  model?: CityModel;
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

/** The twin's pieces by their names in `GET /health`, in the order they start (they stop in reverse). */
const PIECES = ['store', 'buckets', 'bus', 'sign-in', 'functions', 'queues', 'broker', 'api', 'relay', 'scheduler'];

/**
 * The embedded local twin, a piece per AWS construct (docs/architecture.md, "The twin's
 * pieces"), each started from the topology with the pieces it uses, as a construct takes
 * others in its props: the tables on DynamoDB Local, the buckets, the event bus, the
 * operators' user pool, the functions (the very handler modules deployed to Lambda), the
 * telemetry flows, IoT Core's broker, the ops API, the case event pipe and the schedules.
 * Stopped in reverse: nothing takes a message once what keeps it is gone.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const observer = options.observer ?? quietObserver();
  const pieces = new Pieces(PIECES);
  try {
    const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const folder = dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-'));
    let apiUrl = '';
    const { log, metrics } = observer;
    const twin = { ...options, log, metrics, observer, dataDir, folder, apiUrl: () => apiUrl };
    const tables = pieces.add('store', await startTables(twin));
    const buckets = pieces.add('buckets', localBuckets(twin));
    const bus = pieces.add('bus', localEventBus(twin));
    const operators = pieces.add('sign-in', await startOperatorSignIn(twin));
    const failing = TELEMETRY_FLOWS.map((flow) => flow.function);
    const functions = pieces.add(
      'functions',
      await startFunctions(FUNCTIONS, { ...twin, tables, buckets, bus, operators, failing }),
    );
    const flows = pieces.add('queues', await startTelemetryFlows(TELEMETRY_FLOWS, { ...twin, functions, buckets }));
    const iot = pieces.add('broker', await startIotCore({ ...twin, tables, flows }));
    const api = pieces.add(
      'api',
      await startOpsApi(API_ROUTES, { ...twin, functions, buckets, operators, iot, health: pieces.health }),
    );
    apiUrl = api.url;
    pieces.add('relay', await startCaseEventPipe({ ...twin, tables, bus }));
    pieces.add('scheduler', startSchedules(SCHEDULES, { ...twin, functions }));
    return {
      eventsFile: bus.eventsFile,
      reportsDir: buckets.reportsDir,
      archiveDir: buckets.archiveDir,
      mqttUrl: (iot.broker.url ?? iot.broker.tlsUrl)!,
      mqttsUrl: iot.broker.tlsUrl,
      pki: iot.pki,
      apiUrl: api.url,
      snapshotsUrl: api.snapshotsUrl,
      signIn: operators.signIn,
      createdUsers: operators.createdUsers,
      dynamoEndpoint: tables.endpoint,
      tables: tables.names,
      dynamo: tables.dynamo,
      streams: flows.streams,
      environments: functions.environments,
      discarded: flows.discarded,
      backlog: flows.backlog,
      drained: flows.drained,
      stop: () => pieces.stop(),
    };
  } catch (error) {
    await pieces.stop();
    throw error;
  }
}
