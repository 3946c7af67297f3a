import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  it('hides a received message for the visibility timeout and redelivers it if not deleted', async () => {
    const clock = { t: 0 };
    const { queue } = queueAt(clock);
    const id = await queue.send('hello');
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

  it('moves a message past its receive limit to the dead-letter queue', async () => {
    const clock = { t: 0 };
    const { queue, dead } = queueAt(clock, 2);
    await queue.send('poison');
    queue.receive(1);
    clock.t += 1000;
    queue.receive(1);
    clock.t += 1000;
    expect(queue.receive(1)).toHaveLength(0);
    expect(dead).toEqual([expect.objectContaining({ body: 'poison', receiveCount: 2, queue: 'q' })]);
    expect(queue.depth).toBe(0);
  });

  it('respects the batch size', async () => {
    const { queue } = queueAt({ t: 0 });
    for (let i = 0; i < 5; i++) await queue.send(`m${i}`);
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
    await queue.send('a');
    await queue.send('bad');
    await queue.send('b');
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
    await queue.send('a');
    await queue.send('b');
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

describe('durable local queue (journal)', () => {
  const journalAt = () => join(mkdtempSync(join(tmpdir(), 'cityops-journal-')), 'q.jsonl');
  const durable = (journalPath: string, clock = { t: 0 }, maxReceiveCount = 3) => {
    const dead: DeadLetter[] = [];
    return { queue: new LocalQueue('q', { visibilityTimeoutMs: 1000, maxReceiveCount, deadLetter: (m) => dead.push(m), now: () => clock.t, journalPath }), dead };
  };

  it('resolves a send only once its line is in the file, and a new queue on the file finds every message not deleted', async () => {
    const path = journalAt();
    const { queue } = durable(path);
    const ids = await Promise.all(['a', 'b', 'c', 'd'].map((body) => queue.send(body)));
    // Resolved means written: the file holds all four now, before anything else happens.
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).body)).toEqual(['a', 'b', 'c', 'd']);
    const [first, second] = queue.receive(2);
    queue.delete(first!.receiptHandle);
    expect(second!.messageId).toBe(ids[1]);
    // A crash: the queue object is dropped without closing; receives and deletes are flushed on the next tick.
    await new Promise((r) => setImmediate(r));
    const reopened = durable(path).queue;
    expect(reopened.receive(10).map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ['b', '2'],
      ['c', '1'],
      ['d', '1'],
    ]);
  });

  it('keeps receive counts across restarts, so a poison message still reaches the dead-letter queue', async () => {
    const path = journalAt();
    const clock = { t: 0 };
    let { queue } = durable(path, clock, 2);
    await queue.send('poison');
    queue.receive(1);
    queue.close();
    ({ queue } = durable(path, clock, 2));
    queue.receive(1);
    queue.close();
    const restarted = durable(path, clock, 2);
    expect(restarted.queue.receive(1)).toHaveLength(0);
    expect(restarted.dead).toEqual([expect.objectContaining({ body: 'poison', receiveCount: 2 })]);
    restarted.queue.close();
    expect(durable(path).queue.depth).toBe(0);
  });

  it('ignores a torn last line (a write cut short by a crash was never acknowledged) but refuses damage elsewhere', async () => {
    const path = journalAt();
    const { queue } = durable(path);
    await queue.send('kept');
    queue.close();
    appendFileSync(path, '{"op":"send","id":"x","bo');
    expect(durable(path).queue.receive(10).map((r) => r.body)).toEqual(['kept']);
    writeFileSync(path, 'garbage\n{"op":"send","id":"y","body":"b","at":0}\n');
    expect(() => durable(path)).toThrow(/damaged at line 1/);
  });

  it('compacts the file to the live messages', async () => {
    const path = journalAt();
    const dead: DeadLetter[] = [];
    const queue = new LocalQueue('q', { visibilityTimeoutMs: 1000, maxReceiveCount: 3, deadLetter: (m) => dead.push(m), journalPath: path });
    for (let i = 0; i < 50; i++) await queue.send(`m${i}`);
    for (const r of queue.receive(50).slice(0, 45)) queue.delete(r.receiptHandle);
    queue.close();
    // Reopening rewrites the journal with the five survivors only.
    const reopened = new LocalQueue('q', { visibilityTimeoutMs: 1000, maxReceiveCount: 3, deadLetter: (m) => dead.push(m), journalPath: path });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(reopened.receive(10).map((r) => r.body)).toEqual(['m45', 'm46', 'm47', 'm48', 'm49']);
    reopened.close();
  });
});

