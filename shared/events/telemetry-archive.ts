import type { TelemetryEnvelope } from './telemetry-envelope.ts';

/**
 * The archive's format, the same in S3 and in the local files: JSON Lines, one message
 * per line exactly as it travelled on the stream (a {@link TelemetryEnvelope}: topic,
 * client id, broker time, the payload's bytes in base64), so the archive keeps every
 * message, rejected ones included, and nothing the ingest function did to it. In AWS a
 * Firehose stream reads the Kinesis stream and appends a newline to each record; locally
 * the twin's archive consumer does the same. At least once: after a retry a message can
 * be there twice; {@link uniqueMessages} drops repeats by thing, `ts` and `seq`.
 */
export interface ArchivedMessage extends TelemetryEnvelope {
  /** The thing that sent it (the connection's client id). */
  thing: string;
  /** From the payload, when it is JSON with them. */
  ts?: number;
  seq?: number;
  /** The payload as JSON, when it is JSON. */
  body?: unknown;
}

/** The archive line of a stream record's data (an envelope's JSON), newline-delimited. */
export const archiveLine = (data: string): string => `${data}\n`;

function archived(envelope: TelemetryEnvelope): ArchivedMessage {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  } catch {
    body = undefined;
  }
  const fields = typeof body === 'object' && body !== null ? (body as { ts?: unknown; seq?: unknown }) : {};
  return {
    ...envelope,
    thing: envelope.clientId,
    body,
    ...(typeof fields.ts === 'number' ? { ts: fields.ts } : {}),
    ...(typeof fields.seq === 'number' ? { seq: fields.seq } : {}),
  };
}

/** The messages of archive text (JSON Lines); a torn last line (a crash mid-write, never acknowledged) is skipped. */
export function parseArchive(text: string): ArchivedMessage[] {
  const lines = text.split('\n');
  const messages: ArchivedMessage[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    try {
      messages.push(archived(JSON.parse(line) as TelemetryEnvelope));
    } catch (error) {
      if (i === lines.length - 1) break;
      throw new Error(`archive line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
  }
  return messages;
}

/** The key a message is known by in the archive. */
export const messageKey = (m: Pick<ArchivedMessage, 'thing' | 'ts' | 'seq'>): string => `${m.thing}|${m.ts}|${m.seq}`;

/** Each message once (the first copy), in the order given; one without `ts` and `seq` is kept as it is. */
export function uniqueMessages(messages: ArchivedMessage[]): ArchivedMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    if (m.ts === undefined || m.seq === undefined) return true;
    const key = messageKey(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
