import type { Community, Grid, Street } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import type { DeviceKind } from '#shared/domain/device-kinds';
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

export interface TelemetryStore {
  /** Conditional on reading order: returns `stale` when the stored state is as new or newer. */
  saveLatest(batch: DeviceBatch, fields: StateFields, lastSeenAt: number): Promise<'written' | 'stale'>;
  saveHistory(readings: Reading[]): Promise<WriteOutcome>;
}

export interface RejectStore {
  save(rejections: Rejection[]): Promise<WriteOutcome>;
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

export interface IngestDeps {
  telemetry: TelemetryStore;
  rejects: RejectStore;
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
