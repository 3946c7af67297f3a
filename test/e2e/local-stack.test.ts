import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import mqtt from 'mqtt';
import { loadDistrictDir } from '#devices/district-files';
import { runFleet } from '#devices/fleet-runner';
import { buildFleet } from '#devices/scenarios';
import { virtualClock } from '#shared/adapters/clock';
import { documentClient } from '#shared/adapters/dynamodb/client';
import { DynamoRejectStore } from '#shared/adapters/dynamodb/reject-store';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { topicFor } from '#shared/domain/topics';
import { basicIngestTopic } from '#shared/domain/iot-names';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { lastLocalTime } from '../support/recent-time.ts';

const model = await loadDistrictDir();
let stack: LocalStack;
const refusals: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    clock: { now: () => Date.now() },
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `e2e-${Date.now()}-`,
    mqttPort: 0,
    apiPort: 0,
    model,
    observer: {
      log: { info() {}, warn() {}, error() {} },
      metrics: { count() {}, flush() {} },
      broker: { refused: (what, clientId, reason) => refusals.push(`${what} ${clientId}: ${reason}`) },
    },
  });
});
afterAll(() => stack?.stop());

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field by the tests.
const device = async (thing: string): Promise<any> => (await fetch(`${stack.apiUrl}/devices/${thing}`)).json();

