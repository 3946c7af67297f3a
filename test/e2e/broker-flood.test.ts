import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishPacer, type AcceptedPublish, type LocalBroker } from '#infra/local/broker';
import { anyBinBroker } from '../support/broker.ts';
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
  const dropped: { thing: string; count: number }[] = [];

  beforeAll(async () => {
    broker = await anyBinBroker({
      onPublish: (p) => void accepted.push(p),
      events: {
        throttled: (thing) => throttled.set(thing, (throttled.get(thing) ?? 0) + 1),
        dropped: (thing, count) => dropped.push({ thing, count }),
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
    expect(throttled.get('bin-flood')).toBeGreaterThanOrEqual(FLOOD - 100);
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
    expect(dropped).toEqual([{ thing: 'bin-gone', count: expect.any(Number) }]);
    expect(dropped[0]!.count).toBeGreaterThan(0);
  }, 30_000);
});
