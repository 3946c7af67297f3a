/**
 * The topology: every function, telemetry flow (topic rule → stream → ingest function,
 * and → archive), schedule and HTTP API route, once. Both wirings read it: the CDK app
 * builds topic rules, streams, event sources, schedules and the HTTP API from it; the
 * local twin builds its broker routing, streams, event sources, timers and HTTP server
 * from it. Nothing about a flow is written twice.
 */
import { DEVICE_KINDS, type DeviceKind } from '#shared/domain/device-kinds';
import { STAFF_ROUTE_KEYS, staffKey } from '#functions/ops-api/staff-routes';
import { topicFilterFor } from '#shared/domain/topics';
import type { TableUses } from '#shared/adapters/dynamodb/grants';

/** A Lambda function: its folder under `functions/` holds `handler.ts` with `makeHandler` and `handler`. */
export interface FunctionSpec {
  name: string;
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  description: string;
  /**
   * The methods of each table's store it calls: its IAM actions are derived from them
   * (`shared/adapters/dynamodb/table-grants.ts`), and the local twin refuses any other.
   */
  tables: TableUses;
  /** Writes and reads the reports bucket (a folder locally). */
  reports?: 'readWrite';
  /** Presigns puts and gets of the media bucket (a folder locally). */
  media?: 'readWrite';
  /** Puts events on the event bus (the events file and webhooks locally). */
  bus?: 'publish';
  /** Serves the pages people work in (`web/`, built by Vite and bundled beside it; the built folder locally). */
  pages?: true;
  /** Where a failed invocation's work goes (why the function needs no asynchronous dead-letter queue). */
  failures: string;
}

/**
 * Topic filter → stream → function, with the archive and the discard destination beside
 * it. The topic rule puts each message on the flow's Kinesis data stream, partition key =
 * the thing name, so each device's messages stay in order on one shard. The ingest
 * function reads the stream through an event source mapping: batches of up to `batchSize`
 * records gathered for at most `batchWindowSeconds`, `parallelizationFactor` batches of
 * a shard at once (never two of one device), a batch that fails bisected until the
 * failing record stands alone, partial batch responses, retried until success or until
 * the record is `maxRecordAgeSeconds` old (before the stream's retention ends), then kept
 * whole (payload included) at the discard destination. A Firehose stream reads the same
 * stream into the archive, untransformed, so archiving and processing never hold each
 * other up.
 */
export interface TelemetryFlow {
  kind: DeviceKind;
  topicFilter: string;
  /** The Kinesis data stream. */
  stream: string;
  /** On-demand (the default: it follows the load) or a fixed number of shards. */
  capacity: { mode: 'on-demand' } | { mode: 'provisioned'; shards: number };
  retentionHours: number;
  function: string;
  batchSize: number;
  batchWindowSeconds: number;
  /** Concurrent batches per shard (1–10); a device's records always go to the same one, in order. */
  parallelizationFactor: number;
  bisectOnError: boolean;
  /** -1: retry until success (bounded by `maxRecordAgeSeconds`). */
  maxRetryAttempts: number;
  maxRecordAgeSeconds: number;
  /** The Firehose stream that archives the stream's records (to the archive bucket; files locally). */
  archive: string;
}

/** Shards the local twin gives an on-demand stream (AWS starts one at 4 MiB/s of writes: four shards' worth). */
export const ON_DEMAND_LOCAL_SHARDS = 4;

/** A stream's shard count where it has to be a number (the local twin; AWS sizes an on-demand stream itself). */
export const shardCount = (flow: TelemetryFlow): number =>
  flow.capacity.mode === 'provisioned' ? flow.capacity.shards : ON_DEMAND_LOCAL_SHARDS;

/** A function run on a schedule with an EventBridge `ScheduledEvent`. */
export interface ScheduleSpec {
  /** The function it runs, and the schedule's own name. */
  name: string;
  /** `rate(5 minutes)` or `cron(...)`, as EventBridge Scheduler takes it. */
  expression: string;
  description: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** API Gateway path template, `{name}` for a path parameter, `{name+}` for the rest of the path. */
  path: string;
  function: string;
  /**
   * Who may call it in AWS: IAM principals with SigV4-signed requests (the default);
   * `operator`, people signed in to the operators' user pool (a bearer token: the district's
   * map, a person's action on a case, the pages' calls under `/staff`); `public`, anyone
   * (`GET /`, which leads to the district's map, and the pages people work in: no data). The local server
   * checks an `operator` route's token as the JWT authorizer does (the local sign-in's
   * tokens); it checks no SigV4 signature (IAM routes answer anyone on 127.0.0.1).
   */
  auth?: 'operator' | 'public';
}

/**
 * What the case service does with a detector's signals: opens (and numbers: the day's
 * serial), repeats or resolves the site's active case, or joins a case of the class nearby.
 */
