import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/runtime/lambda';
import { escalateOverdue, type EscalateOverdueDeps } from '#shared/app/escalate-overdue';

/** Scheduled (topology: escalate-overdue): overdue cases go to the City Management Office; each unit's case load is reported. */
export const makeHandler = (deps: EscalateOverdueDeps) => async (_event: ScheduledEvent) => {
  const { escalated, load } = await escalateOverdue(deps);
  return { escalated: escalated.map((c) => c.caseId), load };
};

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
