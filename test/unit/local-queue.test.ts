import { describe, expect, it, vi } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { LocalQueue, QueuePoller, type DeadLetter } from '#infra/local/local-queue';
import { matchApiRoute } from '#infra/local/api-server';
import { API_ROUTES } from '#infra/routes';

const queueAt = (clock: { t: number }, maxReceiveCount = 2) => {
  const dead: DeadLetter[] = [];
  const queue = new LocalQueue('q', { visibilityTimeoutMs: 1000, maxReceiveCount, deadLetter: (m) => dead.push(m), now: () => clock.t });
  return { queue, dead };
};

describe('local queue (SQS semantics)', () => {
  it('hides a received message for the visibility timeout and redelivers it if not deleted', () => {
    const clock = { t: 0 };
    const { queue } = queueAt(clock);
    const id = queue.send('hello');
    const [first] = queue.receive(10);
    expect(first).toMatchObject({ messageId: id, body: 'hello', eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
    expect(queue.receive(10)).toHaveLength(0);
    clock.t = 999;
    expect(queue.receive(10)).toHaveLength(0);
    clock.t = 1000;
    const [again] = queue.receive(10);
    expect(again!.attributes.ApproximateReceiveCount).toBe('2');
    queue.delete(first!.receiptHandle); // a stale receipt does not delete the redelivered message
    expect(queue.depth).toBe(1);
    queue.delete(again!.receiptHandle);
    expect(queue.depth).toBe(0);
  });

  it('moves a message past its receive limit to the dead-letter queue', () => {
    const clock = { t: 0 };
    const { queue, dead } = queueAt(clock, 2);
    queue.send('poison');
    queue.receive(1);
    clock.t += 1000;
    queue.receive(1);
    clock.t += 1000;
    expect(queue.receive(1)).toHaveLength(0);
    expect(dead).toEqual([expect.objectContaining({ body: 'poison', receiveCount: 2, queue: 'q' })]);
    expect(queue.depth).toBe(0);
  });

  it('respects the batch size', () => {
    const { queue } = queueAt({ t: 0 });
    for (let i = 0; i < 5; i++) queue.send(`m${i}`);
    expect(queue.receive(3).map((r) => r.body)).toEqual(['m0', 'm1', 'm2']);
  });
});

describe('queue poller (event source mapping)', () => {
  it('delivers batches, deletes successes and keeps reported failures for redelivery', async () => {
    const queue = new LocalQueue('q', { visibilityTimeoutMs: 60_000, maxReceiveCount: 5, deadLetter: () => {} });
    const seen: string[][] = [];
    const poller = new QueuePoller(
      queue,
      async (event: SQSEvent) => {
        seen.push(event.Records.map((r) => r.body));
        return { batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { batchSize: 10, batchWindowMs: 50, maxConcurrency: 1, tickMs: 5 },
    );
    queue.send('a');
    queue.send('bad');
    queue.send('b');
    poller.start();
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await poller.stop();
    expect(seen[0]).toEqual(['a', 'bad', 'b']);
    expect(queue.depth).toBe(1); // only "bad" remains, invisible until its timeout
  });

  it('keeps the whole batch when the handler throws', async () => {
    const queue = new LocalQueue('q', { visibilityTimeoutMs: 60_000, maxReceiveCount: 5, deadLetter: () => {} });
    const errors: unknown[] = [];
    const poller = new QueuePoller(queue, async () => Promise.reject(new Error('boom')), {
      batchSize: 10, batchWindowMs: 0, maxConcurrency: 1, tickMs: 5, onBatch: (i) => errors.push(i.error),
    });
    queue.send('a');
    queue.send('b');
    poller.start();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    await poller.stop();
    expect(queue.depth).toBe(2);
  });
});

describe('API route matching', () => {
  it('finds the route key and path parameters from the route table', () => {
    expect(matchApiRoute(API_ROUTES, 'GET', '/devices/bin-gs-001')).toMatchObject({ routeKey: 'GET /devices/{thing}', pathParameters: { thing: 'bin-gs-001' } });
    expect(matchApiRoute(API_ROUTES, 'GET', '/devices')).toMatchObject({ routeKey: 'GET /devices', pathParameters: {} });
    expect(matchApiRoute(API_ROUTES, 'POST', '/devices')).toEqual({ methodMismatch: true });
    expect(matchApiRoute(API_ROUTES, 'GET', '/nothing')).toEqual({ methodMismatch: false });
  });
});
