import type { DeviceKind } from './device-kinds.ts';
import {
  IDENTITY_FIELDS,
  PAYLOAD_LIMITS,
  PAYLOAD_SCHEMAS,
  describeIssues,
  type GpsFix,
  type PayloadOf,
} from './payloads.ts';
import { isThingName, parseTopic } from './topics.ts';
import { FUTURE_SKEW_MS } from './state-writes.ts';
import { snapshotMediaId } from './media.ts';

/** A message as the broker handed it on: topic, the connection's client id, arrival time, raw bytes. */
export interface TelemetryMessage {
  messageId: string;
  topic: string;
  clientId: string;
  receivedAt: number;
  payload: Uint8Array;
}

/** A validated reading from one device. */
export interface Reading<K extends DeviceKind = DeviceKind> {
  messageId: string;
  kind: K;
  thing: string;
  ts: number;
  seq: number;
  receivedAt: number;
  payload: PayloadOf<K>;
}

export const REJECT_CODES = [
  'bad_envelope',
  'oversized',
  'bad_topic',
  'wrong_route',
  'identity_mismatch',
  'malformed_json',
  'invalid_payload',
  'future_timestamp',
  'stale_timestamp',
  'storage_error',
  // Refused by the broker (AWS IoT Core's policy and limits) before any rule: `not_authorized`
  // (another kind's topic or rule), `throttled` (dropped over 100 publishes/s); the broker
  // also refuses with `bad_topic`, `identity_mismatch` and `oversized`.
  'not_authorized',
  'throttled',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export interface Rejection {
  messageId: string;
  code: RejectCode;
  reason: string;
  /** The thing named by the topic (or, when the topic is unreadable, the connection's client id). */
  thing?: string;
  topic?: string;
  clientId?: string;
  receivedAt: number;
  payload: Uint8Array;
  /** The original payload's size, when `payload` holds only its beginning. */
  payloadBytes?: number;
}

/** How much of a payload the broker refused is kept: enough to tell what it was, however large it came. */
export const REFUSED_PAYLOAD_KEPT_BYTES = 4096;

/**
 * A publish the broker refused (or dropped for its rate), as a rejection to keep: the
 * connection's client id is the thing (its identity, checked at CONNECT), the payload cut
 * to {@link REFUSED_PAYLOAD_KEPT_BYTES} with its size kept.
 */
export function refusedPublish(
  refusal: {
    code: RejectCode;
    reason: string;
    clientId: string;
    topic: string;
    payload: Uint8Array;
    receivedAt: number;
  },
  messageId: string,
): Rejection {
  const { code, clientId, topic, payload, receivedAt } = refusal;
  return {
    messageId,
    code,
    reason: `refused by the broker: ${refusal.reason}`,
    thing: isThingName(clientId) ? clientId : undefined,
    topic,
    clientId,
    receivedAt,
    payload: payload.subarray(0, REFUSED_PAYLOAD_KEPT_BYTES),
    payloadBytes: payload.byteLength,
  };
}

export type ReadResult<K extends DeviceKind> = { ok: true; reading: Reading<K> } | { ok: false; rejection: Rejection };

// `ignoreBOM`: a byte-order mark stays in the text, so a payload that starts with one is not JSON.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Validates one message for the route's device kind at time `now`: size, topic, identity
 * (the topic's thing is the connection's client id, and the payload names no other
 * device), JSON, schema, and the reading-time window.
 */
export function readTelemetry<K extends DeviceKind>(kind: K, message: TelemetryMessage, now: number): ReadResult<K> {
  const { messageId, topic, clientId, receivedAt, payload } = message;
  const reject = (code: RejectCode, reason: string, thing?: string): ReadResult<K> => ({
    ok: false,
    rejection: { messageId, code, reason, thing, topic, clientId, receivedAt, payload },
  });

  const parsedTopic = parseTopic(topic);
  // An unreadable topic still has the connection's identity to file the rejection under.
  if (!parsedTopic.ok) return reject('bad_topic', parsedTopic.reason, isThingName(clientId) ? clientId : undefined);
  const { thing } = parsedTopic;
  if (parsedTopic.kind !== kind)
    return reject('wrong_route', `a ${parsedTopic.kind} topic reached the ${kind} ingest`, thing);
  if (clientId !== thing) {
    return reject('identity_mismatch', `client "${clientId}" published to the topic of "${thing}"`, thing);
  }
  if (payload.byteLength > PAYLOAD_LIMITS.maxPayloadBytes) {
    return reject(
      'oversized',
      `payload is ${payload.byteLength} bytes; the limit is ${PAYLOAD_LIMITS.maxPayloadBytes}`,
      thing,
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch (error) {
    return reject('malformed_json', `payload is not JSON: ${(error as Error).message}`, thing);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject('malformed_json', 'payload must be a JSON object', thing);
  }
  // A lone surrogate (`"\ud800"`) is valid JSON but not text: it is never stored.
  if (hasLoneSurrogate(json)) {
    return reject('malformed_json', 'payload has a string that is not well-formed text (a lone surrogate)', thing);
  }
  const named = IDENTITY_FIELDS.find((field) => field in json && (json as Record<string, unknown>)[field] !== thing);
  if (named) {
    return reject('identity_mismatch', `payload field "${named}" names another device than "${thing}"`, thing);
  }

  const parsed = PAYLOAD_SCHEMAS[kind].safeParse(json);
  if (!parsed.success) return reject('invalid_payload', describeIssues(parsed.error), thing);
  const data = parsed.data as PayloadOf<K>;

  // A camera names snapshots it put in its own folder only: never a path out of it, or another camera's.
  const foreign = snapshotKeys(kind, data).find((key) => snapshotMediaId(thing, key) === undefined);
  if (foreign !== undefined)
    return reject(
      'invalid_payload',
      `snapshotKey ${JSON.stringify(foreign.slice(0, 200))} is not snapshots/${thing}/<name>.jpg|jpeg|png|webp`,
      thing,
    );
  for (const ts of readingTimes(kind, data)) {
    if (ts > now + PAYLOAD_LIMITS.maxFutureMs) {
      return reject(
        'future_timestamp',
        `ts ${ts} is ${Math.round((ts - now) / 1000)} s in the future (limit ${PAYLOAD_LIMITS.maxFutureMs / 1000} s)`,
        thing,
      );
    }
    if (ts < now - PAYLOAD_LIMITS.maxAgeMs) {
      return reject('stale_timestamp', `ts ${ts} is older than ${PAYLOAD_LIMITS.maxAgeMs / 86_400_000} days`, thing);
    }
  }
  return { ok: true, reading: { messageId, kind, thing, ts: data.ts, seq: data.seq, receivedAt, payload: data } };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether any string of a parsed JSON value (a key too) holds a lone surrogate; iterative, for any depth. */
function hasLoneSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) pending.push(...value);
    else if (typeof value === 'object' && value !== null)
      for (const [key, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(v);
      }
  }
  return false;
}

/** The snapshot keys a camera's detections name. */
function snapshotKeys(kind: DeviceKind, payload: PayloadOf<DeviceKind>): string[] {
  if (kind !== 'cameras' || !('detections' in payload)) return [];
  return payload.detections.flatMap((d) => (d.snapshotKey === undefined ? [] : [d.snapshotKey]));
}

function readingTimes(kind: DeviceKind, payload: PayloadOf<DeviceKind>): number[] {
  if (kind === 'sweepers' && 'points' in payload) return [payload.ts, ...payload.points.map((p) => p.ts)];
  return [payload.ts];
}

/** The GPS fixes of a sweeper message, oldest first, whether it sent one or a batch. */
export function gpsFixes(payload: PayloadOf<'sweepers'>): GpsFix[] {
  if ('points' in payload) return [...payload.points].sort((a, b) => a.ts - b.ts);
  const { ts, lat, lon, speedKmh, headingDeg, brushOn } = payload;
  return [{ ts, lat, lon, speedKmh, headingDeg, brushOn }];
}

/** A reading dated more than {@link FUTURE_SKEW_MS} after it arrived: kept, but it moves no watermark. */
export const isFromFuture = (r: Pick<Reading, 'ts' | 'receivedAt'>): boolean => r.ts > r.receivedAt + FUTURE_SKEW_MS;

/** Reading order: reading time, then the device's own counter. */
export const compareReadings = (a: Pick<Reading, 'ts' | 'seq'>, b: Pick<Reading, 'ts' | 'seq'>): number =>
  a.ts - b.ts || a.seq - b.seq;

/** A device's readings in one batch, ordered, duplicates (same ts and seq) set apart. */
export interface DeviceBatch<K extends DeviceKind = DeviceKind> {
  thing: string;
  kind: K;
  readings: Reading<K>[];
  duplicates: Reading<K>[];
  latest: Reading<K>;
}

/** Collapses a batch per device, so each device costs one state write however many messages it sent. */
export function collapseByDevice<K extends DeviceKind>(readings: Reading<K>[]): DeviceBatch<K>[] {
  const byThing = new Map<string, Reading<K>[]>();
  for (const r of readings) {
    const list = byThing.get(r.thing);
    if (list) list.push(r);
    else byThing.set(r.thing, [r]);
  }
  return [...byThing.entries()].map(([thing, list]) => {
    list.sort(compareReadings);
    const unique: Reading<K>[] = [];
    const duplicates: Reading<K>[] = [];
    for (const r of list) {
      const last = unique.at(-1);
      if (last && compareReadings(last, r) === 0) duplicates.push(r);
      else unique.push(r);
    }
    return { thing, kind: list[0]!.kind, readings: unique, duplicates, latest: unique.at(-1)! };
  });
}

/** Scalar fields of a device's latest state; absent fields keep their earlier value. */
export type StateFields = Record<string, string | number | boolean | null | StateFields[] | Record<string, unknown>>;

/**
 * The latest-state fields a device's ordered readings leave behind. Later readings win
 * field by field, so a reading that omits `batteryPct` does not erase the last known one.
 */
export function latestStateFields(batch: DeviceBatch): StateFields {
  const fields: StateFields = {};
  for (const r of batch.readings) Object.assign(fields, stateFieldsOf(r));
  return fields;
}

function stateFieldsOf(reading: Reading): StateFields {
  const defined = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as StateFields;
  switch (reading.kind) {
    case 'bins': {
      const p = reading.payload as PayloadOf<'bins'>;
      return defined({
        fillPct: p.fillPct,
        temperatureC: p.temperatureC,
        tiltDeg: p.tiltDeg,
        batteryPct: p.batteryPct,
      });
    }
    case 'sweepers': {
      const fix = gpsFixes(reading.payload as PayloadOf<'sweepers'>).at(-1)!;
      return defined({
        lat: fix.lat,
        lon: fix.lon,
        fixTs: fix.ts,
        speedKmh: fix.speedKmh,
        headingDeg: fix.headingDeg,
        brushOn: fix.brushOn,
      });
    }
    case 'cameras': {
      const p = reading.payload as PayloadOf<'cameras'>;
      return { detectionCount: p.detections.length, detections: p.detections as unknown as StateFields[] };
    }
  }
}
