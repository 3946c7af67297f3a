import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '#shared/app/ports/registry';
import { wireDeps } from '#shared/runtime/wiring';
import type { User } from '#shared/domain/case/actors';
import { testSignIn, USERS } from '../support/users.ts';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { makeHandler as garbageRoomsIngest } from '#functions/ingest-bins/handler';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { record, streamEvent } from '../support/telemetry.ts';

const NOW = Date.UTC(2026, 10, 27, 1, 0, 0);
const model = await loadDistrictDir();
let env: Awaited<ReturnType<typeof testTables>>;
let registry: Registry;
let api: ReturnType<typeof opsApi>;
let deps: ReturnType<typeof wireDeps>;
let signIn: Awaited<ReturnType<typeof testSignIn>>;

const get = async (
  routeKey: string,
  path: string,
  query?: Record<string, string>,
  pathParameters?: Record<string, string>,
  body?: string,
  headers: Record<string, string> = {},
) => {
  const result = await api({
    routeKey,
    rawPath: path,
    queryStringParameters: query,
    pathParameters,
    body,
    headers,
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};

beforeAll(async () => {
  env = await testTables('opsapi');
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOW),
    log: recordingLog(),
    metrics: recordingMetrics(),
    identity: (signIn = await testSignIn()).identity,
  });
  ({ registry } = deps);
  await registry.putModel(model);
  api = opsApi(deps);
});

describe('registry store', () => {
  it('writes the model idempotently and reads records back as they were', async () => {
    expect(await registry.putModel(model)).toEqual({
      written: 1 + 2 + 4 + 12 + 5 + model.sites.length + model.devices.length,
    });
    expect(await registry.getDevice('bin-gs-001')).toEqual(model.devices.find((d) => d.thing === 'bin-gs-001'));
    expect(await registry.getSite('rt-04')).toEqual(model.sites.find((s) => s.siteId === 'rt-04'));
    const place = await registry.getPlace('gs-xiaohe-c2-g1');
    expect(place).toMatchObject({
      grid: { gridId: 'gs-xiaohe-c2-g1' },
      community: { communityId: 'gs-xiaohe-c2' },
      street: { streetId: 'gs-xiaohe' },
    });
    expect((await registry.listDistricts()).map((d) => d.districtId)).toEqual(['gongshu']);
    expect(await registry.listDepartments('gongshu')).toHaveLength(5);
  });

  it('pages through devices by kind', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await registry.listDevices({ kind: 'bins', limit: 7, nextToken });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((d) => d.thing));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(
      model.devices
        .filter((d) => d.kind === 'bins')
        .map((d) => d.thing)
        .sort(),
    );
  });
});

describe('ops API (read-only devices)', () => {
  it('GET /health gives the stack’s clock', async () => {
    expect(await get('GET /health', '/health')).toEqual({ status: 200, body: { now: NOW } });
  });

  it('GET /devices lists devices, filtered by kind, with last contact', async () => {
    const all = await get('GET /devices', '/devices', { limit: '500' });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(model.devices.length);
    const cameras = await get('GET /devices', '/devices', { kind: 'cameras' });
    expect(cameras.body.items.map((d: { thing: string }) => d.thing).sort()).toEqual([
      'cam-gs-m1-a',
      'cam-gs-m1-b',
      'cam-gs-m2-a',
      'cam-gs-m2-b',
    ]);
    expect(cameras.body.items[0]).toMatchObject({ kind: 'cameras', lastSeenAt: null });
  });

  it('refuses a bad kind, limit or page token with a 400 that says why', async () => {
    expect(await get('GET /devices', '/devices', { kind: 'trucks' })).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: expect.stringMatching(/kind.*bins.*sweepers.*cameras/) },
    });
    expect(await get('GET /devices', '/devices', { limit: '0' })).toMatchObject({ status: 400 });
    expect(await get('GET /devices', '/devices', { nextToken: 'garbage' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('nextToken') },
    });
  });

  it('GET /devices/{thing} gives the device, its site, grid, community, street and latest state', async () => {
    const before = await get('GET /devices/{thing}', '/devices/bin-gs-007', undefined, { thing: 'bin-gs-007' });
    expect(before).toMatchObject({ status: 200, body: { state: null, lastSeenAt: null } });
    const ingest = garbageRoomsIngest(deps);
    await ingest(
      streamEvent(
        record({
          kind: 'bins',
          thing: 'bin-gs-007',
          payload: { ts: NOW - 1000, seq: 3, fillPct: 64.5, batteryPct: 77 },
          receivedAt: NOW - 900,
        }),
      ),
    );
    const { status, body } = await get('GET /devices/{thing}', '/devices/bin-gs-007', undefined, {
      thing: 'bin-gs-007',
    });
    const device = model.devices.find((d) => d.thing === 'bin-gs-007')!;
    const site = model.sites.find((s) => s.siteId === device.siteId)!;
    const grid = model.grids.find((g) => g.gridId === site.gridId)!;
    expect(status).toBe(200);
    expect(body).toEqual({
      device,
      site: {
        siteId: site.siteId,
        siteKind: 'garbage_room',
        name: site.name,
        gridId: grid.gridId,
        location: (site as { location: object }).location,
      },
      grid: { gridId: grid.gridId, name: grid.name, responsible: grid.responsible },
      community: {
        communityId: grid.communityId,
        name: model.communities.find((c) => c.communityId === grid.communityId)!.name,
      },
      street: { streetId: grid.streetId, name: model.streets.find((s) => s.streetId === grid.streetId)!.name },
      state: { ts: NOW - 1000, seq: 3, fillPct: 64.5, batteryPct: 77 },
      lastSeenAt: NOW - 900,
    });
  });

  it('answers 404 for an unknown device and 400 for a malformed name', async () => {
    expect(await get('GET /devices/{thing}', '/devices/nope', undefined, { thing: 'nope' })).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no device "nope" in the registry' },
    });
    expect(await get('GET /devices/{thing}', '/devices/a b', undefined, { thing: 'a b' })).toMatchObject({
      status: 400,
    });
    expect(await get('GET /nothing', '/nothing')).toMatchObject({ status: 404 });
  });
});

