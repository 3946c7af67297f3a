/**
 * The ingest benchmark's sensors, on a worker thread of their own (as real devices are not
 * in the pipeline's process): each connects as its thing, waits for `warm`, publishes
 * `warmUp` readings as fast as acknowledged (so DynamoDB Local's JVM has compiled the paths
 * the run takes: what the run measures is the steady state), posts `warmed`, then runs each
 * `go` phase it is sent: `perDevice` readings with QoS 1, `inFlight` at a time, or at the
 * offered `rate` in all, posting `done` with every publish time (epoch ms, by `topic#seq`).
 * Readings follow the simulator's fill model, 5 minutes apart in reading time, each phase's
 * after the one before (`readings` per device in all, so none is stale). Posts `connected`
 * and progress (`sent`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';
import { GarbageRoomSensor } from '#devices/simulators/garbage-room-sensor';
import type { Device } from '#shared/domain/city-model';
import { topicFor } from '#shared/domain/topics';

export interface FleetOrder {
  mqttUrl: string;
  devices: Device[];
  /** Readings per device over the whole run (warm-up and phases), to date the first one. */
  readings: number;
  /** Readings per device published before the measured ones. */
  warmUp: number;
  inFlight: number;
  /**
   * A device publishes its next reading no sooner than this after its last (ms): with more
   * devices than a batching window's messages, a batch then holds one reading of a device,
   * as in the field where a sensor reports every few minutes.
   */
  minGapMs: number;
}

/** One measured phase. */
export interface FleetPhase {
  type: 'go';
  perDevice: number;
  rate?: number;
}

export type FleetReport =
  | { type: 'connected' }
  | { type: 'warmed' }
  | { type: 'sent'; sent: number }
  | { type: 'done'; publishedAt: [string, number][] };

const port = parentPort!;
const order = workerData as FleetOrder;
const now = () => performance.timeOrigin + performance.now();
const post = (report: FleetReport) => port.postMessage(report);

const clients = await Promise.all(
  order.devices.map((d) => mqtt.connectAsync(order.mqttUrl, { clientId: d.thing, reconnectPeriod: 0 })),
);
post({ type: 'connected' });
await new Promise((resolve) => port.once('message', resolve)); // warm
const firstReading = Date.now() - Math.ceil(order.readings * 1.1 + 2) * 5 * 60_000;
const sensors = order.devices.map((device) => new GarbageRoomSensor(device, firstReading));
const lastSent = order.devices.map(() => 0);
const publish = (d: number) => {
  const payload = sensors[d]!.emit(sensors[d]!.nextAt)!.payload as { seq: number };
  const topic = topicFor('bins', order.devices[d]!.thing);
  return {
    topic,
    payload,
    send: async () => {
      const wait = lastSent[d]! + order.minGapMs - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastSent[d] = now();
      await clients[d]!.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
    },
  };
};
await Promise.all(
  clients.map(async (_, d) => {
    for (let i = 0; i < order.warmUp; i++) await publish(d).send();
  }),
);
post({ type: 'warmed' });

async function phase({ perDevice, rate }: FleetPhase): Promise<void> {
  const started = now();
  const publishedAt: [string, number][] = [];
  let sent = 0;
  const ticker = setInterval(() => post({ type: 'sent', sent }), 250);
  await Promise.all(
    clients.map(async (_, d) => {
      let published = 0;
      await Promise.all(
        Array.from({ length: rate ? 1 : order.inFlight }, async () => {
          while (published < perDevice) {
            const s = ++published;
            const { topic, payload, send } = publish(d);
            if (rate) {
              // Device d's s-th message is due at (s - 1) rounds of all devices, plus its place in the round.
              const wait = started + (((s - 1) * clients.length + d) / rate) * 1000 - now();
              if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            }
            const at = now();
            await send();
            // Published when it left (after any wait for the device's gap).
            publishedAt.push([`${topic}#${payload.seq}`, Math.max(at, lastSent[d]!)]);
            sent++;
          }
        }),
      );
    }),
  );
  clearInterval(ticker);
  post({ type: 'sent', sent });
  post({ type: 'done', publishedAt });
}

for (;;) {
  const message = (await new Promise((resolve) => port.once('message', resolve))) as FleetPhase | 'stop';
  if (message === 'stop') break;
  await phase(message);
}
await Promise.all(clients.map((c) => c.endAsync()));
