import { describe, expect, it } from 'vitest';
import { REFUSED_PAYLOAD_KEPT_BYTES, refusedPublish } from '#shared/domain/telemetry';

describe('a publish the broker refused, as a rejection to keep', () => {
  const refusal = {
    code: 'oversized' as const,
    reason: 'payload of 1048576 bytes exceeds 131072',
    clientId: 'bin-gs-007',
    topic: 'dt/cityops/bins/bin-gs-007/fill',
    payload: new Uint8Array(1024 * 1024).fill(0x78),
    receivedAt: 1_700_000_000_000,
  };

  it('keeps the payload’s first 4 KB and its whole size, under the connection’s thing, saying the broker refused it', () => {
    const kept = refusedPublish(refusal, 'broker-1');
    expect(kept).toMatchObject({
      messageId: 'broker-1',
      code: 'oversized',
      reason: 'refused by the broker: payload of 1048576 bytes exceeds 131072',
      thing: 'bin-gs-007',
      clientId: 'bin-gs-007',
      topic: refusal.topic,
      payloadBytes: 1024 * 1024,
    });
    expect(kept.payload.byteLength).toBe(REFUSED_PAYLOAD_KEPT_BYTES);
  });

  it('keeps a small payload whole, and files a client id that is no thing name under no thing', () => {
    const kept = refusedPublish({ ...refusal, clientId: 'not a thing', payload: new Uint8Array([1, 2, 3]) }, 'b-2');
    expect(kept.thing).toBeUndefined();
    expect([...kept.payload]).toEqual([1, 2, 3]);
    expect(kept.payloadBytes).toBe(3);
  });
});
