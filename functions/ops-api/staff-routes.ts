import type { RouteHandler } from './http-router.ts';

/**
 * The pages people work in (the workbench, the field app, the command screen) call the
 * API with a person's sign-in token. Most routes take IAM-signed requests from city
 * systems, and an API Gateway route has one authorizer, so the routes the pages need have
 * a second address under `/staff`, checked against the operators' user pool: the same
 * handler, the same answers. (`GET /map` and `POST /cases/{caseId}/transitions` take a
 * person's token already.)
 */
export const STAFF_PREFIX = '/staff';

export const STAFF_ROUTE_KEYS = [
  'GET /cases',
  'GET /cases/{caseId}',
  'POST /cases/reports',
  'POST /media',
  'GET /media/{mediaId}',
  'GET /assessment',
  'GET /tickets',
  'GET /tickets/{ticketId}',
] as const;

/** A route key's staff address: `GET /cases` → `GET /staff/cases`. */
export const staffKey = (routeKey: string): string => routeKey.replace(' /', ` ${STAFF_PREFIX}/`);

/** The routes with their staff addresses beside them. */
export function withStaffAddresses(routes: Record<string, RouteHandler>): Record<string, RouteHandler> {
  const staff = STAFF_ROUTE_KEYS.map((key) => {
    const route = routes[key];
    if (!route) throw new Error(`no route ${key} for its staff address`);
    return [staffKey(key), route] as const;
  });
  return { ...routes, ...Object.fromEntries(staff) };
}
