import { GarbageRoomSensor } from '#devices/simulators/garbage-room-sensor';
import { ingestHandler } from '#functions/ingest/kinesis-batch';
import type { IngestDeps } from '#shared/app/ingest-telemetry';
import type { Device } from '#shared/domain/city-model';
import { record, streamEvent } from '../../test/support/telemetry.ts';

/** The ingest handler alone, batch after batch (nothing else running): process CPU per reading. */
export async function handlerCpu(deps: IngestDeps, devices: Device[], batches: number): Promise<number> {
  const handler = ingestHandler('bins', deps);
  const now = Date.now();
  // The same sensors as the pipeline run: readings 5 minutes apart, one per device per buffer as in the field.
  const first = now - Math.ceil(((batches + 1) * 100) / devices.length + 2) * 6 * 60_000;
  const sensors = devices.map((d) => new GarbageRoomSensor(d, first));
  let n = 0;
  const event = () =>
    streamEvent(
      ...Array.from({ length: 100 }, () => {
        const sensor = sensors[n++ % sensors.length]!;
        const payload = sensor.emit(sensor.nextAt)!.payload;
        return record({ kind: 'bins', thing: sensor.device.thing, payload, receivedAt: now });
      }),
    );
  // Warm up first (site lookups cached, code paths compiled), then the measured batches: built in
  // this order, every measured reading is newer than what the warm-up stored (none is stale).
  await handler(event());
  const events = Array.from({ length: batches }, event);
  const before = process.cpuUsage();
  let failed = 0;
  for (const e of events) failed += (await handler(e)).batchItemFailures.length;
  const used = process.cpuUsage(before);
  if (failed) throw new Error(`handler CPU run: ${failed} of ${batches * 100} readings failed`);
  return (used.user + used.system) / (batches * 100);
}

/** In-memory stand-ins for the stores, so the handler's own work can be told from the SDK's. */
export function memoryPorts(real: IngestDeps): IngestDeps {
  const states = new Map<string, unknown>();
  return {
    ...real,
    telemetry: {
      saveLatest: async () => ({ outcome: 'written' }),
      neighbours: async () => ({}),
      readStates: async (things) => new Map(things.map((thing) => [thing, null])),
      saveLatestDetecting: async (batch, _lastSeenAt, detect) => {
        const { state } = detect(states.get(batch.thing) as never, batch.readings as never, { writing: false });
        states.set(batch.thing, state);
        return { outcome: 'written', pending: [], outbox: { pk: batch.thing, sk: 'state' } };
      },
      updateSiteDetector: async () => ({ pending: [], outbox: { pk: '', sk: '' } }),
      ackSignals: async () => {},
      saveHistory: async () => ({ retry: [], failed: [] }),
    },
    rejects: { save: async () => ({ retry: [], failed: [] }) },
  };
}