describe('ops API (cases)', () => {
  let caseId: string;
  beforeAll(async () => {
    // A fire: the sample's classification registers it at once.
    const signal = {
      kind: 'anomaly' as const,
      category: 'bin_fire' as const,
      siteId: 'gr-001',
      thing: 'bin-gs-001',
      evidence: { at: NOW, summary: 'temperature 70 °C' },
    };
    const [outcome] = await deps.cases.handle([signal]);
    caseId = (outcome as { case: { caseId: string } }).case.caseId;
  });

  it('GET /cases filters by status, category, unit, street, community, grid and time', async () => {
    const all = await get('GET /cases', '/cases');
    expect(all.status).toBe(200);
    expect(all.body.items.map((c: { caseId: string }) => c.caseId)).toContain(caseId);
    const room = model.sites.find((s) => s.siteId === 'gr-001')!;
    const grid = model.grids.find((g) => g.gridId === room.gridId)!;
    for (const query of <Record<string, string>[]>[
      { status: 'open' },
      { category: 'bin_fire' },
      { unit: 'municipal-landscaping' },
      { streetId: grid.streetId },
      { communityId: grid.communityId },
      { gridId: grid.gridId },
      { since: new Date(NOW).toISOString() },
    ]) {
      const found = await get('GET /cases', '/cases', query);
      expect(
        found.body.items.map((c: { caseId: string }) => c.caseId),
        JSON.stringify(query),
      ).toContain(caseId);
    }
    expect((await get('GET /cases', '/cases', { status: 'closed' })).body.items).toEqual([]);
    expect((await get('GET /cases', '/cases', { since: String(NOW + 1) })).body.items).toEqual([]);
  });

  it('refuses bad filters with the reason', async () => {
    expect(await get('GET /cases', '/cases', { status: 'lost' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('status') },
    });
    expect(await get('GET /cases', '/cases', { since: 'yesterday' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('since') },
    });
    expect(await get('GET /cases', '/cases', { colour: 'red' })).toMatchObject({ status: 400 });
    expect(await get('GET /cases', '/cases', { nextToken: '%%%' })).toMatchObject({ status: 400 });
  });

  it('GET /cases/{caseId} gives the case with its history; unknown ids get 404', async () => {
    const found = await get('GET /cases/{caseId}', `/cases/${caseId}`, undefined, { caseId });
    expect(found).toMatchObject({
      status: 200,
      body: { caseId, leadUnit: expect.any(String), history: [expect.objectContaining({ action: 'open' })] },
    });
    expect(await get('GET /cases/{caseId}', '/cases/cs-x', undefined, { caseId: 'cs-x' })).toMatchObject({
      status: 404,
    });
  });

  it('POST /cases/{caseId}/transitions: 401 unsigned, 403 role may not, 400 bad body, 409 illegal action, 404 unknown id', async () => {
    const post = async (id: string, body: string, user?: User, headers: Record<string, string> = {}) =>
      get('POST /cases/{caseId}/transitions', `/cases/${id}/transitions`, undefined, { caseId: id }, body, {
        ...(user ? await signIn.bearer(user) : {}),
        ...headers,
      });
    const dispatch = JSON.stringify({ action: 'dispatch', note: 'market team' });
    expect(await post(caseId, dispatch)).toMatchObject({
      status: 401,
      body: {
        error: 'unauthenticated',
        message: expect.stringContaining('Authorization: Bearer'),
        localMessage: '请先登录',
      },
    });
    const other = await testSignIn(); // a token signed with another key
    expect(await post(caseId, dispatch, undefined, await other.bearer(USERS.dispatcher))).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('not valid') },
    });
    expect(await post(caseId, dispatch, USERS.clerk)).toMatchObject({
      status: 403,
      body: {
        error: 'forbidden',
        message: expect.stringContaining('dispatch is for 派遣员 (dispatcher), 值班长 (shift_lead)'),
      },
    });
    const ok = await post(caseId, dispatch, USERS.dispatcher);
    expect(ok).toMatchObject({
      status: 200,
      body: {
        status: 'dispatched',
        history: expect.arrayContaining([
          expect.objectContaining({
            action: 'dispatch',
            actor: 'dispatcher.chen',
            role: 'dispatcher',
            note: 'market team',
          }),
        ]),
      },
    });
    // Who acts is the token's user, never the body's.
    expect(
      await post(caseId, JSON.stringify({ action: 'start', actor: 'someone.else' }), USERS.landscaping),
    ).toMatchObject({ status: 400, body: { message: expect.stringContaining('the actor is the signed-in user') } });
    expect(await post(caseId, '{not json', USERS.dispatcher)).toMatchObject({
      status: 400,
      body: { error: 'bad_request' },
    });
    expect(await post(caseId, JSON.stringify({ action: 'teleport' }), USERS.dispatcher)).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('action') },
    });
    // What people read comes in Chinese too (localMessage), beside the English message.
    expect(await post(caseId, JSON.stringify({ action: 'close' }), USERS.shiftLead)).toMatchObject({
      status: 409,
      body: {
        error: 'illegal_transition',
        message: expect.stringContaining('cannot close a case that is dispatched'),
        localMessage: '案件现为「已派遣」，不能结案（可结案的状态：核查通过）',
      },
    });
    expect(await post(caseId, JSON.stringify({ action: 'return' }), USERS.landscaping)).toMatchObject({
      status: 400,
      body: { error: 'bad_request', localMessage: '回退须填写说明：为什么不属于本单位' },
    });
    expect(await post(caseId, JSON.stringify({ action: 'start' }), USERS.enforcement)).toMatchObject({
      status: 403,
      body: {
        error: 'forbidden',
        localMessage: expect.stringMatching(
          /^「开始处置」由案件所在单位（.+）办理；handler\.sun 属于区综合行政执法局，不是本案的单位$/,
        ),
      },
    });
    expect(await post('cs-none', JSON.stringify({ action: 'start' }), USERS.landscaping)).toMatchObject({
      status: 404,
      body: { localMessage: '没有案件 cs-none' },
    });
  });
});

