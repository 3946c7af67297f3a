import { createServer } from 'node:http';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { caseStack } from '../support/case-stack.ts';

const START = Date.UTC(2026, 10, 27, 3, 0);
const model = await loadDistrictDir();

/** A downstream receiver that can be down (503) or up (200), recording what it acknowledged. */
async function receiver() {
  const acknowledged: string[] = [];
  let up = true;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!up) return void res.writeHead(503).end();
      acknowledged.push(String(req.headers['x-cityops-event-id']));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    acknowledged,
    setUp: (value: boolean) => (up = value),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('case events across a restart and a receiver that is down', () => {
  let hook: Awaited<ReturnType<typeof receiver>>;
  afterAll(() => hook?.close());

  it('loses no event and sends none twice to a webhook that acknowledged it', async () => {
    hook = await receiver();
    const shared = {
      dynamoEndpoint: inject('dynamoEndpoint'),
      tablePrefix: `relay-${Date.now()}-`,
      webhooks: [hook.url],
    };
    const first = await caseStack(model, START, shared);
    const publishReading = (thing: string, over: Record<string, number>) =>
      first.publish(thing, { ts: first.now(), fillPct: 40, ...over });

    await publishReading('bin-gs-022', { temperatureC: 70 });
    await publishReading('bin-gs-023', { tiltDeg: 80 });
    await vi.waitFor(() => expect(hook.acknowledged).toHaveLength(2), { timeout: 15_000 });

    hook.setUp(false);
    await publishReading('bin-gs-024', { temperatureC: 75 });
    await publishReading('bin-gs-023', { tiltDeg: 1 });
    await vi.waitFor(() => expect(first.events()).toHaveLength(4), { timeout: 15_000 });
    await first.stop(); // with two events still owed to the receiver

    hook.setUp(true);
    const second = await caseStack(model, START + 60_000, { ...shared, dataDir: first.dataDir });
    try {
      await second.publish('bin-gs-025', { ts: second.now(), fillPct: 40, tiltDeg: 70 });
      await vi.waitFor(() => expect(hook.acknowledged).toHaveLength(5), { timeout: 20_000 });
      await vi.waitFor(() => expect(second.events()).toHaveLength(5), { timeout: 15_000 });
      await second.stack.drained();
      await new Promise((r) => setTimeout(r, 1000)); // time for a duplicate to show up, if there were one
      const fileIds = second.events().map((e) => e.detail.metadata.id);
      expect(new Set(hook.acknowledged).size).toBe(5);
      expect(hook.acknowledged).toHaveLength(5);
      expect(new Set(fileIds).size).toBe(5);
      expect(hook.acknowledged.sort()).toEqual([...fileIds].sort());
      expect(
        second
          .events()
          .map((e) => e['detail-type'])
          .sort(),
      ).toEqual(['CaseOpened', 'CaseOpened', 'CaseOpened', 'CaseOpened', 'CaseResolved']);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