const CASE_SIGNALS = ['findActive', 'create', 'nextSerial', 'save', 'get', 'listNear'];
/** What the case service reads of a district's configuration: its classification table, and its grids for a reported point. */
const DISTRICT_CONFIG = ['listDistricts', 'listGrids'];
/** What maintenance does with a device's fault signals: opens, counts or clears the device's ticket. */
const TICKET_SIGNALS = ['findOpen', 'create', 'save', 'get'];
/** The names a read service shows: units, sites and places. */
const NAMES = ['listDepartments', 'getSites', 'getPlace'];

const ingestFunction = (kind: DeviceKind): FunctionSpec => ({
  name: `ingest-${kind}`,
  entry: `functions/ingest-${kind}/handler.ts`,
  memoryMb: 512,
  timeoutSeconds: 30,
  description: `Validates and stores ${kind} telemetry from its Kinesis stream`,
  tables: {
    // The site a device watches (and, for sweepers, the district's routes); the place a case is opened in.
    registry: [
      'getDevice',
      'getSite',
      'getDevices',
      'getSites',
      'getPlace',
      ...DISTRICT_CONFIG,
      ...(kind === 'sweepers' ? ['listSites'] : []),
    ],
    telemetry: [
      'saveLatest',
      'saveLatestDetecting',
      'readStates',
      'updateSiteDetector',
      'ackSignals',
      'saveHistory',
      'neighbours',
    ],
    rejects: ['save'],
    cases: CASE_SIGNALS,
    tickets: TICKET_SIGNALS,
    ...(kind === 'sweepers' ? { coverage: ['add'] } : {}),
  },
  failures:
    'invoked by its stream’s event source mapping: a failed batch is bisected and retried in order ' +
    'until success or the record’s maximum age, then kept whole at the discard destination (S3)',
});

const SCHEDULED_FAILURES =
  'invoked by a schedule: it works from stored state, not from the event, so the next run does what a ' +
  'failed run left (and function errors alarm)';

export const FUNCTIONS: readonly FunctionSpec[] = [
  ...DEVICE_KINDS.map(ingestFunction),
  {
    name: 'ops-api',
    entry: 'functions/ops-api/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    description: 'The ops HTTP API',
    tables: {
      registry: [
        'getDevice',
        'getSite',
        'listDevices',
        'listDistricts',
        'listGrids',
        'listSites',
        'listStreets',
        'listCommunities',
        ...NAMES,
      ],
      telemetry: ['getLatest', 'getLatestMany'],
      rejects: ['list'],
      coverage: ['read'],
      // Reads, a report's intake (and its case number's serial) and a transition's save: no batch writes,
      // no deletes but a closed case's lock, no updates but a day's serial counter.
      cases: [
        'get',
        'list',
        'listWorking',
        'listActive',
        'listOpened',
        'save',
        'create',
        'nextSerial',
        'listNear',
        'findByExternalId',
      ],
      // The operators' ticket list and its actions; availability in the assessment.
      tickets: ['get', 'list', 'listOpened', 'save'],
    },
    media: 'readWrite',
    pages: true,
    failures: 'invoked synchronously by API Gateway: the caller gets the error',
  },
  {
    name: 'check-offline',
    entry: 'functions/check-offline/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    description: 'Opens device-offline maintenance tickets for the devices past their silence due time',
    tables: {
      registry: ['getDevice', 'getDevices', 'getSite', 'getPlace', ...DISTRICT_CONFIG],
      telemetry: ['silentDevices', 'markOffline'],
      cases: CASE_SIGNALS,
      tickets: TICKET_SIGNALS,
    },
    failures: SCHEDULED_FAILURES,
  },
  {
    name: 'escalate-overdue',
    entry: 'functions/escalate-overdue/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    description: 'Escalates overdue cases and reports each unit’s case load',
    tables: {
      registry: ['listDistricts', 'listDepartments', 'listStreets'],
      cases: ['listActive', 'save'],
    },
    failures: SCHEDULED_FAILURES,
  },
  {
    name: 'case-events',
    entry: 'functions/case-events/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    description: 'Turns case-table stream records into case events (the Pipe enrichment)',
    tables: {},
    failures:
      'invoked synchronously by the EventBridge Pipe: the Pipe retries the batch, then sends it to its dead-letter queue',
  },
  {
    name: 'close-windows',
    entry: 'functions/close-windows/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 120,
    description: 'Judges closed sweeping windows',
    tables: {
      registry: ['listSites', 'listDevices', 'getSite', 'getPlace', ...DISTRICT_CONFIG],
      telemetry: ['anyReading'],
      coverage: ['read'],
      cases: CASE_SIGNALS,
    },
    failures: SCHEDULED_FAILURES,
  },
  {
    name: 'publish-reports',
    entry: 'functions/publish-reports/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 300,
    description: 'Writes each district’s monthly assessment report to the reports bucket and publishes ReportPublished',
    tables: {
      registry: ['listDistricts', 'listDevices', 'listSites', ...NAMES],
      coverage: ['read'],
      cases: ['listOpened'],
      tickets: ['listOpened'],
    },
    reports: 'readWrite',
    bus: 'publish',
    failures: `${SCHEDULED_FAILURES}; a report is complete only with its published.json, written last`,
  },
];

