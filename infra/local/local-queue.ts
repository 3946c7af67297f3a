import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { QueueJournal } from './queue-journal.ts';

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
  /**
   * Keep the queue in this journal file: a send resolves only once it is on disk, and a
   * restart finds every message not yet deleted (default: in memory only).
   */
  journalPath?: string;
}

/**
 * An in-process queue with SQS semantics: a received message is invisible for the
 * visibility timeout and reappears unless deleted; each receive counts, and past
 * `maxReceiveCount` the message moves to the dead-letter queue instead of being delivered.
 * Records have the shape an SQS event source hands to Lambda. Infrastructure time is
 * real time (a virtual clock only drives the domain). With a journal it is durable: what
 * `send` resolved survives a crash, and comes back on the next start.
 */
export class LocalQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now: () => number;
  private readonly journal: QueueJournal | undefined;
  readonly arn: string;

  constructor(
    readonly name: string,
    private readonly options: LocalQueueOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.arn = `arn:aws:sqs:local:000000000000:${name}`;
    if (options.journalPath) {
      const { journal, messages } = QueueJournal.open(options.journalPath, () => this.messages.values());
      this.journal = journal;
      const now = this.now();
      for (const m of messages) this.messages.set(m.messageId, { ...m, visibleAt: now });
    }
  }

  /** Queues a message; resolves with its id once it is kept (on disk, with a journal). */
  async send(body: string): Promise<string> {
    const messageId = randomUUID();
    const now = this.now();
    const message: StoredMessage = { messageId, body, sentAt: now, receiveCount: 0, visibleAt: now };
    await this.journal?.send(message);
    this.messages.set(messageId, message);
    return messageId;
  }

  /** Writes what the journal holds pending and closes it (the queue takes no more sends). */
  close(): void {
    this.journal?.close();
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
        // The dead letter is written before the queue forgets the message.
        this.options.deadLetter({ queue: this.name, messageId: m.messageId, body: m.body, sentAt: m.sentAt, receiveCount: m.receiveCount, movedAt: now });
        this.journal?.deleted(m.messageId);
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      this.journal?.received(m.messageId, m.receiveCount, now);
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
    if (m && String(m.receiveCount) === count) {
      this.messages.delete(messageId!);
      this.journal?.deleted(messageId!);
    }
  }
}

export interface PollerOptions {
  batchSize: number;
  batchWindowMs: number;
  maxConcurrency: number;
  /** How often the poller looks at the queue. */
  tickMs?: number;
  /** After each batch: its size, how many failed, how long it took, and the records it deleted (done). */
  onBatch?: (info: { queue: string; size: number; failed: number; error?: unknown; ms: number; done: SQSRecord[] }) => void;
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
      const done = records.filter((r) => !failed.has(r.messageId));
      for (const r of done) this.queue.delete(r.receiptHandle);
      this.options.onBatch?.({ queue: this.queue.name, size: records.length, failed: failed.size, ms: Date.now() - started, done });
    } catch (error) {
      this.options.onBatch?.({ queue: this.queue.name, size: records.length, failed: records.length, error, ms: Date.now() - started, done: [] });
    }
  }
}
