import type { ScheduledEvent } from 'aws-lambda';
import { lambdaDeps, lazyHandler } from '#shared/adapters/lambda-runtime';
import { checkOffline, type OfflineCheckDeps } from '#shared/app/scheduled-checks';

/** Scheduled (route table: offline-check): devices silent for 3 × their interval. */
export const makeHandler = (deps: OfflineCheckDeps) => async (_event: ScheduledEvent) => checkOffline(deps);

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
