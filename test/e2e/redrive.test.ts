import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '#shared/adapters/clock';
import { loadDistrictDir } from '#devices/district-files';
import { DISCARDED_FILE, type RedriveOutcome } from '#infra/local/discarded-batches';
import type { DiscardedBatch } from '#infra/local/stream-event-source';
import { testStack } from '../support/test-stack.ts';
import { record, streamEvent } from '../support/telemetry.ts';

const model = await loadDistrictDir();

/** A discarded batch as the stack keeps it (the S3 on-failure destination's shape): one garbage-room reading, whole. */
function discardedReading(
  requestId: string,
  thing: string,
  fillPct: number,
  stream = 'bins-telemetry',
): DiscardedBatch {
  const now = Date.now();
  const event = streamEvent(
    record({
      kind: 'bins',
      thing,
      payload: { ts: now - 60_000, seq: 7, fillPct, batteryPct: 80, temperatureC: 20, tiltDeg: 1 },
      receivedAt: now - 60_000,
    }),
  );
  const r = event.Records[0]!.kinesis;
  return {
    requestContext: {
      requestId,
      functionArn: 'arn:aws:lambda:local:000000000000:function:ingest-bins',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'storage was down' },
    version: '1.0',
    timestamp: new Date(now - 30_000).toISOString(),
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: r.sequenceNumber,
      endSequenceNumber: r.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(now - 60_000).toISOString(),
      approximateArrivalOfLastRecord: new Date(now - 60_000).toISOString(),
      batchSize: 1,
      streamArn: `arn:aws:kinesis:local:000000000000:stream/${stream}`,
    },
    payload: event,
  };
}
const jsonl = (batches: DiscardedBatch[]) => batches.map((l) => `${JSON.stringify(l)}\n`).join('');

describe('redrive (npm start -- --redrive)', () => {
  it('puts discarded records back on their streams for their function to store; keeps what it redrove, leaves what it cannot', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-redrive-'));
    const stored = discardedReading('r-1', 'bin-gs-021', 42);
    const elsewhere = discardedReading('r-2', 'bin-gs-022', 50, 'no-such-stream');
    writeFileSync(join(dataDir, DISCARDED_FILE), jsonl([stored, elsewhere]));
    // A redrive a crash interrupted, holding the same batch again: it goes back once.
    writeFileSync(join(dataDir, 'discarded.redriving.jsonl'), jsonl([stored]));
    let outcome: RedriveOutcome | undefined;
    const stack = await testStack('redrive', {
      clock: systemClock,
      dataDir,
      model,
      schedules: false,
      batchWindowMs: 20,
      redrive: true,
      onRedrive: (o) => (outcome = o),
    });
    try {
      expect(outcome).toMatchObject({ redriven: { 'bins-telemetry': 1 }, left: 1 });
      await vi.waitFor(
        async () => {
          const device = (await (await fetch(`${stack.apiUrl}/devices/bin-gs-021`)).json()) as {
            state?: { fillPct?: number };
          };
          expect(device.state?.fillPct).toBe(42);
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(stack.discarded).toEqual([]);
      // What went back is kept for the record; what could not stays discarded; nothing is half done.
      expect(readFileSync(outcome!.keptIn!, 'utf8')).toBe(jsonl([stored]));
      expect(readFileSync(join(dataDir, DISCARDED_FILE), 'utf8')).toBe(jsonl([elsewhere]));
      expect(existsSync(join(dataDir, 'discarded.redriving.jsonl'))).toBe(false);
      expect(readdirSync(dataDir).filter((f) => f.startsWith('discarded.redriven-'))).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('is refused in memory, where there are no discarded batches to put back', async () => {
    await expect(testStack('redrive-mem', { clock: systemClock, schedules: false, redrive: true })).rejects.toThrow(
      'redrive needs a data folder',
    );
  });
});
