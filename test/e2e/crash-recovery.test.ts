import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import mqtt from 'mqtt';
import { describe, expect, it, vi } from 'vitest';
import { documentClient, localDynamoClient } from '#shared/adapters/dynamodb/client';
import { telemetryKeys } from '#shared/adapters/dynamodb/telemetry-store';
import type { Case } from '#shared/domain/cases';
import { topicFor } from '#shared/domain/topics';
import { freePort } from '#infra/local/listen';
import { startProcess } from '../support/run-stack.ts';

const THINGS = Array.from({ length: 10 }, (_, i) => `bin-gs-${String(i + 1).padStart(3, '0')}`);
const PER_THING = 40;
const KILL_AFTER_ACKS = 120;

/**
 * The stack is killed with SIGKILL (no shutdown code runs; its DynamoDB Local is left
 * orphaned) while ten QoS 1 publishers stream readings, then started again on the same
 * data folder. Every reading the broker acknowledged must be stored, once, and the
 * anomalies the stream raises must have one case each.
 */
describe('crash recovery (kill -9 of the local stack)', () => {
  it('stores every acknowledged message exactly once after a restart, and duplicates no case', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-crash-'));
    const [mqttPort, apiPort] = [await freePort(), await freePort()];
    const args = ['--data-dir', dataDir, '--no-simulate', '--mqtt-port', String(mqttPort), '--api-port', String(apiPort)];
    const runs = [startProcess(args)];
    const clients: mqtt.MqttClient[] = [];
    try {
      await runs[0]!.waitFor(/ready\s+MQTT/, 60_000);
      const acked = new Map<string, number[]>(THINGS.map((t) => [t, []]));
      let ackCount = 0;
      let crashed: () => void = () => {};
      const crash = new Promise<void>((resolve) => (crashed = resolve));
      const base = Date.now() - 10 * 60_000;

      const streams = THINGS.map(async (thing) => {
        const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: thing, reconnectPeriod: 250, connectTimeout: 5_000 });
        clients.push(client);
        for (let seq = 1; seq <= PER_THING; seq++) {
          // Filling up fast: overflow and collection-due anomalies on every room.
          const reading = { ts: base + seq * 5_000, seq, fillPct: Math.min(96, 40 + seq * 2), batteryPct: 80 };
          await client.publishAsync(topicFor('bins', thing), JSON.stringify(reading), { qos: 1 });
          acked.get(thing)!.push(seq);
          if (++ackCount === KILL_AFTER_ACKS) crashed();
        }
      });

      await crash;
      runs[0]!.child.kill('SIGKILL');
      await runs[0]!.exited;
      const ackedBeforeCrash = ackCount;
      runs.push(startProcess(args));
      const ready = await runs[1]!.waitFor(/ready\s+MQTT.*DynamoDB Local (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      await Promise.all(streams);
      expect(ackedBeforeCrash).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(ackedBeforeCrash).toBeLessThan(THINGS.length * PER_THING); // the crash really was mid-stream

      // Wait until every device's history holds every acknowledged reading (redelivered ones may come last).
      const api = `http://127.0.0.1:${apiPort}`;
      const doc = documentClient(localDynamoClient(ready[1]!));
      const history = async (thing: string) => {
        const { Items = [] } = await doc.send(
          new QueryCommand({
            TableName: 'cityops-telemetry',
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
            ExpressionAttributeValues: { ':pk': telemetryKeys.device(thing), ':r': 'reading#' },
          }),
        );
        return Items.map((i) => i.seq as number);
      };
      for (const thing of THINGS) {
        // Exactly once: every acknowledged reading, each one a single history item.
        await vi.waitFor(async () => expect(await history(thing), thing).toEqual(acked.get(thing)), { timeout: 60_000, interval: 250 });
        const state = (await (await fetch(`${api}/devices/${thing}`)).json()) as { state?: { seq?: number } | null };
        expect(state.state?.seq).toBe(PER_THING);
      }

      const cases = ((await (await fetch(`${api}/cases?limit=500`)).json()) as { items: Case[] }).items;
      const bySiteAndCategory = new Map<string, number>();
      for (const c of cases) bySiteAndCategory.set(`${c.siteId} ${c.category}`, (bySiteAndCategory.get(`${c.siteId} ${c.category}`) ?? 0) + 1);
      for (let i = 1; i <= THINGS.length; i++) expect(bySiteAndCategory.get(`gr-${String(i).padStart(3, '0')} garbage_overflow`), `gr-${i}`).toBe(1);
      expect([...bySiteAndCategory].filter(([, n]) => n > 1)).toEqual([]);
      doc.destroy();
    } finally {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      for (const run of runs) run.child.kill('SIGINT');
      await Promise.all(runs.map((r) => r.exited));
    }
  }, 180_000);
});
