import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { ExecutionEnvironments, InjectedFailure } from '#infra/local/execution-environments';
import { LocalStream, sequenceNumber, shardOf } from '#infra/local/local-stream';
import {
  StreamEventSource,
  type DiscardedBatch,
  type StreamEventSourceOptions,
} from '#infra/local/stream-event-source';

const journalAt = () => join(mkdtempSync(join(tmpdir(), 'cityops-stream-')), 's.jsonl');
const data = (text: string) => Buffer.from(text).toString('base64');
const text = (record: { kinesis: { data: string } }) => Buffer.from(record.kinesis.data, 'base64').toString('utf8');

function streamOf(
  options: { shards?: number; journalPath?: string; now?: () => number; warn?: (message: string) => void } = {},
) {
  return new LocalStream('s', {
    shards: options.shards ?? 2,
    consumers: ['fn', 'archive'],
    retentionMs: 86_400_000,
    journalPath: options.journalPath,
    now: options.now,
    warn: options.warn,
  });
}

function source(
  stream: LocalStream,
  invoke: StreamEventSourceOptions['invoke'],
  options: Partial<StreamEventSourceOptions> = {},
) {
  const discarded: DiscardedBatch[] = [];
  const es = new StreamEventSource(stream, 'fn', {
    functionName: 'fn',
    batchSize: 10,
    batchWindowMs: 0,
    parallelizationFactor: 2,
    bisectOnError: true,
    maxRetryAttempts: -1,
    maxRecordAgeMs: -1,
    retryDelayMs: () => 1,
    tickMs: 2,
    invoke,
    discard: (b) => discarded.push(b),
    ...options,
  });
  return { es, discarded };
}

describe('local stream (Kinesis semantics)', () => {
  it('puts a partition key on the shard of its MD5 hash, always the same one', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`bin-${i}`, 4)));
    expect([...shards].sort()).toEqual([0, 1, 2, 3]);
    expect(shardOf('bin-7', 4)).toBe(shardOf('bin-7', 4));
    // 0x00… is the first range, 0xff… the last (Kinesis splits the 128-bit hash space evenly).
    expect(shardOf('', 1)).toBe(0);
  });

  it('resolves a put once its line is on disk; a new stream on the file resumes each consumer after its checkpoint', async () => {
    const path = journalAt();
    const stream = streamOf({ journalPath: path });
    const records = await Promise.all(['a', 'b', 'c', 'd'].map((k) => stream.put(`key-${k}`, data(k))));
    expect(
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => JSON.parse(l).op === 'put'),
    ).toHaveLength(4);
    for (const r of records.slice(0, 2)) stream.checkpoint('fn', r.shard, r.sequence);
    stream.close();
    const again = streamOf({ journalPath: path });
    const seen: string[] = [];
    again.subscribe('fn', (r) => seen.push(Buffer.from(r.data, 'base64').toString()));
    // The first two are done only for `fn` when they were the first of their shard; what is after a checkpoint comes again.
    const expected = records
      .filter((r) => !records.slice(0, 2).some((d) => d.shard === r.shard && d.sequence >= r.sequence))
      .map((r) => Buffer.from(r.data, 'base64').toString());
    expect(seen.sort()).toEqual(expected.sort());
    const archive: string[] = [];
    again.subscribe('archive', (r) => archive.push(r.partitionKey));
    expect(archive.sort()).toEqual(['key-a', 'key-b', 'key-c', 'key-d']);
    // New records continue the sequence.
    expect((await again.put('key-e', data('e'))).sequence).toBe(5);
    again.close();
  });

  it('drops a record once every consumer has passed it, and ignores a torn last line', async () => {
    const path = journalAt();
    const stream = streamOf({ journalPath: path, shards: 1 });
    const [a] = await Promise.all([stream.put('k', data('a')), stream.put('k', data('b'))]);
    stream.checkpoint('fn', 0, a!.sequence);
    expect(stream.depth).toBe(2);
    stream.checkpoint('archive', 0, a!.sequence);
    expect(stream.depth).toBe(1);
    stream.close();
    appendFileSync(path, '{"op":"put","s":0,"n":9,"k":"k","d"');
    const again = streamOf({ journalPath: path, shards: 1 });
    expect(again.depth).toBe(1);
    again.close();
  });

  it('sets a damaged line in the middle aside in a quarantine file, says so, and replays the rest', async () => {
    const path = journalAt();
    const stream = streamOf({ journalPath: path, shards: 1 });
    await stream.put('k', data('a'));
    stream.close();
    appendFileSync(path, 'garbage that is not JSON\n{"op":"put","s":"zero"}\n');
    const warnings: string[] = [];
    const after = streamOf({ journalPath: path, shards: 1, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      expect.stringMatching(/2 damaged line\(s\) set aside in .*\.quarantine; the rest replayed/),
    ]);
    expect(readFileSync(`${path}.quarantine`, 'utf8')).toContain('garbage that is not JSON');
    await after.put('k', data('b'));
    after.close();
    // The journal was rewritten without them: the next start replays it whole, quietly.
    const again = streamOf({ journalPath: path, shards: 1, warn: (m) => warnings.push(m) });
    expect(again.depth).toBe(2);
    expect(warnings).toHaveLength(1);
    again.close();
  });
});

