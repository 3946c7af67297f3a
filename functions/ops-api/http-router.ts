import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { RequestRefusedError } from '#shared/app/errors';
import { type Names, WordedError } from '#shared/domain/labels';
import { describeIssues } from '#shared/domain/payloads';
import { API_HEADERS, pageHeadersFor } from './security-headers.ts';

/** A refusal with its status and code; its words in English, and in Chinese where people read them (`localMessage`). */
export class HttpError extends WordedError {
  constructor(
    readonly status: number,
    readonly code: string,
    words: Names | string,
  ) {
    super(words);
  }
}

/** A refusal's answer: `{ error, message, localMessage? }`. */
const refusal = (status: number, code: string, error: WordedError) =>
  json(status, {
    error: code,
    message: error.message,
    ...(error.localMessage === undefined ? {} : { localMessage: error.localMessage }),
  });

export const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The longest path or query parameter taken, in UTF-8 bytes: every one may end up in a
 * DynamoDB key (at most 2,048 bytes for a partition key, 1,024 for a sort key), and no id
 * here comes near it.
 */
export const MAX_PARAMETER_BYTES = 512;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A parameter too long for any id, or not text (a lone surrogate), as a 400 before a store sees it. */
function refuseParameters(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 | undefined {
  const given = [
    ...Object.entries(event.pathParameters ?? {}).map(([name, value]) => ['path', name, value] as const),
    ...Object.entries(event.queryStringParameters ?? {}).map(([name, value]) => ['query', name, value] as const),
  ];
  for (const [where, name, value] of given) {
    if (value === undefined) continue;
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_PARAMETER_BYTES)
      return json(400, {
        error: 'bad_request',
        message: `${where} parameter ${JSON.stringify(name.slice(0, 40))} is ${bytes} bytes; at most ${MAX_PARAMETER_BYTES}`,
      });
    if (LONE_SURROGATE.test(value))
      return json(400, {
        error: 'bad_request',
        message: `${where} parameter ${JSON.stringify(name.slice(0, 40))} is not well-formed text`,
      });
  }
  return undefined;
}

/**
 * An HTTP API function: routes by API Gateway's `routeKey` ("GET /devices/{thing}"),
 * refuses over-long or ill-formed parameters, maps {@link HttpError} to its status, a
 * {@link RequestRefusedError} to 400, and anything else to a 500 that hides internals.
 */
export function httpApi(
  routes: Record<string, RouteHandler>,
  onError: (error: unknown) => void,
  options: { signInDomain?: string } = {},
) {
  const pageHeaders = pageHeadersFor(options.signInDomain);
  // Every answer carries the hardening headers: a page's policy for HTML, the API's for the rest.
  const hardened = (result: APIGatewayProxyStructuredResultV2): APIGatewayProxyStructuredResultV2 => {
    const type = String(result.headers?.['content-type'] ?? '');
    return { ...result, headers: { ...(type.startsWith('text/html') ? pageHeaders : API_HEADERS), ...result.headers } };
  };
  const answer = routeTo(routes, onError);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    hardened(await answer(event));
}

function routeTo(routes: Record<string, RouteHandler>, onError: (error: unknown) => void) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: 'not_found', message: `no route ${event.routeKey}` });
    const refused = refuseParameters(event);
    if (refused) return refused;
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof HttpError) return refusal(error.status, error.code, error);
      if (error instanceof RequestRefusedError) return refusal(400, 'bad_request', error);
      onError(error);
      return json(500, { error: 'internal', message: 'the request failed; the error is in the function log' });
    }
  };
}

/** Parses request input with a schema, or answers 400 with the reasons. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    // Checks people meet in a page carry their Chinese (a refinement's `params.zh`): given when every issue has it.
    const zh = result.error.issues.map((issue) => (issue as { params?: { zh?: string } }).params?.zh);
    const en = describeIssues(result.error);
    throw new HttpError(400, 'bad_request', zh.every(Boolean) ? { en, zh: zh.join('；') } : en);
  }
  return result.data;
}

/** The JSON body of a request, or a 400 that says what is expected. */
export function jsonBody(event: APIGatewayProxyEventV2, expected: string): unknown {
  try {
    return JSON.parse(
      event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? ''),
    );
  } catch {
    throw new HttpError(400, 'bad_request', `the body must be JSON: ${expected}`);
  }
}
