import { ingestFunction } from '#shared/adapters/lambda-runtime';

/** sweepers telemetry: a delivery stream's buffer (or a retry queue's batch) → validate → latest state, detectors, rejects; the accepted readings back to the archive. */
export const { makeHandler, handler } = ingestFunction('sweepers');
