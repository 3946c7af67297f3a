import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { wireDeps } from '#shared/runtime/wiring';
import type { Case } from '#shared/domain/case/model';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { kase, type Step } from '../support/assessment-fixture.ts';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

const NOW = Date.UTC(2026, 10, 27, 4, 0);
const HOUR = 3_600_000;
const model = await loadDistrictDir();
const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
const FIELDS = [
  'service_request_id',
  'status',
  'status_notes',
  'service_name',
  'service_code',
  'description',
  'agency_responsible',
  'service_notice',
  'requested_datetime',
  'updated_datetime',
  'expected_datetime',
  'address',
  'address_id',
  'zipcode',
  'lat',
  'long',
  'media_url',
];
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

/** 1,205 cases an hour apart (every third closed, every fifth at a market), and one 100 days old. */
const cases: Case[] = Array.from({ length: 1205 }, (_, i) => {
  const room = rooms[i % rooms.length]!;
  const grid = model.grids.find((g) => g.gridId === room.gridId)!;
  const community = model.communities.find((c) => c.communityId === grid.communityId)!;
  const steps: Step[] =
    i % 3 === 0
      ? [
          ['dispatch', 5],
          ['resolve', 30],
          ['verify', 40],
          ['close', 50],
        ]
      : [];
  const c = kase(
    `cs-${String(i).padStart(5, '0')}`,
    {
      unit: 'municipal-landscaping',
      street: community.streetId,
      site: room.siteId,
      districtId: 'gongshu',
      ...(i % 5 === 0 ? { category: 'market_litter' as const } : {}),
    },
    NOW - (i + 1) * HOUR,
    steps,
  );
  return { ...c, gridId: grid.gridId, communityId: community.communityId, streetId: community.streetId };
});
const old = {
  ...cases[1]!,
  caseId: 'cs-old',
  openedAt: NOW - 100 * 24 * HOUR,
  updatedAt: NOW - 100 * 24 * HOUR,
  dueAt: NOW - 98 * 24 * HOUR,
};
let api: ReturnType<typeof opsApi>;

const get = async (routeKey: string, query?: Record<string, string>, pathParameters?: Record<string, string>) => {
  const rawPath = routeKey.split(' ')[1]!.replace('{id}', pathParameters?.id ?? '');
  const result = await api({
    routeKey,
    rawPath,
    queryStringParameters: query,
    pathParameters,
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body ?? 'null') };
};
const requests = (query?: Record<string, string>) => get('GET /open311/v2/requests.json', query);

beforeAll(async () => {
  const env = await testTables('open311');
  const deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOW),
    log: recordingLog(),
    metrics: recordingMetrics(),
  });
  await deps.registry.putModel(model);
  const items = [...cases, old].map((c) => ({ PutRequest: { Item: caseItem(c) } }));
  for (let i = 0; i < items.length; i += 25)
    await env.doc.send(new BatchWriteCommand({ RequestItems: { [env.tables.cases]: items.slice(i, i + 25) } }));
  api = opsApi(deps);
});

