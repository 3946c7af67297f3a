import { describeDevice, listDevices, type RegistryReader, type StateReader } from '#shared/app/device-queries';
import { InvalidPageTokenError, type Log } from '#shared/app/ports';
import type { Clock } from '#shared/domain/clock';
import { DEVICE_KINDS, isDeviceKind } from '#shared/domain/device-kinds';
import { isThingName } from '#shared/domain/topics';
import { HttpError, httpApi, json } from '#shared/adapters/http-api';
import { lazyHandler, lambdaDeps } from '#shared/adapters/lambda-runtime';

export interface OpsApiDeps {
  registry: RegistryReader;
  telemetry: StateReader;
  clock: Clock;
  log: Log;
}

/** The ops API: one handler for API Gateway HTTP API and the local server. */
export const makeHandler = (deps: OpsApiDeps) =>
  httpApi(
    {
      'GET /health': async () => json(200, { now: deps.clock.now() }),
      'GET /devices': async (event) => {
        const q = event.queryStringParameters ?? {};
        if (q.kind !== undefined && !isDeviceKind(q.kind)) {
          throw new HttpError(400, 'bad_request', `kind must be one of ${DEVICE_KINDS.join(', ')}`);
        }
        const limit = q.limit === undefined ? 100 : Number(q.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'bad_request', 'limit must be an integer from 1 to 500');
        try {
          return json(200, await listDevices(deps, { kind: q.kind, districtId: q.districtId, limit, nextToken: q.nextToken }));
        } catch (error) {
          if (error instanceof InvalidPageTokenError) throw new HttpError(400, 'bad_request', error.message);
          throw error;
        }
      },
      'GET /devices/{thing}': async (event) => {
        const thing = event.pathParameters?.thing ?? '';
        if (!isThingName(thing)) throw new HttpError(400, 'bad_request', `"${thing}" is not a valid thing name`);
        const view = await describeDevice(deps, thing);
        if (!view) throw new HttpError(404, 'not_found', `no device "${thing}" in the registry`);
        return json(200, view);
      },
    },
    (error) => deps.log.error('ops API request failed', { error: error instanceof Error ? error.stack : String(error) }),
  );

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
