import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { parseArchive, type ArchivedMessage } from '#shared/events/telemetry-archive';

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * The archive bucket of the local twin: JSON Lines files under `<dir>/<kind>/<YYYY-MM-DD>.jsonl`
 * (the UTC day a record reached its stream, as Firehose's default S3 prefix). A write
 * resolves once its lines are written and `fdatasync`ed, so the archive consumer never
 * checkpoints a record before it is on disk.
 */
export class FileArchive {
  constructor(readonly dir: string) {}

  /** Appends archive lines (each ending in a newline) by arrival day. */
  async write(kind: DeviceKind, entries: { at: number; text: string }[]): Promise<void> {
    const byFile = new Map<string, string>();
    for (const { at, text } of entries) {
      const file = join(this.dir, kind, `${day(at)}.jsonl`);
      byFile.set(file, (byFile.get(file) ?? '') + text);
    }
    await Promise.all(
      [...byFile].map(async ([file, text]) => {
        await mkdir(join(file, '..'), { recursive: true });
        const handle = await open(file, 'a');
        try {
          await handle.appendFile(text);
          await handle.datasync();
        } finally {
          await handle.close();
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
