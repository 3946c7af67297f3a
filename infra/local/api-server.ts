import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiRoute } from '#infra/topology';
import { listen } from './listen.ts';
import type { Clock } from '#shared/domain/clock';
import type { Log } from '#shared/app/ports/observability';
import { mediaFileName, snapshotMediaId, type StoredMedia } from '#shared/domain/media';
import { SignInError } from '#shared/app/ports/identity';
import { type LocalSignIn, SignInBody } from './sign-in.ts';
import { API_HEADERS } from '#functions/ops-api/security-headers';
import { SignInThrottledError } from './sign-in-throttle.ts';
import { type FolderMediaStore, UploadRefusedError } from '../../shared/adapters/media-store/folder.ts';

type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Matches a path against the topology's templates; returns the route key and path parameters. */
export function matchApiRoute(routes: readonly ApiRoute[], method: string, path: string) {
  const parts = path.split('/').filter(Boolean);
  let methodMismatch = false;
  for (const route of routes) {
    let template = route.path.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    // A greedy `{name+}` last takes the rest of the path (one part or more), as API Gateway's does.
    const greedy = /^\{(\w+)\+\}$/.exec(template.at(-1) ?? '');
    if (greedy) {
      if (parts.length < template.length) continue;
      try {
        params[greedy[1]!] = parts
          .slice(template.length - 1)
          .map(decodeURIComponent)
          .join('/');
      } catch {
        continue;
      }
      template = template.slice(0, -1);
    } else if (template.length !== parts.length) continue;
    const fits = template.every((t, i) => {
      const m = /^\{(\w+)\}$/.exec(t);
      if (m) {
        try {
          params[m[1]!] = decodeURIComponent(parts[i]!);
        } catch {
          return false;
        }
        return true;
      }
      return t === parts[i];
    });
    if (!fits) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    return { route, routeKey: `${route.method} ${route.path}`, pathParameters: params };
  }
  return { methodMismatch };
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The local gateway's own answers carry the API's hardening headers too. */
const JSON_HEADERS = { ...API_HEADERS, 'content-type': 'application/json; charset=utf-8' };

/**
 * Answers a request once: a response already started (a download the client broke off,
 * say) is ended, never answered a second time.
 */
function answer(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
}

/** Whether a request failed because its client closed the connection (an aborted upload or download). */
function clientWentAway(req: IncomingMessage, res: ServerResponse, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    (req.destroyed && !req.complete) ||
    (res.destroyed && !res.writableFinished)
  );
}

/**
 * The local stand-in for API Gateway HTTP API: turns a request into the payload-format-2.0
 * event the function receives in AWS, and its result back into a response.
 */
