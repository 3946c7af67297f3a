import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from '#shared/app/ports';
import type { DeadLetter, LocalQueue } from './local-queue.ts';
import { writeWhole } from './write-whole.ts';

export const DEAD_LETTER_FILE = 'dead-letters.jsonl';
/** Dead letters being put back: kept until every one is on its queue, so a crash part-way loses none (the next redrive sends them again). */
const REDRIVING_FILE = 'dead-letters.redriving.jsonl';

export interface RedriveOutcome {
  /** By queue, how many went back. */
  redriven: Record<string, number>;
  /** Where the redriven dead letters are kept, for the record. */
  keptIn?: string;
  /** Lines left in the dead-letter file: for a queue this stack does not have, or unreadable. */
  left: number;
}

/** The lines of a JSON Lines file, each with its dead letter where it is one; none when the file is missing. */
async function readLetters(path: string): Promise<{ line: string; letter?: DeadLetter }[]> {
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
        const letter = JSON.parse(line) as DeadLetter;
        return typeof letter?.queue === 'string' && typeof letter.body === 'string' ? { line, letter } : { line };
      } catch {
        return { line };
      }
    });
}

const jsonl = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

/**
 * The local stand-in for SQS's dead-letter redrive (`aws sqs start-message-move-task` in
 * AWS): puts every dead letter of the data folder back on the queue it came from (a retry
 * queue, or a delivery stream's buffer) as a new message, with a fresh receive count. What
 * was redriven moves to `dead-letters.redriven-<time>.jsonl`; a line naming a queue this
 * stack does not have stays in the dead-letter file. The stack runs it before its pollers
 * start, so no new dead letter arrives meanwhile.
 */
export async function redriveDeadLetters(dataDir: string, queues: ReadonlyMap<string, LocalQueue>, log: Log, now = new Date()): Promise<RedriveOutcome> {
  const deadLetters = join(dataDir, DEAD_LETTER_FILE);
  const redriving = join(dataDir, REDRIVING_FILE);
  // A redrive a crash interrupted is finished first, then what has died since (once each, by message id).
  const fresh = await readLetters(deadLetters);
  const seen = new Set<string>();
  const entries = [...(await readLetters(redriving)), ...fresh].filter(({ letter }) => !letter || (!seen.has(letter.messageId) && seen.add(letter.messageId)));
  if (fresh.length) {
    await writeWhole(redriving, jsonl(entries.map((e) => e.line)));
    await rm(deadLetters);
  }
  const outcome: RedriveOutcome = { redriven: {}, left: 0 };
  const left: string[] = [];
  const redriven: string[] = [];
  for (const { line, letter } of entries) {
    const queue = letter && queues.get(letter.queue);
    if (!letter || !queue) {
      log.warn(letter ? `redrive: no queue "${letter.queue}" in this stack; the dead letter stays in the dead-letter file` : 'redrive: a line is not a dead letter; it stays in the dead-letter file', {
        line: line.slice(0, 200),
      });
      left.push(line);
      continue;
    }
    await queue.send(letter.body);
    redriven.push(line);
    outcome.redriven[letter.queue] = (outcome.redriven[letter.queue] ?? 0) + 1;
  }
  if (left.length) await appendFile(deadLetters, jsonl(left));
  outcome.left = left.length;
  if (redriven.length) {
    outcome.keptIn = join(dataDir, `dead-letters.redriven-${now.toISOString().replace(/[:.]/g, '-')}.jsonl`);
    await writeFile(outcome.keptIn, jsonl(redriven));
  }
  await rm(redriving, { force: true });
  return outcome;
}
