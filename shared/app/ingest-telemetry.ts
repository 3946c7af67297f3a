import type { Signal } from '#shared/domain/case/model';
import type { Site } from '#shared/domain/city-model';
import { detectGarbageRooms, type GarbageRoomDetectorState } from '#shared/domain/detectors/garbage-room-detector';
import { sampleHeartbeatMs } from '#shared/domain/state-writes';
import { reportingAgain, silenceKeys } from '#shared/domain/detectors/offline-detector';
import type { Device } from '#shared/domain/city-model';
import { detectMarket, type CameraDetectorState } from '#shared/domain/detectors/camera-detector';
import { QUERIES_HISTORY, type DeviceKind } from '#shared/domain/device-kinds';
import type { PayloadOf } from '#shared/domain/payloads';
import {
  collapseByDevice,
  latestStateFields,
  readTelemetry,
  type DeviceBatch,
  type Reading,
  type Rejection,
  type TelemetryMessage,
} from '#shared/domain/telemetry';
import { RetryableError } from './errors.ts';
import type { SignalHandler } from './ports/cases.ts';
import type { Log, Metrics } from './ports/observability.ts';
import type { RejectStore } from './ports/rejects.ts';
import type { SignalOutbox, StateSnapshot, TelemetryStore, WriteOutcome } from './ports/telemetry.ts';
import type { SiteDirectory } from './site-directory.ts';
import type { SweepCoverage } from './sweep-coverage.ts';
import type { Clock } from '#shared/domain/clock';

export interface IngestDeps {
  telemetry: Pick<
    TelemetryStore,
    | 'saveLatest'
    | 'saveLatestDetecting'
    | 'readStates'
    | 'updateSiteDetector'
    | 'ackSignals'
    | 'saveHistory'
    | 'neighbours'
  >;
  rejects: Pick<RejectStore, 'save'>;
  /** The site a device watches, for detectors and their per-site thresholds. */
  sites: Pick<SiteDirectory, 'watchOf' | 'prefetch'>;
  cases: SignalHandler;
  /** Sweeping coverage from sweepers' GPS. */
  coverage: Pick<SweepCoverage, 'record'>;
  clock: Clock;
  log: Log;
  metrics: Metrics;
}

export interface IngestResult {
  /** Message ids to hand back for redelivery: retryable failures only. */
  retry: string[];
  stored: number;
  stale: number;
  duplicates: number;
  rejected: number;
  signals: number;
  /** Devices whose state did not change (nothing written: see `state-writes.ts`). */
  unchanged: number;
}

/** Signals waiting in an outbox, and the messages to redeliver if handing them over fails. */
interface PendingSignals {
  outbox: SignalOutbox;
  pending: Signal[];
  messageIds: string[];
}

/**
 * Ingests one batch of one device kind. Bad messages go to the reject store with their
 * reason and original bytes. Each device costs at most one conditional state write
 * (garbage rooms: a read ahead, a hundred devices a request, and a write only when the
 * detector state changed; a market's cameras share one read and one write of the market's
 * detector per batch). A sweeper's readings go to the table's history as well, in
 * batches. Detector signals wait with the state that raised them until the case service
 * has taken them. Only retryable failures come back for redelivery; the invocation ends
 * with everything the detectors need stored. (The archive is written from the stream by
 * a consumer of its own, so it is not this function's work.)
 */
