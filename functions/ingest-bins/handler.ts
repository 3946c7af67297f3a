import { ingestFunction } from '../ingest/kinesis-batch.ts';

/**
 * bins telemetry: a batch of its Kinesis stream's records → validate → latest state, detectors, rejects; what could
 * not be stored yet is reported back by sequence number.
 */
export const { makeHandler, handler } = ingestFunction('bins');
