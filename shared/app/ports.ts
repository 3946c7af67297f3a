import type { Community, Department, District, Grid, Site, Street } from '#shared/domain/city-model';
import type { Watch } from './site-directory.ts';
import type { Clock } from '#shared/domain/clock';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Case, CaseStatus, Signal } from '#shared/domain/cases';
import type { CaseCategory } from '#shared/domain/responsibility';
import type { BusEvent } from '#shared/events/event-definition';
import type { DeviceBatch, Reading, Rejection, StateFields } from '#shared/domain/telemetry';

/** A storage failure worth trying again (throttling, a dropped connection, a 5xx). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What a batched write left undone: items to redeliver, and items that can never be written. */
export interface WriteOutcome {
  retry: string[];
  failed: { messageId: string; reason: string }[];
}

/** Where a detector's signals wait until handled (the item that holds its state). */
export interface SignalOutbox {
  pk: string;
  sk: string;
}

/** A detector step over a device's readings newer than what is stored: its next state and its signals. */
export type DeviceDetection<S> = (prior: S | undefined, newer: Reading[]) => { state: S; signals: Signal[] };

/** How a device's state with detectors is written (see `shared/domain/state-writes.ts`). */
export interface StateWriteOptions {
  /** The stored last contact may trail by this much before an unchanged state is written anyway. */
  heartbeatMs: number;
  /** The state items this invocation read ahead (see `TelemetryStore.readStates`). */
  snapshot?: StateSnapshot;
}

/** State items read ahead for one invocation, by thing (`null`: the device has none yet). Never kept across invocations. */
export type StateSnapshot = Map<string, Record<string, unknown> | null>;

export interface TelemetryStore {
  /** Conditional on reading order: returns `stale` when the stored state is as new or newer. */
  saveLatest(batch: DeviceBatch, fields: StateFields, lastSeenAt: number): Promise<'written' | 'stale'>;
  /** The stored readings next to a batch, to join a sweeper's fixes across batches in any order. */
  neighbours(thing: string, first: { ts: number; seq: number }, last: { ts: number; seq: number }): Promise<{ before?: Reading; after?: Reading }>;
  /**
   * The same, with the device's detector state kept in its state item: a read (ahead, a
   * hundred to a request) and at most one conditional write per device per batch; only
   * readings newer than the stored watermark are detected. When the detector state did
   * not change, nothing is written (`unchanged`): nothing is ever held in memory.
   */
  saveLatestDetecting<S>(
    batch: DeviceBatch,
    lastSeenAt: number,
    detect: DeviceDetection<S>,
    options: StateWriteOptions,
  ): Promise<{ outcome: 'written' | 'unchanged' | 'stale'; pending: Signal[]; outbox: SignalOutbox }>;
  /** Detector state that spans a site's devices (a market's cameras), read-modify-write. */
  updateSiteDetector<S>(siteId: string, kind: DeviceKind, detect: (prior: S | undefined) => { state: S; signals: Signal[] }): Promise<{ pending: Signal[]; outbox: SignalOutbox }>;
  /** Signals are kept with the detector state that raised them until the case service has taken them. */
  ackSignals(outbox: SignalOutbox, signalIds: string[]): Promise<void>;
  /** Reads the state items of these devices, consistently and in batches, for this invocation's `saveLatestDetecting`. */
  readStates?(things: string[]): Promise<StateSnapshot>;
  /** The readings a kind's detectors query back (a sweeper's fixes, joined across batches), kept with a TTL. */
  saveHistory(readings: Reading[]): Promise<WriteOutcome>;
}

export interface RejectStore {
  save(rejections: Rejection[]): Promise<WriteOutcome>;
}

/** Where published reports are kept (the reports bucket in AWS, a folder locally), by key. */
export interface ReportStore {
  /** Where the keys live, as a person finds them: `s3://bucket/` or a folder path. */
  readonly location: string;
  exists(key: string): Promise<boolean>;
  put(key: string, body: string, contentType: string): Promise<void>;
}

/** The event bus downstream systems listen on (EventBridge in AWS, the events file and webhooks locally). Throws when an event was not taken. */
export interface EventPublisher {
  publish(events: readonly BusEvent[]): Promise<void>;
}

export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Metrics {
  count(name: string, value: number, dimensions?: Record<string, string>): void;
  /** Sends what was counted (a Lambda flushes once per invocation). */
  flush(): void;
}

