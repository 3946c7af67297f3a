import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/runtime/lambda';
import { closeWindows, type CloseWindowsDeps } from '#shared/app/close-windows';

/** Scheduled (topology: close-windows): missed sweeping, silent sweepers, swept late. */
export const makeHandler = (deps: CloseWindowsDeps) => async (_event: ScheduledEvent) => {
  const { signals } = await closeWindows(deps);
  return { signals: signals.map((s) => `${s.kind} ${s.category} ${s.siteId}`) };
};

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
