import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '#shared/domain/clock';
import { refusedPublish } from '#shared/domain/telemetry';
import { startBroker, type LocalBroker } from './broker.ts';
import { ensurePki, type LocalPki } from './device-pki.ts';
import { isLoopback, LOCAL_HOST } from './listen.ts';
import type { Piece, Twin } from './pieces.ts';
import type { LocalTables } from './tables.ts';
import type { LocalTelemetryFlows } from './telemetry-flows.ts';

export interface LocalIotCore extends Piece {
  broker: LocalBroker;
  /** The authority and the devices' certificates, when there is a TLS listener. */
  pki?: LocalPki;
}

export interface IotCoreSettings {
  /** Where the listeners bind (default 127.0.0.1). */
  host?: string;
  /** Plain MQTT (the client id alone is the identity): default 1883, on loopback only. */
  mqttPort?: number;
  /**
   * Open plain MQTT (default: when `host` is loopback). Refused on any other address: there
   * a client knowing a thing's name would be that thing.
   */
  plainMqtt?: boolean;
  /**
   * MQTT over TLS with a device certificate from the stack's own authority (`npm start`:
   * 8883). Omitted: no TLS listener.
   */
  mqttTlsPort?: number;
  /**
   * Things the plain listener takes though they hold a certificate from the stack's
   * authority (`all`: every one), for trying things by hand. Default none: a thing with a
   * certificate connects over TLS only.
   */
  plainMqttFor?: 'all' | readonly string[];
  /** Where the authority, the broker's and the devices' certificates are kept (default `<dataDir>/pki`, or a temporary folder). */
  pkiDir?: string;
  clock: Clock;
  /** When a client's message arrived (default: the clock's now): see the broker's option. */
  arrivalOf?(clientId: string): number;
}

/**
 * AWS IoT Core as the devices meet it: the message broker enforcing the devices' IoT
 * policies (`DevicePolicies`); on the TLS listener, a thing's certificate from the twin's
 * own authority (in `pkiDir`, made for the registry's things); plain MQTT, where the client
 * id alone is the identity, on loopback only. Each accepted publish goes to the telemetry
 * flows' topic rules before it is acknowledged; what it refuses is kept with the rejects
 * (`/rejects`; in AWS, IoT Core's logs tell it: docs/devices.md). Health: up, with its URLs.
 */
export async function startIotCore(
  options: IotCoreSettings &
    Pick<Twin, 'folder' | 'model' | 'log' | 'observer'> & {
      tables: LocalTables;
      flows: Pick<LocalTelemetryFlows, 'applyTopicRules'>;
    },
): Promise<LocalIotCore> {
  const { host, log } = options;
  const { stores } = options.tables;
  const loopback = isLoopback(host ?? LOCAL_HOST);
  const plain = options.plainMqtt ?? loopback;
  if (plain && !loopback)
    throw new Error(
      `plain MQTT is for loopback only: on ${host} a client that knows a thing's name would be that thing; ` +
        'devices connect over TLS with their certificates (turn plain MQTT off)',
    );
  if (!plain && options.mqttTlsPort === undefined)
    throw new Error(
      `no MQTT listener: plain MQTT is for loopback only${loopback ? ' and is off' : ` (not ${host})`}; ` +
        'give a TLS port for devices with certificates',
    );
  const pki =
    options.mqttTlsPort === undefined
      ? undefined
      : await ensurePki(
          options.pkiDir ?? join(options.folder, 'pki'),
          (options.model?.devices ?? []).map((d) => d.thing),
          host && !loopback ? [host] : [],
        );
  const broker = await startBroker({
    host,
    port: plain ? (options.mqttPort ?? 1883) : undefined,
    tls: pki && { port: options.mqttTlsPort!, host, key: pki.broker.key, cert: pki.broker.cert, ca: pki.ca },
    lookupDevice: (thing) => stores.registry.getDevice(thing),
    certified: pki?.certified,
    plainMqttFor: options.plainMqttFor,
    onPublish: options.flows.applyTopicRules,
    onRefused: (refusal) =>
      void stores.rejects
        .save([refusedPublish(refusal, `broker-${randomUUID()}`)])
        .then(({ retry, failed }) => {
          if (retry.length || failed.length) throw new Error(failed[0]?.reason ?? 'not written');
        })
        .catch((error: Error) =>
          log.warn('a refused publish could not be kept', { error: error.message, topic: refusal.topic }),
        ),
    clock: options.clock,
    arrivalOf: options.arrivalOf,
    events: options.observer.broker,
  });
  return {
    broker,
    pki,
    health: () => ({
      up: true,
      ...(broker.url ? { mqtt: broker.url } : {}),
      ...(broker.tlsUrl ? { mqtts: broker.tlsUrl } : {}),
    }),
    stop: () => broker.stop(),
  };
}
