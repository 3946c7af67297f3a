import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedPublish, LocalBroker } from '#infra/local/broker';
import { anyGarbageRoomBroker } from '../support/broker.ts';
import { topicFor } from '#shared/domain/topics';

/** MQTT 3.1.1 packets written by hand: what a device that retransmits sends, byte for byte. */
const remainingLength = (n: number) => {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
};
const str = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
const packet = (first: number, body: Buffer) =>
  Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);
const connectPacket = (clientId: string) =>
  packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)]));
const publishQos2 = (topic: string, id: number, payload: string, dup: boolean) =>
  packet(0x34 | (dup ? 0x08 : 0), Buffer.concat([str(topic), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]));
const pubrel = (id: number) => Buffer.from([0x62, 0x02, id >> 8, id & 0xff]);

describe('QoS 2 is exactly once at the broker', () => {
  let broker: LocalBroker;
  const accepted: AcceptedPublish[] = [];
  beforeAll(async () => {
    broker = await anyGarbageRoomBroker({ onPublish: (p) => void accepted.push(p) });
  });
  afterAll(() => broker.stop());

  it('routes a message once, retransmitted in its buffer or another; a packet id reused after PUBREL is a new message', async () => {
    const socket: Socket = connect(Number(broker.port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    const pause = () => new Promise((r) => setTimeout(r, 150));
    const topic = topicFor('bins', 'bin-qos2');
    socket.write(connectPacket('bin-qos2'));
    await pause();
    // The first copy and a retransmission in one buffer, another retransmission later.
    socket.write(Buffer.concat([publishQos2(topic, 7, '{"n":1}', false), publishQos2(topic, 7, '{"n":1}', true)]));
    await pause();
    socket.write(publishQos2(topic, 7, '{"n":1}', true));
    await pause();
    socket.write(pubrel(7));
    await pause();
    // The same packet id, released: a new message.
    socket.write(publishQos2(topic, 7, '{"n":2}', false));
    await pause();
    socket.write(pubrel(7));
    await pause();
    socket.destroy();
    const mine = accepted.filter((p) => p.clientId === 'bin-qos2');
    expect(mine.map((p) => new TextDecoder().decode(p.payload))).toEqual(['{"n":1}', '{"n":2}']);
    // Every copy was answered: PUBREC (0x50) for each of the four PUBLISH packets, PUBCOMP (0x70) for each PUBREL.
    const bytes = Buffer.concat(received);
    const count = (type: number) => [...bytes].filter((b, i) => b === type && bytes[i + 1] === 0x02).length;
    expect(count(0x50)).toBe(4);
    expect(count(0x70)).toBe(2);
  });
});
