import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { systemClock } from '#shared/adapters/clock';
import type { Case } from '#shared/domain/case/model';
import { topicFor } from '#shared/domain/topics';
import type { LocalStack } from '#infra/local/stack';
import { testStack } from '../support/test-stack.ts';

const model = await loadDistrictDir();
let stack: LocalStack;
beforeAll(async () => {
  // Environments recycled after about every other invocation, and one ingest invocation in five failing on purpose.
  stack = await testStack('twin', {
    clock: systemClock,
    model,
    schedules: false,
    batchWindowMs: 20,
    recycleRate: 0.5,
    failRate: 0.2,
  });
});
afterAll(() => stack?.stop());

const casesAt = async (siteId: string): Promise<Case[]> =>
  ((await (await fetch(`${stack.apiUrl}/cases?limit=500`)).json()) as { items: Case[] }).items.filter(
    (c) => c.siteId === siteId,
  );

async function publishAll(thing: string, readings: Record<string, number>[]) {
  const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 });
  try {
    // One at a time, each acknowledged: a sensor's readings arrive in separate batches.
    for (const r of readings) {
      await client.publishAsync(topicFor('bins', thing), JSON.stringify(r), { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  } finally {
    await client.endAsync();
  }
}

describe('the twin is as unforgiving as Lambda', () => {
  it('raises a stuck sensor after 48 identical readings while environments are recycled and invocations fail', async () => {
    const device = model.devices.find((d) => d.thing === 'bin-gs-023')!;
    const interval = device.expectedIntervalSeconds * 1000;
    const start = Date.now() - 52 * interval;
    await publishAll(
      device.thing,
      Array.from({ length: 50 }, (_, seq) => ({
        ts: start + seq * interval,
        seq,
        fillPct: 37.5,
        temperatureC: 18,
        tiltDeg: 2,
        batteryPct: 80,
      })),
    );
    await vi.waitFor(
      async () => {
        // A device's fault: the operator's maintenance ticket, and no case.
        const tickets = (await (await fetch(`${stack.apiUrl}/tickets?thing=${device.thing}`)).json()) as {
          items: { fault: string }[];
        };
        expect(tickets.items.map((t) => t.fault)).toEqual(['sensor_stuck']);
        expect(await casesAt(device.siteId)).toEqual([]);
      },
      { timeout: 30_000, interval: 200 },
    );
    await stack.drained(30_000);
    const stats = stack.environments.get('ingest-bins')!.stats;
    expect(stats.recycled).toBeGreaterThan(5);
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.created).toBeGreaterThan(5);
    expect(stack.discarded).toEqual([]);
  }, 60_000);

  it('does not let a reading dated a little ahead hide the readings after it', async () => {
    const device = model.devices.find((d) => d.thing === 'bin-gs-024')!;
    const now = Date.now();
    await publishAll(device.thing, [
      { ts: now + 290_000, seq: 1, fillPct: 10 },
      ...[2, 3, 4, 5].map((seq) => ({ ts: now, seq, fillPct: 95, temperatureC: 85, tiltDeg: 70 })),
    ]);
    await vi.waitFor(
      async () =>
        expect((await casesAt(device.siteId)).map((c) => c.category).sort()).toEqual([
          'bin_fire',
          'bin_knocked_over',
          'garbage_overflow',
        ]),
      {
        timeout: 30_000,
        interval: 200,
      },
    );
  }, 60_000);
});
