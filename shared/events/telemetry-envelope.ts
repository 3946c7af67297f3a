import { z } from 'zod';
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

/** What the local router does in place of the rule: the same envelope from the same publish. */
export const encodeEnvelope = (publish: {
  topic: string;
  clientId: string;
  receivedAt: number;
  payload: Uint8Array;
}): string =>
  JSON.stringify({
    topic: publish.topic,
    clientId: publish.clientId,
    receivedAt: publish.receivedAt,
    payload: Buffer.from(publish.payload).toString('base64'),
  } satisfies TelemetryEnvelope);

/** A telemetry envelope out of a transport record (its id, body and the transport's arrival time), or why it is not one. */
export function decodeEnvelope(
  messageId: string,
  body: string,
  arrivedAt: number,
): { ok: true; message: TelemetryMessage } | { ok: false; rejection: Rejection } {
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
      rejection: {
        messageId,
        code: 'bad_envelope',
        reason: `stream record is not a telemetry envelope: ${problem}`,
        receivedAt: arrivedAt,
        payload: new TextEncoder().encode(body),
      },
    };
  }
  return {
    ok: true,
    message: {
      messageId,
      topic: parsed.topic,
      clientId: parsed.clientId,
      receivedAt: parsed.receivedAt,
      payload: Buffer.from(parsed.payload, 'base64'),
    },
  };
}
