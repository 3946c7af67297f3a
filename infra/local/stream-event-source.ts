import { createHash, randomUUID } from 'node:crypto';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { sequenceNumber, shardId, type LocalStream, type StreamRecord } from './local-stream.ts';

/**
 * A batch the event source mapping gave up on, kept whole as Lambda's S3 on-failure
 * destination keeps it: the invocation's metadata and the event itself (`payload`),
 * records and their data included, so it can be put back on the stream.
 */
export interface DiscardedBatch {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  payload: KinesisStreamEvent;
}

export interface StreamEventSourceOptions {
  functionName: string;
  batchSize: number;
  batchWindowMs: number;
  /** Concurrent batches per shard; a partition key always goes to the same one, so its records stay in order. */
  parallelizationFactor: number;
  bisectOnError: boolean;
  /** -1: until success. */
  maxRetryAttempts: number;
  /** -1: no limit (the stream's retention). */
  maxRecordAgeMs: number;
  // biome-ignore lint/suspicious/noConfusingVoidType: a Lambda handler that returns nothing took the whole batch.
  invoke(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse | void>;
  /** Keeps a discarded batch (durably, before the mapping moves past it). */
  discard(batch: DiscardedBatch): void;
  /** After each invocation: its size, how many records failed, the error if it threw, the records done. */
  onBatch?(info: {
    stream: string;
    size: number;
    failed: number;
    error?: unknown;
    ms: number;
    done: StreamRecord[];
  }): void;
  /** Wait before a retry (real ms); by default 50 ms doubling to 2 s. */
  retryDelayMs?(attempt: number): number;
  tickMs?: number;
  now?: () => number;
}

/** One partition-key slot of a shard: what runs one batch at a time, in order. */
interface Lane {
  shard: number;
  records: StreamRecord[];
  busy: boolean;
  /** Failed invocations of the batch at the front (bisecting does not count). */
  attempts: number;
  /** Batches left from bisecting, front first. */
  split: StreamRecord[][];
  notBefore: number;
}

/** Progress of the consumer on one shard: the checkpoint is the last record before the first one not done. */
interface ShardProgress {
  order: number[];
  head: number;
  done: Set<number>;
}

/**
 * The local twin of Lambda's event source mapping for a Kinesis stream: per shard,
 * `parallelizationFactor` lanes by partition-key hash, each running one batch at a time in
 * record order; a batch is up to `batchSize` records gathered for at most the batching
 * window. The function's answer decides what happens next, as in AWS:
 * - success: the batch is done;
 * - `batchItemFailures`: the records before the lowest failed sequence number are done, and
 *   the mapping retries from it (an identifier not in the batch fails the whole batch);
 * - a throw: with bisect on, the batch is split in two and each half retried in turn
 *   (splitting costs no retry); a single record, or bisect off, is retried.
 * Past `maxRetryAttempts`, or once a record is older than `maxRecordAgeMs`, the failing
 * records are discarded whole to the destination and the lane moves on. The consumer's
 * checkpoint on each shard follows the records done, so a restart resumes after them.
 */
export class StreamEventSource {
  private readonly lanes = new Map<string, Lane>();
  private readonly progress: ShardProgress[];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly functionArn: string;

  constructor(
    private readonly stream: LocalStream,
    private readonly consumer: string,
    private readonly options: StreamEventSourceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.functionArn = `arn:aws:lambda:local:000000000000:function:${options.functionName}`;
    this.progress = Array.from({ length: stream.shardCount }, () => ({ order: [], head: 0, done: new Set() }));
  }

  start(): void {
    if (this.timer) return;
    this.stream.subscribe(this.consumer, (record) => this.take(record));
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 10);
  }

  /** Stops taking batches and waits for those in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.running]);
  }

  /** Whether every record handed over is done and no batch is running. */
  get idle(): boolean {
    return this.running.size === 0 && [...this.lanes.values()].every((l) => l.records.length === 0);
  }

  /** Records waiting or in flight. */
  get backlog(): number {
    return [...this.lanes.values()].reduce((n, l) => n + l.records.length, 0);
  }

  private take(record: StreamRecord): void {
    const slot =
      createHash('md5').update(record.partitionKey).digest().readUInt32BE(0) % this.options.parallelizationFactor;
    const key = `${record.shard}/${slot}`;
    let lane = this.lanes.get(key);
    if (!lane)
      this.lanes.set(
        key,
        (lane = { shard: record.shard, records: [], busy: false, attempts: 0, split: [], notBefore: 0 }),
      );
    lane.records.push(record);
    this.progress[record.shard]!.order.push(record.sequence);
  }

  private tick(): void {
    const now = this.now();
    for (const lane of this.lanes.values()) {
      if (lane.busy || lane.records.length === 0 || now < lane.notBefore) continue;
      let batch = lane.split[0];
      if (!batch) {
        const waited = now - lane.records[0]!.arrivedAt;
        if (lane.records.length < this.options.batchSize && waited < this.options.batchWindowMs) continue;
        batch = lane.records.slice(0, this.options.batchSize);
      }
      lane.busy = true;
      const run = this.run(lane, batch).finally(() => {
        lane.busy = false;
        this.running.delete(run);
      });
      this.running.add(run);
    }
  }

