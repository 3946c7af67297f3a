import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/runtime/lambda';
import { checkOffline, type CheckOfflineDeps } from '#shared/app/check-offline';

/** Scheduled (topology: check-offline): devices silent for 3 × their interval. */
export const makeHandler = (deps: CheckOfflineDeps) => async (_event: ScheduledEvent) => checkOffline(deps);

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
