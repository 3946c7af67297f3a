import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { ingestTelemetry } from '#shared/app/ingest-telemetry';
import type { IngestDeps } from '#shared/app/ingest-telemetry';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Rejection, TelemetryMessage } from '#shared/domain/telemetry';
import { decodeEnvelope } from '#shared/events/telemetry-envelope';
import { lambdaDeps, lazyHandler } from '#shared/runtime/lambda';

/*
 * What the three ingest functions (ingest-bins, ingest-cameras, ingest-sweepers) share:
 * the decoding of their Kinesis stream's records and the handler around the use case.
 */

/**
 * The ingest function on its telemetry flow's Kinesis stream (an event source mapping with bisect
 * on error and partial batch responses): decode each record, ingest, and report the
 * records whose state could not be stored yet (retryable failures only) by sequence
 * number, so the mapping retries from the first of them, keeping each device's readings
 * in order. A record that can never be stored is rejected (kept in the rejects table),
 * never reported, so it does not hold up its shard.
 */
export function ingestHandler(kind: DeviceKind, deps: IngestDeps) {
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const messages: TelemetryMessage[] = [];
    const rejections: Rejection[] = [];
    for (const record of event.Records) {
      const body = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
      const decoded = decodeEnvelope(
        record.kinesis.sequenceNumber,
        body,
        Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
      );
      if (decoded.ok) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    const { retry } = await ingestTelemetry(kind, messages, rejections, deps);
    return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Everything an ingest function module exports: the factory for tests and the Lambda entry point. */
export function ingestFunction(kind: DeviceKind) {
  const makeHandler = (deps: IngestDeps) => ingestHandler(kind, deps);
  return { makeHandler, handler: lazyHandler(() => makeHandler(lambdaDeps())) };
}