export async function startApiServer(options: {
  host?: string;
  port: number;
  routes: readonly ApiRoute[];
  handlers: Record<string, ApiHandler>;
  /** Answers `GET /health` instead of the function: the local stack reports each of its parts. */
  health?: () => Promise<{ status: number; body: unknown }>;
  /**
   * The media bucket's stand-in: `PUT /bucket/media/<id>?token=` takes an upload, `GET
   * /bucket/media/<id>` serves it; `PUT` and `GET /bucket/snapshots/<thing>/<file>`: a
   * camera's snapshot (locally on loopback, as every local route; in AWS the camera's own
   * credentials, see docs/intake.md).
   */
  media?: { store: FolderMediaStore; clock: Clock };
  /** The user pool's stand-in: `POST /auth/token` and `GET /auth/jwks.json`. */
  signIn?: LocalSignIn;
  /** Where a request that failed is told, with its request id. */
  log?: Log;
  /**
   * The cameras' listener for their snapshots (`PUT /bucket/snapshots/<thing>/<file>`):
   * mutual TLS, a client certificate from `ca` naming the folder's thing. Without it no
   * snapshot can be put.
   */
  snapshots?: { port: number; key: string; cert: string; ca: string };
}): Promise<{ url: string; port: number; snapshotsUrl?: string; stop(): Promise<void> }> {
  const log = options.log ?? { info() {}, warn() {}, error() {} };
  let snapshotsUrl: string | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // As API Gateway's `apigw-requestid`: one id for the request's event, its answer and its log lines.
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    serve(req, res, requestId).catch((error: unknown) => {
      // The last word on a request: a client that went away is no fault; anything else is a bug, answered 500 once.
      if (clientWentAway(req, res, error)) {
        log.info('local API: the client went away mid-request', { requestId, method: req.method, path: req.url });
        return;
      }
      log.error('local API: the request failed', {
        requestId,
        method: req.method,
        path: req.url,
        error: error instanceof Error ? error.stack : String(error),
      });
      try {
        answer(res, {
          statusCode: 500,
          headers: JSON_HEADERS,
          body: JSON.stringify({ error: 'internal', message: `the request failed (request id ${requestId})` }),
        });
      } catch {
        res.destroy();
      }
    });
  };
  const server: Server = createServer(onRequest);
  const serve = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const send = (result: APIGatewayProxyStructuredResultV2) => answer(res, result);
    try {
      // The path as sent, never read as a URL of its own (`//x` would be another host's).
      const url = URL.parse(`http://local${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
      if (!url) {
        await drain(req);
        return send({
          statusCode: 400,
          headers: JSON_HEADERS,
          body: JSON.stringify({ error: 'bad_request', message: 'the request target is not a path' }),
        });
      }
      const method = req.method ?? 'GET';
      if (options.health && method === 'GET' && url.pathname === '/health') {
        const { status, body } = await options.health();
        return send({
          statusCode: status,
          headers: { ...JSON_HEADERS, 'cache-control': 'no-store' },
          body: JSON.stringify(body),
        });
      }
      const media = options.media;
      const bucket = /^\/bucket\/media\/([^/]+)$/.exec(url.pathname);
      if (media && bucket) {
        const mediaId = bucket[1]!;
        return await serveBucket(media.store, method, mediaId, `media "${mediaId}"`, req, res, () =>
          media.store.receive(
            mediaId,
            url.searchParams.get('token'),
            req.headers['content-type'],
            req,
            media.clock.now(),
          ),
        );
      }
      if (options.signIn && url.pathname.startsWith('/auth/'))
        return send(await serveSignIn(options.signIn, method, url.pathname, req));
      const snapshot = /^\/bucket\/snapshots\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (media && snapshot) {
        const mediaId = snapshotMediaId(snapshot[1]!, `snapshots/${snapshot[1]}/${snapshot[2]}`);
        if (!mediaId) {
          await drain(req);
          return send({
            statusCode: 400,
            headers: JSON_HEADERS,
            body: JSON.stringify({
              error: 'bad_key',
              message: 'a snapshot is snapshots/<thing>/<name>.jpg|jpeg|png|webp',
            }),
          });
        }
        // Only the camera puts into its folder, over mutual TLS with its own certificate (in AWS, its role alias's credentials).
        const camera = cameraOf(req);
        if (method === 'PUT' && camera !== snapshot[1]) {
          await drain(req);
          return send({
            statusCode: 403,
            headers: JSON_HEADERS,
            body: JSON.stringify({
              error: 'forbidden',
              message:
                camera === undefined
                  ? `a camera puts its snapshots with its own certificate${
                      snapshotsUrl
                        ? ` at ${snapshotsUrl}/snapshots/<thing>/<name>`
                        : ' (this stack has no device authority)'
                    }`
                  : `the certificate of ${camera} does not put into the folder of ${snapshot[1]}`,
            }),
          });
        }
        return await serveBucket(
          media.store,
          method,
          mediaId,
          `snapshot ${url.pathname.slice('/bucket/'.length)}`,
          req,
          res,
          () => media.store.putSnapshot(mediaId, req.headers['content-type'], req),
        );
      }
      // The cameras' listener takes their snapshots and nothing else.
      if (cameraOf(req) !== undefined)
        return send({
          statusCode: 404,
          headers: JSON_HEADERS,
          body: JSON.stringify({
            error: 'not_found',
            message: 'this listener takes PUT /bucket/snapshots/<thing>/<name>',
          }),
        });
      const match = matchApiRoute(options.routes, method, url.pathname);
      if (!('route' in match) || !match.route) {
        const status = match.methodMismatch ? 405 : 404;
        return send({
          statusCode: status,
          headers: JSON_HEADERS,
          body: JSON.stringify({
            error: status === 405 ? 'method_not_allowed' : 'not_found',
            message: `no route ${method} ${url.pathname}`,
          }),
        });
      }
      const handler = options.handlers[match.route.function];
      if (!handler) throw new Error(`no local handler for function "${match.route.function}"`);
      let authorizer: JwtAuthorizerContext | undefined;
      if (match.route.auth === 'operator' && options.signIn) {
        const verdict = await authorize(options.signIn, req.headers.authorization);
        if ('refused' in verdict) {
          await drain(req);
          return send(verdict.refused);
        }
        authorizer = verdict;
      }
      const event = await toEvent(req, url, match.routeKey, match.pathParameters, requestId);
      if (authorizer) Object.assign(event.requestContext, { authorizer });
      send(await handler(event));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // A body over the limit: 413, and the rest of it read and dropped so that the client hears the answer.
      await drain(req);
      send({
        statusCode: 413,
        headers: JSON_HEADERS,
        body: JSON.stringify({ error: 'too_large', message: error.message }),
      });
    }
  };
  const { host, port } = await listen(server, options.port, options.host);
  // The cameras' own door to the bucket: mutual TLS with the stack's authority, as a camera
  // reaches S3 through the IoT credentials provider.
  const cameras =
    options.snapshots &&
    createSecureServer(
      {
        key: options.snapshots.key,
        cert: options.snapshots.cert,
        ca: options.snapshots.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      onRequest,
    );
  if (cameras && options.snapshots) {
    const at = await listen(cameras, options.snapshots.port, options.host);
    snapshotsUrl = `https://${at.host}:${at.port}/bucket`;
  }
  const close = (s: Server | undefined) =>
    new Promise<void>((resolve) => {
      if (!s) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return {
    url: `http://${host}:${port}`,
    port,
    snapshotsUrl,
    stop: async () => {
      await Promise.all([close(server), close(cameras)]);
    },
  };
}

/** The thing a request's client certificate names (`CN=<thing>`), on the cameras' mutual-TLS listener; none elsewhere. */
function cameraOf(req: IncomingMessage): string | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.encrypted || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn ? cn : undefined;
}

/**
 * What S3 answers, in short, for an upload or a camera's snapshot: a PUT kept (200) or
 * refused with the reason; a GET the body, 404 before there is one.
 */
async function serveBucket(
  store: FolderMediaStore,
  method: string,
  mediaId: string,
  /** How a 404 names it. */
  what: string,
  req: IncomingMessage,
  res: ServerResponse,
  put: () => Promise<StoredMedia>,
): Promise<void> {
  const reply = (status: number, body: unknown) =>
    answer(res, { statusCode: status, headers: JSON_HEADERS, body: JSON.stringify(body) });
  try {
    if (method === 'PUT') return reply(200, await put());
    if (method !== 'GET') return reply(405, { error: 'method_not_allowed', message: `${method} is not served here` });
    const found = await store.find(mediaId);
    if (!found) return reply(404, { error: 'not_found', message: `no ${what}` });
    // As the API hands out no URL for them in AWS: bytes that are not their type are never served.
    if ('refused' in found) return reply(404, { error: 'not_found', message: found.refused.en });
    res.writeHead(200, {
      'content-type': found.contentType,
      'content-length': String(found.size),
      // Shown as a picture, never run as a page: the browser takes the type as given, and no script runs.
      'content-disposition': `inline; filename="${mediaFileName(mediaId, found.contentType)}"`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    await pipeline(createReadStream(store.contentPath(mediaId)), res);
  } catch (error) {
    if (error instanceof UploadRefusedError) {
      await drain(req);
      return reply(error.status, { error: 'upload_refused', message: error.message });
    }
    throw error;
  }
}

/**
 * The local sign-in: `POST /auth/token { username, password }` answers `{ idToken,
 * tokenType, expiresIn, user }` (401 for a wrong password or user, 429 with `Retry-After`
 * after too many: see sign-in-throttle.ts), `GET /auth/jwks.json`
 * the keys tokens are signed with.
 */
async function serveSignIn(
  signIn: LocalSignIn,
  method: string,
  path: string,
  req: IncomingMessage,
): Promise<APIGatewayProxyStructuredResultV2> {
  const answer = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
    statusCode,
    headers: { ...JSON_HEADERS, 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  });
  if (path === '/auth/jwks.json' && method === 'GET') return answer(200, signIn.jwks());
  if (path !== '/auth/token') return answer(404, { error: 'not_found', message: `no route ${method} ${path}` });
  if (method !== 'POST') return answer(405, { error: 'method_not_allowed', message: 'POST a username and password' });
  let raw: Buffer;
  try {
    raw = await readBody(req, 4096);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      await drain(req);
      return answer(413, { error: 'too_large', message: 'a sign-in is a username and a password' });
    }
    throw error;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return answer(400, { error: 'bad_request', message: 'the body must be JSON: { "username", "password" }' });
  }
  const parsed = SignInBody.safeParse(body);
  if (!parsed.success)
    return answer(400, { error: 'bad_request', message: 'the body must be JSON: { "username", "password" }' });
  try {
    const { username, password } = parsed.data;
    const { idToken, expiresIn, user } = await signIn.signInWith(username, password, req.socket.remoteAddress ?? '');
    return answer(200, { idToken, tokenType: 'Bearer', expiresIn, user });
  } catch (error) {
    if (error instanceof SignInThrottledError) {
      const refused = answer(429, error.body);
      return { ...refused, headers: { ...refused.headers, 'retry-after': String(error.retryAfterSeconds) } };
    }
    if (error instanceof SignInError)
      return answer(401, { error: 'unauthenticated', message: error.message, localMessage: '用户名或密码错误' });
    throw error;
  }
}

/** What a route with a JWT authorizer finds in `requestContext.authorizer` (payload format 2.0: each claim as a string). */
type JwtAuthorizerContext = { jwt: { claims: Record<string, string>; scopes: null } };

/**
 * API Gateway's JWT authorizer for the routes people call with their token (`auth:
 * 'operator'`), before the function is invoked: the `Authorization` header's token, with
 * or without `Bearer `, checked as the authorizer checks it. A missing or invalid token is
 * `401 {"message":"Unauthorized"}` with the reason in `www-authenticate`, as in AWS; a
 * valid one's claims go to the function as strings, arrays as `[a b]`.
 */
async function authorize(
  signIn: LocalSignIn,
  header: string | undefined,
): Promise<JwtAuthorizerContext | { refused: APIGatewayProxyStructuredResultV2 }> {
  const refused = (why: string) => ({
    refused: {
      statusCode: 401,
      headers: {
        ...JSON_HEADERS,
        'content-type': 'application/json',
        'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${why}"`,
      },
      body: JSON.stringify({ message: 'Unauthorized' }),
    },
  });
  const token = /^(?:Bearer\s+)?(\S+)$/i.exec(header?.trim() ?? '')?.[1];
  if (!token) return refused('no token in the Authorization header');
  try {
    const claims = await signIn.claimsOf(token);
    return {
      jwt: {
        claims: Object.fromEntries(
          Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
        ),
        scopes: null,
      },
    };
  } catch (error) {
    if (error instanceof SignInError) return refused(error.message);
    throw error;
  }
}

/** A body over a route's limit (413). */
class BodyTooLargeError extends Error {}

/** A request's body, at most `max` bytes: a {@link BodyTooLargeError} (413) for more. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Not `for await`: leaving that loop would destroy the request, and the client would never read its 413.
  return new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      req.pause();
      reject(new BodyTooLargeError(`request body over ${max} bytes`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** How much of a refused body is read and dropped before the connection is closed instead. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads and drops the rest of a refused request's body, so that a client that sends its
 * whole body before it reads (most do) hears the answer instead of a reset connection:
 * answering first and closing would reset the connection under the client's writes. Past
 * {@link DRAIN_LIMIT_BYTES} the connection is closed instead.
 */
function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let dropped = 0;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.once('end', () => resolve());
    req.once('close', () => resolve());
    req.on('error', () => {});
    req.resume();
  });
}

async function toEvent(
  req: IncomingMessage,
  url: URL,
  routeKey: string,
  pathParameters: Record<string, string>,
  requestId: string,
): Promise<APIGatewayProxyEventV2> {
  const body = await readBody(req, MAX_BODY_BYTES);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  // As API Gateway adds it: how the client reached the API (here, plain HTTP).
  headers['x-forwarded-proto'] = 'http';
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
  };
}
