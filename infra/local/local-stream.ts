import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  appendFileSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** A record on a local stream's shard, as Kinesis keeps it. */
export interface StreamRecord {
  shard: number;
  /** Increasing within the stream (so within each shard). */
  sequence: number;
  partitionKey: string;
  /** The record's bytes, base64 (what Kinesis hands to Lambda as `data`). */
  data: string;
  /** When the stream took it (real epoch ms: infrastructure time, never the virtual clock). */
  arrivedAt: number;
}

/** Kinesis's shard ids and sequence-number strings, for the events the twin hands out. */
export const shardId = (shard: number): string => `shardId-${String(shard).padStart(12, '0')}`;
export const sequenceNumber = (sequence: number): string => String(sequence).padStart(21, '0');

/** The shard a partition key lands on: the MD5 of the key, as Kinesis hashes it, over equal hash-key ranges. */
export function shardOf(partitionKey: string, shards: number): number {
  const hash = BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
  return Number((hash * BigInt(shards)) >> 128n);
}

type JournalLine =
  | { op: 'put'; s: number; n: number; k: string; d: string; at: number }
  | { op: 'ckpt'; c: string; s: number; n: number }
  | { op: 'base'; n: number };

export interface LocalStreamOptions {
  shards: number;
  /** The consumers that read it (each keeps its own checkpoints): a record is dropped once all have passed it. */
  consumers: readonly string[];
  retentionMs: number;
  /** Keep the stream in this journal file: a put resolves only once it is on disk. Omitted: in memory. */
  journalPath?: string;
  /** Rewrite the journal after this many records were dropped (default 20,000). */
  compactAfter?: number;
  now?: () => number;
  /** Told of a damaged journal line set aside in `<journal>.quarantine` (the rest is replayed). */
  warn?: (message: string) => void;
}

/** A journal line of the expected shape, or undefined. */
function journalLine(value: unknown): JournalLine | undefined {
  const l = value as Record<string, unknown> | null;
  const int = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (typeof l !== 'object' || l === null) return undefined;
  if (l.op === 'put' && int(l.s) && int(l.n) && typeof l.k === 'string' && typeof l.d === 'string' && int(l.at))
    return l as JournalLine;
  if (l.op === 'ckpt' && typeof l.c === 'string' && int(l.s) && int(l.n)) return l as JournalLine;
  if (l.op === 'base' && int(l.n)) return l as JournalLine;
  return undefined;
}

/**
 * The local twin of a Kinesis data stream: shards chosen by the partition key's hash,
 * records in order per shard, several consumers each with their own checkpoints, and
 * retention. With a journal it is durable: `put` resolves once its line is written and
 * `fdatasync`ed (puts arriving together share one sync), which is when the broker sends the
 * device its PUBACK. Checkpoints ride along without being waited for: one lost in a crash
 * only means a record is read again (the consumers are idempotent). On open the file is
 * replayed, and each consumer starts after its last checkpoint.
 */
