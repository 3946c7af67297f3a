import type { LimitsInForce } from '../time-limits.ts';
import { addSlaHours, slaDuration } from '../working-time.ts';
import { SYSTEM_ACTOR } from './actors.ts';
import type { Case, HistoryEntry } from './model.ts';
import { INTAKE_STATUSES, type LateStage, WORKING_STATUSES } from './statuses.ts';

/**
 * A case's deadlines: the unit's and the desk stages' (intake, verification, a parking's
 * review) by the time limits, the one it is judged by now, and a desk stage marked late.
 */

const STAGE_WORDS: Record<LateStage, string> = {
  register: 'registration (立案)',
  verify: 'verification (核查)',
  review: 'the parked case’s review (挂账复查)',
};

/** The desk stage a case is in and its deadline: intake (`registerBy`), verification (`verifyBy`), a parking's review. */
export function deskStage(c: Case): { stage: LateStage; deadline: number | undefined } | undefined {
  if (INTAKE_STATUSES.includes(c.status)) return { stage: 'register', deadline: c.registerBy };
  if (c.status === 'resolved') return { stage: 'verify', deadline: c.verifyBy };
  if (c.status === 'parked') return { stage: 'review', deadline: c.parked?.reviewAt };
  return undefined;
}

/** The deadline a case is judged by now: its unit's while it is worked on, else its desk stage's (none when that has none). */
export const nextDeadline = (c: Case): number | undefined =>
  WORKING_STATUSES.includes(c.status) ? (c.unitDueAt ?? c.dueAt) : deskStage(c)?.deadline;

/**
 * A report waiting for the intake past `registerBy`, resolved work waiting for the
 * inspector past `verifyBy`, or a parked case past its review date: the case says so once
 * per deadline (`late`, and a history entry `overdue`), for the office to press on it or
 * the shift lead to look at it again. Undefined when none, or said already.
 */
export function markLate(c: Case, now: number): Case | undefined {
  const found = deskStage(c);
  if (!found || found.deadline === undefined || now <= found.deadline) return undefined;
  const { stage, deadline } = found;
  if (c.late?.stage === stage && c.late.since === deadline) return undefined;
  const entry: HistoryEntry = {
    action: 'overdue',
    from: c.status,
    to: c.status,
    actor: SYSTEM_ACTOR,
    at: now,
    note: `${STAGE_WORDS[stage]} overdue since ${new Date(deadline).toISOString()}`,
  };
  return {
    ...c,
    late: { stage, since: deadline },
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

const HOUR = 3_600_000;

/**
 * The unit's deadline (`dueAt`) after a change of a case, by the time limits: once
 * registered, the dispatch and handling limits from registration; once dispatched, the
 * handling limit from dispatch. Undefined when the change starts neither.
 */
export function unitDeadline(
  before: Pick<Case, 'registeredAt' | 'status' | 'dueAt' | 'parked'> | undefined,
  after: Pick<Case, 'registeredAt' | 'status' | 'urgency' | 'updatedAt'>,
  { limits, calendar }: LimitsInForce,
): number | undefined {
  const urgency = after.urgency ?? 'normal';
  const limit = limits[urgency];
  const working = { kind: 'working' as const, calendar };
  // Unparked: the working time that was left when it was parked, from now.
  if (before?.status === 'parked' && after.status !== 'parked' && before.parked)
    return addSlaHours(after.updatedAt, slaDuration(before.parked.at, before.dueAt, working), working);
  if (after.status === 'dispatched' && before?.status !== 'dispatched')
    return addSlaHours(after.updatedAt, limit.handle * HOUR, { kind: 'working', calendar });
  if (after.registeredAt !== undefined && before?.registeredAt === undefined)
    return addSlaHours(after.registeredAt, (limit.dispatch + limit.handle) * HOUR, { kind: 'working', calendar });
  return undefined;
}

/**
 * The deadlines of the intake's and the inspector's stages after a change of a case:
 * `registerBy` when it comes into the intake (received, or waiting for an on-site check)
 * — the registration limit from then; `verifyBy` when it is resolved — the verification
 * limit from the resolution. Empty when the change starts neither.
 */
export function stageDeadlines(
  before: Pick<Case, 'status'> | undefined,
  after: Pick<Case, 'status' | 'urgency' | 'updatedAt'>,
  { limits, calendar }: LimitsInForce,
): Partial<Pick<Case, 'registerBy' | 'verifyBy'>> {
  const limit = limits[after.urgency ?? 'normal'];
  const working = { kind: 'working' as const, calendar };
  const intake = (status: string | undefined) => status === 'received' || status === 'checking';
  if (intake(after.status) && !intake(before?.status))
    return { registerBy: addSlaHours(after.updatedAt, limit.register * HOUR, working) };
  if (after.status === 'resolved' && before?.status !== 'resolved')
    return { verifyBy: addSlaHours(after.updatedAt, limit.verify * HOUR, working) };
  return {};
}
