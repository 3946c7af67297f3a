import type { Signal } from '#shared/domain/cases';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { DeviceBatch, Reading, StateFields } from '#shared/domain/telemetry';

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

/** A device's latest stored state: the reading order fields, last contact, and the reading's fields. */
export interface DeviceState {
  thing: string;
  kind: DeviceKind;
  ts: number;
  seq: number;
  lastSeenAt: number;
  [field: string]: unknown;
}

/** Devices' latest state, detector state and signal outboxes, and the readings kept as history. */
export interface TelemetryStore {
  /** Conditional on reading order: returns `stale` when the stored state is as new or newer. */
  saveLatest(batch: DeviceBatch, fields: StateFields, lastSeenAt: number): Promise<'written' | 'stale'>;
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
  /** Reads the state items of these devices, consistently and in batches, for this invocation's `saveLatestDetecting`. */
  readStates(things: string[]): Promise<StateSnapshot>;
  /** Detector state that spans a site's devices (a market's cameras), read-modify-write. */
  updateSiteDetector<S>(
    siteId: string,
    kind: DeviceKind,
    detect: (prior: S | undefined) => { state: S; signals: Signal[] },
  ): Promise<{ pending: Signal[]; outbox: SignalOutbox }>;
  /** Signals are kept with the detector state that raised them until the case service has taken them. */
  ackSignals(outbox: SignalOutbox, signalIds: string[]): Promise<void>;
  /** The readings a kind's detectors query back (a sweeper's fixes, joined across batches), kept with a TTL. */
  saveHistory(readings: Reading[]): Promise<WriteOutcome>;
  /** The stored readings next to a batch, to join a sweeper's fixes across batches in any order. */
  neighbours(
    thing: string,
    first: { ts: number; seq: number },
    last: { ts: number; seq: number },
  ): Promise<{ before?: Reading; after?: Reading }>;
  /** Whether the device sent any reading kept as history in [from, to). */
  anyReading(thing: string, from: number, to: number): Promise<boolean>;
  getLatest(thing: string): Promise<DeviceState | undefined>;
  getLatestMany(things: string[]): Promise<Map<string, DeviceState>>;
  /** Which of these devices are marked offline. */
  offlineThings(things: string[]): Promise<Set<string>>;
  markOffline(changes: { thing: string; offline: boolean }[], at: number): Promise<void>;
}
