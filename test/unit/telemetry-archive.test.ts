import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { archiveLine, uniqueMessages } from '#shared/events/telemetry-archive';
import { encodeEnvelope } from '#shared/events/telemetry-envelope';
import { FileArchive, readArchive } from '#infra/local/file-archive';
import { LocalStream } from '#infra/local/local-stream';
import { StreamArchive } from '#infra/local/stream-archive';

const NOW = Date.UTC(2026, 10, 28, 1, 0, 0);
/** A stream record's text: the envelope the topic rule builds. */
const envelope = (i: number, payload: unknown = { ts: NOW - 1000 * i, seq: i, fillPct: i % 100 }) =>
  encodeEnvelope({
    topic: `dt/cityops/bins/bin-${i % 3}/fill`,
    clientId: `bin-${i % 3}`,
    receivedAt: NOW,
    payload: new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  });
const entry = (i: number, at = NOW) => ({ at, text: archiveLine(envelope(i)) });
const quiet = { info() {}, warn() {}, error() {} };

describe('FileArchive (the local twin’s archive bucket)', () => {
  it('appends the stream’s records as JSON Lines per kind and arrival day, and reads them back in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    const archive = new FileArchive(dir);
    await archive.write('bins', [entry(1), entry(2), entry(3, NOW + 86_400_000)]);
    await archive.write('cameras', [entry(4)]);
    await archive.write('bins', [entry(1)]); // read again after a restart: not archived twice
    // A reading the device sent again (another arrival time), and the same in a new process.
    const resent = encodeEnvelope({
      topic: 'dt/cityops/bins/bin-2/fill',
      clientId: 'bin-2',
      receivedAt: NOW + 5,
      payload: new TextEncoder().encode(JSON.stringify({ ts: NOW - 2000, seq: 2, fillPct: 2 })),
    });
    const again = { at: NOW, text: archiveLine(resent) };
    await archive.write('bins', [again]);
    await new FileArchive(dir).write('bins', [entry(1), entry(2)]);
    expect(readdirSync(join(dir, 'bins')).sort()).toEqual(['2026-11-28.jsonl', '2026-11-29.jsonl']);
    expect((await readArchive(dir, 'bins')).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(uniqueMessages(await readArchive(dir, 'bins')).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(await readArchive(dir)).toHaveLength(4);
    expect((await readArchive(dir, 'bins'))[1]).toMatchObject({
      thing: 'bin-2',
      clientId: 'bin-2',
      ts: NOW - 2000,
      seq: 2,
      receivedAt: NOW,
      body: { fillPct: 2 },
    });
  });

  it('keeps a message that is not JSON as it came (the archive holds what was sent, rejected or not)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    await new FileArchive(dir).write('bins', [{ at: NOW, text: archiveLine(envelope(5, '{not json')) }]);
    const [m] = await readArchive(dir, 'bins');
    expect(Buffer.from(m!.payload, 'base64').toString()).toBe('{not json');
    expect(m!.body).toBeUndefined();
    expect(uniqueMessages([m!, m!])).toHaveLength(2);
  });

  it('skips a torn last line (a crash mid-write) but refuses damage anywhere else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    await new FileArchive(dir).write('bins', [entry(1)]);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '{"topic":"dt/cityops/bins/bin-1/fi');
    expect(await readArchive(dir, 'bins')).toHaveLength(1);
    appendFileSync(join(dir, 'bins', '2026-11-28.jsonl'), '\n{"topic":"x"}\n');
    await expect(readArchive(dir, 'bins')).rejects.toThrow(/line 2 is not JSON/);
  });
});

describe('StreamArchive (the local twin of the Firehose stream that archives a Kinesis stream)', () => {
  it('writes every record untransformed, a line each, and checkpoints only what is on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    const stream = new LocalStream('bins-telemetry', {
      shards: 2,
      consumers: ['ingest', 'archive'],
      retentionMs: 86_400_000,
    });
    const archiver = new StreamArchive(stream, 'archive', {
      kind: 'bins',
      archive: new FileArchive(dir),
      bufferMs: 10,
      log: quiet,
    });
    archiver.start();
    for (const i of [1, 2, 3, 4]) await stream.put(`bin-${i % 3}`, Buffer.from(envelope(i)).toString('base64'));
    await vi.waitFor(() => expect(archiver.idle).toBe(true));
    await archiver.stop();
    expect((await readArchive(dir, 'bins')).map((m) => m.seq).sort()).toEqual([1, 2, 3, 4]);
    expect(stream.behind('archive')).toBe(0);
    // The ingest consumer has not read them: they stay on the stream for it.
    expect(stream.behind('ingest')).toBe(4);
    expect(stream.depth).toBe(4);
  });

  it('keeps the records and tries again when the archive cannot be written', async () => {
    const stream = new LocalStream('bins-telemetry', { shards: 1, consumers: ['archive'], retentionMs: 86_400_000 });
    let fail = 2;
    const writes: number[] = [];
    const flaky = {
      dir: '',
      write: async (_kind: string, entries: unknown[]) => {
        if (fail-- > 0) throw new Error('disk full');
        writes.push(entries.length);
      },
    } as unknown as FileArchive;
    const archiver = new StreamArchive(stream, 'archive', { kind: 'bins', archive: flaky, bufferMs: 5, log: quiet });
    archiver.start();
    await stream.put('bin-1', Buffer.from(envelope(1)).toString('base64'));
    await vi.waitFor(() => expect(writes).toEqual([1]));
    await archiver.stop();
    expect(stream.behind('archive')).toBe(0);
  });
});
