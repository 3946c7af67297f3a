import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '#shared/app/ports';
import type { DeadLetter, LocalQueue } from './local-queue.ts';

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
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  const seen = new Set<string>();
  const lines = [...read(redriving), ...read(deadLetters)].filter((line) => {
    const id = /"messageId":"([^"]+)"/.exec(line)?.[1];
    if (!id) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (existsSync(deadLetters)) {
    writeFileSync(`${redriving}.tmp`, lines.map((l) => `${l}\n`).join(''));
    renameSync(`${redriving}.tmp`, redriving);
    unlinkSync(deadLetters);
  }
  const outcome: RedriveOutcome = { redriven: {}, left: 0 };
  if (lines.length === 0) {
    rmSync(redriving, { force: true });
    return outcome;
  }
  const left: string[] = [];
  const redriven: string[] = [];
  for (const line of lines) {
    let letter: DeadLetter;
    try {
      letter = JSON.parse(line) as DeadLetter;
    } catch {
      log.warn('redrive: a dead-letter line is not JSON; it stays in the dead-letter file', { line: line.slice(0, 200) });
      left.push(line);
      continue;
    }
    const queue = queues.get(letter.queue);
    if (!queue || typeof letter.body !== 'string') {
      log.warn(`redrive: no queue "${letter.queue}" in this stack; the dead letter stays in the dead-letter file`, { messageId: letter.messageId });
      left.push(line);
      continue;
    }
    await queue.send(letter.body);
    redriven.push(line);
    outcome.redriven[letter.queue] = (outcome.redriven[letter.queue] ?? 0) + 1;
  }
  if (left.length) appendFileSync(deadLetters, left.map((l) => `${l}\n`).join(''));
  outcome.left = left.length;
  if (redriven.length) {
    outcome.keptIn = join(dataDir, `dead-letters.redriven-${now.toISOString().replace(/[:.]/g, '-')}.jsonl`);
    writeFileSync(outcome.keptIn, redriven.map((l) => `${l}\n`).join(''));
  }
  rmSync(redriving, { force: true });
  return outcome;
}
