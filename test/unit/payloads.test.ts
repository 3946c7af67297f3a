import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { readTelemetry, type TelemetryMessage } from '#shared/domain/telemetry';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { topicFor } from '#shared/domain/topics';

const NOW = Date.UTC(2026, 10, 27, 2, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;

const message = (kind: DeviceKind, payload: unknown, thing = 'dev-1', clientId = thing): TelemetryMessage => ({
  messageId: 'm1',
  topic: topicFor(kind, thing),
  clientId,
  receivedAt: NOW,
  payload: new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload)),
});
const read = (kind: DeviceKind, payload: unknown) => readTelemetry(kind, message(kind, payload), NOW);
const codeOf = (kind: DeviceKind, payload: unknown) => {
  const r = read(kind, payload);
  return r.ok ? 'ok' : r.rejection.code;
};

const roomReading = (over: Record<string, unknown> = {}) => ({ ts: NOW, seq: 1, fillPct: 50, ...over });
const fix = (over: Record<string, unknown> = {}) => ({
  ts: NOW,
  lat: 30.3,
  lon: 120.15,
  speedKmh: 10,
  headingDeg: 90,
  brushOn: true,
  ...over,
});
const detection = (over: Record<string, unknown> = {}) => ({
  type: 'litter_pile',
  zoneId: 'z-1',
  confidence: 0.8,
  ...over,
});

describe('reading time limits', () => {
  it('accepts up to 5 minutes ahead and refuses beyond', () => {
    expect(codeOf('bins', roomReading({ ts: NOW + 5 * MIN }))).toBe('ok');
    expect(codeOf('bins', roomReading({ ts: NOW + 5 * MIN + 1 }))).toBe('future_timestamp');
  });
  it('accepts up to 7 days old and refuses older', () => {
    expect(codeOf('bins', roomReading({ ts: NOW - 7 * DAY }))).toBe('ok');
    expect(codeOf('bins', roomReading({ ts: NOW - 7 * DAY - 1 }))).toBe('stale_timestamp');
  });
  it('checks every GPS point’s time, not only the message’s', () => {
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: [fix(), fix({ ts: NOW + 6 * MIN })] })).toBe(
      'future_timestamp',
    );
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: [fix({ ts: NOW - 8 * DAY })] })).toBe('stale_timestamp');
  });
  it('wants ts as integer epoch milliseconds', () => {
    expect(codeOf('bins', roomReading({ ts: NOW + 0.5 }))).toBe('invalid_payload');
    expect(codeOf('bins', roomReading({ ts: String(NOW) }))).toBe('invalid_payload');
    expect(codeOf('bins', roomReading({ ts: undefined }))).toBe('invalid_payload');
  });
});

describe('seq', () => {
  it.each([
    [0, 'ok'],
    [42, 'ok'],
    [-1, 'invalid_payload'],
    [1.5, 'invalid_payload'],
    ['7', 'invalid_payload'],
    [null, 'invalid_payload'],
  ])('seq %j → %s', (seq, code) => {
    expect(codeOf('bins', roomReading({ seq }))).toBe(code);
  });
});

describe('garbage room fill payload', () => {
  it.each([
    [0, 'ok'],
    [100, 'ok'],
    [55.5, 'ok'],
    [-0.1, 'invalid_payload'],
    [100.1, 'invalid_payload'],
    ['80', 'invalid_payload'],
  ])('fillPct %j → %s', (fillPct, code) => {
    expect(codeOf('bins', roomReading({ fillPct }))).toBe(code);
  });
  it('takes optional temperature, tilt and battery within range', () => {
    expect(codeOf('bins', roomReading({ temperatureC: 21.5, tiltDeg: 3, batteryPct: 80 }))).toBe('ok');
    expect(codeOf('bins', roomReading({ batteryPct: 101 }))).toBe('invalid_payload');
    expect(codeOf('bins', roomReading({ tiltDeg: -1 }))).toBe('invalid_payload');
  });
  it('names the field and the limit in the reason', () => {
    const r = read('bins', roomReading({ fillPct: 140 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.reason).toMatch(/fillPct.*100/);
  });
});

describe('sweeper GPS payload', () => {
  it('takes one fix or a batch of points', () => {
    expect(codeOf('sweepers', { seq: 1, ...fix() })).toBe('ok');
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: [fix(), fix({ ts: NOW - 10_000 })] })).toBe('ok');
  });
  it.each([
    ['latitude above 90', { lat: 90.0001 }],
    ['latitude below -90', { lat: -90.0001 }],
    ['longitude above 180', { lon: 180.0001 }],
    ['longitude below -180', { lon: -180.0001 }],
    ['a heading of 360', { headingDeg: 360 }],
    ['a negative speed', { speedKmh: -1 }],
  ])('refuses %s', (_what, over) => {
    expect(codeOf('sweepers', { seq: 1, ...fix(over) })).toBe('invalid_payload');
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: [fix(over)] })).toBe('invalid_payload');
  });
  it('accepts the edges of latitude and longitude', () => {
    expect(codeOf('sweepers', { seq: 1, ...fix({ lat: 90, lon: -180 }) })).toBe('ok');
  });
  it(`takes at most ${PAYLOAD_LIMITS.maxGpsPoints} points and at least one`, () => {
    const points = (n: number) => Array.from({ length: n }, (_, i) => fix({ ts: NOW - i * 1000 }));
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: points(500) })).toBe('ok');
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: points(501) })).toBe('invalid_payload');
    expect(codeOf('sweepers', { ts: NOW, seq: 1, points: [] })).toBe('invalid_payload');
    // Said in words: the shape it came closest to (a batch of fixes), not a bare "Invalid input".
    const refused = read('sweepers', { ts: NOW, seq: 1, points: points(501) });
    expect(refused.ok ? '' : refused.rejection.reason).toMatch(/^points: .*500/);
    const oneFix = read('sweepers', { seq: 1, ...fix({ lat: 91 }) });
    expect(oneFix.ok ? '' : oneFix.rejection.reason).toMatch(/^lat: /);
  });
});

