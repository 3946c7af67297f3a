import { IllegalTransitionError, MissingReasonError } from './cycle.ts';
import type { Case, Extension } from './model.ts';
import type { CaseAction } from './statuses.ts';

/*
 * A unit's request for more time (延期) and the shift lead's decision on it; parking (挂账):
 * a problem that cannot be solved soon waits, its clock stopped, until it is reviewed.
 */

/** The case's extension after an extension action; undefined for other actions. Throws for one the case's extension does not allow. */
export function extensionAfter(
  c: Case,
  action: CaseAction,
  actor: string,
  now: number,
  note: string | undefined,
  until: number | undefined,
): Extension | undefined {
  const pending = c.extension?.state === 'requested';
  if (action === 'request_extension') {
    if (pending)
      throw new IllegalTransitionError(action, c.status, {
        en: 'an extension is already waiting for a decision',
        zh: '已有一个延期申请在等待审批',
      });
    if (!note?.trim())
      throw new MissingReasonError({ en: 'an extension (延期) needs a note: why more time', zh: '申请延期须说明原因' });
    if (until === undefined || until <= Math.max(now, c.dueAt))
      throw new MissingReasonError({
        en: 'an extension names a new deadline (until) after the present one',
        zh: '申请延期须给出晚于现有时限的新时限',
      });
    return { until, reason: note, requestedBy: actor, requestedAt: now, state: 'requested' };
  }
  if (action === 'approve_extension' || action === 'reject_extension') {
    if (!pending)
      throw new IllegalTransitionError(action, c.status, {
        en: 'no extension is waiting for a decision',
        zh: '没有等待审批的延期申请',
      });
    if (action === 'reject_extension' && !note?.trim())
      throw new MissingReasonError({ en: 'a rejected extension needs a note: why not', zh: '不同意延期须说明原因' });
    return {
      ...c.extension!,
      state: action === 'approve_extension' ? 'approved' : 'rejected',
      decidedBy: actor,
      decidedAt: now,
      ...(note ? { note } : {}),
    };
  }
  return undefined;
}

/**
 * What parking or unparking changes on the case (undefined for other actions): parked, where
 * it was, since when, why and until when; unparked, its deadlines move by the time it was
 * parked. Throws for a parking without a note or a review date after now.
 */
export function parkingAfter(
  c: Case,
  action: CaseAction,
  actor: string,
  now: number,
  note: string | undefined,
  reviewAt: number | undefined,
): Pick<Case, 'parked'> | Pick<Case, 'dueAt' | 'unitDueAt'> | undefined {
  if (action === 'park') {
    if (!note?.trim() || reviewAt === undefined || reviewAt <= now)
      throw new MissingReasonError({
        en: 'parking (挂账) needs a note (why it cannot be solved soon) and a review date after now',
        zh: '挂账须说明暂时无法解决的原因，并给出晚于今天的复查日期',
      });
    return { parked: { from: c.status, at: now, reviewAt, reason: note, by: actor } };
  }
  // The clock stopped while parked: the deadline moves by the time it was parked (working hours: see lateness.ts, `unitDeadline`).
  if (action === 'unpark' && c.parked)
    return {
      dueAt: c.dueAt + Math.max(0, now - c.parked.at),
      unitDueAt: (c.unitDueAt ?? c.dueAt) + Math.max(0, now - c.parked.at),
    };
  return undefined;
}

/** The case without its parking, once unparked. */
export const withoutParking = ({ parked: _parked, ...c }: Case): Case => c;
