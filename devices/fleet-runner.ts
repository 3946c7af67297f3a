import { basicIngestTopic } from '#shared/domain/iot-names';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '#shared/domain/clock';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { Detection } from '#shared/domain/payloads';
import type { Simulator } from './simulators/simulator.ts';
import { snapshotJpeg } from './simulators/snapshot.ts';
import { type DeviceTls, putSnapshot } from './snapshot-upload.ts';

export interface FleetEvents {
  connected?(thing: string): void;
  /** Connection problems, refusals included (the broker closes a connection that breaks the rules). */
  problem?(thing: string, message: string): void;
  published?(thing: string, kind: DeviceKind, topic: string): void;
}

export interface FleetOptions {
  brokerUrl: string;
  simulators: Simulator[];
  clock: Clock;
  /** Extra MQTT options per device (AWS IoT Core: key, cert, ca for mutual TLS). */
  connectOptions?: (thing: string) => Partial<IClientOptions>;
  events?: FleetEvents;
  tickMs?: number;
  /** Publish own readings to the kind's Basic Ingest topic (`$aws/rules/<rule>/…`): no IoT messaging charge. */
  basicIngest?: boolean;
  /** The deployment stage whose topic rules Basic Ingest names (`dev` by default, as the local twin). */
  stage?: string;
  /**
   * Where cameras put their snapshots: the bucket's address (`<url>/<snapshotKey>`, PUT,
   * with the thing's certificate from `connectOptions`), before the detection naming them
   * is published. Locally the stack's snapshot listener; without it cameras name
   * snapshots they never put.
   */
  snapshotsUrl?: string;
}

export interface Fleet {
  published: Record<DeviceKind, number>;
  stop(): Promise<void>;
}

/**
 * Runs simulated devices as real MQTT clients, one connection each with the thing name as
 * client id, publishing QoS 1 on their own topics as the virtual clock reaches each report.
 */
export async function runFleet(options: FleetOptions): Promise<Fleet> {
  const events = options.events ?? {};
  const published: Record<DeviceKind, number> = { bins: 0, sweepers: 0, cameras: 0 };
  const clients = new Map<string, MqttClient>();
  for (const sim of options.simulators) {
    const thing = sim.device.thing;
    const client = mqtt.connect(options.brokerUrl, {
      clientId: thing,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...options.connectOptions?.(thing),
    });
    client.on('connect', () => events.connected?.(thing));
    client.on('error', (error) => events.problem?.(thing, error.message));
    client.on('offline', () => events.problem?.(thing, 'connection lost; reconnecting'));
    clients.set(thing, client);
  }

  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    try {
      const now = options.clock.now();
      for (const sim of options.simulators) {
        const client = clients.get(sim.device.thing)!;
        if (!client.connected || sim.nextAt > now) continue;
        const emission = sim.emit(now);
        if (!emission) continue;
        const own = emission.topic === undefined || emission.topic === sim.topic;
        const topic = own
          ? options.basicIngest
            ? basicIngestTopic(sim.device.kind, sim.topic, options.stage)
            : sim.topic
          : emission.topic!;
        if (options.snapshotsUrl && sim.device.kind === 'cameras')
          putSnapshots(options.snapshotsUrl, sim, emission.payload);
        const body = typeof emission.payload === 'string' ? emission.payload : JSON.stringify(emission.payload);
        // A publish to a foreign topic goes at QoS 0: the broker refuses it, and it must not be re-sent on reconnect.
        client.publish(topic, body, { qos: own ? 1 : 0 }, (error) => {
          if (error) events.problem?.(sim.device.thing, `publish failed: ${error.message}`);
        });
        published[sim.device.kind]++;
        events.published?.(sim.device.thing, sim.device.kind, topic);
      }
    } finally {
      busy = false;
    }
  };
  const putSnapshots = (url: string, sim: Simulator, payload: unknown) => {
    const detections = (payload as { detections?: Detection[] }).detections ?? [];
    const byKey = new Map<string, Detection[]>();
    for (const d of detections) if (d.snapshotKey) byKey.set(d.snapshotKey, [...(byKey.get(d.snapshotKey) ?? []), d]);
    const tls = (options.connectOptions?.(sim.device.thing) ?? {}) as DeviceTls;
    for (const [key, shown] of byKey)
      putSnapshot(url, key, snapshotJpeg(shown), tls)
        .then((status) => {
          if (status !== 200) events.problem?.(sim.device.thing, `snapshot ${key}: ${status}`);
        })
        .catch((error: Error) => events.problem?.(sim.device.thing, `snapshot ${key}: ${error.message}`));
  };
  const timer = setInterval(tick, options.tickMs ?? 200);

  return {
    published,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => {})));
    },
  };
}