export class LocalStream {
  private readonly records: StreamRecord[][];
  private readonly checkpoints = new Map<string, number[]>();
  private readonly listeners = new Map<string, (record: StreamRecord) => void>();
  private next = 1;
  private fd: number | undefined;
  private pending: { line: string; done?: { resolve: () => void; reject: (e: unknown) => void } }[] = [];
  private flushScheduled = false;
  private dropped = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly options: LocalStreamOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.records = Array.from({ length: options.shards }, () => []);
    for (const c of options.consumers)
      this.checkpoints.set(
        c,
        Array.from({ length: options.shards }, () => 0),
      );
    if (options.journalPath) {
      this.replay(options.journalPath);
      this.rewrite();
      this.fd = openSync(options.journalPath, 'a');
    }
  }

  get arn(): string {
    return `arn:aws:kinesis:local:000000000000:stream/${this.name}`;
  }

  get shardCount(): number {
    return this.options.shards;
  }

  /** Puts a record on the shard of its partition key; resolves once it is kept (on disk, with a journal). */
  async put(partitionKey: string, data: string): Promise<StreamRecord> {
    if (this.closed) throw new Error(`stream ${this.name} is closed`);
    const record: StreamRecord = {
      shard: shardOf(partitionKey, this.options.shards),
      sequence: this.next++,
      partitionKey,
      data,
      arrivedAt: this.now(),
    };
    if (this.fd !== undefined) {
      await new Promise<void>((resolve, reject) =>
        this.enqueue(
          JSON.stringify({
            op: 'put',
            s: record.shard,
            n: record.sequence,
            k: partitionKey,
            d: data,
            at: record.arrivedAt,
          } satisfies JournalLine),
          { resolve, reject },
        ),
      );
    }
    this.records[record.shard]!.push(record);
    for (const listener of this.listeners.values()) listener(record);
    return record;
  }

  /**
   * Subscribes a consumer: it is handed every record after its checkpoint now, then each
   * new record as it is put (per shard in order).
   */
  subscribe(consumer: string, listener: (record: StreamRecord) => void): void {
    const marks = this.checkpointsOf(consumer);
    for (const [shard, list] of this.records.entries())
      for (const r of list) if (r.sequence > marks[shard]!) listener(r);
    this.listeners.set(consumer, listener);
  }

  /** A consumer is done with every record of the shard up to `sequence`. */
  checkpoint(consumer: string, shard: number, sequence: number): void {
    const marks = this.checkpointsOf(consumer);
    if (sequence <= marks[shard]!) return;
    marks[shard] = sequence;
    if (this.fd !== undefined)
      this.enqueue(JSON.stringify({ op: 'ckpt', c: consumer, s: shard, n: sequence } satisfies JournalLine));
    this.trim(shard);
  }

  /** Records kept on the stream, not yet passed by every consumer (or past retention). */
  get depth(): number {
    return this.records.reduce((n, list) => n + list.length, 0);
  }

  /** Records a consumer has not checkpointed yet. */
  behind(consumer: string): number {
    const marks = this.checkpointsOf(consumer);
    return this.records.reduce((n, list, shard) => n + list.filter((r) => r.sequence > marks[shard]!).length, 0);
  }

  /** Writes what is pending and closes the journal (the stream takes no more puts). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }

  private checkpointsOf(consumer: string): number[] {
    const marks = this.checkpoints.get(consumer);
    if (!marks) throw new Error(`stream ${this.name} has no consumer "${consumer}"`);
    return marks;
  }

  /** Drops the records every consumer has passed, and those past the retention. */
  private trim(shard: number): void {
    const list = this.records[shard]!;
    const passed = Math.min(...[...this.checkpoints.values()].map((marks) => marks[shard]!));
    const expired = this.now() - this.options.retentionMs;
    let drop = 0;
    while (drop < list.length && (list[drop]!.sequence <= passed || list[drop]!.arrivedAt < expired)) drop++;
    if (drop === 0) return;
    list.splice(0, drop);
    this.dropped += drop;
    if (this.fd !== undefined && this.dropped >= (this.options.compactAfter ?? 20_000)) {
      this.flush();
      closeSync(this.fd);
      this.rewrite();
      this.fd = openSync(this.options.journalPath!, 'a');
      this.dropped = 0;
    }
  }

  private replay(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) return;
    const lines = readFileSync(path, 'utf8').split('\n');
    const quarantined: string[] = [];
    for (const [i, text] of lines.entries()) {
      if (!text) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // The last line can be torn by a crash mid-write: that put was never acknowledged.
        if (i >= lines.length - 2) break;
      }
      const line = journalLine(parsed);
      if (!line) {
        // Damaged (a bad disk block, an edit by hand): set aside, said, and the rest replayed.
        quarantined.push(JSON.stringify({ line: i + 1, text }));
        continue;
      }
      if (line.op === 'put') {
        if (line.s >= this.options.shards)
          throw new Error(`stream journal ${path} has shard ${line.s}; the stream has ${this.options.shards}`);
        this.records[line.s]!.push({
          shard: line.s,
          sequence: line.n,
          partitionKey: line.k,
          data: line.d,
          arrivedAt: line.at,
        });
        this.next = Math.max(this.next, line.n + 1);
      } else if (line.op === 'ckpt') {
        const marks = this.checkpoints.get(line.c);
        if (marks && line.s < marks.length) marks[line.s] = Math.max(marks[line.s]!, line.n);
      } else this.next = Math.max(this.next, line.n);
    }
    for (let shard = 0; shard < this.options.shards; shard++) this.trim(shard);
    if (quarantined.length) {
      appendFileSync(`${path}.quarantine`, `${quarantined.join('\n')}\n`);
      this.options.warn?.(
        `stream journal ${path}: ${quarantined.length} damaged line(s) set aside in ${path}.quarantine; the rest replayed`,
      );
    }
  }

  /** Replaces the journal with the live records and the checkpoints, atomically (temp file, sync, rename). */
  private rewrite(): void {
    const path = this.options.journalPath!;
    const lines: JournalLine[] = [{ op: 'base', n: this.next }];
    for (const [c, marks] of this.checkpoints)
      for (const [s, n] of marks.entries()) if (n > 0) lines.push({ op: 'ckpt', c, s, n });
    for (const list of this.records)
      for (const r of list)
        lines.push({ op: 'put', s: r.shard, n: r.sequence, k: r.partitionKey, d: r.data, at: r.arrivedAt });
    const temp = `${path}.compacting`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  private enqueue(line: string, done?: { resolve: () => void; reject: (e: unknown) => void }): void {
    if (this.closed) {
      done?.reject(new Error(`stream journal of ${this.name} is closed`));
      return;
    }
    this.pending.push({ line, done });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** One write and one sync for everything pending (group commit), then the waiting puts are released. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || this.closed || this.fd === undefined) return;
    try {
      writeSync(this.fd, `${batch.map((p) => p.line).join('\n')}\n`);
      fdatasyncSync(this.fd);
    } catch (error) {
      for (const p of batch) p.done?.reject(error);
      return;
    }
    for (const p of batch) p.done?.resolve();
  }
}
