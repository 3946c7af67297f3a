import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Device } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { parseTopic } from '#shared/domain/topics';
import { listen } from './listen.ts';

/** A publish the broker accepted, as the topic rule sees it. */
export interface AcceptedPublish {
  topic: string;
  clientId: string;
  payload: Uint8Array;
  receivedAt: number;
  qos: number;
}

export interface BrokerEvents {
  connected?(thing: string, device: Device): void;
  disconnected?(thing: string): void;
  refused?(what: 'connect' | 'publish' | 'subscribe', clientId: string, reason: string): void;
}

export interface LocalBrokerOptions {
  host?: string;
  port: number;
  /** The registry: only registered things may connect. */
  lookupDevice(thing: string): Promise<Device | undefined>;
  /**
   * Called for each accepted publish before it is acknowledged (a QoS 1 PUBACK goes out
   * only after this resolves), so the message is handed on before the device lets go of it.
   */
  onPublish(publish: AcceptedPublish): Promise<void> | void;
  clock: Clock;
  events?: BrokerEvents;
}

export interface LocalBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type DeviceClient = Client & { device?: Device };

/**
 * The local stand-in for AWS IoT Core, enforcing what the IoT policy states: a thing
 * connects only with its own registered name as client id, publishes only to its own
 * `dt/` topic of its kind, never over 128 KB, and subscribes to nothing.
 * Locally identity is the client id alone (no certificates): fine on 127.0.0.1, and the
 * reason the broker binds nowhere else by default.
 */
export async function startBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const events = options.events ?? {};
  const broker = await Aedes.createBroker({
    authenticate: (client, _username, _password, done) => {
      const thing = client.id;
      options
        .lookupDevice(thing)
        .then((device) => {
          if (!device) {
            events.refused?.('connect', thing, 'not a registered thing');
            const error = new Error(`"${thing}" is not a registered thing`) as AuthenticateError;
            error.returnCode = 2; // identifier rejected
            return done(error, false);
          }
          (client as DeviceClient).device = device;
          done(null, true);
        })
        .catch((error: Error) => {
          events.refused?.('connect', thing, `registry lookup failed: ${error.message}`);
          const refusal = new Error('registry unavailable') as AuthenticateError;
          refusal.returnCode = 3; // server unavailable
          done(refusal, false);
        });
    },
    authorizePublish: (client, packet, done) => {
      const device = (client as DeviceClient | null)?.device;
      const clientId = client?.id ?? '(broker)';
      const refuse = (reason: string) => {
        events.refused?.('publish', clientId, `${reason} (topic ${packet.topic})`);
        done(new Error(reason));
      };
      if (!client || !device) return refuse('not an authenticated thing');
      const topic = parseTopic(packet.topic);
      if (!topic.ok) return refuse(topic.reason);
      if (topic.thing !== client.id) return refuse(`"${client.id}" may publish only to its own topics`);
      if (topic.kind !== device.kind) return refuse(`"${client.id}" is registered as ${device.kind}, not ${topic.kind}`);
      const payload = packet.payload as Buffer;
      if (payload.byteLength > PAYLOAD_LIMITS.maxPayloadBytes) {
        return refuse(`payload of ${payload.byteLength} bytes exceeds ${PAYLOAD_LIMITS.maxPayloadBytes}`);
      }
      Promise.resolve(options.onPublish({ topic: packet.topic, clientId: client.id, payload, receivedAt: options.clock.now(), qos: packet.qos }))
        .then(() => done(null))
        .catch((error: Error) => done(error));
    },
    authorizeSubscribe: (client, subscription, done) => {
      events.refused?.('subscribe', client.id, `devices subscribe to nothing (${subscription.topic})`);
      done(new Error('subscriptions are not allowed'));
    },
  });
  broker.on('clientReady', (client) => {
    const device = (client as DeviceClient).device;
    if (device) events.connected?.(client.id, device);
  });
  broker.on('clientDisconnect', (client) => {
    if ((client as DeviceClient).device) events.disconnected?.(client.id);
  });

  const server: Server = createServer(broker.handle);
  const { host, port } = await listen(server, options.port, options.host);
  return {
    url: `mqtt://${host}:${port}`,
    port,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
