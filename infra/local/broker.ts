import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Device } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { PAYLOAD_LIMITS } from '#shared/domain/payloads';
import { isThingName, parseTopic } from '#shared/domain/topics';
import type { RejectCode } from '#shared/domain/telemetry';
import { parseBasicIngest, telemetryRuleName } from '#shared/domain/iot-names';
import { listen } from './listen.ts';

/**
 * A publish the broker refused, or dropped unacknowledged for its rate: what AWS IoT Core
 * tells in its logs (Publish-In, status Failure). The local stack keeps each at `/rejects`.
 */
export interface RefusedPublish {
  code: Extract<RejectCode, 'not_authorized' | 'bad_topic' | 'identity_mismatch' | 'oversized' | 'throttled'>;
  reason: string;
  clientId: string;
  topic: string;
  /** The whole payload (of the first, for publishes dropped together). */
  payload: Uint8Array;
  receivedAt: number;
}

/** A publish the broker accepted, as the topic rule sees it. */
export interface AcceptedPublish {
  /** The topic as the rules see it (for Basic Ingest, without the `$aws/rules/<rule>/` prefix). */
  topic: string;
  /** Set for a Basic Ingest publish: the one rule it goes to. */
  rule?: string;
  clientId: string;
  payload: Uint8Array;
  receivedAt: number;
  qos: number;
}

export interface BrokerEvents {
  connected?(thing: string, device: Device): void;
  disconnected?(thing: string): void;
  refused?(what: 'connect' | 'publish' | 'subscribe', clientId: string, reason: string): void;
  /** A publish over the connection's rate was held back this long. */
  throttled?(thing: string, delayMs: number): void;
  /**
   * Publishes held back by pacing whose connection closed before their turn: dropped, not
   * acknowledged (a QoS 1 device sends them again when it reconnects).
   */
  dropped?(thing: string, count: number, reason: string): void;
  /** A second connection took a connected thing's client id: the first is closed. */
  takeover?(thing: string, previous: string, next: string): void;
}

/** AWS IoT Core's limit: publishes per second per connection. */
export const PUBLISH_RATE = { perSecond: 100, burst: 100 };

/**
 * How many QoS 0 publishes over the rate a connection may have waiting for their turn (10 s
 * of the rate, and at most 16 MiB): more are dropped, as AWS IoT Core drops a throttled
 * publish. They wait in the broker, not in the socket, so the connection's end is seen at
 * once and ends them; a QoS 1 or 2 publish waits in the socket (backpressure) instead, and
 * its acknowledgements tell the broker when the device is gone.
 */
export const QOS0_HOLD = { publishes: 1_000, bytes: 16 * 1024 * 1024 };

/**
 * Holds a connection to `perSecond` publishes (after a burst of `burst`), by the generic
 * cell rate algorithm: the returned delay is how long this publish must wait. The broker
 * waits before handling the publish, and reads nothing more from that connection
 * meanwhile, so a flooding client is slowed down by TCP backpressure while every other
 * connection goes on. (Ten lines, so no rate-limiter library.)
 */
export function publishPacer(rate = PUBLISH_RATE, now: () => number = Date.now) {
  const interval = 1000 / rate.perSecond;
  const tolerance = (rate.burst - 1) * interval;
  let theoreticalArrival = 0;
  return (): number => {
    const t = now();
    const tat = Math.max(theoreticalArrival, t);
    const delay = Math.max(0, tat - tolerance - t);
    theoreticalArrival = tat + interval;
    return delay;
  };
}

export interface LocalBrokerOptions {
  /** Where the plain MQTT listener binds (loopback unless told otherwise). */
  host?: string;
  /** Plain MQTT, with no client certificates: the client id alone is the identity. Omitted: none. */
  port?: number;
  /**
   * MQTT over TLS that requires a client certificate from `ca` whose subject's common name
   * is the client id, as AWS IoT Core does with a thing's certificate.
   */
  tls?: { port: number; host?: string; key: string; cert: string; ca: string };
  /** The registry: only registered things may connect. */
  lookupDevice(thing: string): Promise<Device | undefined>;
  /**
   * Whether a thing holds a certificate from the stack's authority. Such a thing is its
   * certificate: the plain listener, where the client id alone would be the identity,
   * refuses its client id (unless `plainMqttFor` names it), so nobody can take it over there.
   */
  certified?(thing: string): boolean;
  /** Things the plain listener takes though they hold a certificate (`all`: every one), for trying things by hand. */
  plainMqttFor?: 'all' | readonly string[];
  /**
   * Called for each accepted publish before it is acknowledged (a QoS 1 PUBACK goes out
   * only after this resolves), so the message is handed on before the device lets go of it.
   */
  onPublish(publish: AcceptedPublish): Promise<void> | void;
  clock: Clock;
  /**
   * When a client's message arrived (default: the clock's now). The ingest bench dates a
   * sensor's messages a report interval apart, as they arrive in the field, though it sends
   * them seconds apart.
   */
  arrivalOf?(clientId: string): number;
  events?: BrokerEvents;
  /** Each publish refused (or dropped for its rate, told once a burst): the stack keeps them at `/rejects`. */
  onRefused?(refusal: RefusedPublish): void;
  /** Publishes per second per connection (default {@link PUBLISH_RATE}, as AWS IoT Core). */
  publishRate?: { perSecond: number; burst: number };
}