describe('MQTT publish → state row, through the local twin', () => {
  it('reports each of its pieces up on GET /health', async () => {
    const response = await fetch(`${stack.apiUrl}/health`);
    const body = (await response.json()) as { status: string; parts: Record<string, { up: boolean }> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    const pieces = ['store', 'buckets', 'bus', 'sign-in', 'functions', 'queues', 'broker', 'api', 'relay', 'scheduler'];
    expect(Object.keys(body.parts)).toEqual(pieces);
    expect(Object.values(body.parts).every((part) => part.up)).toBe(true);
  });

  it('stores a registered garbage room sensor’s reading, visible through GET /devices/{thing}', async () => {
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-005', reconnectPeriod: 0 });
    const ts = Date.now();
    await client.publishAsync(
      topicFor('bins', 'bin-gs-005'),
      JSON.stringify({ ts, seq: 17, fillPct: 81.5, batteryPct: 66 }),
      { qos: 1 },
    );
    await client.endAsync();
    await vi.waitFor(
      async () => expect((await device('bin-gs-005')).state).toEqual({ ts, seq: 17, fillPct: 81.5, batteryPct: 66 }),
      { timeout: 10_000, interval: 100 },
    );
    const view = await device('bin-gs-005');
    expect(view.lastSeenAt).toBeGreaterThanOrEqual(ts);
    expect(view).toMatchObject({
      site: { siteId: 'gr-005', gridId: 'gs-hushu-c1-g2' },
      community: { communityId: 'gs-hushu-c1' },
      street: { streetId: 'gs-hushu' },
    });
  });

  it('takes a reading published to the kind’s Basic Ingest topic, and refuses another rule’s or another thing’s', async () => {
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-010', reconnectPeriod: 0 });
    const ts = Date.now();
    await client.publishAsync(
      basicIngestTopic('bins', topicFor('bins', 'bin-gs-010')),
      JSON.stringify({ ts, seq: 3, fillPct: 22 }),
      { qos: 1 },
    );
    await client.endAsync();
    await vi.waitFor(async () => expect((await device('bin-gs-010')).state).toEqual({ ts, seq: 3, fillPct: 22 }), {
      timeout: 10_000,
      interval: 100,
    });
    for (const [topic, reason] of [
      [
        basicIngestTopic('sweepers', topicFor('bins', 'bin-gs-010')),
        'may use Basic Ingest only for rule cityops_dev_bins_telemetry',
      ],
      [basicIngestTopic('bins', topicFor('bins', 'bin-gs-011')), 'may publish only to its own topics'],
      ['$aws/rules/', 'may use Basic Ingest only for rule'],
    ] as const) {
      const bad = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-010', reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
      bad.publish(topic, JSON.stringify({ ts, seq: 4, fillPct: 23 }), { qos: 1 });
      await closed;
      bad.end(true);
      expect(
        refusals.some((r) => r.startsWith('publish bin-gs-010') && r.includes(reason)),
        topic,
      ).toBe(true);
    }
    await stack.drained();
    expect((await device('bin-gs-010')).state.seq).toBe(3);
  });

  it('refuses an unregistered client id at CONNECT', async () => {
    await expect(mqtt.connectAsync(stack.mqttUrl, { clientId: 'intruder-1', reconnectPeriod: 0 })).rejects.toThrow(
      /Identifier rejected/,
    );
    expect(refusals).toContain('connect intruder-1: not a registered thing');
  });

  it('refuses a publish to another thing’s topic, and stores nothing for either', async () => {
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-006', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(topicFor('bins', 'bin-gs-008'), JSON.stringify({ ts: Date.now(), seq: 1, fillPct: 10 }), { qos: 1 });
    await closed; // the broker closes a connection that breaks the policy, as AWS IoT Core does
    client.end(true);
    expect(
      refusals.some((r) => r.startsWith('publish bin-gs-006: "bin-gs-006" may publish only to its own topics')),
    ).toBe(true);
    await stack.drained();
    expect((await device('bin-gs-008')).state).toBeNull();
    expect((await device('bin-gs-006')).state).toBeNull();
  });

  it('refuses a topic of another kind and a payload over 128 KB at the broker', async () => {
    for (const [topic, payload, reason] of [
      [topicFor('sweepers', 'bin-gs-009'), '{}', 'registered as bins, not sweepers'],
      [topicFor('bins', 'bin-gs-009'), 'x'.repeat(PAYLOAD_LIMITS.maxPayloadBytes + 1), 'exceeds'],
    ] as const) {
      const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-009', reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, payload, { qos: 1 });
      await closed;
      client.end(true);
      expect(refusals.some((r) => r.startsWith('publish bin-gs-009') && r.includes(reason))).toBe(true);
    }
  });

  it('keeps at GET /rejects every publish the broker refuses, with its reason, the payload cut to 4 KB', async () => {
    const thing = 'bin-gs-012';
    const huge = `{"fillPct": 99, "pad": "${'x'.repeat(1024 * 1024)}"}`;
    for (const [topic, payload] of [
      [topicFor('bins', thing), huge], // 1 MB
      [`dt/cityops/bins/${thing}/fil`, JSON.stringify({ ts: Date.now(), seq: 1, fillPct: 99 })], // a wrong suffix
      [topicFor('bins', 'bin-gs-013'), JSON.stringify({ ts: Date.now(), seq: 1, fillPct: 99 })], // another thing's
      [topicFor('cameras', thing), '{}'], // another kind's
    ] as const) {
      const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, payload, { qos: 1 });
      await closed;
      client.end(true);
    }
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON.
    let items: any[] = [];
    await vi.waitFor(
      async () => {
        ({ items } = (await (await fetch(`${stack.apiUrl}/rejects?thing=${thing}`)).json()) as { items: typeof items });
        expect(items).toHaveLength(4);
      },
      { timeout: 10_000, interval: 100 },
    );
    const byCode = Object.fromEntries(items.map((r) => [r.code, r]));
    expect(Object.keys(byCode).sort()).toEqual(['bad_topic', 'identity_mismatch', 'not_authorized', 'oversized']);
    expect(byCode.oversized).toMatchObject({
      thing,
      clientId: thing,
      topic: topicFor('bins', thing),
      payloadBytes: Buffer.byteLength(huge),
      payloadTruncated: true,
      payloadEncoding: 'utf8',
      reason: expect.stringMatching(/^refused by the broker: payload of 1048\d+ bytes exceeds 131072$/),
    });
    expect(byCode.oversized.payload).toBe(huge.slice(0, 4096));
    expect(byCode.bad_topic).toMatchObject({ topic: `dt/cityops/bins/${thing}/fil`, payloadTruncated: false });
    expect(byCode.identity_mismatch.reason).toMatch(/may publish only to its own topics/);
    expect(byCode.not_authorized.reason).toMatch(/registered as bins, not cameras/);
    // Refused at the broker: nothing reached the stream, so no state either.
    expect((await device(thing)).state).toBeNull();
  });

  it('files a malformed message from a registered device in the rejects store', async () => {
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-010', reconnectPeriod: 0 });
    await client.publishAsync(topicFor('bins', 'bin-gs-010'), '{"fillPct": 50', { qos: 1 });
    await client.endAsync();
    const rejects = new DynamoRejectStore(documentClient(stack.dynamo), stack.tables.rejects);
    await vi.waitFor(
      async () =>
        expect((await rejects.list({ thing: 'bin-gs-010', code: 'malformed_json' })).items).toEqual([
          expect.objectContaining({ code: 'malformed_json', payload: '{"fillPct": 50' }),
        ]),
      { timeout: 10_000, interval: 100 },
    );
  });

  it('runs the simulated fleet on a virtual clock over Basic Ingest topics (not npm start’s): all telemetry lands', async () => {
    // The last 05:10 in the district (sweepers are working): the stack judges readings by the real clock.
    const clock = virtualClock(lastLocalTime('05:10', model.districts[0]!.timeZone), 60);
    const devices = [
      ...model.devices.filter((d) => d.kind !== 'bins'),
      ...model.devices.filter((d) => d.kind === 'bins').slice(0, 3),
    ];
    const fleet = await runFleet({
      brokerUrl: stack.mqttUrl,
      simulators: buildFleet(model, 'normal', clock.now(), devices),
      clock,
      basicIngest: true,
    });
    try {
      await vi.waitFor(
        async () => {
          for (const d of devices) expect((await device(d.thing)).state, d.thing).not.toBeNull();
        },
        { timeout: 20_000, interval: 250 },
      );
    } finally {
      await fleet.stop();
    }
    const sweeper = await device('sweeper-gs-01');
    expect(sweeper.state).toMatchObject({ brushOn: true });
    expect(sweeper.state.lat).toBeCloseTo(30.3062, 3);
  });
});