  private async run(lane: Lane, batch: StreamRecord[]): Promise<void> {
    // Records past the maximum age are discarded before the function sees them.
    if (this.options.maxRecordAgeMs >= 0) {
      const cutoff = this.now() - this.options.maxRecordAgeMs;
      const expired = batch.filter((r) => r.arrivedAt < cutoff);
      if (expired.length) {
        const n = batch.indexOf(expired.at(-1)!) + 1;
        this.discard(lane, batch.slice(0, n), 'RecordAgeExceeded');
        this.replaceFront(lane, batch.slice(n));
        return;
      }
    }
    const started = this.now();
    // biome-ignore lint/suspicious/noConfusingVoidType: what the handler returned, nothing included.
    let response: KinesisStreamBatchResponse | void;
    try {
      response = await this.options.invoke(this.event(batch));
    } catch (error) {
      this.options.onBatch?.({
        stream: this.stream.name,
        size: batch.length,
        failed: batch.length,
        error,
        ms: this.now() - started,
        done: [],
      });
      if (this.options.bisectOnError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        lane.split = [batch.slice(0, half), batch.slice(half), ...lane.split.slice(1)];
        return;
      }
      this.failed(lane, batch, error);
      return;
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) {
      this.options.onBatch?.({
        stream: this.stream.name,
        size: batch.length,
        failed: 0,
        ms: this.now() - started,
        done: batch,
      });
      this.finish(lane, batch);
      this.replaceFront(lane, []);
      lane.attempts = 0;
      return;
    }
    const positions = failures.map((f) => batch.findIndex((r) => sequenceNumber(r.sequence) === f.itemIdentifier));
    const first = positions.some((p) => p < 0) ? 0 : Math.min(...positions);
    const done = batch.slice(0, first);
    this.options.onBatch?.({
      stream: this.stream.name,
      size: batch.length,
      failed: batch.length - first,
      ms: this.now() - started,
      done,
    });
    this.finish(lane, done);
    const rest = batch.slice(first);
    if (lane.split.length) lane.split[0] = rest;
    this.failed(lane, rest, new Error(`${failures.length} records reported failed`));
  }

  /** A failed try of `batch` (the lane's front): retried after a pause, or discarded past the retry limit. */
  private failed(lane: Lane, batch: StreamRecord[], error: unknown): void {
    lane.attempts++;
    if (this.options.maxRetryAttempts >= 0 && lane.attempts > this.options.maxRetryAttempts) {
      this.discard(lane, batch, 'RetryAttemptsExhausted', error);
      this.replaceFront(lane, []);
      return;
    }
    lane.notBefore =
      this.now() + (this.options.retryDelayMs ?? ((n) => Math.min(2_000, 50 * 2 ** (n - 1))))(lane.attempts);
  }

  /** Sets the bisected batch at the front to what is left of it (nothing: the next one). */
  private replaceFront(lane: Lane, rest: StreamRecord[]): void {
    if (lane.split.length === 0) return;
    if (rest.length) lane.split[0] = rest;
    else lane.split.shift();
  }

  private discard(
    lane: Lane,
    records: StreamRecord[],
    condition: DiscardedBatch['requestContext']['condition'],
    error?: unknown,
  ): void {
    const first = records[0]!;
    const last = records.at(-1)!;
    this.options.discard({
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.functionArn,
        condition,
        approximateInvokeCount: lane.attempts,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(error ? { functionError: (error as Error).message ?? String(error) } : {}),
      },
      version: '1.0',
      timestamp: new Date(this.now()).toISOString(),
      KinesisBatchInfo: {
        shardId: shardId(first.shard),
        startSequenceNumber: sequenceNumber(first.sequence),
        endSequenceNumber: sequenceNumber(last.sequence),
        approximateArrivalOfFirstRecord: new Date(first.arrivedAt).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivedAt).toISOString(),
        batchSize: records.length,
        streamArn: this.stream.arn,
      },
      payload: this.event(records),
    });
    lane.attempts = 0;
    this.finish(lane, records);
  }

  /** The lane's front records are done (processed or discarded): they leave it, and the shard's checkpoint moves. */
  private finish(lane: Lane, records: StreamRecord[]): void {
    if (records.length === 0) return;
    for (const [i, r] of records.entries())
      if (lane.records[i] !== r)
        throw new Error(`event source ${this.options.functionName}: records finished out of order`);
    lane.records.splice(0, records.length);
    const progress = this.progress[lane.shard]!;
    for (const r of records) progress.done.add(r.sequence);
    let checkpoint: number | undefined;
    while (progress.head < progress.order.length && progress.done.has(progress.order[progress.head]!)) {
      checkpoint = progress.order[progress.head]!;
      progress.done.delete(checkpoint);
      progress.head++;
    }
    if (progress.head > 10_000) {
      progress.order.splice(0, progress.head);
      progress.head = 0;
    }
    if (checkpoint !== undefined) this.stream.checkpoint(this.consumer, lane.shard, checkpoint);
  }

  private event(records: StreamRecord[]): KinesisStreamEvent {
    return {
      Records: records.map(
        (r): KinesisStreamRecord => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.partitionKey,
            sequenceNumber: sequenceNumber(r.sequence),
            data: r.data,
            approximateArrivalTimestamp: r.arrivedAt / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId(r.shard)}:${sequenceNumber(r.sequence)}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::000000000000:role/${this.options.functionName}`,
          awsRegion: 'local',
          eventSourceARN: this.stream.arn,
        }),
      ),
    };
  }
}