describe('stream event source (Lambda’s event source mapping for Kinesis)', () => {
  it('keeps each partition key’s records in order while other keys run in parallel', async () => {
    const stream = streamOf({ shards: 2 });
    let running = 0;
    let most = 0;
    const seen = new Map<string, number[]>();
    const { es } = source(
      stream,
      async (event) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        for (const r of event.Records)
          seen.set(r.kinesis.partitionKey, [...(seen.get(r.kinesis.partitionKey) ?? []), Number(text(r))]);
        running--;
      },
      { batchSize: 3 },
    );
    es.start();
    for (let i = 0; i < 30; i++)
      for (const key of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']) await stream.put(key, data(String(i)));
    await vi.waitFor(() => expect(es.idle).toBe(true));
    await es.stop();
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'])
      expect(seen.get(key), key).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(most).toBeGreaterThan(1);
  });

  it('bisects a throwing batch until the poison record stands alone, retries it, and sets it aside whole with its payload', async () => {
    const stream = streamOf({ shards: 1 });
    const done: string[] = [];
    const sizes: number[] = [];
    const { es, discarded } = source(
      stream,
      async (event) => {
        sizes.push(event.Records.length);
        if (event.Records.some((r) => text(r) === 'poison')) throw new Error('cannot take it');
        done.push(...event.Records.map(text));
      },
      { parallelizationFactor: 1, batchSize: 8, maxRetryAttempts: 2 },
    );
    for (let i = 0; i < 8; i++) await stream.put('k', data(i === 5 ? 'poison' : `r${i}`));
    es.start();
    await vi.waitFor(() => expect(discarded).toHaveLength(1));
    await vi.waitFor(() => expect(es.idle).toBe(true));
    await es.stop();
    expect(done).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7']);
    // 8 → 4 + 4 → 2 + 2 → 1 + 1, then the poison alone twice more (the retries), then what follows it.
    expect(sizes.slice(0, 4)).toEqual([8, 4, 4, 2]);
    const [batch] = discarded;
    expect(batch!.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      functionArn: expect.stringContaining(':function:fn'),
    });
    expect(batch!.KinesisBatchInfo).toMatchObject({
      batchSize: 1,
      streamArn: stream.arn,
      startSequenceNumber: sequenceNumber(6),
      endSequenceNumber: sequenceNumber(6),
    });
    expect(batch!.payload.Records.map(text)).toEqual(['poison']);
    expect(batch!.payload.Records[0]!.kinesis.partitionKey).toBe('k');
  });

  it('takes a partial batch response: the records before the lowest failure are done, and the retry starts there', async () => {
    const stream = streamOf({ shards: 1 });
    const calls: string[][] = [];
    let failOnce = true;
    const { es } = source(
      stream,
      async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
        calls.push(event.Records.map(text));
        const bad = event.Records.find((r) => text(r) === 'c');
        if (bad && failOnce) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: bad.kinesis.sequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
      { parallelizationFactor: 1 },
    );
    for (const t of ['a', 'b', 'c', 'd']) await stream.put('k', data(t));
    es.start();
    await vi.waitFor(() => expect(es.idle).toBe(true));
    await es.stop();
    expect(calls).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('retries until success when there is no limit, and moves the checkpoint only past what is done', async () => {
    const stream = streamOf({ shards: 1 });
    let failures = 5;
    const { es, discarded } = source(
      stream,
      async () => {
        if (failures-- > 0) throw new Error('storage is down');
      },
      { parallelizationFactor: 1, bisectOnError: false },
    );
    await stream.put('k', data('x'));
    es.start();
    await vi.waitFor(() => expect(es.idle).toBe(true));
    await es.stop();
    expect(discarded).toEqual([]);
    expect(stream.behind('fn')).toBe(0);
    expect(stream.behind('archive')).toBe(1);
  });

  it('sets aside records older than the maximum age before invoking', async () => {
    let now = 1_000_000;
    const stream = streamOf({ shards: 1, now: () => now });
    const invoked: string[] = [];
    const { es, discarded } = source(stream, async (event) => void invoked.push(...event.Records.map(text)), {
      maxRecordAgeMs: 60_000,
      now: () => now,
    });
    await stream.put('k', data('old'));
    now += 120_000;
    await stream.put('k', data('new'));
    es.start();
    await vi.waitFor(() => expect(es.idle).toBe(true));
    await es.stop();
    expect(discarded.map((b) => [b.requestContext.condition, b.payload.Records.map(text)])).toEqual([
      ['RecordAgeExceeded', ['old']],
    ]);
    expect(invoked).toEqual(['new']);
  });
});

describe('execution environments', () => {
  it('gives each environment its own memory, runs several at once, recycles them, and fails invocations on purpose', async () => {
    let built = 0;
    let draws = 0;
    // A fixed sequence of draws stands in for chance: recycle after every other invocation.
    const pool = new ExecutionEnvironments<number, number>(
      'fn',
      () => {
        const memory = { calls: 0, id: ++built };
        return async () => {
          await new Promise((r) => setTimeout(r, 5));
          return memory.id * 1000 + ++memory.calls;
        };
      },
      { recycleRate: 0.5, random: () => (draws++ % 2 === 0 ? 0.9 : 0.1) },
    );
    const together = await Promise.all([pool.invoke(0), pool.invoke(0)]);
    expect(new Set(together.map((r) => Math.floor(r / 1000))).size).toBe(2); // two environments for two at once
    expect(pool.stats.recycled).toBeGreaterThan(0);
    const failing = new ExecutionEnvironments<number, number>('fn', () => async () => 1, {
      recycleRate: 0,
      failRate: 1,
      random: () => 0,
    });
    await expect(failing.invoke(0)).rejects.toBeInstanceOf(InjectedFailure);
  });
});