describe('Open311 GeoReport v2 (read side) against DynamoDB Local', () => {
  it('lists one service per case category', async () => {
    const { status, body } = await get('GET /open311/v2/services.json');
    expect(status).toBe(200);
    // The detectors' 14 categories and the 9 that people report.
    expect(body).toHaveLength(23);
    expect(body[0]).toMatchObject({
      service_code: 'garbage_overflow',
      service_name: 'Overflowing garbage room',
      metadata: false,
      type: 'realtime',
    });
  });

  it('pages past 1000 requests: the last 90 days, newest first, 1000 to a page, every field with offset times', async () => {
    const first = await requests();
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(1000);
    expect(first.headers['x-total-count']).toBe('1205');
    expect(first.headers.link).toBe('</open311/v2/requests.json?page=2>; rel="next"');
    const second = await requests({ page: '2' });
    expect(second.body).toHaveLength(205);
    expect(second.headers.link).toBeUndefined();
    const all = [...first.body, ...second.body] as Record<string, unknown>[];
    expect(all.map((r) => r.service_request_id)).toEqual(cases.map((c) => c.caseId)); // newest first; cs-old is past 90 days
    for (const r of all) {
      expect(Object.keys(r).sort()).toEqual([...FIELDS].sort());
      for (const field of ['requested_datetime', 'updated_datetime', 'expected_datetime'])
        expect(r[field]).toMatch(ISO_WITH_OFFSET);
    }
    const sample = all[7]!;
    const room = rooms.find((s) => s.siteId === sample.address_id)!;
    expect(sample).toMatchObject({
      agency_responsible: model.departments.find((d) => d.unitId === 'municipal-landscaping')!.name,
      address: expect.stringContaining(room.name),
    });
    expect(sample.requested_datetime).toBe(
      new Date(cases[7]!.openedAt + 8 * HOUR).toISOString().replace('.000Z', '+08:00'),
    );
    const small = await requests({ page: '3', page_size: '500' });
    expect(small.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(
      cases.slice(1000).map((c) => c.caseId),
    );
  });

  it('filters by status, service code, dates and ids', async () => {
    const closed = await requests({ status: 'closed' });
    expect(Number(closed.headers['x-total-count'])).toBe(cases.filter((_, i) => i % 3 === 0).length);
    expect(
      closed.body.every(
        (r: { status: string; status_notes: string }) =>
          r.status === 'closed' && r.status_notes.startsWith('Resolved, verified and closed'),
      ),
    ).toBe(true);
    const litter = await requests({ service_code: 'market_litter,bin_fire', status: 'open' });
    expect(Number(litter.headers['x-total-count'])).toBe(cases.filter((_, i) => i % 5 === 0 && i % 3 !== 0).length);
    const day = await requests({ start_date: '2026-11-26T00:00:00+08:00', end_date: '2026-11-26T23:59:59+08:00' });
    expect(day.body).toHaveLength(24);
    const back = await requests({
      start_date: new Date(NOW - 101 * 24 * HOUR).toISOString(),
      end_date: new Date(NOW - 99 * 24 * HOUR).toISOString(),
    });
    expect(back.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(['cs-old']);
    const ids = await requests({ service_request_id: 'cs-00003,cs-old,cs-missing' });
    expect(ids.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(['cs-00003', 'cs-old']);
  });

  it('takes a citizen’s point as plain decimals, each field once', async () => {
    const post = async (form: string) => {
      const result = await api({
        routeKey: 'POST /open311/v2/requests.json',
        rawPath: '/open311/v2/requests.json',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      } as unknown as APIGatewayProxyEventV2);
      return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
    };
    const point = `service_code=dirty_road&description=mud`;
    expect(await post(`${point}&lat=0x1e&long=120.144`)).toMatchObject({
      status: 400,
      body: [{ code: 400, description: expect.stringMatching(/lat must be a decimal number, once/) }],
    });
    for (const lat of ['3e1', '', ' 30.318', 'Infinity', '30.318,30.319'])
      expect((await post(`${point}&lat=${encodeURIComponent(lat)}&long=120.144`)).status, lat).toBe(400);
    expect(await post(`${point}&lat=30.318&lat=31&long=120.144`)).toMatchObject({
      status: 400,
      body: [{ code: 400, description: 'lat is given more than once' }],
    });
  });

  it('gives one request by id, and Open311 errors for what it cannot answer', async () => {
    const one = await get('GET /open311/v2/requests/{id}', undefined, { id: 'cs-00043.json' });
    expect(one.status).toBe(200);
    expect(one.body).toHaveLength(1);
    expect(one.body[0]).toMatchObject({
      service_request_id: 'cs-00043',
      service_code: 'garbage_overflow',
      status: 'open',
    });
    expect(await get('GET /open311/v2/requests/{id}', undefined, { id: 'cs-nope.json' })).toMatchObject({
      status: 404,
      body: [{ code: 404, description: 'no service request "cs-nope"' }],
    });
    expect(await get('GET /open311/v2/requests/{id}', undefined, { id: 'cs-00043.xml' })).toMatchObject({
      status: 404,
      body: [{ code: 404 }],
    });
    expect(await requests({ start_date: 'last week' })).toMatchObject({
      status: 400,
      body: [{ code: 400, description: expect.stringMatching(/start_date must be an ISO 8601 time/) }],
    });
    expect(await requests({ status: 'pending' })).toMatchObject({
      status: 400,
      body: [{ code: 400, description: expect.stringMatching(/status must be one or more of open, closed/) }],
    });
    expect(await requests({ page_size: '5000' })).toMatchObject({ status: 400 });
    // Numbers are plain decimals, once: not hex, an exponent, blanks, nothing, or a repeated parameter (joined with commas).
    for (const page of ['0x2', '1e1', ' 2', '', '2,3', '+2', '2.0'])
      expect(await requests({ page }), JSON.stringify(page)).toMatchObject({
        status: 400,
        body: [{ code: 400, description: expect.stringMatching(/page must be a whole number, once/) }],
      });
    expect((await requests({ page: '2', page_size: '10' })).status).toBe(200);
    expect(await requests({ jurisdiction_id: 'elsewhere' })).toMatchObject({
      status: 400,
      body: [{ description: 'no district "elsewhere"' }],
    });
  });
});