/** Where detector signals go: the case service. */
export interface SignalHandler {
  handle(signals: Signal[]): Promise<unknown[]>;
}

export interface IngestDeps {
  telemetry: TelemetryStore;
  rejects: RejectStore;
  /** The site a device watches, for detectors and their per-site thresholds. */
  sites: { watchOf(thing: string): Promise<Watch | undefined>; prefetch?(things: string[]): Promise<void> };
  cases: SignalHandler;
  /** Sweeping coverage from sweepers' GPS. */
  coverage: { record(batch: DeviceBatch, neighbours: { before?: Reading; after?: Reading }): Promise<Signal[]> };
  clock: Clock;
  log: Log;
  metrics: Metrics;
}

/** A device's latest stored state: the reading order fields, last contact, and the reading's fields. */
export interface DeviceState {
  thing: string;
  kind: DeviceKind;
  ts: number;
  seq: number;
  lastSeenAt: number;
  [field: string]: unknown;
}

/** What the read services name things by: districts, departments, sites and the places of grids. */
export interface RegistryNames {
  listDistricts(): Promise<District[]>;
  listDepartments(districtId: string): Promise<Department[]>;
  getSites(siteIds: string[]): Promise<Map<string, Site>>;
  getPlace(gridId: string): Promise<Place | undefined>;
}

/** What the ids a service shows are called: a district's departments, some sites, and the places of some grids. */
export interface Names {
  /** Department unit id → name. */
  units: Map<string, string>;
  sites: Map<string, Site>;
  places: Map<string, Place | undefined>;
}

/** Reads the names of a district's departments, of these sites and of these grids' places (one read each, at once). */
export async function readNames(registry: RegistryNames, districtId: string, siteIds: Iterable<string>, gridIds: Iterable<string>): Promise<Names> {
  const [departments, sites, places] = await Promise.all([registry.listDepartments(districtId), registry.getSites([...new Set(siteIds)]), readPlaces(registry, gridIds)]);
  return { units: new Map(departments.map((d) => [d.unitId, d.name])), sites, places };
}

/** The places of these grids (one read each, at once). */
export async function readPlaces(registry: Pick<RegistryNames, 'getPlace'>, gridIds: Iterable<string>): Promise<Map<string, Place | undefined>> {
  return new Map(await Promise.all([...new Set(gridIds)].map(async (gridId) => [gridId, await registry.getPlace(gridId)] as const)));
}

/** A grid with the community and street office that own it. */
export interface Place {
  grid: Grid;
  community: Community | undefined;
  street: Street | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  nextToken?: string;
}

/** Every item of a paged listing, asked for page by page. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const next = await page(nextToken);
    items.push(...next.items);
    nextToken = next.nextToken;
  } while (nextToken);
  return items;
}

export interface CaseFilter {
  districtId?: string;
  status?: CaseStatus;
  category?: CaseCategory;
  unit?: string;
  streetId?: string;
  communityId?: string;
  gridId?: string;
  /** Opened at or after (epoch ms). */
  since?: number;
  limit?: number;
  nextToken?: string;
}

export interface CaseStore {
  /** Creates the case and its (site, category) lock together; `exists` when an active case holds the lock. */
  create(c: Case): Promise<'created' | 'exists'>;
  /** Writes a changed case if nobody changed it since `previous`; releases the lock when it stops being active. */
  save(c: Case, previous: Case): Promise<boolean>;
  get(caseId: string): Promise<Case | undefined>;
  findActive(siteId: string, category: CaseCategory): Promise<Case | undefined>;
  list(filter: CaseFilter): Promise<Page<Case>>;
  /** A district's working cases (open, dispatched, in progress, reopened), earliest deadline first. */
  listWorking(districtId: string): Promise<Case[]>;
  /** Every case of a district opened in [from, to), oldest first. */
  listOpened(districtId: string, from: number, to: number): Promise<Case[]>;
}

/** A request that cannot be answered as asked: the caller's mistake (an HTTP API answers 400 with the message). */
export class RequestRefusedError extends Error {}

/** A `nextToken` this API did not issue. */
export class InvalidPageTokenError extends RequestRefusedError {}

export function encodePageToken(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageToken<T>(token: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw new InvalidPageTokenError('nextToken is not one this API issued');
  }
}

/** Covered cells of one segment in one route window (or its late part), by one pass: a sweeper in one direction. */
export interface CoverageIncrement {
  routeId: string;
  windowKey: string;
  segmentId: string;
  pass: string;
  cells: number[];
}
