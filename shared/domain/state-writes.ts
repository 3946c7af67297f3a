/**
 * When a garbage room's state item is written. Nothing a detector needs is ever held only
 * in memory: every invocation ends with all of it stored. What keeps writes well below one
 * a reading is that a garbage room's detector state changes only on a material change (see
 * `GarbageRoomDetectorState`): most readings leave it as it was, and then the item is not written
 * at all. It is written when
 * - the device has no stored state yet, or there are signals to hand over;
 * - the detector state changed (a new fill band, a temperature 3 °C off, a detector step);
 * - the device's silence due time moves to its next bucket (see `offline-detector.ts`):
 *   once every `SILENCE.bucketIntervals.bins` readings of a reporting device, by arrival time.
 *   That write keeps the reading as a sample too, so the fill rate has one sample a
 *   bucket on a steady day without a write of its own.
 *
 * What a skipped reading costs nobody: it is archived (by the stream's archive consumer),
 * and the detectors would have made nothing of it. The stored latest fields (fill,
 * temperature) and last contact can trail the device by up to a bucket, the fill within
 * its 10-point band; the offline check works from the due time, which never trails.
 */
import { SILENCE } from './detectors/offline-detector.ts';

/**
 * A sample a heartbeat by reading time as well (two buckets): a backlog replayed in one
 * batch (its arrival times all alike) still leaves samples for the fill rate.
 */
export const sampleHeartbeatMs = (expectedIntervalSeconds: number): number =>
  2 * SILENCE.bucketIntervals.bins * expectedIntervalSeconds * 1000;

/**
 * Readings dated more than this ahead of their arrival are "from the future": stored and
 * archived, but they never make a later reading stale (the device's clock was wrong).
 */
export const FUTURE_SKEW_MS = 5_000;
