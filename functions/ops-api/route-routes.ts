import { z } from 'zod';
import { describeRoute, listRoutes, routeCoverageOn, type RouteQueryDeps } from '#shared/app/route-queries';
import { HttpError, json, parseRequest, type RouteHandler } from './http-router.ts';

const RouteListQuery = z.strictObject({
  districtId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
    .optional(),
});
const CoverageQuery = z.strictObject({
  date: z.iso.date({ error: 'date is a local date, YYYY-MM-DD' }),
});
const routeIdOf = (value: string | undefined) => {
  const id = value ?? '';
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id))
    throw new HttpError(400, 'bad_request', 'a route id is lowercase letters, digits and dashes');
  return id;
};

/** `GET /routes`, `GET /routes/{routeId}` (segments as GeoJSON), `GET /routes/{routeId}/coverage?date=`. */
export const routeRoutes = (deps: RouteQueryDeps): Record<string, RouteHandler> => ({
  'GET /routes': async (event) => {
    const { districtId } = parseRequest(RouteListQuery, event.queryStringParameters ?? {});
    return json(200, { routes: await listRoutes(deps, districtId) });
  },
  'GET /routes/{routeId}': async (event) => {
    const routeId = routeIdOf(event.pathParameters?.routeId);
    const route = await describeRoute(deps, routeId);
    if (!route) throw new HttpError(404, 'not_found', `no sweeping route "${routeId}"`);
    return json(200, route);
  },
  'GET /routes/{routeId}/coverage': async (event) => {
    const routeId = routeIdOf(event.pathParameters?.routeId);
    const { date } = parseRequest(CoverageQuery, event.queryStringParameters ?? {});
    const coverage = await routeCoverageOn(deps, routeId, date);
    if (!coverage) throw new HttpError(404, 'not_found', `no sweeping route "${routeId}"`);
    return json(200, coverage);
  },
});
