import { appendFileSync, fdatasyncSync, closeSync, openSync, writeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from '#shared/app/ports/observability';
import type { LocalStream } from './local-stream.ts';
import type { DiscardedBatch } from './stream-event-source.ts';
import { writeWhole } from '../../shared/adapters/write-whole.ts';

/** Where the data folder keeps the batches the streams' event sources gave up on (the S3 on-failure destination's stand-in). */
export const DISCARDED_FILE = 'discarded.jsonl';
/** Batches being put back: kept until every record is on its stream, so a crash part-way loses none (the next redrive sends them again). */
const REDRIVING_FILE = 'discarded.redriving.jsonl';

/** Keeps a discarded batch: one line, written and synced before the event source moves on. */
export function keepDiscarded(dataDir: string, batch: DiscardedBatch): void {
  const fd = openSync(join(dataDir, DISCARDED_FILE), 'a');
  try {
    writeSync(fd, `${JSON.stringify(batch)}\n`);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface RedriveOutcome {
  /** By stream, how many records went back. */
  redriven: Record<string, number>;
  /** Where the redriven batches are kept, for the record. */
  keptIn?: string;
  /** Lines left in the discarded file: for a stream this stack does not have, or unreadable. */
  left: number;
}

const streamName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

async function readBatches(path: string): Promise<{ line: string; batch?: DiscardedBatch }[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        const batch = JSON.parse(line) as DiscardedBatch;
        return typeof batch?.KinesisBatchInfo?.streamArn === 'string' && Array.isArray(batch.payload?.Records)
          ? { line, batch }
          : { line };
      } catch {
        return { line };
      }
    });
}

const jsonl = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

/**
 * `npm start -- --redrive`: puts every record of the discarded batches back on the stream
 * it came from (its partition key and data, as new records), before the stack takes
 * messages. What was redriven moves to `discarded.redriven-<time>.jsonl`; a batch of a
 * stream this stack does not have stays. A redrive cut short by a crash is finished by
 * the next one, once per batch.
 */
export async function redriveDiscarded(
  dataDir: string,
  streams: ReadonlyMap<string, LocalStream>,
  log: Log,
  now = new Date(),
): Promise<RedriveOutcome> {
  const discarded = join(dataDir, DISCARDED_FILE);
  const redriving = join(dataDir, REDRIVING_FILE);
  const fresh = await readBatches(discarded);
  const seen = new Set<string>();
  const entries = [...(await readBatches(redriving)), ...fresh].filter(
    ({ batch }) => !batch || (!seen.has(batch.requestContext.requestId) && seen.add(batch.requestContext.requestId)),
  );
  if (fresh.length) {
    await writeWhole(redriving, jsonl(entries.map((e) => e.line)));
    await rm(discarded);
  }
  const outcome: RedriveOutcome = { redriven: {}, left: 0 };
  const left: string[] = [];
  const redriven: string[] = [];
  for (const { line, batch } of entries) {
    const name = batch && streamName(batch.KinesisBatchInfo.streamArn);
    const stream = name ? streams.get(name) : undefined;
    if (!batch || !stream) {
      log.warn(
        batch
          ? `redrive: no stream "${name}" in this stack; the batch stays in the discarded file`
          : 'redrive: a line is not a discarded batch; it stays in the discarded file',
        {
          line: line.slice(0, 200),
        },
      );
      left.push(line);
      continue;
    }
    for (const record of batch.payload.Records) await stream.put(record.kinesis.partitionKey, record.kinesis.data);
    redriven.push(line);
    outcome.redriven[name!] = (outcome.redriven[name!] ?? 0) + batch.payload.Records.length;
  }
  if (left.length) appendFileSync(discarded, jsonl(left));
  outcome.left = left.length;
  if (redriven.length) {
    outcome.keptIn = join(dataDir, `discarded.redriven-${now.toISOString().replace(/[:.]/g, '-')}.jsonl`);
    await writeFile(outcome.keptIn, jsonl(redriven));
  }
  await rm(redriving, { force: true });
  return outcome;
}
