import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InvalidPageTokenError } from '#shared/app/ports';

/** A client error with an HTTP status and a stable error code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const json = (status: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * An HTTP API function: routes by API Gateway's `routeKey` ("GET /devices/{thing}"),
 * maps {@link HttpError} to its status and anything else to a 500 that hides internals.
 */
export function httpApi(routes: Record<string, RouteHandler>, onError: (error: unknown) => void) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: 'not_found', message: `no route ${event.routeKey}` });
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof HttpError) return json(error.status, { error: error.code, message: error.message });
      if (error instanceof InvalidPageTokenError) return json(400, { error: 'bad_request', message: error.message });
      onError(error);
      return json(500, { error: 'internal', message: 'the request failed; the error is in the function log' });
    }
  };
}
