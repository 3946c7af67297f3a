import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '#shared/events/telemetry-envelope';
import { DEVICE_KINDS, type DeviceKind } from '#shared/domain/device-kinds';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { readTelemetry, REJECT_CODES, type ReadResult, type TelemetryMessage } from '#shared/domain/telemetry';
import { parseTopic, topicFor, TOPIC_PREFIX } from '#shared/domain/topics';

/**
 * Whatever a device (or anyone holding its certificate) sends, the parsers never throw:
 * they accept a reading that keeps every limit, or reject with a code and a reason.
 */
const NOW = Date.UTC(2026, 10, 27, 2, 0, 0);
const RUNS = { numRuns: 400 };
const enc = new TextEncoder();

const message = (
  kind: DeviceKind,
  payload: Uint8Array | string,
  thing = 'dev-1',
  clientId = thing,
  topic = topicFor(kind, thing),
): TelemetryMessage => ({
  messageId: 'm1',
  topic,
  clientId,
  receivedAt: NOW,
  payload: typeof payload === 'string' ? enc.encode(payload) : payload,
});

/** The contract of every outcome: accepted within the limits, or refused with a known code and a reason. */
function expectWellFormed(result: ReadResult<DeviceKind>): void {
  if (result.ok) {
    const { ts, seq } = result.reading;
    expect(Number.isInteger(ts) && Number.isInteger(seq) && seq >= 0).toBe(true);
    expect(ts).toBeLessThanOrEqual(NOW + PAYLOAD_LIMITS.maxFutureMs);
    expect(ts).toBeGreaterThanOrEqual(NOW - PAYLOAD_LIMITS.maxAgeMs);
  } else {
    expect(REJECT_CODES).toContain(result.rejection.code);
    expect(result.rejection.reason.length).toBeGreaterThan(0);
  }
}

const kindArb = fc.constantFrom(...DEVICE_KINDS);
/** Values of every JSON type, including the ones JavaScript makes of hostile text (big numbers, odd keys). */
const jsonish = fc.jsonValue({ maxDepth: 4 });
/** A valid payload of the kind with some fields replaced by anything. */
const mutated = (kind: DeviceKind) => {
  const base: Record<DeviceKind, Record<string, unknown>> = {
    bins: { ts: NOW, seq: 1, fillPct: 50, batteryPct: 80, temperatureC: 20, tiltDeg: 0 },
    sweepers: {
      ts: NOW,
      seq: 1,
      points: [{ ts: NOW, lat: 30.3, lon: 120.15, speedKmh: 10, headingDeg: 90, brushOn: true }],
    },
    cameras: { ts: NOW, seq: 1, detections: [{ type: 'litter_pile', zoneId: 'z-1', confidence: 0.8 }] },
  };
  const fields = Object.keys(base[kind]);
  return fc
    .dictionary(
      fc.constantFrom(...fields, 'thing', 'deviceId', 'extra', '__proto__', 'constructor'),
      fc.oneof(
        jsonish,
        fc.constantFrom(NaN, Infinity, -Infinity, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, NOW + 6 * 60_000, 0),
      ),
      { maxKeys: 4 },
    )
    .map((changes) => ({ ...base[kind], ...changes }));
};