export interface LocalBroker {
  /** The plain listener, if any. */
  url?: string;
  port?: number;
  /** The TLS listener, if any. */
  tlsUrl?: string;
  tlsPort?: number;
  stop(): Promise<void>;
}

/** A publish waiting for its turn: ended with its connection (a QoS 1 or 2 one is answered with an error). */
interface Held {
  timer: NodeJS.Timeout;
  bytes: number;
  sample: { topic: string; payload: Uint8Array };
  /** Set for a QoS 1 or 2 publish: aedes's callback, which acknowledges it. */
  done?: (error: Error | null) => void;
}

type DeviceClient = Client & { device?: Device; pace?: () => number; held?: Set<Held> };

/**
 * The local stand-in for AWS IoT Core, enforcing what the IoT policy states: a thing
 * connects only with its own registered name as client id, publishes only to its own
 * `dt/` topic of its kind (or that topic under its kind's Basic Ingest rule), never over
 * 128 KB, at most 100 publishes a second, and subscribes to nothing.
 * On the TLS listener a device proves its identity with its certificate (its subject names
 * the thing, which must be the client id); on the plain listener the client id alone is the
 * identity, which is why the stack opens that one on loopback only, and takes there no thing
 * that holds a certificate unless told to. A second connection with a connected thing's
 * client id takes it over, as in AWS IoT Core (the newer wins), and is told as a takeover.
 */
