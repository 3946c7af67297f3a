import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CaseService } from '#shared/app/case-service';
import type { EventPublisher, Log, Metrics, ReportStore } from '#shared/app/ports';
import { SiteDirectory } from '#shared/app/site-directory';
import { RouteDirectory, SweepCoverage } from '#shared/app/sweep-coverage';
import { DynamoCoverageStore } from './dynamodb/coverage-store.ts';
import type { Clock } from '#shared/domain/clock';
import type { OperatorSignIn } from '#shared/pages/ops-page';
import { DynamoCaseStore } from './dynamodb/case-store.ts';
import { DynamoRegistryStore } from './dynamodb/registry-store.ts';
import { DynamoRejectStore } from './dynamodb/reject-store.ts';
import { DynamoTelemetryStore } from './dynamodb/telemetry-store.ts';
import type { TableNames } from './dynamodb/tables.ts';

/** Case ids readable on a phone: the (UTC) date of opening and eight random hex digits. */
export const newCaseId = (clock: Clock) => () =>
  `cs-${new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;

/**
 * Every port's adapter, built once: what each function's `makeHandler` takes (each uses
 * the part it needs). The Lambda runtime and the local twin both wire through here.
 */
export function wireDeps(options: {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  historyDays?: number;
  /** The reports bucket (a folder locally), for the functions that publish reports. */
  reports?: ReportStore;
  /** The event bus (the events file and webhooks locally), for the functions that publish events directly. */
  events?: EventPublisher;
  /** Where the ops page signs operators in (AWS); none locally, where the page reads the map unsigned. */
  operatorSignIn?: OperatorSignIn;
}) {
  const { doc, tables, clock, log, metrics } = options;
  const registry = new DynamoRegistryStore(doc, tables.registry);
  const caseStore = new DynamoCaseStore(doc, tables.cases);
  const cases = new CaseService({ cases: caseStore, registry, clock, newId: newCaseId(clock), log, metrics });
  const sites = new SiteDirectory(registry, clock);
  const routes = new RouteDirectory(registry, clock);
  const coverageStore = new DynamoCoverageStore(doc, tables.coverage);
  return {
    telemetry: new DynamoTelemetryStore(doc, tables.telemetry, { historyDays: options.historyDays }),
    rejects: new DynamoRejectStore(doc, tables.rejects),
    reports: options.reports ?? ({ location: '', exists: missing('report store'), put: missing('report store') } satisfies ReportStore),
    events: options.events ?? ({ publish: missing('event bus') } satisfies EventPublisher),
    registry,
    caseStore,
    cases,
    sites,
    routes,
    coverageStore,
    coverage: new SweepCoverage({ sites, routes, store: coverageStore, clock }),
    operatorSignIn: options.operatorSignIn,
    clock,
    log,
    metrics,
  };
}
export type Deps = ReturnType<typeof wireDeps>;

/** A port this wiring was not given: every call fails, naming it (the route table gives it to the functions that use it). */
const missing = (what: string) => () => Promise.reject(new Error(`no ${what} in this wiring`));
