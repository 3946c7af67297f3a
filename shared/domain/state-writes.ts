import type { DeviceKind } from './device-kinds.ts';

/**
 * When a device's state item is written. Nothing a detector needs is ever held only in
 * memory: every invocation ends with all of it stored. What keeps writes below one a
 * reading is that a garbage room's detector state changes only on a material change (see
 * `BinDetectorState`): most readings leave it as it was, and then the item is not written
 * at all. It is written when
 * - the device has no stored state yet, or there are signals to hand over;
 * - the detector state changed (a sample kept: a new fill band, a temperature 3 °C off,
 *   a detector step, or a heartbeat since the last sample by reading time);
 * - the stored last contact is a heartbeat old by arrival time (a backlog of old readings).
 *
 * What a skipped reading costs nobody: it is archived (by the stream's archive consumer),
 * and the detectors would have made nothing of it. The stored latest fields (fill,
 * temperature) can trail the device by up to a heartbeat, within their 10-point fill band;
 * the stored `lastSeenAt` by up to a heartbeat, which the offline check allows for.
 */
export const STATE_WRITES = { heartbeatIntervals: 3 };

/** The kinds whose state is not written with every reading: garbage rooms (cameras and sweepers write each batch). */
export const WRITTEN_ON_CHANGE = { bins: true, sweepers: false, cameras: false } as const satisfies Record<
  DeviceKind,
  boolean
>;

/** A device's heartbeat: how stale its stored state may get. */
export const heartbeatMs = (expectedIntervalSeconds: number): number =>
  STATE_WRITES.heartbeatIntervals * expectedIntervalSeconds * 1000;

/**
 * Readings dated more than this ahead of their arrival are "from the future": stored and
 * archived, but they never make a later reading stale (the device's clock was wrong).
 */
export const FUTURE_SKEW_MS = 5_000;
