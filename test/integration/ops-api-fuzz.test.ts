import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { FolderMediaStore } from '#shared/adapters/media-store/folder';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePageToken } from '#shared/app/paging';
import { wireDeps } from '#shared/runtime/wiring';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { API_ROUTES } from '#infra/topology';
import { testTables } from '../support/dynamo.ts';
import { testSignIn, USERS } from '../support/users.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

const NOW = Date.UTC(2026, 10, 27, 1, 0, 0);
const model = await loadDistrictDir();
let api: ReturnType<typeof opsApi>;
const log = recordingLog();
let validToken = '';
let signIn: Awaited<ReturnType<typeof testSignIn>>;
/** The `Authorization` header of each of the sample's roles, made once. */
const bearers: Record<string, string>[] = [];

beforeAll(async () => {
  const env = await testTables('fuzz');
  const deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOW),
    log,
    metrics: recordingMetrics(),
    media: new FolderMediaStore(mkdtempSync(join(tmpdir(), 'cityops-fuzz-media-')), () => 'http://127.0.0.1:1'),
    identity: (signIn = await testSignIn()).identity,
  });
  for (const user of Object.values(USERS)) bearers.push(await signIn.bearer(user));
  await deps.registry.putModel(model);
  await deps.cases.handle(
    model.sites.slice(0, 6).map((site, i) => ({
      kind: 'anomaly' as const,
      category: 'garbage_overflow' as const,
      siteId: site.siteId,
      evidence: { at: NOW - i * 60_000, summary: 'full' },
    })),
  );
  api = opsApi(deps);
  const page = await api({
    routeKey: 'GET /devices',
    rawPath: '/devices',
    queryStringParameters: { limit: '2' },
  } as unknown as APIGatewayProxyEventV2);
  validToken = (JSON.parse(page.body ?? '{}') as { nextToken?: string }).nextToken ?? '';
});

/** What a client can put in a parameter: text of any kind and length, numbers, ids that exist, tokens real and forged. */
const value = () =>
  fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    // Longer than any DynamoDB key takes (2,048 bytes).
    fc.string({ minLength: 2100, maxLength: 6000 }),
    fc.constantFrom('gongshu', 'bin-gs-001', 'gr-001', 'open', 'garbage_overflow', 'calendar', '2026-11', ''),
    fc.integer().map(String),
    fc.double().map(String),
    fc.json().map((j) => Buffer.from(j).toString('base64url')),
    fc
      .record({ d: fc.oneof(fc.integer(), fc.string()), k: fc.option(fc.dictionary(fc.string(), fc.jsonValue())) })
      .map(encodePageToken),
    fc.record({ o: fc.string(), extra: fc.option(fc.integer()) }).map(encodePageToken),
    fc.constant(null).map(() => validToken),
    fc.constant(null).map(() => `${validToken}x`),
  );
const QUERY_NAMES = [
  'districtId',
  'kind',
  'limit',
  'nextToken',
  'status',
  'category',
  'unit',
  'streetId',
  'gridId',
  'communityId',
  'since',
  'month',
  'hours',
  'service_code',
  'service_request_id',
  'start_date',
  'end_date',
  'page',
  'page_size',
  'lat',
  'long',
  'radius',
];

const request = fc.record({
  route: fc.constantFrom(...API_ROUTES.map((r) => `${r.method} ${r.path}`)),
  pathValue: value(),
  // Known names mostly (a page token half the time), unknown ones too.
  query: fc.option(
    fc
      .tuple(
        fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string()), value(), { maxKeys: 4 }),
        fc.option(value()),
      )
      .map(([query, nextToken]) => (nextToken === null ? query : { ...query, nextToken })),
  ),
  body: fc.option(
    fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .record({
          action: fc.oneof(
            fc.constantFrom('acknowledge', 'assign', 'resolve', 'verify', 'close', 'reopen'),
            fc.string(),
          ),
          actor: fc.oneof(fc.string(), fc.integer()),
          note: fc.option(fc.string({ maxLength: 5000 })),
          version: fc.option(fc.oneof(fc.integer(), fc.string())),
        })
        .map((b) => JSON.stringify(b)),
    ),
  ),
  base64: fc.boolean(),
  // No sign-in, a garbage header, or a real user's token (the transitions' bodies are then read).
  authorization: fc.oneof(
    fc.constant({}),
    fc.string().map((v) => ({ authorization: v })),
    fc.string().map((v) => ({ authorization: `Bearer ${v}` })),
    fc.nat(8).map((i) => bearers[i % bearers.length]!),
  ),
});

describe('the ops API answers anything a client can send with no 5xx', () => {
  it('never answers 500: paths, parameters, page tokens and bodies of every kind', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ route, pathValue, query, body, base64, authorization }) => {
        const params = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const result = await api({
          routeKey: route,
          rawPath: route.split(' ')[1]!.replace(/\{\w+\}/g, encodeURIComponent(pathValue)),
          pathParameters: params.length ? Object.fromEntries(params.map((p) => [p, pathValue])) : undefined,
          queryStringParameters: query ?? undefined,
          body: body === null ? undefined : base64 ? Buffer.from(body).toString('base64') : body,
          isBase64Encoded: body !== null && base64,
          headers: authorization,
          requestContext: { http: { method: route.split(' ')[0] } },
        } as unknown as APIGatewayProxyEventV2);
        if (result.statusCode! >= 500)
          throw new Error(
            `${route} answered ${result.statusCode}: ${result.body}; log: ${JSON.stringify(log.entries.at(-1))}`,
          );
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it('refuses an over-long id before a store sees it, and a page token from another query', async () => {
    const long = await api({
      routeKey: 'GET /open311/v2/requests/{id}',
      rawPath: `/open311/v2/requests/${'x'.repeat(5000)}`,
      pathParameters: { id: 'x'.repeat(5000) },
    } as unknown as APIGatewayProxyEventV2);
    expect(long.statusCode).toBe(400);
    const other = await api({
      routeKey: 'GET /devices',
      rawPath: '/devices',
      queryStringParameters: { kind: 'cameras', nextToken: validToken },
    } as unknown as APIGatewayProxyEventV2);
    expect(other.statusCode).toBe(400);
    expect(JSON.parse(other.body ?? '{}')).toMatchObject({ error: 'bad_request' });
  });
});
