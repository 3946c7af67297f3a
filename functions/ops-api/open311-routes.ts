import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  getOpen311Request,
  listOpen311Requests,
  Open311Error,
  Open311PostBody,
  Open311Query,
  postOpen311Request,
  type Open311Deps,
  type Open311WriteDeps,
} from '#shared/app/open311-service';
import { OPEN311_SERVICES } from '#shared/domain/open311';
import { describeIssues } from '#shared/domain/payloads';
import { json, type RouteHandler } from './http-router.ts';
import { RequestRefusedError } from '#shared/app/errors';

/** Open311's error answer: a list of `{ code, description }`. */
const open311Error = (code: 400 | 404, description: string) => json(code, [{ code, description }]);

/** Runs a route, answering its refusals as Open311 errors. */
const open311 =
  (route: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>): RouteHandler =>
  async (event) => {
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof Open311Error) return open311Error(error.status, error.message);
      if (error instanceof RequestRefusedError) return open311Error(400, error.message);
      throw error;
    }
  };

/** The API's own address, as the client reached it (for links to media). */
export function apiBase(event: APIGatewayProxyEventV2): string | undefined {
  const host = event.requestContext?.domainName ?? event.headers?.host;
  if (!host) return undefined;
  return `${event.headers?.['x-forwarded-proto'] ?? 'https'}://${host}`;
}

/** A POST body as GeoReport v2 sends it (form-encoded), or JSON. */
function formOrJson(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  const type = event.headers?.['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new Open311Error(400, 'the body is not JSON');
    }
  }
  const form = new URLSearchParams(raw);
  // One value a field: a repeated one is refused, never settled by taking the first or the last.
  const repeated = [...new Set(form.keys())].find((key) => form.getAll(key).length > 1);
  if (repeated !== undefined) throw new Open311Error(400, `${repeated.slice(0, 40)} is given more than once`);
  return Object.fromEntries(form);
}

/** The path the next page is at: the same query with `page` moved on. */
function nextPageLink(event: APIGatewayProxyEventV2, page: number): string {
  const query = new URLSearchParams({ ...(event.queryStringParameters as Record<string, string>), page: String(page) });
  return `<${event.rawPath || '/open311/v2/requests.json'}?${query}>; rel="next"`;
}

/**
 * GeoReport v2, JSON: `GET /open311/v2/services.json`, `GET /open311/v2/requests.json`,
 * `GET /open311/v2/requests/{id}.json`, and `POST /open311/v2/requests.json` (a citizen's
 * request, taken in as a report). Paging past the 1000
 * requests a page holds: `page` (from 1) and `page_size`; an answer that has more says so in
 * a `Link: <…>; rel="next"` header, and `X-Total-Count` gives the number of requests found.
 */
export const open311Routes = (deps: Open311Deps & Open311WriteDeps): Record<string, RouteHandler> => ({
  'GET /open311/v2/services.json': async () => json(200, OPEN311_SERVICES),
  'GET /open311/v2/requests.json': open311(async (event) => {
    const parsed = Open311Query.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) return open311Error(400, describeIssues(parsed.error));
    const page = await listOpen311Requests(deps, parsed.data, apiBase(event));
    return json(200, page.requests, {
      'x-total-count': String(page.total),
      ...(page.nextPage ? { link: nextPageLink(event, page.nextPage) } : {}),
    });
  }),
  // API Gateway takes a path parameter only as a whole segment: `{id}` is "<case id>.json".
  'GET /open311/v2/requests/{id}': open311(async (event) => {
    const file = event.pathParameters?.id ?? '';
    if (!file.endsWith('.json'))
      return open311Error(404, 'only the JSON format is served: ask for <service_request_id>.json');
    return json(200, [
      await getOpen311Request(deps, decodeURIComponent(file.slice(0, -'.json'.length)), apiBase(event)),
    ]);
  }),
  'POST /open311/v2/requests.json': open311(async (event) => {
    const parsed = Open311PostBody.safeParse(formOrJson(event));
    if (!parsed.success) return open311Error(400, describeIssues(parsed.error));
    return json(201, await postOpen311Request(deps, parsed.data));
  }),
});