describe('hostile input: topic parser', () => {
  it('never throws; refusals say why; an accepted topic is exactly the topic of its kind and thing', () => {
    const level = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        'dt',
        'cityops',
        ...DEVICE_KINDS,
        'fill',
        'geo',
        'detections',
        '+',
        '#',
        '',
        '..',
        'bin-gs-001',
        'ビン',
        '\u0000',
      ),
    );
    const topic = fc.oneof(
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc.array(level, { minLength: 0, maxLength: 8 }).map((levels) => levels.join('/')),
      fc
        .tuple(kindArb, fc.string({ maxLength: 140, unit: 'binary' }))
        .map(([kind, thing]) => `${TOPIC_PREFIX}/${kind}/${thing}/fill`),
    );
    fc.assert(
      fc.property(topic, (t) => {
        const parsed = parseTopic(t);
        if (parsed.ok) expect(topicFor(parsed.kind, parsed.thing)).toBe(t);
        else expect(parsed.reason.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('refuses unicode, wildcards and path tricks in the thing level', () => {
    for (const thing of ['bin-é', 'ビン-001', 'bin+', 'bin#', '..', 'a b', 'x'.repeat(129), '']) {
      const parsed = parseTopic(`${TOPIC_PREFIX}/bins/${thing}/fill`);
      expect(parsed.ok, thing).toBe(false);
    }
  });
});

describe('hostile input: payloads of every kind', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(kindArb, fc.uint8Array({ maxLength: 600 }), (kind, bytes) =>
        expectWellFormed(readTelemetry(kind, message(kind, bytes), NOW)),
      ),
      RUNS,
    );
  });

  it('never throws on arbitrary JSON, and accepts only what keeps every limit', () => {
    fc.assert(
      fc.property(kindArb, jsonish, (kind, value) =>
        expectWellFormed(readTelemetry(kind, message(kind, JSON.stringify(value) ?? 'undefined'), NOW)),
      ),
      RUNS,
    );
  });

  it('never throws on valid payloads with fields replaced by wrong types, NaN, Infinity or out-of-range numbers', () => {
    fc.assert(
      fc.property(
        kindArb.chain((kind) => fc.tuple(fc.constant(kind), mutated(kind))),
        ([kind, payload]) => expectWellFormed(readTelemetry(kind, message(kind, JSON.stringify(payload)), NOW)),
      ),
      RUNS,
    );
  });

  it('rejects the classic attacks with the right code', () => {
    const code = (
      kind: DeviceKind,
      payload: string,
      over: Partial<{ thing: string; clientId: string; topic: string }> = {},
    ) => {
      const r = readTelemetry(kind, message(kind, payload, over.thing, over.clientId ?? over.thing, over.topic), NOW);
      return r.ok ? 'ok' : r.rejection.code;
    };
    const roomReading = (over: Record<string, unknown> = {}) =>
      JSON.stringify({ ts: NOW, seq: 1, fillPct: 50, ...over });
    expect(code('bins', '{"ts":')).toBe('malformed_json');
    expect(code('bins', '{"ts": NaN, "seq": 1, "fillPct": 50}')).toBe('malformed_json'); // NaN is not JSON
    expect(code('bins', `{"ts": ${NOW}, "seq": 1, "fillPct": 1e400}`)).toBe('invalid_payload'); // parses to Infinity
    expect(code('bins', roomReading({ fillPct: '50' }))).toBe('invalid_payload');
    expect(code('bins', roomReading({ seq: 1.5 }))).toBe('invalid_payload');
    expect(code('bins', roomReading({ ts: NOW + 365 * 86_400_000 }))).toBe('future_timestamp');
    expect(code('bins', roomReading({ ts: Date.UTC(2001, 0, 1) }))).toBe('stale_timestamp');
    expect(code('bins', roomReading({ ts: 0 }))).toBe('invalid_payload');
    expect(code('bins', roomReading({ ts: -1 }))).toBe('invalid_payload');
    expect(code('bins', '[1,2,3]')).toBe('malformed_json');
    // A lone surrogate is JSON but not text: never stored (a pair is fine).
    expect(code('bins', `{"ts":${NOW},"seq":1,"fillPct":50,"note":"\\ud800"}`)).toBe('malformed_json');
    expect(code('bins', `{"ts":${NOW},"seq":1,"fillPct":50,"\\udc00":1}`)).toBe('malformed_json');
    expect(code('bins', `{"ts":${NOW},"seq":1,"fillPct":50,"note":"\\ud83d\\ude00 \\\\ud800"}`)).toBe('ok');
    expect(code('bins', '"just a string"')).toBe('malformed_json');
    // Deep nesting within the size limit: parsed or refused, never a crash.
    const deep = `${'['.repeat(60_000)}${']'.repeat(60_000)}`;
    expect(['malformed_json', 'invalid_payload']).toContain(code('bins', deep));
    expect(code('bins', `{"ts":${NOW},"seq":1,"fillPct":50,"x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`)).toBe(
      'ok',
    ); // unknown fields are dropped
    // Huge arrays: over the size limit, or over the schema's count.
    expect(
      code(
        'sweepers',
        JSON.stringify({
          ts: NOW,
          seq: 1,
          points: Array.from({ length: 20_000 }, () => ({ ts: NOW, lat: 0, lon: 0 })),
        }),
      ),
    ).toBe('oversized');
    expect(
      code(
        'sweepers',
        JSON.stringify({
          ts: NOW,
          seq: 1,
          points: Array.from({ length: PAYLOAD_LIMITS.maxGpsPoints + 1 }, () => ({
            ts: NOW,
            lat: 0,
            lon: 0,
            speedKmh: 1,
            headingDeg: 0,
            brushOn: true,
          })),
        }),
      ),
    ).toBe('invalid_payload');
    expect(
      code(
        'cameras',
        JSON.stringify({
          ts: NOW,
          seq: 1,
          detections: Array.from({ length: 51 }, () => ({ type: 'litter_pile', zoneId: 'z', confidence: 0.9 })),
        }),
      ),
    ).toBe('invalid_payload');
    // Identity: publishing as another thing, or naming another device in the payload.
    expect(code('bins', roomReading(), { thing: 'bin-gs-002', clientId: 'bin-gs-001' })).toBe('identity_mismatch');
    expect(code('bins', roomReading({ thingName: 'bin-gs-999' }), { thing: 'bin-gs-001' })).toBe('identity_mismatch');
    expect(code('bins', roomReading({ deviceId: 'bin-gs-001' }), { thing: 'bin-gs-001' })).toBe('ok');
    // A byte-order mark before the JSON is not JSON (the decoder keeps it instead of dropping it).
    expect(code('bins', `\ufeff${roomReading()}`)).toBe('malformed_json');
    // A camera names snapshots in its own folder only, by the key pattern.
    const seen = (snapshotKey: string) =>
      JSON.stringify({
        ts: NOW,
        seq: 1,
        detections: [{ type: 'litter_pile', zoneId: 'z', confidence: 0.9, snapshotKey }],
      });
    const cam = { thing: 'cam-gs-m1-a' };
    expect(code('cameras', seen('snapshots/cam-gs-m1-a/1764640800000.jpg'), cam)).toBe('ok');
    for (const key of [
      '../../../../etc/passwd',
      'snapshots/cam-gs-m1-a/../../etc/passwd',
      'snapshots/cam-gs-m2-b/1764640800000.jpg',
      'snapshots/cam-gs-m1-a/sub/1.jpg',
      'snapshots/cam-gs-m1-a/1.html',
    ])
      expect(code('cameras', seen(key), cam), key).toBe('invalid_payload');
    // Unicode in ids: refused at the topic, filed under the connection's id when that is a valid name.
    expect(code('bins', roomReading(), { topic: `${TOPIC_PREFIX}/bins/ビン-001/fill`, clientId: 'bin-gs-001' })).toBe(
      'bad_topic',
    );
  });
});

describe('hostile input: the queue envelope', () => {
  it('never throws on arbitrary message bodies; a bad one is a bad_envelope rejection with a reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          jsonish.map((v) => JSON.stringify(v) ?? ''),
        ),
        (body) => {
          const r = decodeEnvelope('m1', body, NOW);
          if (!r.ok) {
            expect(r.rejection.code).toBe('bad_envelope');
            expect(r.rejection.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      RUNS,
    );
  });

  it('round-trips any payload bytes through the envelope', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        const body = encodeEnvelope({
          topic: topicFor('bins', 'bin-gs-001'),
          clientId: 'bin-gs-001',
          receivedAt: NOW,
          payload,
        });
        const r = decodeEnvelope('m1', body, NOW);
        expect(r.ok && [...r.message.payload]).toEqual([...payload]);
      }),
      RUNS,
    );
  });
});
