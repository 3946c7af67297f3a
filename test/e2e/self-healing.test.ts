import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/adapters/clock';
import { topicFor } from '#shared/domain/topics';
import { loadDistrictDir } from '#devices/district-files';
import { quietObserver, startLocalStack, type LocalStack } from '#infra/local/stack';

const model = await loadDistrictDir();
const CAMERAS = model.devices.filter((d) => d.kind === 'cameras').map((d) => d.thing);
let stack: LocalStack | undefined;
afterAll(() => stack?.stop());

const health = async () => {
  const response = await fetch(`${stack!.apiUrl}/health`).catch(() => undefined);
  return response ? { status: response.status, body: (await response.json()) as Record<string, unknown> } : undefined;
};
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a dead DynamoDB Local is noticed and healed, with nothing lost', () => {
  it('kill -9 of the JVM mid-stream: /health turns 503 and back to 200 on its own, and every acknowledged reading is stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-heal-'));
    stack = await startLocalStack({
      clock: systemClock,
      dataDir,
      model,
      mqttPort: 0,
      apiPort: 0,
      schedules: false,
      observer: quietObserver(),
    });
    expect((await health())?.status).toBe(200);

    // Cameras publish a reading every 100 ms each, QoS 1, throughout.
    const acked = new Map<string, number>();
    let publishing = true;
    const clients = await Promise.all(
      CAMERAS.map((thing) => mqtt.connectAsync(stack!.mqttUrl, { clientId: thing, reconnectPeriod: 0 })),
    );
    const loops = clients.map(async (client, i) => {
      const thing = CAMERAS[i]!;
      for (let seq = 1; publishing; seq++) {
        await client.publishAsync(topicFor('cameras', thing), JSON.stringify({ ts: Date.now(), seq, detections: [] }), {
          qos: 1,
        });
        acked.set(thing, seq);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await new Promise((r) => setTimeout(r, 1500));

    const [pid] = readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    process.kill(pid!, 'SIGKILL');
    await until('503', async () => (await health())?.status === 503, 10_000);
    const down = await health();
    expect(down?.body).toMatchObject({ status: 'degraded', parts: { store: { up: false }, broker: { up: true } } });
    await until('200 again', async () => (await health())?.status === 200, 60_000);
    // A new JVM, on the same data folder.
    const [again] = readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(again).not.toBe(pid);

    await new Promise((r) => setTimeout(r, 1000));
    publishing = false;
    await Promise.all(loops);
    await Promise.all(clients.map((c) => c.endAsync()));
    await stack.drained(60_000);
    for (const thing of CAMERAS) {
      const device = (await fetch(`${stack.apiUrl}/devices/${thing}`).then((r) => r.json())) as {
        state?: { seq?: number };
      };
      expect({ thing, seq: device.state?.seq }).toEqual({ thing, seq: acked.get(thing) });
    }
    expect(stack.discarded).toEqual([]);
  }, 120_000);
});
