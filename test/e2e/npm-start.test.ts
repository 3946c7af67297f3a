import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FREE_PORTS, startProcess } from '../support/run-stack.ts';

/** Every category the garbage-room and camera detectors raise as cases (sweeping coverage adds three more; people report the rest). */
const DETECTED_CATEGORIES = [
  'garbage_overflow',
  'collection_due',
  'bin_fire',
  'bin_knocked_over',
  'market_stall_outside',
  'market_goods_piled',
  'market_litter',
  'illegal_parking',
];
/** A device's own faults: maintenance tickets, not cases. */
const DEVICE_FAULTS = ['device_low_battery', 'sensor_stuck', 'device_offline'];

const start = startProcess;

describe('npm start', () => {
  it('shows telemetry in 30 s, a case per kind in 90 s, a ticket per fault in 180 s; Ctrl-C stops all, DynamoDB Local too', async () => {
    const run = start(['--in-memory', ...FREE_PORTS]);
    try {
      // Start-up (the JVM, and the pages' build on a fresh clone) is not what is measured: the
      // times below count from the fleet's connection, as a person watching the log would.
      const ready = await run.waitFor(/DynamoDB Local (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      await run.waitFor(/connect\s+\d+ devices connected/, 60_000);
      const started = Date.now();
      const stored = await run.waitFor(
        /stored\s+bins ([1-9]\d*) · sweepers (\d+) · cameras (\d+)/,
        30_000 - (Date.now() - started),
      );
      expect(Number(stored[1])).toBeGreaterThan(0);
      const api = (await run.waitFor(/ops API (http:\/\/\S+)/, 1_000))[1]!;
      for (const category of DETECTED_CATEGORIES) {
        await run.waitFor(
          // A case registered at once, a warning its class's rule holds back, or a signal that joined a case nearby.
          new RegExp(
            `case\\s+(?:OPENED\\s+${category} \\(\\w+\\) at \\S+ → \\S+` +
              `|RECEIVED\\s+${category} \\[|MERGED\\s+\\w+ report ${category} into)`,
          ),
          90_000 - (Date.now() - started),
        );
      }
      // A ticket of each fault. The offline check sees a silent camera 45 to 90 s after its last
      // message (its silence bucket), at its next minute's run: later than the kinds that come with a reading.
      for (const fault of DEVICE_FAULTS)
        await vi.waitFor(
          async () => {
            const { items } = (await (await fetch(`${api}/tickets?fault=${fault}`)).json()) as { items: unknown[] };
            expect(items.length, fault).toBeGreaterThan(0);
          },
          { timeout: Math.max(1_000, 180_000 - (Date.now() - started)), interval: 1_000 },
        );
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopped cleanly');
      await expect(fetch(ready[1]!)).rejects.toThrow(); // the JVM is gone with the stack
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 330_000);

  it('says how to install Java when there is none', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'no-java-'));
    const run = start(['--in-memory', '--no-simulate', ...FREE_PORTS], { ...process.env, PATH: emptyPath });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/needs a Java 17 \(or newer\) runtime/);
    expect(run.output()).toMatch(/apt-get install -y openjdk-17-jre-headless/);
  }, 30_000);

  it('explains a bad option instead of starting', async () => {
    const run = start(['--scenario', 'chaos']);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/unknown scenario "chaos"; choose one of demo, normal, overflow/);
    expect(run.output()).toContain('Usage: npm start');
  }, 30_000);
});
