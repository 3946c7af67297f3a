import { z } from 'zod';
import { districtMap, type DistrictMapDeps } from '#shared/app/district-map';
import { json, parseRequest, type RouteHandler } from './http-router.ts';

const MapQuery = z.strictObject({ districtId: z.string().min(1).max(100).optional() });

/**
 * `GET /`, which leads to the district's map (`/app/ops.html`, a page of `web/` served by
 * the app routes), its query kept (`?lang=en`, `?districtId=`), and `GET /map`, what that
 * page and the others draw.
 */
export const mapRoutes = (deps: DistrictMapDeps): Record<string, RouteHandler> => ({
  'GET /': async (event) => ({
    statusCode: 302,
    headers: {
      location: `/app/ops.html${event.rawQueryString ? `?${event.rawQueryString}` : ''}`,
      'cache-control': 'no-store',
    },
    body: '',
  }),
  'GET /map': async (event) => {
    const { districtId } = parseRequest(MapQuery, event.queryStringParameters ?? {});
    return json(200, await districtMap(deps, districtId));
  },
});
