import { PutRecordBatchCommand, type FirehoseClient, type _Record } from '@aws-sdk/client-firehose';
import type { ReadingArchive, WriteOutcome } from '#shared/app/ports';
import type { Reading } from '#shared/domain/telemetry';
import { isRetryable } from './dynamodb/errors.ts';
import { archiveLine } from './reading-archive.ts';

/** Firehose's limits: a record's data up to 1,000 KiB; a PutRecordBatch up to 500 records and 4 MiB. */
export const FIREHOSE_LIMITS = { recordBytes: 1000 * 1024, batchRecords: 500, batchBytes: 4 * 1024 * 1024 };

export interface FirehoseArchiveOptions {
  /** Attempts for the records a PutRecordBatch refused (throttled, service error) before they are redelivered. */
  attempts?: number;
  /** Pause before the first retry, doubling after each (default 50 ms). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Packed {
  data: Uint8Array;
  messageIds: string[];
}

/**
 * The archive in AWS: a Firehose delivery stream into S3. Readings are packed as JSON Lines
 * into records of up to 1,000 KiB (Firehose bills each record in 5 KB steps, so one record
 * per batch instead of one per reading is what makes the archive nearly free), sent with
 * PutRecordBatch; records Firehose refuses are sent again, and what still fails comes back
 * for redelivery. A reading too large for any record can never be archived and is reported
 * as failed (the payload limit keeps this from happening).
 */
export class FirehoseArchive implements ReadingArchive {
  constructor(
    private readonly client: FirehoseClient,
    private readonly deliveryStream: string,
    private readonly options: FirehoseArchiveOptions = {},
  ) {}

  async append(readings: Reading[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { retry: [], failed: [] };
    const records: Packed[] = [];
    let lines: string[] = [];
    let ids: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (lines.length) records.push({ data: Buffer.from(lines.join('')), messageIds: ids });
      [lines, ids, bytes] = [[], [], 0];
    };
    for (const r of readings) {
      const line = archiveLine(r);
      const size = Buffer.byteLength(line);
      if (size > FIREHOSE_LIMITS.recordBytes) {
        outcome.failed.push({ messageId: r.messageId, reason: `reading is ${size} bytes, over Firehose's ${FIREHOSE_LIMITS.recordBytes}-byte record limit` });
        continue;
      }
      if (bytes + size > FIREHOSE_LIMITS.recordBytes) flush();
      lines.push(line);
      ids.push(r.messageId);
      bytes += size;
    }
    flush();

    // Batches of at most 500 records and 4 MiB.
    const batches: Packed[][] = [];
    let batch: Packed[] = [];
    let batchBytes = 0;
    for (const record of records) {
      if (batch.length === FIREHOSE_LIMITS.batchRecords || batchBytes + record.data.length > FIREHOSE_LIMITS.batchBytes) {
        batches.push(batch);
        [batch, batchBytes] = [[], 0];
      }
      batch.push(record);
      batchBytes += record.data.length;
    }
    if (batch.length) batches.push(batch);

    await Promise.all(batches.map(async (b) => outcome.retry.push(...(await this.put(b)))));
    return outcome;
  }

  /** Sends one batch, again for what was refused; returns the message ids still not archived. */
  private async put(batch: Packed[]): Promise<string[]> {
    const attempts = this.options.attempts ?? 4;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let left = batch;
    for (let attempt = 1; attempt <= attempts && left.length; attempt++) {
      if (attempt > 1) await sleep((this.options.backoffMs ?? 50) * 2 ** (attempt - 2));
      try {
        const result = await this.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: this.deliveryStream, Records: left.map((p): _Record => ({ Data: p.data })) }),
        );
        if (!result.FailedPutCount) return [];
        left = left.filter((_, i) => result.RequestResponses?.[i]?.ErrorCode);
      } catch (error) {
        // Anything else (access denied, a missing stream) is a deployment fault: the
        // messages go back to the stream and on to its failure destination, never dropped.
        if (!isRetryable(error)) return left.flatMap((p) => p.messageIds);
      }
    }
    return left.flatMap((p) => p.messageIds);
  }
}
