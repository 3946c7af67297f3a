import { ingestFunction } from '#shared/adapters/lambda-runtime';

/** bins telemetry: SQS batch from the topic rule → validate → latest state, history, rejects. */
export const { makeHandler, handler } = ingestFunction('bins');
