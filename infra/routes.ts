/**
 * The one route table. Both wirings import it: the CDK app builds topic rules, queues,
 * event sources, schedules and API routes from it; the local twin builds its router,
 * queues, pollers, timers and HTTP routes from it. Nothing about a route is written twice.
 */
import { DEVICE_KINDS, type DeviceKind } from '#shared/domain/device-kinds';
import { topicFilterFor } from '#shared/domain/topics';
import type { TableKey } from '#shared/adapters/dynamodb/tables';
import { telemetryRuleName } from '#shared/adapters/iot-names';

/** What a function may do to each table (it gets only these grants). */
export type TableAccess = Partial<Record<TableKey, 'read' | 'readWrite'>>;

/** A Lambda function: its folder under `functions/` holds `handler.ts` with `makeHandler` and `handler`. */
export interface FunctionSpec {
  name: string;
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  description: string;
  access: TableAccess;
  /** Writes and reads the reports bucket (a folder locally). */
  reports?: 'readWrite';
  /** Puts events on the event bus (the events file and webhooks locally). */
  bus?: 'publish';
  /** Where a failed invocation's work goes (why the function needs no asynchronous dead-letter queue). */
  failures: string;
}

/**
 * Topic filter → delivery stream → function → archive, with a retry queue beside it. The
 * topic rule puts each message on the route's Firehose delivery stream; Firehose buffers
 * them and has the ingest function process each buffer (it validates, stores state,
 * detects, and returns the accepted readings, which Firehose writes to the archive). A
 * message the function cannot store yet (a retryable failure) goes to the retry queue,
 * whose SQS event source brings it back to the same function until its receive limit,
 * then to the dead-letter queue.
 */
export interface TelemetryRoute {
  /** Also the topic rule's name (underscores: IoT rule names allow no dashes). */
  ruleName: string;
  kind: DeviceKind;
  topicFilter: string;
  deliveryStream: string;
  function: string;
  /** Firehose buffering before the function is invoked: whichever of the two comes first. */
  bufferSeconds: number;
  bufferMb: number;
  /** About `bufferMb` of this kind's messages: the local twin's cap on a buffer, which counts messages. */
  bufferRecords: number;
  /** Invocations Firehose retries after a failure, before the buffer goes to the archive's error prefix. */
  processingRetries: number;
  retryQueue: string;
  /** Retry-queue event source: up to `batchSize` records, waiting at most `batchWindowSeconds` to fill. */
  batchSize: number;
  batchWindowSeconds: number;
  /** Receives before a retried message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Concurrent batches per retry queue (SQS event source maximum concurrency). */
  maxConcurrency: number;
}

/** A function run on a schedule with an EventBridge `ScheduledEvent`. */
export interface ScheduleRoute {
  name: string;
  function: string;
  /** `rate(5 minutes)` or `cron(...)`, as EventBridge Scheduler takes it. */
  expression: string;
  description: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** API Gateway path template, `{name}` for a path parameter. */
  path: string;
  function: string;
  /**
   * Who may call it in AWS: IAM principals with SigV4-signed requests (the default);
   * `operator`, people signed in to the operators' user pool (a bearer token: what the ops
   * page reads); `public`, anyone (the ops page itself, which holds no data). The local
   * server, on 127.0.0.1 only, asks nobody.
   */
  auth?: 'operator' | 'public';
}

const ingestFunction = (kind: DeviceKind): FunctionSpec => ({
  name: `ingest-${kind}`,
  entry: `functions/ingest-${kind}/handler.ts`,
  memoryMb: 512,
  timeoutSeconds: 30,
  description: `Validates and stores ${kind} telemetry from its delivery stream and retry queue`,
  access: { registry: 'read', telemetry: 'readWrite', rejects: 'readWrite', cases: 'readWrite', ...(kind === 'sweepers' ? { coverage: 'readWrite' } : {}) },
  failures: 'invoked synchronously by its Firehose delivery stream (which retries a failed buffer, then writes it under the archive’s error prefix) and by its retry queue’s event source (a failed message goes back to the queue and, after the route’s receive limit, to its dead-letter queue)',
});

const SCHEDULED_FAILURES = 'invoked by a schedule: it works from stored state, not from the event, so the next run does what a failed run left (and function errors alarm)';

