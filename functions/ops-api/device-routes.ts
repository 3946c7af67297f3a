import { z } from 'zod';
import { describeDevice, listDevices, type RegistryReader, type StateReader } from '#shared/app/device-queries';
import { DEVICE_KINDS } from '#shared/domain/device-kinds';
import { isThingName } from '#shared/domain/topics';
import { HttpError, json, parseRequest, type RouteHandler } from './http-router.ts';
import { wholeParam } from '#shared/app/request-params';

const DeviceQuery = z.strictObject({
  kind: z.enum(DEVICE_KINDS).optional(),
  districtId: z.string().min(1).max(100).optional(),
  limit: wholeParam('limit', z.number().min(1).max(500)).default(100),
  nextToken: z.string().max(2000).optional(),
});

/** `GET /devices`, `GET /devices/{thing}`. */
export const deviceRoutes = (deps: {
  registry: RegistryReader;
  telemetry: StateReader;
}): Record<string, RouteHandler> => ({
  'GET /devices': async (event) =>
    json(200, await listDevices(deps, parseRequest(DeviceQuery, event.queryStringParameters ?? {}))),
  'GET /devices/{thing}': async (event) => {
    const thing = event.pathParameters?.thing ?? '';
    if (!isThingName(thing)) throw new HttpError(400, 'bad_request', `"${thing}" is not a valid thing name`);
    const view = await describeDevice(deps, thing);
    if (!view) throw new HttpError(404, 'not_found', `no device "${thing}" in the registry`);
    return json(200, view);
  },
});
