import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/adapters/lambda-runtime';
import { escalateOverdue } from '#shared/app/scheduled-checks';

/** Scheduled (route table: sla-escalation): overdue cases go to the City Management Office. */
export const makeHandler = (deps: Parameters<typeof escalateOverdue>[0]) => async (_event: ScheduledEvent) => {
  const escalated = await escalateOverdue(deps);
  return { escalated: escalated.map((c) => c.caseId) };
};

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
