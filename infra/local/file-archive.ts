import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadingArchive, WriteOutcome } from '#shared/app/ports';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Reading } from '#shared/domain/telemetry';
import { archiveLine, parseArchive } from '#shared/adapters/reading-archive';

/**
 * The archive of the local twin, in place of Firehose and S3: JSON Lines files under
 * `<dir>/<kind>/<YYYY-MM-DD>.jsonl` (the UTC day a reading arrived, as Firehose's default
 * S3 prefix). An append resolves once its lines are written and `fdatasync`ed, so a batch
 * is never acknowledged before its readings are on disk.
 */
export class FileArchive implements ReadingArchive {
  constructor(readonly dir: string) {}

  async append(readings: Reading[]): Promise<WriteOutcome> {
    const byFile = new Map<string, { text: string; ids: string[] }>();
    for (const r of readings) {
      const file = join(this.dir, r.kind, `${new Date(r.receivedAt).toISOString().slice(0, 10)}.jsonl`);
      const entry = byFile.get(file) ?? { text: '', ids: [] };
      entry.text += archiveLine(r);
      entry.ids.push(r.messageId);
      byFile.set(file, entry);
    }
    const outcome: WriteOutcome = { retry: [], failed: [] };
    await Promise.all(
      [...byFile].map(async ([file, { text, ids }]) => {
        try {
          await mkdir(join(file, '..'), { recursive: true });
          const handle = await open(file, 'a');
          try {
            await handle.appendFile(text);
            await handle.datasync();
          } finally {
            await handle.close();
          }
        } catch {
          outcome.retry.push(...ids);
        }
      }),
    );
    return outcome;
  }
}

/** Every reading archived under `dir` (of one kind, or all), file by file in day order; repeats included. */
export async function readArchive(dir: string, kind?: DeviceKind): Promise<Reading[]> {
  const kinds = kind ? [kind] : await readdir(dir).catch(() => [] as string[]);
  const readings: Reading[] = [];
  for (const k of kinds) {
    const files = (await readdir(join(dir, k)).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
    for (const file of files) readings.push(...parseArchive(await readFile(join(dir, k, file), 'utf8')));
  }
  return readings;
}
