import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/adapters/lambda-runtime';
import { escalateOverdue, type SlaCheckDeps } from '#shared/app/scheduled-checks';

/** Scheduled (route table: sla-escalation): overdue cases go to the City Management Office; each unit's case load is reported. */
export const makeHandler = (deps: SlaCheckDeps) => async (_event: ScheduledEvent) => {
  const { escalated, load } = await escalateOverdue(deps);
  return { escalated: escalated.map((c) => c.caseId), load };
};

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
