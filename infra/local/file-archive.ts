import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { parseArchive, type ArchivedMessage } from '#shared/events/telemetry-archive';

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** What makes a reading the same reading: its thing, time and counter (or, unreadable, the line itself). */
function readingKey(line: string): string {
  try {
    const [message] = parseArchive(line);
    if (message && message.ts !== undefined && message.seq !== undefined)
      return `${message.thing}\u0000${message.ts}\u0000${message.seq}`;
  } catch {
    // not an envelope: keyed by its text
  }
  return line;
}

/**
 * The archive bucket of the local twin: JSON Lines files under `<dir>/<kind>/<YYYY-MM-DD>.jsonl`
 * (the UTC day a record reached its stream, as Firehose's default S3 prefix). A write
 * resolves once its lines are written and `fdatasync`ed, so the archive consumer never
 * checkpoints a record before it is on disk. A day's file never holds a reading (thing,
 * `ts`, `seq`) twice: a record read again after a crash, or a reading a device sent again,
 * is left out (the keys of a day's file are read back from it once, at its first write).
 */
export class FileArchive {
  private readonly keys = new Map<string, Promise<Set<string>>>();

  constructor(readonly dir: string) {}

  private keysOf(file: string): Promise<Set<string>> {
    let known = this.keys.get(file);
    if (!known) {
      known = readFile(file, 'utf8').then(
        (text) => new Set(text.split('\n').filter(Boolean).map(readingKey)),
        () => new Set<string>(),
      );
      this.keys.set(file, known);
    }
    return known;
  }

  /** Appends archive lines (each ending in a newline) by arrival day, leaving out readings the day holds already. */
  async write(kind: DeviceKind, entries: { at: number; text: string }[]): Promise<void> {
    const byFile = new Map<string, { at: number; text: string }[]>();
    for (const entry of entries) {
      const file = join(this.dir, kind, `${day(entry.at)}.jsonl`);
      byFile.set(file, [...(byFile.get(file) ?? []), entry]);
    }
    await Promise.all(
      [...byFile].map(async ([file, fileEntries]) => {
        const known = await this.keysOf(file);
        let text = '';
        const added: string[] = [];
        for (const entry of fileEntries) {
          const key = readingKey(entry.text.trimEnd());
          if (known.has(key)) continue;
          known.add(key);
          added.push(key);
          text += entry.text;
        }
        if (!text) return;
        try {
          await mkdir(join(file, '..'), { recursive: true });
          const handle = await open(file, 'a');
          try {
            await handle.appendFile(text);
            await handle.datasync();
          } finally {
            await handle.close();
          }
        } catch (error) {
          // Not written: the consumer will try again, and these must not count as there.
          for (const key of added) known.delete(key);
          throw error;
        }
      }),
    );
  }
}

async function readKindFiles(folder: string): Promise<string[]> {
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
  return Promise.all(files.map((f) => readFile(join(folder, f), 'utf8')));
}

/** Every message archived under `dir` (of one kind, or all), file by file in day order; repeats included. */
export async function readArchive(dir: string, kind?: DeviceKind): Promise<ArchivedMessage[]> {
  const kinds = kind ? [kind] : await readdir(dir).catch(() => [] as string[]);
  const messages: ArchivedMessage[] = [];
  for (const k of kinds) for (const text of await readKindFiles(join(dir, k))) messages.push(...parseArchive(text));
  return messages;
}