const telemetryFlow = (kind: DeviceKind, tuning: Pick<TelemetryFlow, 'batchSize'>): TelemetryFlow => ({
  kind,
  topicFilter: topicFilterFor(kind),
  stream: `${kind}-telemetry`,
  capacity: { mode: 'on-demand' },
  retentionHours: 24,
  function: `ingest-${kind}`,
  batchWindowSeconds: 1,
  parallelizationFactor: 2,
  bisectOnError: true,
  maxRetryAttempts: -1,
  // An hour short of the retention: a record is set aside whole before the stream drops it.
  maxRecordAgeSeconds: 23 * 3600,
  archive: `${kind}-archive`,
  ...tuning,
});

export const TELEMETRY_FLOWS: readonly TelemetryFlow[] = [
  // A garbage room's or a camera's message is a few hundred bytes; a sweeper's up to 500 GPS fixes (≈ 50 KB).
  telemetryFlow('bins', { batchSize: 500 }),
  telemetryFlow('sweepers', { batchSize: 50 }),
  telemetryFlow('cameras', { batchSize: 200 }),
];

export const SCHEDULES: readonly ScheduleSpec[] = [
  {
    name: 'check-offline',
    expression: 'rate(1 minute)',
    description:
      'devices silent for 3 × their report interval (garbage rooms 6 ×: their state is written only on a ' +
      'change, or a heartbeat of 3 intervals)',
  },
  {
    name: 'escalate-overdue',
    expression: 'rate(1 minute)',
    description: 'overdue cases go to the City Management Office',
  },
  {
    name: 'close-windows',
    expression: 'rate(5 minutes)',
    description: 'sweeping windows closed 15 minutes ago: missed segments, silent sweepers, swept late',
  },
  {
    name: 'publish-reports',
    expression: 'rate(15 minutes)',
    description:
      'the monthly report of the month that ended, an hour after its end (each run looks for it and publishes it if missing)',
  },
];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/', function: 'ops-api', auth: 'public' },
  { method: 'GET', path: '/map', function: 'ops-api', auth: 'operator' },
  { method: 'GET', path: '/health', function: 'ops-api' },
  { method: 'GET', path: '/devices', function: 'ops-api' },
  { method: 'GET', path: '/devices/{thing}', function: 'ops-api' },
  { method: 'GET', path: '/rejects', function: 'ops-api' },
  { method: 'GET', path: '/routes', function: 'ops-api' },
  { method: 'GET', path: '/routes/{routeId}', function: 'ops-api' },
  { method: 'GET', path: '/routes/{routeId}/coverage', function: 'ops-api' },
  { method: 'GET', path: '/cases', function: 'ops-api' },
  { method: 'GET', path: '/cases/{caseId}', function: 'ops-api' },
  { method: 'POST', path: '/cases/reports', function: 'ops-api' },
  // A person's action: their user-pool token (roles, unit), checked by the gateway and by the function.
  { method: 'POST', path: '/cases/{caseId}/transitions', function: 'ops-api', auth: 'operator' },
  // The 12345 hotline's hand-over: IAM-signed by the hotline's own role (docs/hotline.md).
  { method: 'POST', path: '/hotline/12345/tickets', function: 'ops-api' },
  { method: 'POST', path: '/media', function: 'ops-api' },
  { method: 'GET', path: '/media/{mediaId}', function: 'ops-api' },
  { method: 'GET', path: '/tickets', function: 'ops-api' },
  { method: 'GET', path: '/tickets/{ticketId}', function: 'ops-api' },
  // A city system's action on a ticket, IAM-signed, naming itself (system:<name>); people act through the staff route.
  { method: 'POST', path: '/tickets/{ticketId}/transitions', function: 'ops-api' },
  // A person's action on a ticket: their user-pool token (roles, unit), as a case's transitions.
  { method: 'POST', path: '/staff/tickets/{ticketId}/transitions', function: 'ops-api', auth: 'operator' },
  { method: 'GET', path: '/assessment', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/services.json', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/requests.json', function: 'ops-api' },
  { method: 'POST', path: '/open311/v2/requests.json', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/requests/{id}', function: 'ops-api' },
  // The pages people work in (static files, no data) and their calls with a person's token (see staff-routes.ts).
  { method: 'GET', path: '/app', function: 'ops-api', auth: 'public' },
  { method: 'GET', path: '/app/{proxy+}', function: 'ops-api', auth: 'public' },
  ...STAFF_ROUTE_KEYS.map((key): ApiRoute => {
    const [method, path] = staffKey(key).split(' ') as [ApiRoute['method'], string];
    return { method, path, function: 'ops-api', auth: 'operator' };
  }),
];

/** A schedule expression's period in milliseconds (`rate(...)` only; the local scheduler runs these). */
export function ratePeriodMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new Error(`unsupported schedule expression "${expression}" (use rate(N minutes|hours|days))`);
  const unit = {
    minute: 60_000,
    minutes: 60_000,
    hour: 3_600_000,
    hours: 3_600_000,
    day: 86_400_000,
    days: 86_400_000,
  }[m[2] as 'minute'];
  return Number(m[1]) * unit;
}

export function functionSpec(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function "${name}" in the topology`);
  return spec;
}