describe('camera detections payload', () => {
  it('takes up to 50 detections (an empty list is a heartbeat)', () => {
    const detections = (n: number) => Array.from({ length: n }, () => detection());
    expect(codeOf('cameras', { ts: NOW, seq: 1, detections: [] })).toBe('ok');
    expect(codeOf('cameras', { ts: NOW, seq: 1, detections: detections(50) })).toBe('ok');
    expect(codeOf('cameras', { ts: NOW, seq: 1, detections: detections(51) })).toBe('invalid_payload');
  });
  it.each([
    ['an unknown type', { type: 'ufo' }],
    ['confidence over 1', { confidence: 1.01 }],
    ['negative confidence', { confidence: -0.1 }],
    ['an empty zone id', { zoneId: '' }],
    ['a bbox outside the image', { bbox: [0.1, 0.1, 1.2, 0.1] }],
    ['a bbox of three numbers', { bbox: [0.1, 0.1, 0.2] }],
    ['an overlong snapshot key', { snapshotKey: 'k'.repeat(1025) }],
  ])('refuses %s', (_what, over) => {
    expect(codeOf('cameras', { ts: NOW, seq: 1, detections: [detection(over)] })).toBe('invalid_payload');
  });
  it('keeps snapshot keys and boxes', () => {
    const r = read('cameras', {
      ts: NOW,
      seq: 1,
      detections: [detection({ bbox: [0, 0, 1, 1], snapshotKey: 'snapshots/dev-1/1.jpg' })],
    });
    expect(r.ok && r.reading.payload).toMatchObject({
      detections: [{ bbox: [0, 0, 1, 1], snapshotKey: 'snapshots/dev-1/1.jpg' }],
    });
  });
});

describe('size, JSON and identity', () => {
  it(`refuses payloads over ${PAYLOAD_LIMITS.maxPayloadBytes} bytes and accepts exactly that many`, () => {
    const padded = (bytes: number) => {
      const base = JSON.stringify(roomReading({ note: '' }));
      return JSON.stringify(roomReading({ note: 'x'.repeat(bytes - base.length) }));
    };
    expect(padded(PAYLOAD_LIMITS.maxPayloadBytes)).toHaveLength(PAYLOAD_LIMITS.maxPayloadBytes);
    expect(codeOf('bins', padded(PAYLOAD_LIMITS.maxPayloadBytes))).toBe('ok');
    expect(codeOf('bins', padded(PAYLOAD_LIMITS.maxPayloadBytes + 1))).toBe('oversized');
  });
  it.each([['{"ts": 1,'], ['not json'], ['[1,2]'], ['null'], ['"text"']])('refuses %j as malformed', (text) => {
    expect(codeOf('bins', text)).toBe('malformed_json');
  });
  it('refuses bytes that are not UTF-8', () => {
    const m = message('bins', '');
    m.payload = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const r = readTelemetry('bins', m, NOW);
    expect(!r.ok && r.rejection.code).toBe('malformed_json');
  });
  it('takes identity from the topic: a payload naming another device is refused, its own name is fine', () => {
    expect(codeOf('bins', roomReading({ thing: 'dev-1' }))).toBe('ok');
    for (const field of ['thing', 'thingName', 'deviceId', 'clientId']) {
      expect(codeOf('bins', roomReading({ [field]: 'dev-2' }))).toBe('identity_mismatch');
    }
  });
  it('refuses a client publishing on another thing’s topic', () => {
    const r = readTelemetry('bins', message('bins', roomReading(), 'dev-1', 'dev-2'), NOW);
    expect(!r.ok && r.rejection).toMatchObject({ code: 'identity_mismatch', thing: 'dev-1', clientId: 'dev-2' });
  });
  it('refuses a topic of another kind on this route', () => {
    const r = readTelemetry('bins', message('sweepers', { seq: 1, ...fix() }), NOW);
    expect(!r.ok && r.rejection.code).toBe('wrong_route');
  });
  it('keeps the original bytes with a rejection', () => {
    const r = read('bins', '{"broken": ');
    expect(!r.ok && new TextDecoder().decode(r.rejection.payload)).toBe('{"broken": ');
  });
});
