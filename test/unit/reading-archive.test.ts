import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient, PutRecordBatchCommand, ServiceUnavailableException, ResourceNotFoundException } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FIREHOSE_LIMITS, FirehoseArchive } from '#shared/adapters/firehose-archive';
import { parseArchive, uniqueReadings } from '#shared/adapters/reading-archive';
import type { Reading } from '#shared/domain/telemetry';
import { FileArchive, readArchive } from '#infra/local/file-archive';

const NOW = Date.UTC(2026, 10, 28, 1, 0, 0);
const reading = (i: number, extra: Partial<Reading> = {}): Reading =>
  ({ messageId: `m${i}`, kind: 'bins', thing: `bin-${i % 3}`, ts: NOW - 1000 * i, seq: i, receivedAt: NOW, payload: { ts: NOW - 1000 * i, seq: i, fillPct: i % 100 }, ...extra }) as Reading;

describe('FirehoseArchive', () => {
  const firehose = mockClient(FirehoseClient);
  beforeEach(() => firehose.reset());
  const archive = () => new FirehoseArchive(new FirehoseClient({ region: 'us-east-1' }), 'bins-archive', { sleep: async () => {} });
  const sentLines = () =>
    firehose.commandCalls(PutRecordBatchCommand).flatMap((c) => c.args[0].input.Records!.flatMap((r) => parseArchive(Buffer.from(r.Data!).toString('utf8'))));

  it('packs a batch into one record of JSON Lines, sent in one PutRecordBatch', async () => {
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r1' }] });
    const readings = Array.from({ length: 100 }, (_, i) => reading(i + 1));
    expect(await archive().append(readings)).toEqual({ retry: [], failed: [] });
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({ DeliveryStreamName: 'bins-archive' });
    expect(calls[0]!.args[0].input.Records).toHaveLength(1);
    expect(sentLines()).toEqual(readings);
  });

  it('splits into records of at most 1,000 KiB and batches of at most 500 records', async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({ FailedPutCount: 0, RequestResponses: input.Records.map(() => ({ RecordId: 'r' })) }));
    // About 50 KB a reading (a sweeper's 500 fixes): 20 to a record, 4 records to a call (4 MiB).
    const big = Array.from({ length: 100 }, (_, i) => reading(i + 1, { payload: { blob: 'x'.repeat(50_000) } as never }));
    expect(await archive().append(big)).toEqual({ retry: [], failed: [] });
    expect(firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records!.length)).toEqual([4, 1]);
    const records = firehose.commandCalls(PutRecordBatchCommand).flatMap((c) => c.args[0].input.Records!);
    for (const r of records) expect(r.Data!.length).toBeLessThanOrEqual(FIREHOSE_LIMITS.recordBytes);
    expect(sentLines().map((r) => r.messageId)).toEqual(big.map((r) => r.messageId));
  });

  it('sends again the records Firehose refused, and hands back for redelivery what it still refuses', async () => {
    const many = Array.from({ length: 30 }, (_, i) => reading(i + 1, { payload: { blob: 'x'.repeat(100_000) } as never }));
    // Three records (10 readings each); the second is refused twice, then taken.
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ServiceUnavailableException' }, { RecordId: 'c' }] })
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'ServiceUnavailableException' }] })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }] });
    expect(await archive().append(many)).toEqual({ retry: [], failed: [] });
    expect(firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records!.length)).toEqual([3, 1, 1]);

    firehose.reset();
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'ServiceUnavailableException' }] });
    const outcome = await archive().append(many.slice(0, 5));
    expect(outcome.retry.sort()).toEqual(many.slice(0, 5).map((r) => r.messageId).sort());
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(4);
  });

  it('hands back for redelivery on a service error or a deployment fault, and fails only a reading no record can hold', async () => {
    firehose.on(PutRecordBatchCommand).rejectsOnce(new ServiceUnavailableException({ message: 'busy', $metadata: {} })).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });
    expect(await archive().append([reading(1)])).toEqual({ retry: [], failed: [] });

    firehose.reset();
    firehose.on(PutRecordBatchCommand).rejects(new ResourceNotFoundException({ message: 'no such stream', $metadata: {} }));
    expect(await archive().append([reading(1), reading(2)])).toEqual({ retry: ['m1', 'm2'], failed: [] });
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);

    firehose.reset();
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r' }] });
    const outcome = await archive().append([reading(1, { payload: { blob: 'x'.repeat(FIREHOSE_LIMITS.recordBytes) } as never }), reading(2)]);
    expect(outcome.retry).toEqual([]);
    expect(outcome.failed).toEqual([{ messageId: 'm1', reason: expect.stringMatching(/record limit/) }]);
    expect(sentLines().map((r) => r.messageId)).toEqual(['m2']);
  });
});

describe('FileArchive (the local twin’s archive)', () => {
  it('appends JSON Lines per kind and arrival day, and reads them back in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    const archive = new FileArchive(dir);
    const today = [reading(1), reading(2)];
    const tomorrow = reading(3, { receivedAt: NOW + 86_400_000 });
    const camera = reading(4, { kind: 'cameras', thing: 'cam-1' });
    expect(await archive.append([...today, tomorrow, camera])).toEqual({ retry: [], failed: [] });
    expect(await archive.append([reading(1)])).toEqual({ retry: [], failed: [] }); // a redelivery
    expect(readdirSync(join(dir, 'bins')).sort()).toEqual(['2026-11-28.jsonl', '2026-11-29.jsonl']);
    expect(readdirSync(join(dir, 'cameras'))).toEqual(['2026-11-28.jsonl']);
    expect(await readArchive(dir, 'bins')).toEqual([...today, reading(1), tomorrow]);
    expect(uniqueReadings(await readArchive(dir, 'bins'))).toEqual([...today, tomorrow]);
    expect(await readArchive(dir)).toHaveLength(5);
    expect(readFileSync(join(dir, 'bins', '2026-11-28.jsonl'), 'utf8').split('\n')).toHaveLength(4);
  });

  it('skips a torn last line (a crash mid-write) but refuses damage anywhere else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    await new FileArchive(dir).append([reading(1)]);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '{"messageId":"m2","ki');
    expect((await readArchive(dir, 'bins')).map((r) => r.messageId)).toEqual(['m1']);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '\n{"messageId":"m3"}\n');
    await expect(readArchive(dir, 'bins')).rejects.toThrow(/line 2 is not JSON/);
  });

  it('hands every reading back for redelivery when it cannot write', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'archive-')), 'not-a-folder');
    appendFileSync(file, 'x');
    expect(await new FileArchive(file).append([reading(1), reading(2)])).toEqual({ retry: ['m1', 'm2'], failed: [] });
  });
});
