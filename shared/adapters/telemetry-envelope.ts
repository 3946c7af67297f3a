import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { ingestTelemetry } from '#shared/app/ingest-telemetry';
import type { IngestDeps } from '#shared/app/ports';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Rejection, TelemetryMessage } from '#shared/domain/telemetry';

/**
 * The record a topic rule puts on a telemetry stream (partition key: the thing name). The payload travels base64-encoded,
 * so malformed JSON and binary garbage reach the ingest function (and the reject store)
 * instead of failing inside the rule. Identity fields come from the connection.
 */
export const TelemetryEnvelope = z.object({
  topic: z.string(),
  clientId: z.string(),
  receivedAt: z.int().nonnegative(),
  payload: z.base64(),
});
export type TelemetryEnvelope = z.infer<typeof TelemetryEnvelope>;

/** The AWS IoT rule SQL that builds a {@link TelemetryEnvelope} from a publish. */
export const envelopeRuleSql = (topicFilter: string): string =>
  `SELECT encode(*, 'base64') AS payload, topic() AS topic, clientid() AS clientId, timestamp() AS receivedAt FROM '${topicFilter}'`;

/** What the local router does in place of the rule: the same envelope from the same publish. */
export const encodeEnvelope = (publish: { topic: string; clientId: string; receivedAt: number; payload: Uint8Array }): string =>
  JSON.stringify({
    topic: publish.topic,
    clientId: publish.clientId,
    receivedAt: publish.receivedAt,
    payload: Buffer.from(publish.payload).toString('base64'),
  } satisfies TelemetryEnvelope);

/** A telemetry envelope out of a transport record (its id, body and the transport's arrival time), or why it is not one. */
export function decodeEnvelope(messageId: string, body: string, arrivedAt: number): { ok: true; message: TelemetryMessage } | { ok: false; rejection: Rejection } {
  let parsed: TelemetryEnvelope | undefined;
  let problem = 'body is not JSON';
  try {
    const result = TelemetryEnvelope.safeParse(JSON.parse(body));
    if (result.success) parsed = result.data;
    else problem = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch {
    /* problem stays "not JSON" */
  }
  if (!parsed) {
    return {
      ok: false,
      rejection: { messageId, code: 'bad_envelope', reason: `stream record is not a telemetry envelope: ${problem}`, receivedAt: arrivedAt, payload: new TextEncoder().encode(body) },
    };
  }
  return {
    ok: true,
    message: { messageId, topic: parsed.topic, clientId: parsed.clientId, receivedAt: parsed.receivedAt, payload: Buffer.from(parsed.payload, 'base64') },
  };
}

/**
 * The ingest function on its route's Kinesis stream (an event source mapping with bisect
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
      const decoded = decodeEnvelope(record.kinesis.sequenceNumber, body, Math.round(record.kinesis.approximateArrivalTimestamp * 1000));
      if (decoded.ok) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    const { retry } = await ingestTelemetry(kind, messages, rejections, deps);
    return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
