import type { Signal } from '../case/model.ts';
import type { Device } from '../city-model.ts';
import type { DeviceKind } from '../device-kinds.ts';
import { spreadHash } from '../spread.ts';

/**
 * A device is offline after `factor` (3) × its expected report interval without a message.
 *
 * The offline check must not read the fleet (issue 16: 100,000 devices a minute), so each
 * device's state item carries the time the check should look at it, its *silence due*
 * time, in a sparse index (`bySilence`) that the check queries for `due ≤ now`: a healthy
 * fleet yields nothing to read. The due time is the end of the bucket (`bucketIntervals`
 * report intervals wide, shifted by a per-device phase so a fleet's buckets do not turn
 * over in the same minute) that holds the deadline `lastSeenAt + factor × interval`. It
 * moves only when the deadline leaves its bucket, so a device costs the index a write (a
 * delete and a put) once a bucket, not once a reading; the price is that a silent device
 * is seen between `factor` and `factor + bucketIntervals` intervals after its last message.
 * Garbage rooms, whose state is written only on a change (see `state-writes.ts`), have
 * wide buckets (an hour at 5-minute reports: the bucket's move, a delete and a put in the
 * index and a state write, is 3 write units in 12 readings): seen between 15 and 75 minutes. Cameras and sweepers
 * write their state with every message anyway, so only the index write is added: narrow
 * buckets (a camera every 15 s: seen within 45 to 90 s).
 *
 * The index key is sharded (`shards`) so that a fleet's entries never share one index
 * partition; the check queries the shards in parallel.
 */
export const SILENCE = {
  factor: 3,
  bucketIntervals: { bins: 12, sweepers: 3, cameras: 3 } satisfies Record<DeviceKind, number>,
  shards: 16,
} as const;

type Timing = Pick<Device, 'kind' | 'expectedIntervalSeconds'>;

/** Where the offline check finds a device: its index shard and the time it is due a look. */
export interface SilenceKeys {
  shard: string;
  due: number;
}

/** The silence allowed before a device counts as offline. */
export const allowedSilenceMs = (device: Pick<Device, 'expectedIntervalSeconds'>): number =>
  SILENCE.factor * device.expectedIntervalSeconds * 1000;

/** The width of a device's silence bucket: how often its due time moves while it reports. */
export const silenceBucketMs = (device: Timing): number =>
  SILENCE.bucketIntervals[device.kind] * device.expectedIntervalSeconds * 1000;

/** The index shard of a thing. */
export const silenceShard = (thing: string, shards: number = SILENCE.shards): string =>
  `s${spreadHash(thing) % shards}`;

/**
 * When the offline check should look at a device last heard from at `lastSeenAt`: the end
 * of the bucket holding its deadline, always later than the deadline itself.
 */
export function silenceDue(device: Timing & Pick<Device, 'thing'>, lastSeenAt: number): number {
  const width = silenceBucketMs(device);
  const phase = spreadHash(device.thing) % width;
  const deadline = lastSeenAt + allowedSilenceMs(device);
  return Math.floor((deadline - phase) / width) * width + phase + width;
}

/** The keys a device's state item carries while the device reports. */
export const silenceKeys = (device: Timing & Pick<Device, 'thing'>, lastSeenAt: number): SilenceKeys => ({
  shard: silenceShard(device.thing),
  due: silenceDue(device, lastSeenAt),
});

/** Whether a device last heard from at `lastSeenAt` is offline at `now`. */
export const isSilent = (device: Pick<Device, 'expectedIntervalSeconds'>, lastSeenAt: number, now: number): boolean =>
  now - lastSeenAt > allowedSilenceMs(device);

/** The signal for a device found silent: a device-offline case. */
export function wentSilent(device: Device, lastSeenAt: number, now: number): Signal {
  const silentMs = now - lastSeenAt;
  return {
    kind: 'anomaly',
    category: 'device_offline',
    siteId: device.siteId,
    thing: device.thing,
    evidence: {
      at: now,
      thing: device.thing,
      summary: `no message for ${Math.round(silentMs / 1000)} s (expected every ${device.expectedIntervalSeconds} s)`,
      data: { lastSeenAt, expectedIntervalSeconds: device.expectedIntervalSeconds },
    },
  };
}

/** The signal for a device marked offline that reports again: its case is resolved. */
export function reportingAgain(
  device: Pick<Device, 'thing' | 'siteId'>,
  offlineSince: number,
  lastSeenAt: number,
): Signal {
  return {
    kind: 'clear',
    category: 'device_offline',
    siteId: device.siteId,
    thing: device.thing,
    evidence: {
      at: lastSeenAt,
      thing: device.thing,
      summary: `reporting again (offline since ${new Date(offlineSince).toISOString()})`,
      data: { offlineSince, lastSeenAt },
    },
  };
}
