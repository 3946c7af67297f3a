import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FirehoseTransformationEvent, FirehoseTransformationResult, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RetryableError } from '#shared/app/ports';
import { SqsRetryQueue } from '#shared/adapters/sqs-retry-queue';
import { archiveLine, uniqueReadings } from '#shared/adapters/reading-archive';
import type { Reading } from '#shared/domain/telemetry';
import { deliveryProcessor } from '#infra/local/delivery-stream';
import { FileArchive, readArchive, readProcessingFailures } from '#infra/local/file-archive';

const NOW = Date.UTC(2026, 10, 28, 1, 0, 0);
const reading = (i: number, extra: Partial<Reading> = {}): Reading =>
  ({ messageId: `m${i}`, kind: 'bins', thing: `bin-${i % 3}`, ts: NOW - 1000 * i, seq: i, receivedAt: NOW, payload: { ts: NOW - 1000 * i, seq: i, fillPct: i % 100 }, ...extra }) as Reading;
const entry = (r: Reading, at = NOW) => ({ at, text: archiveLine(r) });

describe('SqsRetryQueue (an ingest function’s retry queue in AWS)', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());
  const queue = () => new SqsRetryQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs/q', { sleep: async () => {} });

  it('sends in batches of ten, and again the entries SQS refused', async () => {
    sqs.on(SendMessageBatchCommand).resolvesOnce({ Successful: [], Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }] }).resolves({ Successful: [], Failed: [] });
    const bodies = Array.from({ length: 23 }, (_, i) => `body-${i}`);
    await queue().send(bodies);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(calls).toEqual([bodies.slice(0, 10), ['body-3'], bodies.slice(10, 20), bodies.slice(20)]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.QueueUrl).toBe('https://sqs/q');
  });

  it('fails (so the delivery stream retries the buffer) when an entry is still refused', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] });
    await expect(queue().send(['a'])).rejects.toBeInstanceOf(RetryableError);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
  });
});

describe('FileArchive (the local twin’s archive bucket)', () => {
  it('appends JSON Lines per kind and arrival day, and reads them back in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    const archive = new FileArchive(dir);
    await archive.write('bins', [entry(reading(1)), entry(reading(2)), entry(reading(3), NOW + 86_400_000)]);
    await archive.write('cameras', [entry(reading(4, { kind: 'cameras', thing: 'cam-1' }))]);
    await archive.write('bins', [entry(reading(1))]); // a redelivery
    expect(readdirSync(join(dir, 'bins')).sort()).toEqual(['2026-11-28.jsonl', '2026-11-29.jsonl']);
    expect((await readArchive(dir, 'bins')).map((r) => r.messageId)).toEqual(['m1', 'm2', 'm1', 'm3']);
    expect(uniqueReadings(await readArchive(dir, 'bins')).map((r) => r.messageId)).toEqual(['m1', 'm2', 'm3']);
    expect(await readArchive(dir)).toHaveLength(5);
    expect((await readArchive(dir, 'bins'))[1]).toEqual(reading(2));
  });

  it('skips a torn last line (a crash mid-write) but refuses damage anywhere else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    await new FileArchive(dir).write('bins', [entry(reading(1))]);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '{"messageId":"m2","ki');
    expect((await readArchive(dir, 'bins')).map((r) => r.messageId)).toEqual(['m1']);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '\n{"messageId":"m3"}\n');
    await expect(readArchive(dir, 'bins')).rejects.toThrow(/line 2 is not JSON/);
  });
});

describe('deliveryProcessor (the local twin of a Firehose delivery stream’s processing and delivery)', () => {
  const buffer = (...bodies: string[]): SQSEvent => ({
    Records: bodies.map((body, i) => ({
      messageId: `r${i}`,
      receiptHandle: `r${i}#1`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(NOW + i), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(NOW) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:0:bins-telemetry',
      awsRegion: 'local',
    })),
  });
  const setup = (process: (e: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>) => {
    const dir = mkdtempSync(join(tmpdir(), 'delivery-'));
    return { dir, deliver: deliveryProcessor({ stream: 'bins-telemetry', kind: 'bins', archive: new FileArchive(dir), process }) };
  };

  it('hands the processor the records as Firehose does, archives Ok, forgets Dropped, writes ProcessingFailed to the error output', async () => {
    let seen: FirehoseTransformationEvent | undefined;
    const { dir, deliver } = setup(async (event) => {
      seen = event;
      const [a, b, c] = event.records;
      return {
        records: [
          { recordId: a!.recordId, result: 'Ok', data: Buffer.from(archiveLine(reading(1))).toString('base64') },
          { recordId: b!.recordId, result: 'Dropped', data: b!.data },
          { recordId: c!.recordId, result: 'ProcessingFailed', data: c!.data },
        ],
      };
    });
    expect(await deliver(buffer('one', 'two', 'three'))).toEqual({ batchItemFailures: [] });
    expect(seen!.records.map((r) => [r.recordId, Buffer.from(r.data, 'base64').toString(), r.approximateArrivalTimestamp])).toEqual([['r0', 'one', NOW], ['r1', 'two', NOW + 1], ['r2', 'three', NOW + 2]]);
    expect(seen!.deliveryStreamArn).toMatch(/deliverystream\/bins-telemetry$/);
    expect(await readArchive(dir, 'bins')).toEqual([reading(1)]);
    expect(await readProcessingFailures(dir, 'bins')).toEqual([{ recordId: 'r2', at: NOW + 2, rawData: Buffer.from('three').toString('base64'), reason: expect.stringMatching(/ProcessingFailed/) }]);
  });

  it('fails the whole buffer when the processor throws or answers what Firehose would refuse', async () => {
    const thrower = setup(async () => {
      throw new Error('down');
    });
    await expect(thrower.deliver(buffer('one'))).rejects.toThrow('down');
    const missing = setup(async () => ({ records: [] }));
    await expect(missing.deliver(buffer('one'))).rejects.toThrow(/did not answer 1 of 1/);
    const noData = setup(async (e) => ({ records: [{ recordId: e.records[0]!.recordId, result: 'Ok' }] }));
    await expect(noData.deliver(buffer('one'))).rejects.toThrow(/Ok without data/);
    const twice = setup(async (e) => ({ records: [{ recordId: e.records[0]!.recordId, result: 'Dropped', data: '' }, { recordId: e.records[0]!.recordId, result: 'Dropped', data: '' }] }));
    await expect(twice.deliver(buffer('one'))).rejects.toThrow(/twice/);
    for (const { dir } of [thrower, missing, noData, twice]) expect(await readArchive(dir)).toEqual([]);
  });
});