export async function ingestTelemetry(
  kind: DeviceKind,
  messages: TelemetryMessage[],
  earlierRejections: Rejection[],
  deps: IngestDeps,
): Promise<IngestResult> {
  const now = deps.clock.now();
  const rejections = [...earlierRejections];
  const accepted: Reading[] = [];
  for (const message of messages) {
    const result = readTelemetry(kind, message, now);
    if (result.ok) accepted.push(result.reading);
    else rejections.push(result.rejection);
  }

  const retry = new Set<string>();
  const toKeep: Reading[] = [];
  const outboxes: PendingSignals[] = [];
  const bySite = new Map<string, { site: Site; readings: Reading[] }>();
  let stale = 0;
  let duplicates = 0;
  let unchanged = 0;
  const storageRejection = (r: Reading, reason: string): Rejection => ({
    messageId: r.messageId,
    code: 'storage_error',
    reason,
    thing: r.thing,
    receivedAt: r.receivedAt,
    payload: new TextEncoder().encode(JSON.stringify(r.payload)),
  });
  const idsOf = (batch: DeviceBatch) => [...batch.readings, ...batch.duplicates].map((r) => r.messageId);

  // Read ahead what the devices' steps will need, a hundred to a request: the registry (an
  // optimisation) and a garbage room's stored state (this invocation's snapshot). If it
  // fails, each step reads (and fails, and retries) on its own.
  const batches = collapseByDevice(accepted);
  const things = batches.map((b) => b.thing);
  let snapshot: StateSnapshot | undefined;
  if (things.length > 0) {
    await Promise.all([
      things.length > 1 ? deps.sites.prefetch?.(things) : undefined,
      kind === 'bins' ? deps.telemetry.readStates?.(things).then((read) => void (snapshot = read)) : undefined,
    ]).catch((error: unknown) =>
      deps.log.warn('read-ahead failed; each device is read on its own', { error: (error as Error).message }),
    );
  }

  await Promise.all(
    batches.map(async (batch) => {
      duplicates += batch.duplicates.length;
      try {
        const outcome = await storeDevice(kind, batch, deps, outboxes, bySite, snapshot);
        if (outcome === 'stale') stale += batch.readings.length;
        if (outcome === 'unchanged') unchanged++;
        toKeep.push(...batch.readings);
      } catch (error) {
        if (error instanceof RetryableError) {
          for (const id of idsOf(batch)) retry.add(id);
          deps.log.warn('state write will be retried', { thing: batch.thing, error: error.message });
        } else {
          rejections.push(
            ...[...batch.readings, ...batch.duplicates].map((r) =>
              storageRejection(r, `state write failed: ${(error as Error).message}`),
            ),
          );
        }
      }
    }),
  );

  // Detectors that span a site's devices (a market's cameras) run once per site per batch.
  await Promise.all(
    [...bySite.values()].map(async ({ site, readings }) => {
      const ids = readings.map((r) => r.messageId);
      try {
        const { pending, outbox } = await deps.telemetry.updateSiteDetector<CameraDetectorState>(
          site.siteId,
          kind,
          (prior) =>
            detectMarket(
              prior,
              readings.map((r) => ({ thing: r.thing, ts: r.ts, payload: r.payload as PayloadOf<'cameras'> })),
              { siteId: site.siteId, overrides: site.thresholds },
            ),
        );
        outboxes.push({ outbox, pending, messageIds: ids });
      } catch (error) {
        for (const id of ids) retry.add(id);
        deps.log.error('site detector failed; the messages will be redelivered', {
          siteId: site.siteId,
          error: (error as Error).message,
        });
      }
    }),
  );

  let signals = 0;
  for (const { outbox, pending, messageIds } of outboxes) {
    if (pending.length === 0) continue;
    try {
      await deps.cases.handle(pending);
      await deps.telemetry.ackSignals(
        outbox,
        pending.map((s) => s.evidence.signalId ?? ''),
      );
      signals += pending.length;
    } catch (error) {
      // The signals stay in their outbox; redelivery (or the device's next message) hands them over again.
      for (const id of messageIds) retry.add(id);
      deps.log.error('signals not handed to the case service yet', {
        outbox: outbox.pk,
        error: (error as Error).message,
      });
    }
  }

  // A kind whose detectors query readings back keeps the stored ones in the table too.
  const none: WriteOutcome = { retry: [], failed: [] };
  const history = QUERIES_HISTORY[kind] ? await deps.telemetry.saveHistory(toKeep) : none;
  const byId = new Map(toKeep.map((r) => [r.messageId, r]));
  const failedIds = new Set<string>();
  for (const id of history.retry) retry.add(id);
  for (const { messageId, reason } of history.failed) {
    if (failedIds.has(messageId)) continue;
    failedIds.add(messageId);
    rejections.push(storageRejection(byId.get(messageId)!, `history write failed: ${reason}`));
  }

  const rejectOutcome = await deps.rejects.save(rejections);
  for (const id of rejectOutcome.retry) retry.add(id);
  for (const { messageId, reason } of rejectOutcome.failed) {
    // A reject that cannot even be recorded goes back to the queue and, past its
    // receive limit, to the dead-letter queue: never dropped.
    retry.add(messageId);
    deps.log.error('reject could not be stored', { messageId, reason });
  }
  for (const r of rejections) {
    deps.log.warn('telemetry rejected', {
      kind,
      thing: r.thing ?? null,
      code: r.code,
      reason: r.reason,
      messageId: r.messageId,
    });
    deps.metrics.count('TelemetryRejected', 1, { kind, code: r.code });
  }

  const stored = toKeep.filter((r) => !retry.has(r.messageId) && !failedIds.has(r.messageId)).length;
  deps.metrics.count('TelemetryStored', stored, { kind });
  if (stale) deps.metrics.count('TelemetryStale', stale, { kind });
  if (unchanged) deps.metrics.count('StateUnchanged', unchanged, { kind });
  if (duplicates) deps.metrics.count('TelemetryDuplicate', duplicates, { kind });
  deps.metrics.flush();
  return { retry: [...retry], stored, stale, duplicates, rejected: rejections.length, signals, unchanged };
}

