import { ACTION_NAMES, type Names, REFUSAL_REASON_NAMES, STATUS_NAMES, WordedError } from '../labels.ts';
import { type CaseAction, type CaseStatus, REFUSAL_REASONS } from './statuses.ts';

/**
 * Each action: the statuses it is taken from, and the one it leads to (none: the status
 * stays, e.g. an extension's). The standard cycle's order: a case is dispatched (派遣) once
 * registered (立案), its unit starts the work (处置) once dispatched, and resolves it (处置反馈)
 * only while working on it (or reworking it after a failed check): never straight from
 * `open` or `dispatched`. A sensor's clear reading is not a person's resolution: see
 * {@link SENSOR_RESOLVE_FROM}. docs/cases.md has the table and the reasons.
 */
export const TRANSITIONS: Record<CaseAction, { from: readonly CaseStatus[]; to?: CaseStatus }> = {
  check: { from: ['received'], to: 'checking' },
  register: { from: ['received', 'checking'], to: 'open' },
  refuse: { from: ['received', 'checking'], to: 'refused' },
  dispatch: { from: ['open', 'reopened'], to: 'dispatched' },
  start: { from: ['dispatched'], to: 'in_progress' },
  // 处置反馈: the unit reports the work done, while it works on the case (or reworks it).
  resolve: { from: ['in_progress', 'reopened'], to: 'resolved' },
  verify: { from: ['resolved'], to: 'verified' },
  close: { from: ['verified'], to: 'closed' },
  reopen: { from: ['resolved'], to: 'reopened' },
  void: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'resolved'], to: 'void' },
  // 回退: the unit sends a case that is not theirs back to the dispatcher, who dispatches it again.
  return: { from: ['dispatched', 'in_progress'], to: 'open' },
  // 延期: the unit asks for more time (a new deadline and why); the shift lead approves (the deadline moves) or rejects.
  request_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  approve_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  reject_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  // 挂账: a problem that cannot be solved soon is parked (its clock stops) until it is reviewed; unparked, it goes back where it was.
  park: { from: ['open', 'dispatched', 'in_progress', 'reopened'], to: 'parked' },
  unpark: { from: ['parked'] },
  // 二级派遣: the unit (a street office, say) sends its case down to a community or a grid, whose people then handle it.
  dispatch_down: { from: ['dispatched', 'in_progress', 'reopened'] },
  // 核查: the inspector checks the work on site, with a photo and their position: passed, it is verified; failed, rework.
  inspect: { from: ['resolved'] },
  // 督办: a leader or the office presses the unit on a case: a notice to the unit and a flag on the case.
  supervise: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'parked'] },
};

/**
 * Where a device's case is resolved by its sensor's clear reading (the system's, not a
 * person's `resolve`): from any working status, since the condition ended whoever had the
 * case, dispatched or not. Only a case its devices alone reported (see `resolveBySensor`);
 * the history records it as `resolve` by `sensor:<thing>`, and the inspector checks it as
 * any other resolution.
 */
export const SENSOR_RESOLVE_FROM: readonly CaseStatus[] = ['open', 'dispatched', 'in_progress', 'reopened'];

export class IllegalTransitionError extends WordedError {
  constructor(
    readonly action: string,
    readonly status: CaseStatus,
    why?: Names,
  ) {
    const act = ACTION_NAMES[action as CaseAction]?.zh ?? action;
    const from = TRANSITIONS[action as CaseAction]?.from ?? [];
    super(
      why
        ? { en: `cannot ${action}: ${why.en}`, zh: `不能${act}：${why.zh}` }
        : {
            en: `cannot ${action} a case that is ${status} (allowed from: ${from.join(', ') || 'nowhere'})`,
            zh: `案件现为「${STATUS_NAMES[status].zh}」，不能${act}（${
              from.length ? `可${act}的状态：${from.map((f) => STATUS_NAMES[f].zh).join('、')}` : '无此操作'
            }）`,
          },
    );
  }
}

export class MissingReasonError extends WordedError {
  constructor(
    words: Names = {
      en: `a refusal needs a reason: one of ${REFUSAL_REASONS.join(', ')}`,
      zh: `不予立案须选择原因：${REFUSAL_REASONS.map((r) => REFUSAL_REASON_NAMES[r].zh).join('、')}`,
    },
  ) {
    super(words);
  }
}