export async function startBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const events = options.events ?? {};
  /** Connected things, by how they connected (for telling a takeover). */
  const connected = new Map<string, string>();
  /**
   * QoS 2 exactly once: a PUBLISH whose packet id is in flight (no PUBREL yet) from the same
   * connection is a retransmission. Marked as packets are read off the wire, in order, so a
   * copy in the same buffer or in another is caught alike; aedes answers it with PUBREC, and
   * it is not routed again.
   */
  const retransmissions = new WeakSet<object>();
  /** What is read of a packet off the wire here (mqtt-packet's shape). */
  type Packet = { cmd: string; qos?: number; messageId?: number };
  const watchQos2 = (client: Client) => {
    const inFlight = new Set<number>();
    const parser = (
      client as unknown as { _parser?: { prependListener(event: 'packet', listener: (p: Packet) => void): void } }
    )._parser;
    // Before aedes's own listener, which handles the packet (and calls authorizePublish) at once.
    parser?.prependListener('packet', (packet) => {
      if (packet.cmd === 'publish' && packet.qos === 2 && packet.messageId !== undefined) {
        if (inFlight.has(packet.messageId)) retransmissions.add(packet);
        else inFlight.add(packet.messageId);
      } else if (packet.cmd === 'pubrel' && packet.messageId !== undefined) inFlight.delete(packet.messageId);
    });
  };
  const plainAllowed = (thing: string) =>
    options.plainMqttFor === 'all' || (options.plainMqttFor ?? []).includes(thing);
  /** Publishes dropped for their rate, per thing and reason, told (and kept, with the first one's payload) once the burst is over. */
  const drops = new Map<string, { count: number; sample: { topic: string; payload: Uint8Array }; at: number }>();
  const CLOSED = 'its connection closed while they waited for their turn (over 100 publishes/s); not acknowledged';
  const waiting = `${QOS0_HOLD.publishes} (or ${QOS0_HOLD.bytes / 1024 / 1024} MiB)`;
  const FULL = `QoS 0 over 100 publishes/s with ${waiting} already waiting: dropped, as AWS IoT Core drops a throttled publish`;
  const dropLater = (thing: string, sample: { topic: string; payload: Uint8Array }, reason: string, count = 1) => {
    const key = `${thing}\u0000${reason}`;
    const known = drops.get(key);
    if (known) return void (known.count += count);
    drops.set(key, { count, sample, at: options.clock.now() });
    setTimeout(() => {
      const { count: n, sample: first, at } = drops.get(key)!;
      drops.delete(key);
      events.dropped?.(thing, n, reason);
      options.onRefused?.({
        code: 'throttled',
        reason: `${n} publish${n === 1 ? '' : 'es'} dropped: ${reason}`,
        clientId: thing,
        topic: first.topic,
        payload: first.payload,
        receivedAt: at,
      });
    }, 500);
  };
  /** A connection's end ends what it has waiting: dropped unacknowledged, at once. */
  const endHeld = (client: DeviceClient) => {
    const held = client.held;
    if (!held?.size) return;
    for (const h of held) {
      clearTimeout(h.timer);
      h.done?.(new Error('connection closed before its turn'));
    }
    dropLater(client.id, [...held][0]!.sample, CLOSED, held.size);
    held.clear();
  };
  const broker = await Aedes.createBroker({
    preConnect: (client, _packet, done) => {
      watchQos2(client);
      client.conn.once('close', () => endHeld(client as DeviceClient));
      done(null, true);
    },
    authenticate: (client, _username, _password, done) => {
      const thing = client.id;
      const socket = (client as unknown as { conn?: Partial<TLSSocket> }).conn;
      if (typeof socket?.getPeerCertificate === 'function') {
        const named = socket.getPeerCertificate()?.subject?.CN;
        const reason = !socket.authorized
          ? 'no client certificate from the stack’s authority'
          : named !== thing
            ? `its certificate names ${JSON.stringify(named ?? '')}, not the client id`
            : undefined;
        if (reason) {
          events.refused?.('connect', thing, reason);
          const error = new Error(reason) as AuthenticateError;
          error.returnCode = 5; // not authorized
          return done(error, false);
        }
      }
      // Not a thing name at all (AWS IoT's are 1–128 of letters, digits, `:_-`): no registry read.
      if (!isThingName(thing)) {
        events.refused?.('connect', thing, 'not a thing name (1–128 of letters, digits, ":", "_", "-")');
        const error = new Error('not a thing name') as AuthenticateError;
        error.returnCode = 2; // identifier rejected
        return done(error, false);
      }
      // On the plain listener a thing with a certificate is refused: it is its certificate, which only TLS shows.
      const plain = typeof socket?.getPeerCertificate !== 'function';
      if (plain && options.certified?.(thing) && !plainAllowed(thing)) {
        const reason =
          'it holds a certificate from the stack’s authority, so it connects over TLS only ' +
          '(--plain-mqtt-for lets the plain listener take it)';
        events.refused?.('connect', thing, reason);
        const error = new Error(reason) as AuthenticateError;
        error.returnCode = 5; // not authorized
        return done(error, false);
      }
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
          (client as DeviceClient).pace = publishPacer(options.publishRate);
          const previous = connected.get(thing);
          if (previous) events.takeover?.(thing, previous, describe(client));
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
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload ?? '');
      // Refused, told in the log and kept (at /rejects); aedes closes the connection, as AWS IoT Core does.
      const refuse = (code: RefusedPublish['code'], reason: string) => {
        events.refused?.('publish', clientId, `${reason} (topic ${packet.topic})`);
        options.onRefused?.({ code, reason, clientId, topic: packet.topic, payload, receivedAt: options.clock.now() });
        done(new Error(reason));
      };
      if (!client || !device) return refuse('not_authorized', 'not an authenticated thing');
      // Basic Ingest: straight to the kind's rule, as the IoT policy allows (`$aws/rules/<rule>/<own topic>`).
      const ingest = parseBasicIngest(packet.topic);
      if (ingest && ingest.rule !== telemetryRuleName(device.kind)) {
        return refuse(
          'not_authorized',
          `"${client.id}" may use Basic Ingest only for rule ${telemetryRuleName(device.kind)}`,
        );
      }
      const topicName = ingest ? ingest.topic : packet.topic;
      const topic = parseTopic(topicName);
      if (!topic.ok) return refuse('bad_topic', topic.reason);
      if (topic.thing !== client.id)
        return refuse('identity_mismatch', `"${client.id}" may publish only to its own topics`);
      if (topic.kind !== device.kind)
        return refuse('not_authorized', `"${client.id}" is registered as ${device.kind}, not ${topic.kind}`);
      if (payload.byteLength > PAYLOAD_LIMITS.maxPayloadBytes) {
        return refuse('oversized', `payload of ${payload.byteLength} bytes exceeds ${PAYLOAD_LIMITS.maxPayloadBytes}`);
      }
      // A QoS 2 retransmission: acknowledged (PUBREC) as the first copy was, never routed twice.
      if (retransmissions.has(packet)) return done(null);
      const applyRules = () =>
        Promise.resolve(
          options.onPublish({
            topic: topicName,
            ...(ingest ? { rule: ingest.rule } : {}),
            clientId: client.id,
            payload,
            receivedAt: options.arrivalOf?.(client.id) ?? options.clock.now(),
            qos: packet.qos,
          }),
        );
      const accept = () =>
        applyRules()
          .then(() => done(null))
          .catch((error: Error) => done(error));
      const held = ((client as DeviceClient).held ??= new Set());
      const sample = { topic: packet.topic, payload };
      if (packet.qos === 0) {
        let bytes = 0;
        for (const h of held) bytes += h.bytes;
        if (held.size >= QOS0_HOLD.publishes || bytes + payload.byteLength > QOS0_HOLD.bytes) {
          dropLater(client.id, sample, FULL);
          return done(null); // nothing to acknowledge at QoS 0: dropped
        }
      }
      const delay = (client as DeviceClient).pace?.() ?? 0;
      if (delay === 0) return void accept();
      events.throttled?.(client.id, delay);
      // A backlog ends with its connection: what waits for its turn is dropped unacknowledged (endHeld).
      if (packet.qos === 0) {
        // Held here and read on at once: the socket keeps nothing that would hide the connection's end.
        const h: Held = {
          bytes: payload.byteLength,
          sample,
          timer: setTimeout(() => {
            held.delete(h);
            if (isClosed(client)) return dropLater(client.id, sample, CLOSED);
            applyRules().catch((error: Error) => {
              events.refused?.('publish', client.id, `not routed: ${error.message} (topic ${packet.topic})`);
              client.conn.destroy();
            });
          }, delay),
        };
        held.add(h);
        return done(null);
      }
      const h: Held = {
        bytes: payload.byteLength,
        sample,
        done,
        timer: setTimeout(() => {
          held.delete(h);
          if (!isClosed(client)) return void accept();
          dropLater(client.id, sample, CLOSED);
          done(new Error('connection closed before its turn'));
        }, delay),
      };
      held.add(h);
    },
    authorizeSubscribe: (client, subscription, done) => {
      events.refused?.('subscribe', client.id, `devices subscribe to nothing (${subscription.topic})`);
      done(new Error('subscriptions are not allowed'));
    },
  });
  broker.on('clientReady', (client) => {
    const device = (client as DeviceClient).device;
    if (!device) return;
    connected.set(client.id, describe(client));
    events.connected?.(client.id, device);
  });
  broker.on('clientDisconnect', (client) => {
    endHeld(client as DeviceClient);
    if (connected.get(client.id) === describe(client)) connected.delete(client.id);
    if ((client as DeviceClient).device) events.disconnected?.(client.id);
  });

  const servers: Server[] = [];
  const listening: Partial<LocalBroker> = {};
  if (options.port !== undefined) {
    const server: Server = createServer(broker.handle);
    const { host, port } = await listen(server, options.port, options.host);
    servers.push(server);
    Object.assign(listening, { url: `mqtt://${host}:${port}`, port });
  }
  if (options.tls) {
    const { key, cert, ca } = options.tls;
    const server = createTlsServer({ key, cert, ca, requestCert: true, rejectUnauthorized: true }, broker.handle);
    server.on('tlsClientError', (error, socket) =>
      events.refused?.('connect', `${socket.remoteAddress}:${socket.remotePort}`, `TLS: ${error.message}`),
    );
    const { host, port } = await listen(server, options.tls.port, options.tls.host);
    servers.push(server);
    Object.assign(listening, { tlsUrl: `mqtts://${host}:${port}`, tlsPort: port });
  }
  return {
    ...listening,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

/** Whether aedes has closed the client's connection (a turn that comes after it is not taken). */
const isClosed = (client: Client) => Boolean((client as unknown as { closed?: boolean }).closed);

/** A connection as the log names it: its remote address and port, and TLS or not. */
function describe(client: Client): string {
  const conn = (client as unknown as { conn?: { remoteAddress?: string; remotePort?: number; encrypted?: boolean } })
    .conn;
  return `${conn?.encrypted ? 'mqtts' : 'mqtt'}://${conn?.remoteAddress ?? '?'}:${conn?.remotePort ?? '?'}`;
}
