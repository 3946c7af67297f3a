import { type CaseStatus, WORKING_STATUSES } from '../../shared/domain/case/statuses.ts';

/** A registered case in its unit's hands: working, and dispatched (the domain's working statuses but `open`). */
export const WITH_A_UNIT: readonly CaseStatus[] = WORKING_STATUSES.filter((s) => s !== 'open');
