import type { DeviceKind } from './device-kinds.ts';

/**
 * Write-behind of device state. Most readings change nothing anyone acts on: a garbage
 * room one point fuller, a detector window one reading longer. Writing the state item for
 * each of them is most of what a reading costs, so the store keeps such a change in
 * memory and writes it with a later one. A change is written at once when
 * - the device has no stored state yet, or there are signals to hand over;
 * - its fingerprint changes: what the kind's detectors declare matters to people (a
 *   detector flag, the fill band the ops page colours by);
 * - the stored state is a heartbeat old or more, by reading time or by arrival time
 *   (`heartbeatIntervals` × the device's report interval).
 *
 * What a deferred change risks: if the process holding it stops (a Lambda container is
 * recycled), its detector state misses those readings (they are still archived, and the
 * next batch starts from the stored state). The stored `lastSeenAt` trails the device's
 * last message by up to a heartbeat, which the offline check allows for.
 */
export const STATE_WRITES = { heartbeatIntervals: 2 };

/** The kinds whose state is written behind: garbage rooms (cameras and sweepers write each batch). */
export const WRITE_BEHIND = { bins: true, sweepers: false, cameras: false } as const satisfies Record<DeviceKind, boolean>;

/** What the stored state item was at its last write. */
export interface WriteMark {
  ts: number;
  lastSeenAt: number;
  fingerprint: string;
}

/** Whether a device's next state must be written now (see {@link STATE_WRITES}). */
export function stateWriteDue(stored: WriteMark | undefined, next: WriteMark, options: { signals: boolean; heartbeatMs: number }): boolean {
  if (!stored || options.signals) return true;
  if (stored.fingerprint !== next.fingerprint) return true;
  return next.ts - stored.ts >= options.heartbeatMs || next.lastSeenAt - stored.lastSeenAt >= options.heartbeatMs;
}

/** A device's heartbeat: how stale its stored state may get. */
export const heartbeatMs = (expectedIntervalSeconds: number): number => STATE_WRITES.heartbeatIntervals * expectedIntervalSeconds * 1000;