export const FUNCTIONS: readonly FunctionSpec[] = [
  ...DEVICE_KINDS.map(ingestFunction),
  { name: 'ops-api', entry: 'functions/ops-api/handler.ts', memoryMb: 256, timeoutSeconds: 10, description: 'The ops HTTP API', access: { registry: 'read', telemetry: 'read', coverage: 'read', cases: 'readWrite' }, failures: 'invoked synchronously by API Gateway: the caller gets the error' },
  { name: 'check-offline', entry: 'functions/check-offline/handler.ts', memoryMb: 512, timeoutSeconds: 60, description: 'Opens and resolves device-offline cases', access: { registry: 'read', telemetry: 'readWrite', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
  { name: 'escalate-overdue', entry: 'functions/escalate-overdue/handler.ts', memoryMb: 256, timeoutSeconds: 60, description: 'Escalates overdue cases and reports each unit’s case load', access: { registry: 'read', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
  { name: 'case-events', entry: 'functions/case-events/handler.ts', memoryMb: 256, timeoutSeconds: 30, description: 'Turns case-table stream records into case events (the Pipe enrichment)', access: {}, failures: 'invoked synchronously by the EventBridge Pipe: the Pipe retries the batch, then sends it to its dead-letter queue' },
  { name: 'close-windows', entry: 'functions/close-windows/handler.ts', memoryMb: 512, timeoutSeconds: 120, description: 'Judges closed sweeping windows', access: { registry: 'read', telemetry: 'read', coverage: 'read', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
  {
    name: 'publish-reports',
    entry: 'functions/publish-reports/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 300,
    description: 'Writes each district’s monthly assessment report to the reports bucket and publishes ReportPublished',
    access: { registry: 'read', coverage: 'read', cases: 'read' },
    reports: 'readWrite',
    bus: 'publish',
    failures: `${SCHEDULED_FAILURES}; a report is complete only with its published.json, written last`,
  },
];

const telemetryRoute = (kind: DeviceKind, tuning: Pick<TelemetryRoute, 'bufferRecords' | 'batchSize'>): TelemetryRoute => ({
  ruleName: telemetryRuleName(kind),
  kind,
  topicFilter: topicFilterFor(kind),
  deliveryStream: `${kind}-telemetry`,
  function: `ingest-${kind}`,
  bufferSeconds: 5,
  bufferMb: 1,
  processingRetries: 3,
  retryQueue: `${kind}-retry`,
  batchWindowSeconds: 2,
  maxReceiveCount: 5,
  maxConcurrency: 2,
  ...tuning,
});

export const TELEMETRY_ROUTES: readonly TelemetryRoute[] = [
  // A garbage room's or a camera's message is a few hundred bytes; a sweeper's up to 500 GPS fixes (≈ 50 KB).
  telemetryRoute('bins', { bufferRecords: 2000, batchSize: 100 }),
  telemetryRoute('sweepers', { bufferRecords: 50, batchSize: 50 }),
  telemetryRoute('cameras', { bufferRecords: 1000, batchSize: 100 }),
];

export const SCHEDULES: readonly ScheduleRoute[] = [
  { name: 'offline-check', function: 'check-offline', expression: 'rate(1 minute)', description: 'devices silent for 3 × their report interval (garbage rooms 5 ×: their state is written behind)' },
  { name: 'sla-escalation', function: 'escalate-overdue', expression: 'rate(1 minute)', description: 'overdue cases go to the City Management Office' },
  { name: 'window-close', function: 'close-windows', expression: 'rate(5 minutes)', description: 'sweeping windows closed 15 minutes ago: missed segments, silent sweepers, swept late' },
  { name: 'monthly-report', function: 'publish-reports', expression: 'rate(15 minutes)', description: 'the monthly report of the month that ended, an hour after its end (each run looks for it and publishes it if missing)' },
];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/', function: 'ops-api', auth: 'public' },
  { method: 'GET', path: '/map', function: 'ops-api', auth: 'operator' },
  { method: 'GET', path: '/health', function: 'ops-api' },
  { method: 'GET', path: '/devices', function: 'ops-api' },
  { method: 'GET', path: '/devices/{thing}', function: 'ops-api' },
  { method: 'GET', path: '/cases', function: 'ops-api' },
  { method: 'GET', path: '/cases/{caseId}', function: 'ops-api' },
  { method: 'POST', path: '/cases/{caseId}/transitions', function: 'ops-api' },
  { method: 'GET', path: '/assessment', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/services.json', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/requests.json', function: 'ops-api' },
  { method: 'GET', path: '/open311/v2/requests/{id}', function: 'ops-api' },
];

/** A schedule expression's period in milliseconds (`rate(...)` only; the local scheduler runs these). */
export function ratePeriodMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new Error(`unsupported schedule expression "${expression}" (use rate(N minutes|hours|days))`);
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[m[2] as 'minute'];
  return Number(m[1]) * unit;
}

/** Retry-queue visibility timeout: six times the function timeout, as AWS advises for event sources. */
export const visibilityTimeoutSeconds = (route: TelemetryRoute): number => 6 * functionSpec(route.function).timeoutSeconds;

export function functionSpec(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function "${name}" in the route table`);
  return spec;
}
