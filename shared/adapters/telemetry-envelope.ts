import type { FirehoseTransformationEvent, FirehoseTransformationResult, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ingestTelemetry } from '#shared/app/ingest-telemetry';
import type { IngestDeps, ReadingArchive, RetryQueue } from '#shared/app/ports';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Reading, Rejection, TelemetryMessage } from '#shared/domain/telemetry';
import { archiveLine } from './reading-archive.ts';

/**
 * The record a topic rule puts on a telemetry delivery stream (and an ingest function on its retry queue). The payload travels base64-encoded,
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
      rejection: { messageId, code: 'bad_envelope', reason: `queue message is not a telemetry envelope: ${problem}`, receivedAt: arrivedAt, payload: new TextEncoder().encode(body) },
    };
  }
  return {
    ok: true,
    message: { messageId, topic: parsed.topic, clientId: parsed.clientId, receivedAt: parsed.receivedAt, payload: Buffer.from(parsed.payload, 'base64') },
  };
}

/** An SQS record (the retry queue's) as a telemetry message. */
export const decodeRecord = (record: Pick<SQSRecord, 'messageId' | 'body' | 'attributes'>) =>
  decodeEnvelope(record.messageId, record.body, Number(record.attributes?.SentTimestamp) || 0);

/** Accepted readings, kept to be handed back to Firehose as the archive's records. */
function collectingArchive(): { archive: ReadingArchive; archived: Map<string, Reading> } {
  const archived = new Map<string, Reading>();
  return {
    archived,
    archive: {
      append: async (readings) => {
        for (const r of readings) archived.set(r.messageId, r);
        return { retry: [], failed: [] };
      },
    },
  };
}

/** On the retry path the readings were archived when they first came through the delivery stream. */
const archivedOnFirstPass: ReadingArchive = { append: async () => ({ retry: [], failed: [] }) };

/**
 * The ingest function as its delivery stream's processor: decode each buffered record,
 * ingest, put what must be retried on the retry queue, and answer every record: `Ok` with
 * its reading as an archive line, or `Dropped` (a refused message, kept in the rejects
 * table; or a duplicate inside the buffer). If the retry queue cannot take a message the
 * invocation fails, and Firehose retries the whole buffer (ingest is idempotent).
 */
export function firehoseIngestHandler(kind: DeviceKind, deps: IngestDeps, retryQueue: RetryQueue) {
  return async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    const messages: TelemetryMessage[] = [];
    const rejections: Rejection[] = [];
    const bodies = new Map<string, string>();
    for (const record of event.records) {
      const body = Buffer.from(record.data, 'base64').toString('utf8');
      bodies.set(record.recordId, body);
      const decoded = decodeEnvelope(record.recordId, body, record.approximateArrivalTimestamp);
      if (decoded.ok) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    const { archive, archived } = collectingArchive();
    const { retry } = await ingestTelemetry(kind, messages, rejections, deps, archive);
    if (retry.length) await retryQueue.send(retry.map((id) => bodies.get(id)!));
    return {
      records: event.records.map((record) => {
        const reading = archived.get(record.recordId);
        return reading
          ? { recordId: record.recordId, result: 'Ok', data: Buffer.from(archiveLine(reading)).toString('base64') }
          : { recordId: record.recordId, result: 'Dropped', data: record.data };
      }),
    };
  };
}

/** The ingest function on its retry queue: decode, ingest (archiving nothing again), report what is still retryable. */
export function sqsIngestHandler(kind: DeviceKind, deps: IngestDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const messages: TelemetryMessage[] = [];
    const rejections: Rejection[] = [];
    for (const record of event.Records) {
      const decoded = decodeRecord(record);
      if (decoded.ok) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    const { retry } = await ingestTelemetry(kind, messages, rejections, deps, archivedOnFirstPass);
    return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Either trigger of an ingest function: its delivery stream's buffers, or its retry queue's batches. */
export type IngestEvent = FirehoseTransformationEvent | SQSEvent;

export function ingestHandler(kind: DeviceKind, deps: IngestDeps & { retryQueue(kind: DeviceKind): RetryQueue }) {
  const firehose = firehoseIngestHandler(kind, deps, deps.retryQueue(kind));
  const sqs = sqsIngestHandler(kind, deps);
  return <E extends IngestEvent>(event: E): Promise<E extends SQSEvent ? SQSBatchResponse : FirehoseTransformationResult> =>
    ('records' in event ? firehose(event) : sqs(event as SQSEvent)) as never;
}
