import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '#shared/adapters/clock';
import { encodeEnvelope } from '#shared/adapters/telemetry-envelope';
import { topicFor } from '#shared/domain/topics';
import { loadDistrictDir } from '#devices/district-files';
import type { RedriveOutcome } from '#infra/local/dead-letters';
import type { DeadLetter } from '#infra/local/local-queue';
import { testStack } from '../support/test-stack.ts';

const model = await loadDistrictDir();

/** A dead letter as the stack writes it: a garbage-room reading that used up its retry queue's receives. */
function deadReading(messageId: string, thing: string, fillPct: number, queue = 'bins-retry'): DeadLetter {
  const now = Date.now();
  const payload = Buffer.from(JSON.stringify({ ts: now - 60_000, seq: 7, fillPct, batteryPct: 80, temperatureC: 20, tiltDeg: 1 }));
  return { queue, messageId, body: encodeEnvelope({ topic: topicFor('bins', thing), clientId: thing, receivedAt: now - 60_000, payload }), sentAt: now - 60_000, receiveCount: 5, movedAt: now - 30_000 };
}
const jsonl = (letters: DeadLetter[]) => letters.map((l) => `${JSON.stringify(l)}\n`).join('');

describe('redrive (npm start -- --redrive)', () => {
  it('puts the dead letters back on their queues, where their function stores them; keeps what it redrove and leaves what it cannot', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-redrive-'));
    const stored = deadReading('m-1', 'bin-gs-021', 42);
    const elsewhere = deadReading('m-2', 'bin-gs-022', 50, 'no-such-queue');
    writeFileSync(join(dataDir, 'dead-letters.jsonl'), jsonl([stored, elsewhere]));
    // A redrive a crash interrupted, holding the same letter again: it goes back once.
    writeFileSync(join(dataDir, 'dead-letters.redriving.jsonl'), jsonl([stored]));
    let outcome: RedriveOutcome | undefined;
    const stack = await testStack('redrive', { clock: systemClock, dataDir, model, schedules: false, batchWindowMs: 20, redrive: true, onRedrive: (o) => (outcome = o) });
    try {
      expect(outcome).toMatchObject({ redriven: { 'bins-retry': 1 }, left: 1 });
      await vi.waitFor(
        async () => {
          const device = (await (await fetch(`${stack.apiUrl}/devices/bin-gs-021`)).json()) as { state?: { fillPct?: number } };
          expect(device.state?.fillPct).toBe(42);
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(stack.deadLetters).toEqual([]);
      // What went back is kept for the record; what could not stays a dead letter; nothing is half done.
      expect(readFileSync(outcome!.keptIn!, 'utf8')).toBe(jsonl([stored]));
      expect(readFileSync(join(dataDir, 'dead-letters.jsonl'), 'utf8')).toBe(jsonl([elsewhere]));
      expect(existsSync(join(dataDir, 'dead-letters.redriving.jsonl'))).toBe(false);
      expect(readdirSync(dataDir).filter((f) => f.startsWith('dead-letters.redriven-'))).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('is refused in memory, where there are no dead letters to put back', async () => {
    await expect(testStack('redrive-mem', { clock: systemClock, schedules: false, redrive: true })).rejects.toThrow('redrive needs a data folder');
  });
});
