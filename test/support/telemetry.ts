import type { FirehoseTransformationEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeEnvelope } from '#shared/adapters/telemetry-envelope';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { topicFor } from '#shared/domain/topics';

let counter = 0;

/** A record carrying a telemetry envelope, as the retry queue's event source delivers it (`firehoseEvent` turns records into a delivery stream's buffer). */
export function record(opts: { kind: DeviceKind; thing: string; payload: unknown; clientId?: string; topic?: string; receivedAt: number }): SQSRecord {
  const body = encodeEnvelope({
    topic: opts.topic ?? topicFor(opts.kind, opts.thing),
    clientId: opts.clientId ?? opts.thing,
    receivedAt: opts.receivedAt,
    payload: new TextEncoder().encode(typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload)),
  });
  return rawRecord(body, opts.receivedAt);
}

export function rawRecord(body: string, sentAt = Date.now()): SQSRecord {
  const messageId = `msg-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(sentAt), SenderId: 'test', ApproximateFirstReceiveTimestamp: String(sentAt) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:test',
    awsRegion: 'local',
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The same records as a delivery stream hands them to its processor (record id = the SQS message id). */
export const firehoseEvent = (...records: SQSRecord[]): FirehoseTransformationEvent => ({
  invocationId: `test-${++counter}`,
  deliveryStreamArn: 'arn:aws:firehose:local:000000000000:deliverystream/test',
  region: 'local',
  records: records.map((r) => ({ recordId: r.messageId, approximateArrivalTimestamp: Number(r.attributes.SentTimestamp), data: Buffer.from(r.body).toString('base64') })),
});

/** A valid payload of each kind at reading time `ts`, with `value` driving what changes. */
export function validPayload(kind: DeviceKind, ts: number, seq: number, value = 50): Record<string, unknown> {
  switch (kind) {
    case 'bins':
      return { ts, seq, fillPct: value, batteryPct: 90 };
    case 'sweepers':
      return { ts, seq, points: [{ ts: ts - 10_000, lat: 30.3, lon: 120.15, brushOn: true }, { ts, lat: 30.3 + value / 1e5, lon: 120.15, speedKmh: 9, brushOn: true }] };
    case 'cameras':
      return { ts, seq, detections: Array.from({ length: value % 50 }, () => ({ type: 'litter_pile', zoneId: 'mk-01-stalls', confidence: 0.7 })) };
  }
}

/** The latest-state field that `value` shows up in, to tell which reading won. */
export const marker = (kind: DeviceKind, state: Record<string, unknown>): number => {
  switch (kind) {
    case 'bins':
      return state.fillPct as number;
    case 'sweepers':
      return Math.round(((state.lat as number) - 30.3) * 1e5);
    case 'cameras':
      return state.detectionCount as number;
  }
};
