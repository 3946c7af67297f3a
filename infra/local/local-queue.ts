import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A message that used up its receives, as the local dead-letter queue keeps it. */
export interface DeadLetter {
  queue: string;
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  movedAt: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Real epoch ms from which the message can be received again. */
  visibleAt: number;
}

export interface LocalQueueOptions {
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  deadLetter: (message: DeadLetter) => void;
  now?: () => number;
}

/**
 * An in-process queue with SQS semantics: a received message is invisible for the
 * visibility timeout and reappears unless deleted; each receive counts, and past
 * `maxReceiveCount` the message moves to the dead-letter queue instead of being delivered.
 * Records have the shape an SQS event source hands to Lambda. Infrastructure time is
 * real time (a virtual clock only drives the domain).
 */
export class LocalQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now: () => number;
  readonly arn: string;

  constructor(
    readonly name: string,
    private readonly options: LocalQueueOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.arn = `arn:aws:sqs:local:000000000000:${name}`;
  }

  send(body: string): string {
    const messageId = randomUUID();
    const now = this.now();
    this.messages.set(messageId, { messageId, body, sentAt: now, receiveCount: 0, visibleAt: now });
    return messageId;
  }

  /** Messages waiting to be received, and since when the oldest has waited. */
  visible(): { count: number; oldestSince: number | undefined } {
    const now = this.now();
    let count = 0;
    let oldestSince: number | undefined;
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) {
        count++;
        const since = Math.max(m.sentAt, m.visibleAt);
        if (oldestSince === undefined || since < oldestSince) oldestSince = since;
      }
    }
    return { count, oldestSince };
  }

  get depth(): number {
    return this.messages.size;
  }

  receive(max: number): SQSRecord[] {
    const now = this.now();
    const records: SQSRecord[] = [];
    for (const m of this.messages.values()) {
      if (records.length >= max) break;
      if (m.visibleAt > now) continue;
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.messages.delete(m.messageId);
        this.options.deadLetter({ queue: this.name, messageId: m.messageId, body: m.body, sentAt: m.sentAt, receiveCount: m.receiveCount, movedAt: now });
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.options.visibilityTimeoutMs;
      records.push({
        messageId: m.messageId,
        receiptHandle: `${m.messageId}#${m.receiveCount}`,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: 'local-router',
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: this.arn,
        awsRegion: 'local',
      });
    }
    return records;
  }

  /** Deletes a received message; a stale receipt (the message was received again since) is ignored. */
  delete(receiptHandle: string): void {
    const [messageId, count] = receiptHandle.split('#');
    const m = this.messages.get(messageId!);
    if (m && String(m.receiveCount) === count) this.messages.delete(messageId!);
  }
}

export interface PollerOptions {
  batchSize: number;
  batchWindowMs: number;
  maxConcurrency: number;
  /** How often the poller looks at the queue. */
  tickMs?: number;
  onBatch?: (info: { queue: string; size: number; failed: number; error?: unknown; ms: number }) => void;
}

/**
 * The event-source mapping: gathers up to `batchSize` records (waiting at most the batch
 * window), invokes the handler, deletes what succeeded and leaves the reported failures
 * (or the whole batch, if the handler throws) to reappear after the visibility timeout.
 */
export class QueuePoller {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly queue: LocalQueue,
    private readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>,
    private readonly options: PollerOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.tickMs ?? 20);
  }

  /** Stops polling and waits for the batches in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.running]);
  }

  /** Whether nothing is queued and no batch is running. */
  get idle(): boolean {
    return this.running.size === 0 && this.queue.depth === 0;
  }

  private tick(): void {
    while (this.running.size < this.options.maxConcurrency) {
      const { count, oldestSince } = this.queue.visible();
      if (count === 0) return;
      const windowDone = oldestSince !== undefined && Date.now() - oldestSince >= this.options.batchWindowMs;
      if (count < this.options.batchSize && !windowDone) return;
      const records = this.queue.receive(this.options.batchSize);
      if (records.length === 0) return;
      const run = this.invoke(records).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  private async invoke(records: SQSRecord[]): Promise<void> {
    const started = Date.now();
    try {
      const response = await this.handler({ Records: records });
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      for (const r of records) if (!failed.has(r.messageId)) this.queue.delete(r.receiptHandle);
      this.options.onBatch?.({ queue: this.queue.name, size: records.length, failed: failed.size, ms: Date.now() - started });
    } catch (error) {
      this.options.onBatch?.({ queue: this.queue.name, size: records.length, failed: records.length, error, ms: Date.now() - started });
    }
  }
}