describe('GET /rejects', () => {
  it('lists a thing’s refused messages newest first, by code and since, a page at a time, and asks for the thing', async () => {
    const ingest = garbageRoomsIngest(deps);
    const thing = 'bin-gs-012';
    const bad = (i: number, payload: string) =>
      record({ kind: 'bins', thing, payload, receivedAt: NOW - 10_000 + i * 1000 });
    await ingest(
      streamEvent(
        bad(0, '{"fillPct": 5'),
        bad(1, JSON.stringify({ ts: NOW, seq: 1, fillPct: 'full' })),
        bad(2, '{"ts": 1'),
        bad(3, JSON.stringify({ ts: NOW, seq: 2, fillPct: 500 })),
      ),
    );
    const all = await get('GET /rejects', '/rejects', { thing });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: { code: string }) => r.code)).toEqual([
      'invalid_payload',
      'malformed_json',
      'invalid_payload',
      'malformed_json',
    ]);
    expect(all.body.items[0]).toMatchObject({ thing, payloadEncoding: 'utf8', reason: expect.any(String) });
    const malformed = await get('GET /rejects', '/rejects', { thing, code: 'malformed_json' });
    expect(malformed.body.items.map((r: { payload: string }) => r.payload)).toEqual(['{"ts": 1', '{"fillPct": 5']);
    const recent = await get('GET /rejects', '/rejects', { thing, since: String(NOW - 8_000) });
    expect(recent.body.items).toHaveLength(2);
    const first = await get('GET /rejects', '/rejects', { thing, limit: '3' });
    const second = await get('GET /rejects', '/rejects', { thing, limit: '3', nextToken: first.body.nextToken });
    expect([...first.body.items, ...second.body.items].map((r: { messageId: string }) => r.messageId)).toEqual(
      all.body.items.map((r: { messageId: string }) => r.messageId),
    );
    expect(second.body.nextToken).toBeUndefined();
    expect(await get('GET /rejects', '/rejects', {})).toMatchObject({ status: 400 });
    expect(await get('GET /rejects', '/rejects', { thing, nextToken: 'forged' })).toMatchObject({ status: 400 });
    // A real token, used with another listing.
    expect(
      await get('GET /rejects', '/rejects', {
        thing,
        code: 'malformed_json',
        limit: '3',
        nextToken: first.body.nextToken,
      }),
    ).toMatchObject({ status: 400 });
  });
});
