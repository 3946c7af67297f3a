import type { Signal } from '#shared/domain/case/model';
import type { SilenceKeys } from '#shared/domain/detectors/offline-detector';
import type { Device } from '#shared/domain/city-model';
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

/** What a detector step is told of the stored device besides its detector state. */
export interface DetectionContext {
  /** The offline check marked the device offline at this time: it is reporting again. */
  offlineSince?: number;
  /** The state item is written whatever the detector decides (its silence bucket moved, or it is new). */
  writing: boolean;
}

/** A detector step over a device's readings newer than what is stored: its next state and its signals. */
export type DeviceDetection<S> = (
  prior: S | undefined,
  newer: Reading[],
  context: DetectionContext,
) => { state: S; signals: Signal[] };

/** How a device's state with detectors is written (see `shared/domain/state-writes.ts`). */
export interface StateWriteOptions {
  /** Where the offline check finds the device, from its last contact (see `offline-detector.ts`). */
  silence: (lastSeenAt: number) => SilenceKeys;
  /** The state items this invocation read ahead (see `TelemetryStore.readStates`). */
  snapshot?: StateSnapshot;
}

/**
 * A state write without detectors: `offline` when the device is marked offline, so nothing
 * was written; the caller hands the signal that it reports again to the case service, then
 * writes again with `reportingAgain`.
 */
export type LatestOutcome = { outcome: 'written' | 'stale' } | { outcome: 'offline'; offlineSince: number };

/** A device the offline check found past its silence due time, confirmed from its state item. */
export interface SilentDevice {
  thing: string;
  lastSeenAt: number;
  /** The due time the state item held: marking it offline is conditional on it. */
  due: number;
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
  /**
   * Conditional on reading order (`stale` when the stored state is as new or newer) and on
   * the device not being marked offline (see `LatestOutcome`); `silence` places the device
   * in the offline check's index (none: a device the registry does not know).
   */
  saveLatest(
    batch: DeviceBatch,
    fields: StateFields,
    lastSeenAt: number,
    silence: SilenceKeys | undefined,
    options?: { reportingAgain?: boolean },
  ): Promise<LatestOutcome>;
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
  /**
   * The devices whose silence due time has passed (the offline check's index, every shard),
   * each confirmed by a consistent read of its state item: work in proportion to the
   * devices that went silent, not to the fleet.
   */
  silentDevices(now: number): Promise<SilentDevice[]>;
  /**
   * Marks devices offline and takes them out of the index, each conditional on the due time
   * read: returns the things that reported in between (and were not marked).
   */
  markOffline(devices: SilentDevice[], at: number): Promise<string[]>;
  /**
   * Migration: puts the devices whose state was stored before the offline check had its
   * index into it (carrying over the offline marks of that time). Idempotent.
   */
  indexSilence(
    devices: Pick<Device, 'thing' | 'kind' | 'expectedIntervalSeconds'>[],
  ): Promise<{ indexed: number; offline: number }>;
}
