import { closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A queued message as the journal keeps it. */
export interface JournalMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
}

type JournalRecord =
  | { op: 'send'; id: string; body: string; at: number; n?: number; first?: number }
  | { op: 'receive'; id: string; n: number; at: number }
  | { op: 'delete'; id: string };

export interface QueueJournalOptions {
  /** Rewrite the file with only the live messages after this many deletes (default 20,000). */
  compactAfterDeletes?: number;
}

/**
 * The local queue's write-ahead journal: one JSON line per send, receive and delete, in
 * an append-only file. A send is acknowledged (and the device's QoS 1 PUBACK sent) only
 * once its line is written and `fdatasync`ed; sends arriving together share one sync
 * (group commit). Receives and deletes ride along without being waited for: losing one
 * in a crash only means a redelivery (the handlers are idempotent) or a receive counted
 * once less. On open the file is replayed and rewritten with the live messages; it is
 * rewritten again after `compactAfterDeletes` deletes.
 *
 * Why a hand-written journal and not a library: the embedded stores with durable writes
 * (better-sqlite3, classic-level) build native code at install, which this project's
 * install policy does not run, and `node:sqlite` needs Node 22.
 */
export class QueueJournal {
  private fd: number;
  private pending: { line: string; done?: { resolve: () => void; reject: (e: unknown) => void } }[] = [];
  private flushScheduled = false;
  private deletesSinceCompaction = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly live: () => Iterable<JournalMessage>,
    private readonly options: QueueJournalOptions,
  ) {
    this.fd = openSync(path, 'a');
  }

  /**
   * Replays the journal at `path` (missing: empty) and returns it with the messages that
   * were sent and not deleted, their receive counts included. `live` lets the journal
   * read the queue's messages when it compacts.
   */
  static open(path: string, live: () => Iterable<JournalMessage>, options: QueueJournalOptions = {}): { journal: QueueJournal; messages: JournalMessage[] } {
    mkdirSync(dirname(path), { recursive: true });
    const messages = new Map<string, JournalMessage>();
    if (existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line) continue;
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch (error) {
          // Only the last line can be torn (a crash mid-write, never acknowledged).
          if (i >= lines.length - 2) break;
          throw new Error(`queue journal ${path} is damaged at line ${i + 1}: ${(error as Error).message}`);
        }
        if (record.op === 'send') messages.set(record.id, { messageId: record.id, body: record.body, sentAt: record.at, receiveCount: record.n ?? 0, firstReceivedAt: record.first });
        else if (record.op === 'receive') {
          const m = messages.get(record.id);
          if (m) {
            m.receiveCount = Math.max(m.receiveCount, record.n);
            m.firstReceivedAt ??= record.at;
          }
        } else messages.delete(record.id);
      }
    }
    const survivors = [...messages.values()];
    QueueJournal.rewrite(path, survivors);
    return { journal: new QueueJournal(path, live, options), messages: survivors };
  }

  /** Resolves once the send is on disk. */
  send(m: JournalMessage): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(JSON.stringify({ op: 'send', id: m.messageId, body: m.body, at: m.sentAt } satisfies JournalRecord), { resolve, reject }));
  }

  received(id: string, count: number, at: number): void {
    this.enqueue(JSON.stringify({ op: 'receive', id, n: count, at } satisfies JournalRecord));
  }

  deleted(id: string): void {
    this.deletesSinceCompaction++;
    this.enqueue(JSON.stringify({ op: 'delete', id } satisfies JournalRecord));
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  private enqueue(line: string, done?: { resolve: () => void; reject: (e: unknown) => void }): void {
    if (this.closed) {
      done?.reject(new Error(`queue journal ${this.path} is closed`));
      return;
    }
    this.pending.push({ line, done });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** One write and one sync for everything pending, then the waiting sends are released. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || this.closed) return;
    try {
      writeSync(this.fd, `${batch.map((p) => p.line).join('\n')}\n`);
      fdatasyncSync(this.fd);
    } catch (error) {
      for (const p of batch) p.done?.reject(error);
      return;
    }
    for (const p of batch) p.done?.resolve();
    if (this.deletesSinceCompaction >= (this.options.compactAfterDeletes ?? 20_000)) this.compact();
  }

  private compact(): void {
    closeSync(this.fd);
    QueueJournal.rewrite(this.path, [...this.live()]);
    this.fd = openSync(this.path, 'a');
    this.deletesSinceCompaction = 0;
  }

  /** Replaces the file with the given messages, atomically (temp file, sync, rename). */
  private static rewrite(path: string, messages: JournalMessage[]): void {
    const temp = `${path}.compacting`;
    const fd = openSync(temp, 'w');
    try {
      const text = messages.map((m) => JSON.stringify({ op: 'send', id: m.messageId, body: m.body, at: m.sentAt, n: m.receiveCount, first: m.firstReceivedAt } satisfies JournalRecord)).join('\n');
      if (text) writeSync(fd, `${text}\n`);
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
}
