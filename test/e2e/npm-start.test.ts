import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import { startProcess } from '../support/run-stack.ts';

/** Every category the detectors of this release raise (sweeping coverage adds the rest). */
const SWEEPING = ['missed_sweeping', 'sweeping_too_fast', 'sweeper_silent'];
const DETECTED_CATEGORIES = CASE_CATEGORIES.filter((c) => !SWEEPING.includes(c));

const start = startProcess;

describe('npm start', () => {
  it('shows simulated telemetry stored within 30 s, a case of each kind within 90 s (a silent device’s within 180 s); Ctrl-C stops everything, DynamoDB Local included', async () => {
    const started = Date.now();
    const run = start(['--in-memory', '--mqtt-port', '0', '--mqtts-port', '0', '--api-port', '0']);
    try {
      const ready = await run.waitFor(/DynamoDB Local (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
      await run.waitFor(/connect\s+\d+ devices connected/, 30_000);
      const stored = await run.waitFor(
        /stored\s+bins ([1-9]\d*) · sweepers (\d+) · cameras (\d+)/,
        30_000 - (Date.now() - started),
      );
      expect(Number(stored[1])).toBeGreaterThan(0);
      // The offline check sees a silent camera 45 to 90 s after its last message (its silence
      // bucket), at its next minute's run: later than the detectors' kinds, which come with a reading.
      const byReading = DETECTED_CATEGORIES.filter((c) => c !== 'device_offline');
      for (const category of [...byReading, 'device_offline']) {
        await run.waitFor(
          new RegExp(`case\\s+OPENED\\s+${category} \\(\\w+\\) at \\S+ → \\S+`),
          (category === 'device_offline' ? 180_000 : 90_000) - (Date.now() - started),
        );
      }
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopped cleanly');
      await expect(fetch(ready[1]!)).rejects.toThrow(); // the JVM is gone with the stack
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 210_000);

  it('says how to install Java when there is none', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'no-java-'));
    const run = start(['--in-memory', '--no-simulate', '--mqtt-port', '0', '--mqtts-port', '0', '--api-port', '0'], {
      ...process.env,
      PATH: emptyPath,
    });
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
