import type { ApiRoute } from '#infra/topology';
import { startApiServer } from './api-server.ts';
import type { LocalBuckets } from './buckets.ts';
import type { LocalFunctions } from './cityops-functions.ts';
import type { LocalIotCore } from './iot-core.ts';
import type { LocalOperatorSignIn } from './operator-sign-in.ts';
import type { Piece, Twin } from './pieces.ts';

export interface LocalOpsApi extends Piece {
  url: string;
  /** Where cameras PUT their snapshots with their certificates, when there is an authority. */
  snapshotsUrl?: string;
}

export interface OpsApiSettings {
  /** Where the API listens (default 127.0.0.1). */
  host?: string;
  /** Default 3000 (0: a free port). */
  apiPort?: number;
  /**
   * The cameras' snapshot listener (mutual TLS with their certificates), when the stack has
   * a device authority (a TLS port); default a free port.
   */
  snapshotsPort?: number;
}

/**
 * The ops API (`OpsApi`: API Gateway HTTP API) with the topology's routes, on `host`
 * (loopback by default), with the user pool's token and key routes and the media bucket's
 * upload URLs; `GET /health` answers the twin's own `health` (each piece, 503 when one is
 * down). With the devices' authority, the cameras' snapshot listener beside it
 * (`CameraSnapshots`: mutual TLS with their certificates, on `snapshotsPort`, default a
 * free port).
 */
export async function startOpsApi(
  routes: readonly ApiRoute[],
  options: OpsApiSettings &
    Pick<Twin, 'clock' | 'log'> & {
      functions: LocalFunctions;
      buckets: LocalBuckets;
      operators: LocalOperatorSignIn;
      iot: Pick<LocalIotCore, 'pki'>;
      /** The twin's own `GET /health`. */
      health: () => Promise<{ status: number; body: unknown }>;
    },
): Promise<LocalOpsApi> {
  const { pki } = options.iot;
  const api = await startApiServer({
    host: options.host,
    port: options.apiPort ?? 3000,
    routes,
    handlers: options.functions.handlers as never,
    health: options.health,
    media: { store: options.buckets.media, clock: options.clock },
    signIn: options.operators.signIn,
    log: options.log,
    snapshots: pki && { port: options.snapshotsPort ?? 0, key: pki.broker.key, cert: pki.broker.cert, ca: pki.ca },
  });
  return { url: api.url, snapshotsUrl: api.snapshotsUrl, health: () => ({ up: true }), stop: () => api.stop() };
}