/** The latest-state write for one device, with the detectors its kind has. */
async function storeDevice(
  kind: DeviceKind,
  batch: DeviceBatch,
  deps: IngestDeps,
  outboxes: PendingSignals[],
  bySite: Map<string, { site: Site; readings: Reading[] }>,
  snapshot: StateSnapshot | undefined,
): Promise<'written' | 'unchanged' | 'stale'> {
  const lastSeenAt = batch.latest.receivedAt;
  const watch = await deps.sites.watchOf(batch.thing);
  if (kind === 'sweepers') {
    const [outcome, neighbours] = await Promise.all([
      saveLatest(batch, watch?.device, deps),
      deps.telemetry.neighbours(batch.thing, batch.readings[0]!, batch.latest),
    ]);
    const signals = await deps.coverage.record(batch, neighbours);
    if (signals.length) await deps.cases.handle(signals);
    return outcome;
  }
  if (!watch) return saveLatest(batch, undefined, deps);
  const { site, overrides, device } = watch;

  if (kind === 'bins') {
    const messageIds = [...batch.readings, ...batch.duplicates].map((r) => r.messageId);
    const heartbeat = sampleHeartbeatMs(device.expectedIntervalSeconds);
    const { outcome, pending, outbox } = await deps.telemetry.saveLatestDetecting<GarbageRoomDetectorState>(
      batch,
      lastSeenAt,
      (prior, newer, { offlineSince, writing }) => {
        const detected = detectGarbageRooms(
          prior,
          newer.map((r) => ({ ts: r.ts, seq: r.seq, payload: r.payload as PayloadOf<'bins'> })),
          { thing: batch.thing, siteId: site.siteId, overrides, heartbeatMs: heartbeat, keepSample: writing },
        );
        return offlineSince === undefined
          ? detected
          : { ...detected, signals: [reportingAgain(device, offlineSince, lastSeenAt), ...detected.signals] };
      },
      { silence: (seen) => silenceKeys(device, seen), snapshot },
    );
    outboxes.push({ outbox, pending, messageIds });
    return outcome;
  }

  // Cameras: the device state with its read-free conditional write; every reading goes to the
  // market's detector, which orders a market's detections itself and counts a replay once.
  const outcome = await saveLatest(batch, device, deps);
  const entry = bySite.get(site.siteId) ?? { site, readings: [] };
  entry.readings.push(...batch.readings);
  bySite.set(site.siteId, entry);
  return outcome;
}

/**
 * A state write without detectors. A device the offline check marked offline is written
 * only once the case service has its signal that the device reports again (a crash in
 * between repeats the signal, never loses it).
 */
async function saveLatest(
  batch: DeviceBatch,
  device: Device | undefined,
  deps: IngestDeps,
): Promise<'written' | 'stale'> {
  const lastSeenAt = batch.latest.receivedAt;
  const fields = latestStateFields(batch);
  const silence = device && silenceKeys(device, lastSeenAt);
  const first = await deps.telemetry.saveLatest(batch, fields, lastSeenAt, silence);
  if (first.outcome !== 'offline') return first.outcome;
  if (device) await deps.cases.handle([reportingAgain(device, first.offlineSince, lastSeenAt)]);
  const again = await deps.telemetry.saveLatest(batch, fields, lastSeenAt, silence, { reportingAgain: true });
  return again.outcome === 'offline' ? 'stale' : again.outcome;
}
