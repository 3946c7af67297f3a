import type { Reading } from '#shared/domain/telemetry';

/**
 * The archive's format, the same in S3 and in the local files: JSON Lines, one reading per
 * line with the fields of {@link Reading}. Repeats (a reading archived again after a retry)
 * carry the same thing, `ts` and `seq`; {@link uniqueReadings} drops them.
 */
export const archiveLine = (r: Reading): string =>
  `${JSON.stringify({ messageId: r.messageId, kind: r.kind, thing: r.thing, ts: r.ts, seq: r.seq, receivedAt: r.receivedAt, payload: r.payload })}\n`;

/** The readings of archive text (JSON Lines); a torn last line (a crash mid-write, never acknowledged) is skipped. */
export function parseArchive(text: string): Reading[] {
  const lines = text.split('\n');
  const readings: Reading[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    try {
      readings.push(JSON.parse(line) as Reading);
    } catch (error) {
      if (i === lines.length - 1) break;
      throw new Error(`archive line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
  }
  return readings;
}

/** The key a reading is known by in the archive. */
export const readingKey = (r: Pick<Reading, 'thing' | 'ts' | 'seq'>): string => `${r.thing}|${r.ts}|${r.seq}`;

/** Each reading once (the first copy), in the order given. */
export function uniqueReadings(readings: Reading[]): Reading[] {
  const seen = new Set<string>();
  return readings.filter((r) => {
    const key = readingKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
