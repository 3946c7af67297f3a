import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RetryableError, type RetryQueue } from '#shared/app/ports';

export interface SqsRetryQueueOptions {
  /** Attempts for the entries a SendMessageBatch refused before the call fails (default 4). */
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An ingest function's retry queue in AWS: messages go in batches of ten; entries SQS
 * refuses are sent again, and if some still fail the call fails, so the delivery stream
 * retries the whole buffer (nothing is acknowledged that is not queued).
 */
export class SqsRetryQueue implements RetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsRetryQueueOptions = {},
  ) {}

  async send(bodies: string[]): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let i = 0; i < bodies.length; i += 10) {
      let entries = bodies.slice(i, i + 10).map((MessageBody, n) => ({ Id: String(n), MessageBody }));
      for (let attempt = 1; entries.length; attempt++) {
        if (attempt > (this.options.attempts ?? 4)) throw new RetryableError(`retry queue refused ${entries.length} messages`);
        if (attempt > 1) await sleep((this.options.backoffMs ?? 50) * 2 ** (attempt - 2));
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }
}
