import type { DeviceKind } from '#shared/domain/device-kinds';
import {
  collapseByDevice,
  latestStateFields,
  readTelemetry,
  type Reading,
  type Rejection,
  type TelemetryMessage,
} from '#shared/domain/telemetry';
import { RetryableError, type IngestDeps } from './ports.ts';

export interface IngestResult {
  /** Message ids to hand back for redelivery: retryable failures only. */
  retry: string[];
  stored: number;
  stale: number;
  duplicates: number;
  rejected: number;
}

/**
 * Ingests one batch of one device kind. Bad messages go to the reject store with their
 * reason and original bytes; each device costs one conditional state write; history is
 * written in batches. Only retryable storage failures come back for redelivery.
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
  const toHistory: Reading[] = [];
  let stale = 0;
  let duplicates = 0;
  const storageRejection = (r: Reading, reason: string): Rejection => ({
    messageId: r.messageId,
    code: 'storage_error',
    reason,
    thing: r.thing,
    receivedAt: r.receivedAt,
    payload: new TextEncoder().encode(JSON.stringify(r.payload)),
  });

  await Promise.all(
    collapseByDevice(accepted).map(async (batch) => {
      duplicates += batch.duplicates.length;
      try {
        const outcome = await deps.telemetry.saveLatest(batch, latestStateFields(batch), batch.latest.receivedAt);
        if (outcome === 'stale') stale += batch.readings.length;
        toHistory.push(...batch.readings);
      } catch (error) {
        const all = [...batch.readings, ...batch.duplicates];
        if (error instanceof RetryableError) {
          for (const r of all) retry.add(r.messageId);
          deps.log.warn('state write will be retried', { thing: batch.thing, error: error.message });
        } else {
          rejections.push(...all.map((r) => storageRejection(r, `state write failed: ${(error as Error).message}`)));
        }
      }
    }),
  );

  const history = await deps.telemetry.saveHistory(toHistory);
  for (const id of history.retry) retry.add(id);
  const byId = new Map(toHistory.map((r) => [r.messageId, r]));
  for (const { messageId, reason } of history.failed) {
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
    deps.log.warn('telemetry rejected', { kind, thing: r.thing ?? null, code: r.code, reason: r.reason, messageId: r.messageId });
    deps.metrics.count('TelemetryRejected', 1, { kind, code: r.code });
  }

  const stored = toHistory.filter((r) => !retry.has(r.messageId)).length - history.failed.length;
  deps.metrics.count('TelemetryStored', stored, { kind });
  if (stale) deps.metrics.count('TelemetryStale', stale, { kind });
  if (duplicates) deps.metrics.count('TelemetryDuplicate', duplicates, { kind });
  deps.metrics.flush();
  return { retry: [...retry], stored, stale, duplicates, rejected: rejections.length };
}
