import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { encodeEnvelope } from '#shared/events/telemetry-envelope';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { topicFor } from '#shared/domain/topics';

let counter = 0;

/**
 * A stream record carrying a telemetry envelope, as the Kinesis event source hands it to an ingest function (partition
 * key: the client id).
 */
export function record(opts: {
  kind: DeviceKind;
  thing: string;
  payload: unknown;
  clientId?: string;
  topic?: string;
  receivedAt: number;
}): KinesisStreamRecord {
  const body = encodeEnvelope({
    topic: opts.topic ?? topicFor(opts.kind, opts.thing),
    clientId: opts.clientId ?? opts.thing,
    receivedAt: opts.receivedAt,
    payload: new TextEncoder().encode(typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload)),
  });
  return rawRecord(body, opts.receivedAt, opts.clientId ?? opts.thing);
}

/** A stream record with any body (a record that is not an envelope, say). */
export function rawRecord(body: string, arrivedAt = Date.now(), partitionKey = 'test'): KinesisStreamRecord {
  const sequenceNumber = String(++counter).padStart(21, '0');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(body).toString('base64'),
      approximateArrivalTimestamp: arrivedAt / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/test',
  };
}

/** Records as one invocation of the event source mapping. */
export const streamEvent = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

/** A record's sequence number: what a partial batch response names. */
export const sequenceOf = (r: KinesisStreamRecord): string => r.kinesis.sequenceNumber;

/** A valid payload of each kind at reading time `ts`, with `value` driving what changes. */
export function validPayload(kind: DeviceKind, ts: number, seq: number, value = 50): Record<string, unknown> {
  switch (kind) {
    case 'bins':
      return { ts, seq, fillPct: value, batteryPct: 90 };
    case 'sweepers':
      return {
        ts,
        seq,
        points: [
          { ts: ts - 10_000, lat: 30.3, lon: 120.15, brushOn: true },
          { ts, lat: 30.3 + value / 1e5, lon: 120.15, speedKmh: 9, brushOn: true },
        ],
      };
    case 'cameras':
      return {
        ts,
        seq,
        detections: Array.from({ length: value % 50 }, () => ({
          type: 'litter_pile',
          zoneId: 'mk-01-stalls',
          confidence: 0.7,
        })),
      };
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
