import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { systemClock } from '#shared/adapters/clock';
import { uniqueMessages } from '#shared/events/telemetry-archive';
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
async function archivedSeqs(stack: LocalStack, thing: string): Promise<number[]> {
  const archived = (await readArchive(stack.archiveDir, 'bins')).filter((r) => r.thing === thing);
  return uniqueMessages(archived)
    .map((r) => r.seq!)
    .sort((a, b) => a - b);
}

/** A device's stored state (its last reading that changed something). */
async function stateOf(stack: LocalStack, thing: string) {
  return (
    await documentClient(stack.dynamo).send(
      new GetCommand({
        TableName: stack.tables.telemetry,
        Key: { pk: telemetryKeys.device(thing), sk: telemetryKeys.state },
        ConsistentRead: true,
      }),
    )
  ).Item;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('faults: storage', () => {
  it('rides out DynamoDB Local stopped 10 s mid-stream: retries in order until success, archives all, discards nothing', async () => {
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
      recycleRate: 0.3,
      observer: { ...quietObserver(), batch: (b) => void (b.failed && failedBatches.push(b.failed)) },
    });
    const things = ['bin-gs-011', 'bin-gs-012', 'bin-gs-013', 'bin-gs-014'];
    const clients = await Promise.all(
      things.map((thing) => mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 })),
    );
    try {
      const PER_THING = 60;
      const base = Date.now() - 30 * 60_000;
      // Every device publishes a reading every 250 ms for 15 s; DynamoDB Local is down from 2 s to 12 s.
      const stream = Promise.all(
        clients.map(async (client, d) => {
          for (const seq of range(PER_THING)) {
            await client.publishAsync(
              topicFor('bins', things[d]!),
              JSON.stringify({ ts: base + seq * 1000, seq, fillPct: 30 + (seq % 20) }),
              { qos: 1 },
            );
            await new Promise((r) => setTimeout(r, 250));
          }
          // A last reading that changes something (a new band), so its state write shows processing reached the end.
          await client.publishAsync(
            topicFor('bins', things[d]!),
            JSON.stringify({ ts: base + (PER_THING + 1) * 1000, seq: PER_THING + 1, fillPct: 77 }),
            { qos: 1 },
          );
        }),
      );
      await new Promise((r) => setTimeout(r, 2_000));
      await dynamo.stop();
      await new Promise((r) => setTimeout(r, 10_000));
      dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port });
      await stream;
      await stack.drained(60_000);
      expect(failedBatches.length).toBeGreaterThan(0); // the outage was felt, and retried
      expect(stack.discarded).toEqual([]);
      for (const thing of things) {
        expect(await archivedSeqs(stack, thing), thing).toEqual(range(PER_THING + 1));
        expect(await stateOf(stack, thing), thing).toMatchObject({ seq: PER_THING + 1, fillPct: 77 });
      }
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await stack.stop();
      await dynamo.stop();
    }
  }, 120_000);

  it('retries a record whose state cannot be stored, in order, then past the retry limit sets it aside whole; others stored', async () => {
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
      recycleRate: 0.3,
      // The topology retries until success (within the record's age); a test cannot wait 23 hours.
      maxRetryAttempts: 3,
    });
    const things = ['bin-gs-015', 'bin-gs-016', 'bin-gs-017', 'bin-gs-018'];
    const poisoned = 'bin-gs-019';
    const clients = await Promise.all(
      [...things, poisoned].map((thing) => mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 })),
    );
    try {
      // From now on every storage request about the poisoned device fails.
      proxy.poison(poisoned);
      const base = Date.now() - 30 * 60_000;
      // Each reading in a new fill band, so each one's state is written.
      const publish = (i: number, seq: number) =>
        clients[i]!.publishAsync(
          topicFor('bins', [...things, poisoned][i]!),
          JSON.stringify({ ts: base + seq * 1000, seq, fillPct: seq * 9 }),
          { qos: 1 },
        );
      // The poison message in the middle of its neighbours, in the same batches.
      for (const seq of range(5)) await Promise.all(things.map((_, i) => publish(i, seq)));
      await publish(things.length, 1);
      for (const seq of range(5).map((s) => s + 5)) await Promise.all(things.map((_, i) => publish(i, seq)));
      await vi.waitFor(
        () =>
          expect(stack.discarded.flatMap((b) => b.payload.Records.map((r) => r.kinesis.partitionKey))).toContain(
            poisoned,
          ),
        { timeout: 30_000, interval: 100 },
      );
      await stack.drained(30_000);
      const batch = stack.discarded.find((b) => b.payload.Records.some((r) => r.kinesis.partitionKey === poisoned))!;
      expect(batch.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 });
      // Kept whole: the envelope with the reading itself.
      const kept = batch.payload.Records.find((r) => r.kinesis.partitionKey === poisoned)!;
      const envelope = JSON.parse(Buffer.from(kept.kinesis.data, 'base64').toString()) as {
        clientId: string;
        payload: string;
      };
      expect(envelope.clientId).toBe(poisoned);
      expect(JSON.parse(Buffer.from(envelope.payload, 'base64').toString())).toMatchObject({ seq: 1, fillPct: 9 });
      expect(proxy.injected.failed + proxy.injected.unprocessed).toBeGreaterThan(0);
      proxy.poison(undefined);
      for (const thing of things) expect(await stateOf(stack, thing), thing).toMatchObject({ seq: 10 });
      // The archive has it all the same (it reads the stream on its own); its state never got stored.
      expect(await archivedSeqs(stack, poisoned)).toEqual([1]);
      expect(await stateOf(stack, poisoned)).toBeUndefined();
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await stack.stop();
      await proxy.close();
    }
  }, 60_000);
});
