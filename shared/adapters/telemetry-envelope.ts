import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ingestTelemetry } from '#shared/app/ingest-telemetry';
import type { IngestDeps } from '#shared/app/ports';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Rejection, TelemetryMessage } from '#shared/domain/telemetry';

/**
 * The message a topic rule puts on a telemetry queue. The payload travels base64-encoded,
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

export function decodeRecord(record: Pick<SQSRecord, 'messageId' | 'body' | 'attributes'>): { ok: true; message: TelemetryMessage } | { ok: false; rejection: Rejection } {
  let parsed: TelemetryEnvelope | undefined;
  let problem = 'body is not JSON';
  try {
    const result = TelemetryEnvelope.safeParse(JSON.parse(record.body));
    if (result.success) parsed = result.data;
    else problem = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch {
    /* problem stays "not JSON" */
  }
  if (!parsed) {
    return {
      ok: false,
      rejection: {
        messageId: record.messageId,
        code: 'bad_envelope',
        reason: `queue message is not a telemetry envelope: ${problem}`,
        receivedAt: Number(record.attributes?.SentTimestamp) || 0,
        payload: new TextEncoder().encode(record.body),
      },
    };
  }
  return {
    ok: true,
    message: {
      messageId: record.messageId,
      topic: parsed.topic,
      clientId: parsed.clientId,
      receivedAt: parsed.receivedAt,
      payload: Buffer.from(parsed.payload, 'base64'),
    },
  };
}

/** The SQS batch handler every ingest function is: decode, ingest, report retryable failures. */
export function sqsIngestHandler(kind: DeviceKind, deps: IngestDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const messages: TelemetryMessage[] = [];
    const rejections: Rejection[] = [];
    for (const record of event.Records) {
      const decoded = decodeRecord(record);
      if (decoded.ok) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    const { retry } = await ingestTelemetry(kind, messages, rejections, deps);
    return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
