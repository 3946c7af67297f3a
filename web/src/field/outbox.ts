import { createStore, del, entries, set } from 'idb-keyval';
import { sendReport, uploadPhoto } from '../api.ts';
import { Refusal } from '../refusal-words.ts';
import type { SignedIn } from '../session.ts';

/**
 * The field app's outbox (待发送): every report is kept on the phone (IndexedDB) with its
 * photos until the API has it, so a report taken without a signal is sent when the network
 * returns, and a report whose answer was lost is sent again without becoming a second one:
 * each carries its own number (`externalId`), and the API answers a number it has seen with
 * the case that took it. Photos are uploaded first and their ids kept, so a retry does
 * not upload them again.
 */
export interface Kept {
  /** The report's own number: its `externalId`. */
  key: string;
  takenAt: number;
  /** The report's body, without its photos. */
  report: Record<string, unknown>;
  photos: Blob[];
  /** The photos' media ids, once uploaded. */
  mediaIds?: string[];
  /** Why the API refused it (a 400 or 403): kept and shown, not sent again. */
  refused?: string;
}

export interface Sent {
  key: string;
  caseId: string;
  /** The case number to show (案件编号); absent from a case opened before numbers were given. */
  caseNumber?: string;
  outcome: string;
  at: number;
}

const store = () => createStore('cityops-field', 'outbox');

/** A report's own number: random, 26 letters and digits (the phone's clock and 80 random bits). */
export function newKey(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(10));
  return `fa-${now.toString(36)}-${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function keep(item: Kept): Promise<void> {
  await set(item.key, item, store());
}

export async function kept(): Promise<Kept[]> {
  return (await entries<string, Kept>(store())).map(([, v]) => v).sort((a, b) => a.takenAt - b.takenAt);
}

export async function discard(key: string): Promise<void> {
  await del(key, store());
}

/**
 * Sends what is kept, oldest first. Stops at the first failure of the network or the
 * service (kept for the next try); a refusal (400, 403) marks that report refused and goes
 * on; 401 stops (sign in again). Returns the reports the API took.
 */
export async function sendKept(who: SignedIn): Promise<{ sent: Sent[]; stopped?: Refusal }> {
  const sent: Sent[] = [];
  for (const item of await kept()) {
    if (item.refused) continue;
    try {
      if (!item.mediaIds) {
        const ids: string[] = [];
        for (const photo of item.photos) ids.push(await uploadPhoto(who, photo));
        item.mediaIds = ids;
        await keep(item);
      }
      const answer = await sendReport(who, { ...item.report, externalId: item.key, media: item.mediaIds });
      await discard(item.key);
      sent.push({
        key: item.key,
        caseId: answer.case.caseId,
        ...(answer.case.caseNumber ? { caseNumber: answer.case.caseNumber } : {}),
        outcome: answer.outcome,
        at: Date.now(),
      });
    } catch (error) {
      if (error instanceof Refusal && (error.status === 400 || error.status === 403)) {
        await keep({ ...item, refused: error.message });
        continue;
      }
      return { sent, stopped: error instanceof Refusal ? error : new Refusal(0, (error as Error).message) };
    }
  }
  return { sent };
}
