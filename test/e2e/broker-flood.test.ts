import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  publishPacer,
  QOS0_HOLD,
  type AcceptedPublish,
  type LocalBroker,
  type RefusedPublish,
} from '#infra/local/broker';
import { anyGarbageRoomBroker } from '../support/broker.ts';
import { topicFor } from '#shared/domain/topics';

describe('publish rate per connection (pacing)', () => {
  it('lets a burst of 100 through at once, then one every 10 ms', () => {
    let t = 1_000;
    const pace = publishPacer({ perSecond: 100, burst: 100 }, () => t);
    const delays = Array.from({ length: 103 }, () => pace());
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100)).toEqual([10, 20, 30]);
    // Quiet until the held-back ones are paid for (1,030 ms: 103 × 10 ms): the whole burst is back.
    t = 1_000 + 1_030;
    expect(Array.from({ length: 100 }, () => pace()).every((d) => d === 0)).toBe(true);
    expect(pace()).toBe(10);
  });
});

describe('a client flooding the local broker', () => {
  let broker: LocalBroker;
  const accepted: AcceptedPublish[] = [];
  const throttled = new Map<string, number>();
  const dropped: { thing: string; count: number; reason: string }[] = [];
  const refused: RefusedPublish[] = [];
  /** How many of a thing's publishes had been routed when its disconnection was told. */
  const routedAtDisconnect = new Map<string, number>();
  const routed = (thing: string) => accepted.filter((p) => p.clientId === thing).length;

  beforeAll(async () => {
    broker = await anyGarbageRoomBroker({
      onPublish: (p) => void accepted.push(p),
      onRefused: (r) => void refused.push(r),
      events: {
        throttled: (thing) => throttled.set(thing, (throttled.get(thing) ?? 0) + 1),
        dropped: (thing, count, reason) => dropped.push({ thing, count, reason }),
        disconnected: (thing) => routedAtDisconnect.set(thing, routed(thing)),
      },
    });
  });
  afterAll(() => broker.stop());

  it('is held to 100 publishes a second while another device’s publishes go straight through', async () => {
    const flooder = await mqtt.connectAsync(broker.url!, { clientId: 'bin-flood', reconnectPeriod: 0 });
    const neighbour = await mqtt.connectAsync(broker.url!, { clientId: 'bin-quiet', reconnectPeriod: 0 });
    const FLOOD = 300;
    const started = Date.now();
    const flood = Promise.all(
      Array.from({ length: FLOOD }, (_, i) =>
        flooder.publishAsync(topicFor('bins', 'bin-flood'), JSON.stringify({ i }), { qos: 1 }),
      ),
    );
    // While the flood waits its turn, the neighbour's ten QoS 1 publishes are all acknowledged.
    for (let i = 0; i < 10; i++)
      await neighbour.publishAsync(topicFor('bins', 'bin-quiet'), JSON.stringify({ i }), { qos: 1 });
    const floodAcceptedWhenNeighbourDone = accepted.filter((p) => p.clientId === 'bin-flood').length;
    expect(floodAcceptedWhenNeighbourDone).toBeLessThan(FLOOD);
    await flood;
    const elapsedS = (Date.now() - started) / 1000;
    const fromFlooder = accepted.filter((p) => p.clientId === 'bin-flood');
    // Nothing lost, only slowed: all 300 arrive, no faster than the burst plus 100 a second.
    expect(fromFlooder).toHaveLength(FLOOD);
    expect(elapsedS).toBeGreaterThanOrEqual((FLOOD - 100) / 100 - 0.05);
    // How many waited depends on how fast the client wrote them (the bucket refills meanwhile):
    // some did, and the elapsed time above is the rate's proof.
    expect(throttled.get('bin-flood')).toBeGreaterThan(0);
    expect(throttled.get('bin-quiet')).toBeUndefined();
    await Promise.all([flooder.endAsync(), neighbour.endAsync()]);
  }, 30_000);

  it('ends a flooder’s backlog with its connection: what waited is dropped unacknowledged, counted and said', async () => {
    const flooder = await mqtt.connectAsync(broker.url!, { clientId: 'bin-gone', reconnectPeriod: 0 });
    for (let i = 0; i < 400; i++)
      void flooder.publishAsync(topicFor('bins', 'bin-gone'), JSON.stringify({ i }), { qos: 1 }).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    flooder.end(true);
    const atClose = accepted.filter((p) => p.clientId === 'bin-gone').length;
    await new Promise((r) => setTimeout(r, 2000));
    const after = accepted.filter((p) => p.clientId === 'bin-gone').length;
    // Nothing more routed once the connection is gone (a publish whose turn had come may finish).
    expect(after - atClose).toBeLessThanOrEqual(2);
    expect(after).toBeLessThan(400);
    expect(dropped).toEqual([{ thing: 'bin-gone', count: expect.any(Number), reason: expect.any(String) }]);
    expect(dropped[0]!.count).toBeGreaterThan(0);
  }, 30_000);

  it('ends a QoS 0 backlog with its connection: the close is seen at once, nothing more is routed, and the drops are kept', async () => {
    const thing = 'bin-gone0';
    const flooder = await mqtt.connectAsync(broker.url!, { clientId: thing, reconnectPeriod: 0 });
    const FLOOD = 20_000;
    for (let i = 0; i < FLOOD; i++)
      flooder.publish(topicFor('bins', thing), JSON.stringify({ ts: Date.now(), seq: i, fillPct: 50 }), { qos: 0 });
    // A backlog waits: the burst and then some were routed at 100 a second.
    await vi.waitFor(() => expect(routed(thing)).toBeGreaterThan(150), { timeout: 20_000 });
    flooder.end(true);
    // The broker sees the connection end while a backlog waits (before, it saw it only once the socket's backlog was read, minutes later).
    await vi.waitFor(() => expect(routedAtDisconnect.has(thing)).toBe(true), { timeout: 10_000 });
    await vi.waitFor(
      () =>
        expect(dropped.find((d) => d.thing === thing && /connection closed/.test(d.reason))?.count).toBeGreaterThan(0),
      { timeout: 5_000 },
    );
    // Far over the rate: the broker held some (at most QOS0_HOLD) and dropped the rest, as AWS IoT Core drops a throttled publish.
    await vi.waitFor(() => expect(dropped.some((d) => d.thing === thing && /QoS 0 over/.test(d.reason))).toBe(true));
    // Everything held was dropped with the connection: nothing routed after it.
    expect(routed(thing)).toBe(routedAtDisconnect.get(thing));
    expect(routed(thing)).toBeLessThan(FLOOD / 2);
    const held = dropped.find((d) => d.thing === thing && /connection closed/.test(d.reason))!.count;
    expect(held).toBeLessThanOrEqual(QOS0_HOLD.publishes);
    // Each burst of drops is kept once, as a throttled refusal with the first message's payload.
    const kept = refused.filter((r) => r.clientId === thing);
    expect(kept).toHaveLength(dropped.filter((d) => d.thing === thing).length);
    expect(kept.every((r) => r.code === 'throttled')).toBe(true);
    expect(kept.map((r) => r.reason).join('\n')).toMatch(/^\d+ publishes dropped: QoS 0 over/m);
    expect(JSON.parse(Buffer.from(kept[0]!.payload).toString())).toMatchObject({ fillPct: 50 });
  }, 60_000);
});
