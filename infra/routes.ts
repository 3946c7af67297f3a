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
  /** Where a failed invocation's work goes (why the function needs no asynchronous dead-letter queue). */
  failures: string;
}

/** Topic filter → queue → function. */
export interface TelemetryRoute {
  /** Also the topic rule's name (underscores: IoT rule names allow no dashes). */
  ruleName: string;
  kind: DeviceKind;
  topicFilter: string;
  queue: string;
  function: string;
  /** The Firehose delivery stream (locally: the archive folder) that keeps the route's readings. */
  archive: string;
  /** Event-source batching: up to `batchSize` records, waiting at most `batchWindowSeconds` to fill. */
  batchSize: number;
  batchWindowSeconds: number;
  /** Receives before a message goes to the dead-letter queue. */
  maxReceiveCount: number;
  /** Concurrent batches per queue (SQS event source maximum concurrency). */
  maxConcurrency: number;
}

/** A function run on a schedule with an EventBridge `ScheduledEvent` (filled by later issues). */
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
}

const ingestFunction = (kind: DeviceKind): FunctionSpec => ({
  name: `ingest-${kind}`,
  entry: `functions/ingest-${kind}/handler.ts`,
  memoryMb: 512,
  timeoutSeconds: 30,
  description: `Validates and stores ${kind} telemetry from its queue`,
  access: { registry: 'read', telemetry: 'readWrite', rejects: 'readWrite', cases: 'readWrite', ...(kind === 'sweepers' ? { coverage: 'readWrite' } : {}) },
  failures: 'invoked by its SQS event source: a failed message goes back to its queue and, after the route’s receive limit, to the queue’s dead-letter queue',
});

const SCHEDULED_FAILURES = 'invoked by a schedule: it works from stored state, not from the event, so the next run does what a failed run left (and function errors alarm)';

export const FUNCTIONS: readonly FunctionSpec[] = [
  ...DEVICE_KINDS.map(ingestFunction),
  { name: 'ops-api', entry: 'functions/ops-api/handler.ts', memoryMb: 256, timeoutSeconds: 10, description: 'The ops HTTP API', access: { registry: 'read', telemetry: 'read', cases: 'readWrite' }, failures: 'invoked synchronously by API Gateway: the caller gets the error' },
  { name: 'check-offline', entry: 'functions/check-offline/handler.ts', memoryMb: 512, timeoutSeconds: 60, description: 'Opens and resolves device-offline cases', access: { registry: 'read', telemetry: 'readWrite', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
  { name: 'escalate-overdue', entry: 'functions/escalate-overdue/handler.ts', memoryMb: 256, timeoutSeconds: 60, description: 'Escalates overdue cases and reports each unit’s case load', access: { registry: 'read', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
  { name: 'case-events', entry: 'functions/case-events/handler.ts', memoryMb: 256, timeoutSeconds: 30, description: 'Turns case-table stream records into case events (the Pipe enrichment)', access: {}, failures: 'invoked synchronously by the EventBridge Pipe: the Pipe retries the batch, then sends it to its dead-letter queue' },
  { name: 'close-windows', entry: 'functions/close-windows/handler.ts', memoryMb: 512, timeoutSeconds: 120, description: 'Judges closed sweeping windows', access: { registry: 'read', telemetry: 'read', coverage: 'read', cases: 'readWrite' }, failures: SCHEDULED_FAILURES },
];

const telemetryRoute = (kind: DeviceKind, tuning: Pick<TelemetryRoute, 'batchSize' | 'batchWindowSeconds'>): TelemetryRoute => ({
  ruleName: telemetryRuleName(kind),
  kind,
  topicFilter: topicFilterFor(kind),
  queue: `${kind}-telemetry`,
  function: `ingest-${kind}`,
  archive: `${kind}-archive`,
  maxReceiveCount: 5,
  maxConcurrency: 2,
  ...tuning,
});

export const TELEMETRY_ROUTES: readonly TelemetryRoute[] = [
  telemetryRoute('bins', { batchSize: 100, batchWindowSeconds: 2 }),
  // GPS batches are larger (up to 500 fixes a message): smaller batches keep a run short.
  telemetryRoute('sweepers', { batchSize: 50, batchWindowSeconds: 2 }),
  telemetryRoute('cameras', { batchSize: 100, batchWindowSeconds: 2 }),
];

export const SCHEDULES: readonly ScheduleRoute[] = [
  { name: 'offline-check', function: 'check-offline', expression: 'rate(1 minute)', description: 'devices silent for 3 × their report interval' },
  { name: 'sla-escalation', function: 'escalate-overdue', expression: 'rate(1 minute)', description: 'overdue cases go to the City Management Office' },
  { name: 'window-close', function: 'close-windows', expression: 'rate(5 minutes)', description: 'sweeping windows closed 15 minutes ago: missed segments, silent sweepers, swept late' },
];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/health', function: 'ops-api' },
  { method: 'GET', path: '/devices', function: 'ops-api' },
  { method: 'GET', path: '/devices/{thing}', function: 'ops-api' },
  { method: 'GET', path: '/cases', function: 'ops-api' },
  { method: 'GET', path: '/cases/{caseId}', function: 'ops-api' },
  { method: 'POST', path: '/cases/{caseId}/transitions', function: 'ops-api' },
];

/** A schedule expression's period in milliseconds (`rate(...)` only; the local scheduler runs these). */
export function ratePeriodMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) throw new Error(`unsupported schedule expression "${expression}" (use rate(N minutes|hours|days))`);
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[m[2] as 'minute'];
  return Number(m[1]) * unit;
}

/** SQS visibility timeout: six times the function timeout, as AWS advises for event sources. */
export const visibilityTimeoutSeconds = (route: TelemetryRoute): number => 6 * functionSpec(route.function).timeoutSeconds;

export function functionSpec(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function "${name}" in the route table`);
  return spec;
}
