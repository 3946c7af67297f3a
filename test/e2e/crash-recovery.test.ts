import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it, vi } from 'vitest';
import { uniqueMessages } from '#shared/events/telemetry-archive';
import { readArchive } from '#infra/local/file-archive';
import type { Case } from '#shared/domain/case/model';
import { topicFor } from '#shared/domain/topics';
import { freePort } from '#infra/local/listen';
import { startProcess } from '../support/run-stack.ts';

const THINGS = Array.from({ length: 10 }, (_, i) => `bin-gs-${String(i + 1).padStart(3, '0')}`);
const PER_THING = 40;
const KILL_AFTER_ACKS = 120;

/**
 * The stack is killed with SIGKILL (no shutdown code runs; its DynamoDB Local is left
 * orphaned) while ten QoS 1 publishers stream readings, then started again on the same
 * data folder. Every reading the broker acknowledged must be archived (at least once; a
 * repeat is the very same reading), each device's state must hold its last reading's fill band, and the
 * anomalies the stream raises must have one case each.
 */
describe('crash recovery (kill -9 of the local stack)', () => {
  it("after a restart: every acknowledged reading archived, each state in its last reading's fill band, no case duplicated", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-crash-'));
    const [mqttPort, apiPort] = [await freePort(), await freePort()];
    const args = [
      '--data-dir',
      dataDir,
      '--no-simulate',
      '--mqtt-port',
      String(mqttPort),
      '--mqtts-port',
      '0',
      // The publishers use plain MQTT with the things' names: the stack takes them there only when told.
      '--plain-mqtt-for',
      THINGS.join(','),
      '--api-port',
      String(apiPort),
      '--snapshots-port',
      '0',
    ];
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
        const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
          clientId: thing,
          reconnectPeriod: 250,
          connectTimeout: 5_000,
        });
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
      await runs[1]!.waitFor(/ready\s+MQTT/, 60_000);
      await Promise.all(streams);
      expect(ackedBeforeCrash).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(ackedBeforeCrash).toBeLessThan(THINGS.length * PER_THING); // the crash really was mid-stream

      // Wait until the archive holds every acknowledged reading (redelivered ones may come last) and each device's state the last one.
      const api = `http://127.0.0.1:${apiPort}`;
      const archived = async (thing: string) =>
        (await readArchive(join(dataDir, 'archive'), 'bins')).filter((r) => r.thing === thing);
      for (const thing of THINGS) {
        await vi.waitFor(
          async () =>
            expect(
              uniqueMessages(await archived(thing))
                .map((r) => r.seq!)
                .sort((a, b) => a - b),
              thing,
            ).toEqual(acked.get(thing)),
          { timeout: 60_000, interval: 250 },
        );
        // At least once: a reading archived again after the crash is the very same reading.
        const copies = new Map<number, string>();
        for (const r of await archived(thing)) {
          const text = JSON.stringify([r.ts, r.payload]);
          expect(copies.get(r.seq!) ?? text, `${thing} #${r.seq}`).toBe(text);
          copies.set(r.seq!, text);
        }
        // The stored state holds the last reading that changed something: at least the
        // overflow flagged at reading 26, in the 90s band (later ones changed nothing).
        // The archive and the ingest function read the stream each on their own: wait for the state too.
        await vi.waitFor(
          async () => {
            const state = (await (await fetch(`${api}/devices/${thing}`)).json()) as {
              state?: { seq?: number; fillPct?: number } | null;
            };
            expect(state.state?.seq, thing).toBeGreaterThanOrEqual(26);
            expect(state.state?.fillPct, thing).toBeGreaterThanOrEqual(90);
          },
          { timeout: 60_000, interval: 250 },
        );
      }

      const cases = ((await (await fetch(`${api}/cases?limit=500`)).json()) as { items: Case[] }).items;
      const bySiteAndCategory = new Map<string, number>();
      for (const c of cases)
        bySiteAndCategory.set(
          `${c.siteId} ${c.category}`,
          (bySiteAndCategory.get(`${c.siteId} ${c.category}`) ?? 0) + 1,
        );
      for (let i = 1; i <= THINGS.length; i++)
        expect(bySiteAndCategory.get(`gr-${String(i).padStart(3, '0')} garbage_overflow`), `gr-${i}`).toBe(1);
      expect([...bySiteAndCategory].filter(([, n]) => n > 1)).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      for (const run of runs) run.child.kill('SIGINT');
      await Promise.all(runs.map((r) => r.exited));
    }
  }, 180_000);
});
