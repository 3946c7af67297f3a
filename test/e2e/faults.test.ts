import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { systemClock } from '#shared/adapters/clock';
import { uniqueReadings } from '#shared/adapters/reading-archive';
import { readArchive } from '#infra/local/file-archive';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#shared/adapters/dynamodb/client';
import { telemetryKeys } from '#shared/adapters/dynamodb/telemetry-store';
import { topicFor } from '#shared/domain/topics';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { freePort } from '#infra/local/listen';
import { quietObserver, startLocalStack, type LocalStack } from '#infra/local/stack';
import { faultyDynamo } from '../support/faulty-dynamo.ts';

const model = await loadDistrictDir();

/** The sequence numbers of a device's archived readings, each once. */
async function storedSeqs(stack: LocalStack, thing: string): Promise<number[]> {
  const archived = (await readArchive(stack.archiveDir, 'bins')).filter((r) => r.thing === thing);
  return uniqueReadings(archived).map((r) => r.seq).sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('faults: storage', () => {
  it('rides out DynamoDB Local stopped for 10 s mid-stream: retries, loses nothing, dead-letters nothing before the receive limit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-outage-'));
    const port = await freePort();
    let dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port });
    const failedBatches: number[] = [];
    const stack = await startLocalStack({
      clock: systemClock,
      dynamoEndpoint: dynamo.endpoint,
      tablePrefix: 'outage-',
      model,
      schedules: false,
      mqttPort: 0,
      apiPort: 0,
      batchWindowMs: 100,
      // Five receives, five seconds apart: 20 s before a message could be dead-lettered.
      visibilityTimeoutMs: 5_000,
      observer: { ...quietObserver(), batch: (b) => void (b.failed && failedBatches.push(b.failed)) },
    });
    const things = ['bin-gs-011', 'bin-gs-012', 'bin-gs-013', 'bin-gs-014'];
    const clients = await Promise.all(things.map((thing) => mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 })));
    try {
      const PER_THING = 60;
      const base = Date.now() - 30 * 60_000;
      // Every device publishes a reading every 250 ms for 15 s; DynamoDB Local is down from 2 s to 12 s.
      const stream = Promise.all(
        clients.map(async (client, d) => {
          for (const seq of range(PER_THING)) {
            await client.publishAsync(topicFor('bins', things[d]!), JSON.stringify({ ts: base + seq * 1000, seq, fillPct: 30 + (seq % 20) }), { qos: 1 });
            await new Promise((r) => setTimeout(r, 250));
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 2_000));
      await dynamo.stop();
      await new Promise((r) => setTimeout(r, 10_000));
      dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port });
      await stream;
      await stack.drained(60_000);
      expect(failedBatches.length).toBeGreaterThan(0); // the outage was felt, and retried
      expect(stack.deadLetters).toEqual([]);
      for (const thing of things) expect(await storedSeqs(stack, thing), thing).toEqual(range(PER_THING));
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await stack.stop();
      await dynamo.stop();
    }
  }, 120_000);

  it('sends a poison message to the dead-letter queue alone after its retry queue’s receive limit, and stores its neighbours', async () => {
    const proxy = await faultyDynamo(inject('dynamoEndpoint'));
    const stack = await startLocalStack({
      clock: systemClock,
      dynamoEndpoint: proxy.endpoint,
      tablePrefix: `poison-${Date.now()}-`,
      model,
      schedules: false,
      mqttPort: 0,
      apiPort: 0,
      batchWindowMs: 50,
      // Longer than a batch takes, so only failures come back (as AWS wants visibility ≥ the function's timeout).
      visibilityTimeoutMs: 2_000,
    });
    const things = ['bin-gs-015', 'bin-gs-016', 'bin-gs-017', 'bin-gs-018'];
    const poisoned = 'bin-gs-019';
    const clients = await Promise.all([...things, poisoned].map((thing) => mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 })));
    try {
      // From now on every storage request about the poisoned device fails.
      proxy.poison(poisoned);
      const base = Date.now() - 30 * 60_000;
      const publish = (i: number, seq: number) => clients[i]!.publishAsync(topicFor('bins', [...things, poisoned][i]!), JSON.stringify({ ts: base + seq * 1000, seq, fillPct: 40 }), { qos: 1 });
      // The poison message in the middle of its neighbours, in the same batches.
      for (const seq of range(5)) await Promise.all(things.map((_, i) => publish(i, seq)));
      await publish(things.length, 1);
      for (const seq of range(5).map((s) => s + 5)) await Promise.all(things.map((_, i) => publish(i, seq)));
      await vi.waitFor(() => expect(stack.deadLetters).toHaveLength(1), { timeout: 30_000, interval: 100 });
      await stack.drained(30_000);
      const [dead] = stack.deadLetters;
      const envelope = JSON.parse(dead!.body) as { topic: string; clientId: string };
      expect(envelope.clientId).toBe(poisoned);
      expect(dead!.queue).toBe('bins-retry');
      expect(dead!.receiveCount).toBe(5); // the route's receive limit
      expect(proxy.injected.failed + proxy.injected.unprocessed).toBeGreaterThan(0);
      proxy.poison(undefined);
      for (const thing of things) expect(await storedSeqs(stack, thing), thing).toEqual(range(10));
      // Its reading was archived when it first came through (it is a valid reading); its state never got stored.
      expect(await storedSeqs(stack, poisoned)).toEqual([1]);
      const state = await documentClient(stack.dynamo).send(new GetCommand({ TableName: stack.tables.telemetry, Key: { pk: telemetryKeys.device(poisoned), sk: telemetryKeys.state } }));
      expect(state.Item).toBeUndefined();
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await stack.stop();
      await proxy.close();
    }
  }, 60_000);
});
