import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Reading } from '#shared/domain/telemetry';
import { parseArchive } from '#shared/adapters/reading-archive';

const day = (at: number) => new Date(at).toISOString().slice(0, 10);
/** The folder of records a delivery could not process (Firehose's `processing-failed` error output). */
const FAILURES = 'errors';

/** A buffered record the processor could not process, as the error output keeps it. */
export interface ProcessingFailure {
  recordId: string;
  /** When the record reached the delivery stream (epoch ms). */
  at: number;
  /** The record as it arrived, base64 (a telemetry envelope). */
  rawData: string;
  reason: string;
}

/**
 * The archive bucket of the local twin: JSON Lines files under `<dir>/<kind>/<YYYY-MM-DD>.jsonl`
 * (the UTC day a record reached its delivery stream, as Firehose's default S3 prefix), and
 * what could not be processed under `<dir>/errors/<kind>/<YYYY-MM-DD>.jsonl`. A write
 * resolves once its lines are written and `fdatasync`ed, so a buffer is never forgotten
 * before what it delivered is on disk.
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

  /** Records what could not be processed (synchronously: it is written before the buffer forgets the record). */
  writeFailuresSync(kind: DeviceKind, failures: ProcessingFailure[]): void {
    for (const failure of failures) {
      const folder = join(this.dir, FAILURES, kind);
      mkdirSync(folder, { recursive: true });
      const fd = openSync(join(folder, `${day(failure.at)}.jsonl`), 'a');
      try {
        writeSync(fd, `${JSON.stringify(failure)}\n`);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

async function readKindFiles(folder: string): Promise<string[]> {
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
  return Promise.all(files.map((f) => readFile(join(folder, f), 'utf8')));
}

/** Every reading archived under `dir` (of one kind, or all), file by file in day order; repeats included. */
export async function readArchive(dir: string, kind?: DeviceKind): Promise<Reading[]> {
  const kinds = kind ? [kind] : (await readdir(dir).catch(() => [] as string[])).filter((k) => k !== FAILURES);
  const readings: Reading[] = [];
  for (const k of kinds) for (const text of await readKindFiles(join(dir, k))) readings.push(...parseArchive(text));
  return readings;
}

/** The records a delivery stream could not process, of one kind or all. */
export async function readProcessingFailures(dir: string, kind?: DeviceKind): Promise<ProcessingFailure[]> {
  const root = join(dir, FAILURES);
  const kinds = kind ? [kind] : await readdir(root).catch(() => [] as string[]);
  const failures: ProcessingFailure[] = [];
  for (const k of kinds) for (const text of await readKindFiles(join(root, k))) failures.push(...(parseArchive(text) as unknown as ProcessingFailure[]));
  return failures;
}
