import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CaseService } from '#shared/app/case-service';
import type { EventPublisher } from '#shared/app/ports/events';
import type { Log, Metrics } from '#shared/app/ports/observability';
import type { ReportStore } from '#shared/app/ports/reports';
import type { Registry } from '#shared/app/ports/registry';
import type { TelemetryStore } from '#shared/app/ports/telemetry';
import type { RejectStore } from '#shared/app/ports/rejects';
import type { CaseStore } from '#shared/app/ports/cases';
import type { CoverageStore } from '#shared/app/ports/coverage';
import { SiteDirectory } from '#shared/app/site-directory';
import { RouteDirectory, SweepCoverage } from '#shared/app/sweep-coverage';
import { DynamoCoverageStore } from '../adapters/dynamodb/coverage-store.ts';
import { guardStore, type TableUses } from '../adapters/dynamodb/grants.ts';
import { TABLE_GRANTS } from '../adapters/dynamodb/table-grants.ts';
import type { Clock } from '#shared/domain/clock';
import { DynamoCaseStore } from '../adapters/dynamodb/case-store.ts';
import { DynamoRegistryStore } from '../adapters/dynamodb/registry-store.ts';
import { DynamoTicketStore } from '../adapters/dynamodb/ticket-store.ts';
import { MaintenanceService } from '../app/maintenance-service.ts';
import type { TicketStore } from '../app/ports/tickets.ts';
import type { MediaStore } from '../app/ports/media.ts';
import { DynamoRejectStore } from '../adapters/dynamodb/reject-store.ts';
import { DynamoTelemetryStore } from '../adapters/dynamodb/telemetry-store.ts';
import type { TableKey, TableNames } from '../adapters/dynamodb/tables.ts';
import { type Identity, SignInError } from '../app/ports/identity.ts';

/** Case ids readable on a phone: the (UTC) date of opening and eight random hex digits. */
/** A media id: `md-<date>-<16 hex digits>`, unguessable (the id is what reads it). */
export const newMediaId = (clock: Clock) => () =>
  `md-${new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(8).toString('hex')}`;

export const newCaseId = (clock: Clock) => () =>
  `cs-${new Date(clock.now()).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;

/**
 * Every port's adapter and the use-case objects shared between functions, typed as their
 * ports: each function's `makeHandler` declares the part it needs (a `Pick` of these).
 */
export interface Deps {
  registry: Registry;
  telemetry: TelemetryStore;
  rejects: RejectStore;
  caseStore: CaseStore;
  coverageStore: CoverageStore;
  reports: ReportStore;
  events: EventPublisher;
  /** The case service, which every function that raises signals hands them to (a device's faults go on to maintenance). */
  cases: CaseService;
  ticketStore: TicketStore;
  maintenance: MaintenanceService;
  media: MediaStore;
  newMediaId: () => string;
  /** Who signed in (the ops API's transitions). */
  identity: Identity;
  sites: SiteDirectory;
  routes: RouteDirectory;
  coverage: SweepCoverage;
  clock: Clock;
  log: Log;
  metrics: Metrics;
}

/** Builds every adapter once. The Lambda runtime and the local twin both wire through here. */
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
  /** The media bucket (a folder locally), for the ops API. */
  media?: MediaStore;
  /** Sign-in tokens' verifier (the user pool's keys in AWS, the local sign-in's locally), for the ops API. */
  identity?: Identity;
  /**
   * The store methods a function declared (its topology entry): the twin refuses any other,
   * as IAM does in AWS. Without it, everything (tests of a use case, tools).
   */
  grants?: { functionName: string; tables: TableUses };
}): Deps {
  const { doc, tables, clock, log, metrics, grants } = options;
  const guard = <S extends object>(store: S, table: TableKey): S =>
    grants ? guardStore(store, table, TABLE_GRANTS[table], grants.tables[table], grants.functionName) : store;
  const registry = guard(new DynamoRegistryStore(doc, tables.registry), 'registry');
  const caseStore = guard(new DynamoCaseStore(doc, tables.cases), 'cases');
  const ticketStore = guard(new DynamoTicketStore(doc, tables.tickets), 'tickets');
  const maintenance = new MaintenanceService({
    tickets: ticketStore,
    registry,
    clock,
    newId: newCaseId(clock),
    metrics,
  });
  const media: MediaStore = options.media ?? {
    createUpload: missing('media bucket'),
    find: missing('media bucket'),
    readUrl: missing('media bucket'),
  };
  const cases = new CaseService({
    cases: caseStore,
    registry,
    clock,
    newId: newCaseId(clock),
    log,
    metrics,
    maintenance,
    media,
  });
  const sites = new SiteDirectory(registry, clock);
  const routes = new RouteDirectory(registry, clock);
  const coverageStore = guard(new DynamoCoverageStore(doc, tables.coverage), 'coverage');
  return {
    telemetry: guard(
      new DynamoTelemetryStore(doc, tables.telemetry, { historyDays: options.historyDays }),
      'telemetry',
    ),
    rejects: guard(new DynamoRejectStore(doc, tables.rejects), 'rejects'),
    reports:
      options.reports ??
      ({ location: '', exists: missing('report store'), put: missing('report store') } satisfies ReportStore),
    events: options.events ?? ({ publish: missing('event bus') } satisfies EventPublisher),
    registry,
    caseStore,
    cases,
    ticketStore,
    maintenance,
    media,
    newMediaId: newMediaId(clock),
    identity: options.identity ?? {
      verify: async () => {
        throw new SignInError(
          'this deployment has no sign-in configured (OPS_JWKS_URL, OPS_TOKEN_ISSUER, OPS_TOKEN_AUDIENCE)',
        );
      },
    },
    sites,
    routes,
    coverageStore,
    coverage: new SweepCoverage({ sites, routes, store: coverageStore, clock }),
    clock,
    log,
    metrics,
  };
}

/** A port this wiring was not given: every call fails, naming it (the topology gives it to the functions that use it). */
const missing = (what: string) => () => Promise.reject(new Error(`no ${what} in this wiring`));
