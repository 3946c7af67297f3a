import { z } from 'zod';
import { districtMap, type DistrictMapDeps } from '#shared/app/district-map';
import { json, parseRequest, type RouteHandler } from './http-router.ts';
import type { OperatorSignIn } from '#shared/app/page-config';
import { OPS_PAGE_SCRIPT, opsPageHtml } from './ops-page.ts';

const MapQuery = z.strictObject({ districtId: z.string().min(1).max(100).optional() });

/** `GET /` (the live ops page, signing operators in where `operatorSignIn` is given), its script and `GET /map` (what it draws). */
export const mapRoutes = (
  deps: DistrictMapDeps & { operatorSignIn?: OperatorSignIn },
): Record<string, RouteHandler> => ({
  'GET /': async () => ({
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: opsPageHtml(deps.operatorSignIn),
  }),
  'GET /ops-page.js': async () => ({
    statusCode: 200,
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' },
    body: OPS_PAGE_SCRIPT,
  }),
  'GET /map': async (event) => {
    const { districtId } = parseRequest(MapQuery, event.queryStringParameters ?? {});
    return json(200, await districtMap(deps, districtId));
  },
});
