import { ingestFunction } from '#shared/adapters/lambda-runtime';

/** sweepers telemetry: SQS batch from the topic rule → validate → latest state, history, rejects. */
export const { makeHandler, handler } = ingestFunction('sweepers');
