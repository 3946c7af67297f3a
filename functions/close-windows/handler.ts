import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/adapters/lambda-runtime';
import { closeWindows, type WindowCloseDeps } from '#shared/app/window-close';

/** Scheduled (route table: window-close): missed sweeping, silent sweepers, swept late. */
export const makeHandler = (deps: WindowCloseDeps) => async (_event: ScheduledEvent) => {
  const { signals } = await closeWindows(deps);
  return { signals: signals.map((s) => `${s.kind} ${s.category} ${s.siteId}`) };
};

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
