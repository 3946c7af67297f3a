import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { type Case, type Signal, signalId } from '#shared/domain/case/model';
import type { CaseAction, CaseStatus } from '#shared/domain/case/statuses';
import type { MaintenanceTicket, TicketAction } from '#shared/domain/maintenance';
import type { User } from '#shared/domain/case/actors';
import { wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { testSignIn, USERS } from '../support/users.ts';
import { mediaWithPhoto } from '../support/images.ts';

/**
 * Who may take each action, through the ops API on DynamoDB Local: for every action, a
 * case in a status it applies to; each user not allowed is refused 403 with the reason and
 * the case stays as it was; an allowed user's action goes through, recorded under their
 * name and role, never a body's. The table below is the district's rule, written out.
 */
const NOW = Date.UTC(2026, 11, 2, 2, 0);
const model = await loadDistrictDir();
let deps: ReturnType<typeof wireDeps>;
let api: ReturnType<typeof opsApi>;
let signIn: Awaited<ReturnType<typeof testSignIn>>;

/** A photo of the work, uploaded once: a case people reported is resolved with one. */
const PHOTO = 'md-20261202-00000000000000aa';

beforeAll(async () => {
  const env = await testTables('roles');
  const media = await mediaWithPhoto(PHOTO, NOW);
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOW),
    log: recordingLog(),
    metrics: recordingMetrics(),
    identity: (signIn = await testSignIn()).identity,
    media,
  });
  await deps.registry.putModel(model);
  api = opsApi(deps);
});

const act = async (caseId: string, user: User, body: Record<string, unknown>) => {
  const result = await api({
    routeKey: 'POST /cases/{caseId}/transitions',
    rawPath: `/cases/${caseId}/transitions`,
    pathParameters: { caseId },
    headers: await signIn.bearer(user),
    body: JSON.stringify(body),
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode!, body: JSON.parse(result.body ?? 'null') };
};

/** A garbage overflow reported by a citizen (sanitation: Municipal Landscaping's), taken to `status`. */
let n = 0;
async function caseIn(status: CaseStatus): Promise<string> {
  const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
  let c: Case | undefined;
  // A new case each time: a room with no active case of the class nearby (else the report would join that one).
  for (let i = 0; !c && i < 2 * rooms.length; i++) {
    const report = await deps.cases.report({
      districtId: model.districts[0]!.districtId,
      source: 'public',
      classId: 'dirty-road',
      componentId: rooms[n++ % rooms.length]!.siteId,
      description: 'mud across the road',
      media: [],
    });
    if (report.outcome === 'received') c = report.case;
  }
  if (!c) throw new Error('no room left without a case of the class');
  const path: Partial<Record<CaseStatus, [CaseAction, User, { media?: string[] }?][]>> = {
    received: [],
    checking: [['check', USERS.clerk]],
    open: [['register', USERS.clerk]],
    dispatched: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
    ],
    in_progress: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
      ['start', USERS.landscaping],
    ],
    resolved: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
      ['start', USERS.landscaping],
      ['resolve', USERS.landscaping, { media: [PHOTO] }],
    ],
    verified: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
      ['start', USERS.landscaping],
      ['resolve', USERS.landscaping, { media: [PHOTO] }],
      ['verify', USERS.inspector],
    ],
  };
  for (const [action, user, details] of path[status]!) await deps.cases.act(c.caseId, action, user, details);
  return c.caseId;
}

const LATER = NOW + 30 * 24 * 3_600_000;
const asked: [CaseAction, User, Record<string, unknown>][] = [
  ['request_extension', USERS.landscaping, { note: '需协调物业', until: LATER }],
];

type Body = Record<string, unknown> | ((c: Case) => Record<string, unknown>);
/** Where an inspector stands: beside the case. */
const beside = (c: Case) => ({ lat: c.location.lat + 0.0001, lon: c.location.lon });

// action, the status it is taken from, body, who may take it, and what comes first (besides reaching the status)
const RULES: [CaseAction, CaseStatus, Body, (keyof typeof USERS)[], typeof asked?][] = [
  ['check', 'received', {}, ['clerk', 'shiftLead']],
  ['register', 'received', {}, ['clerk', 'shiftLead']],
  ['refuse', 'received', { reason: 'not_city_management' }, ['clerk', 'shiftLead']],
  ['dispatch', 'open', {}, ['dispatcher', 'shiftLead']],
  ['start', 'dispatched', {}, ['landscaping']],
  ['resolve', 'in_progress', { media: [PHOTO] }, ['landscaping']],
  ['verify', 'resolved', {}, ['inspector']],
  ['reopen', 'resolved', {}, ['inspector', 'shiftLead']],
  ['close', 'verified', {}, ['shiftLead']],
  ['void', 'open', { note: 'a test case' }, ['shiftLead']],
  ['return', 'dispatched', { note: '不属于本单位：是人行道，不是车行道' }, ['landscaping']],
  ['request_extension', 'dispatched', { note: '需协调物业', until: LATER }, ['landscaping']],
  ['approve_extension', 'dispatched', {}, ['shiftLead'], asked],
  ['reject_extension', 'dispatched', { note: '两小时内可以完成' }, ['shiftLead'], asked],
  ['park', 'dispatched', { note: '需待道路改造后处理', reviewAt: LATER }, ['shiftLead']],
  [
    'unpark',
    'dispatched',
    {},
    ['shiftLead'],
    [['park', USERS.shiftLead, { note: '需待道路改造后处理', reviewAt: LATER }]],
  ],
  ['dispatch_down', 'dispatched', (c) => ({ gridId: c.gridId }), ['dispatcher', 'shiftLead', 'landscaping']],
  ['inspect', 'resolved', (c) => ({ outcome: 'pass', media: [PHOTO], position: beside(c) }), ['inspector']],
  ['supervise', 'dispatched', { note: '请今天下班前处理完' }, ['leader', 'shiftLead']],
];

describe('who may take each action', () => {
  it.each(RULES)('%s (from %s)', async (action, from, bodyOf, allowed, first = []) => {
    const bodyFor = async (caseId: string) =>
      typeof bodyOf === 'function' ? bodyOf((await deps.caseStore.get(caseId))!) : bodyOf;
    const prepared = async () => {
      const id = await caseIn(from);
      for (const [a, user, b] of first) await deps.cases.act(id, a, user, b);
      return id;
    };
    const caseId = await prepared();
    const before = await deps.caseStore.get(caseId);
    const body = await bodyFor(caseId);
    for (const [key, user] of Object.entries(USERS)) {
      if (allowed.includes(key as keyof typeof USERS)) continue;
      const refused = await act(caseId, user, { action, ...body });
      expect(refused.status, `${action} by ${key}`).toBe(403);
      expect(refused.body.error).toBe('forbidden');
      expect(refused.body.message).toContain(action);
    }
    expect(await deps.caseStore.get(caseId)).toEqual(before);
    for (const key of allowed) {
      const caseOfTheirs = key === allowed[0] ? caseId : await prepared();
      const done = await act(caseOfTheirs, USERS[key], { action, ...(await bodyFor(caseOfTheirs)) });
      expect(done.status, `${action} by ${key}`).toBe(200);
      expect((done.body as Case).history.at(-1)).toMatchObject({
        action,
        actor: USERS[key].username,
        role: USERS[key].roles[0],
      });
    }
  });

  it('a handler may act only on the cases of their unit, and says whose the case is', async () => {
    const caseId = await caseIn('dispatched');
    const refused = await act(caseId, USERS.enforcement, { action: 'start' });
    expect(refused).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message: expect.stringMatching(
          /^start is for the handlers of municipal-landscaping, [a-z0-9-]+; handler.sun handles for enforcement$/,
        ),
        // In Chinese, the units by their names.
        localMessage: expect.stringMatching(
          new RegExp(
            String.raw`^「开始处置」由案件所在单位（区市政园林局、\p{Script=Han}+街道）办理；` +
              String.raw`handler\.sun 属于区综合行政执法局，不是本案的单位$`,
            'u',
          ),
        ),
      },
    });
    // The street office co-operates on sanitation cases: its handler may act too.
    const c = (await deps.caseStore.get(caseId))!;
    const street = { username: 'handler.street', roles: ['handler' as const], unitId: c.coUnits[0]! };
    expect((await act(caseId, street, { action: 'start' })).status).toBe(200);
  });

  it('a unit returns a case with its note; the dispatcher sends it to another unit, whose handler takes it on', async () => {
    const caseId = await caseIn('dispatched');
    const noNote = await act(caseId, USERS.landscaping, { action: 'return' });
    expect(noNote).toMatchObject({ status: 400, body: { message: expect.stringContaining('needs a note') } });
    const returned = await act(caseId, USERS.landscaping, { action: 'return', note: '占道经营，不是市政问题' });
    expect(returned).toMatchObject({ status: 200, body: { status: 'open', leadUnit: 'municipal-landscaping' } });
    expect(returned.body.history.at(-1)).toMatchObject({ action: 'return', actor: 'handler.zhao', role: 'handler' });
    // An unknown unit is a 400; a dispatch names the unit, which leads from then on.
    expect(await act(caseId, USERS.dispatcher, { action: 'dispatch', unitId: 'no-such-unit' })).toMatchObject({
      status: 400,
      body: {
        message: expect.stringContaining('no unit "no-such-unit"'),
        localMessage: '本辖区没有单位 no-such-unit，请从列表中选择部门或街道',
      },
    });
    expect((await act(caseId, USERS.dispatcher, { action: 'start', unitId: 'enforcement' })).status).toBe(400);
    const redispatched = await act(caseId, USERS.dispatcher, { action: 'dispatch', unitId: 'enforcement' });
    expect(redispatched).toMatchObject({ status: 200, body: { status: 'dispatched', leadUnit: 'enforcement' } });
    expect(redispatched.body.history.at(-1)).toMatchObject({ action: 'dispatch', unitId: 'enforcement' });
    expect((await act(caseId, USERS.landscaping, { action: 'start' })).status).toBe(403);
    expect((await act(caseId, USERS.enforcement, { action: 'start' })).status).toBe(200);
  });

  it('a case sent down to a grid is that grid’s worker’s to handle; a grid of another street is a 400', async () => {
    const caseId = await caseIn('dispatched');
    const c = (await deps.caseStore.get(caseId))!;
    const grids = model.grids.filter((g) => g.streetId === c.streetId);
    const elsewhere = model.grids.find((g) => g.streetId !== c.streetId)!;
    expect(await act(caseId, USERS.landscaping, { action: 'dispatch_down', gridId: elsewhere.gridId })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining(`no grid "${elsewhere.gridId}" in street ${c.streetId}`) },
    });
    expect(
      await act(caseId, USERS.landscaping, { action: 'dispatch_down', gridId: c.gridId, communityId: c.communityId }),
    ).toMatchObject({ status: 400 });
    const down = await act(caseId, USERS.landscaping, {
      action: 'dispatch_down',
      gridId: c.gridId,
      note: '请网格员处理',
    });
    expect(down).toMatchObject({
      status: 200,
      body: { status: 'dispatched', assignedTo: { level: 'grid', id: c.gridId, by: 'handler.zhao' } },
    });
    const worker = (gridId: string) => ({
      username: `grid.${gridId}`,
      roles: ['grid_worker' as const],
      unitId: gridId,
    });
    const other = grids.find((g) => g.gridId !== c.gridId) ?? elsewhere;
    expect(await act(caseId, worker(other.gridId), { action: 'start' })).toMatchObject({
      status: 403,
      body: { message: expect.stringContaining(`handles for ${other.gridId}`) },
    });
    expect((await act(caseId, worker(c.gridId), { action: 'start' })).status).toBe(200);
    const resolved = await act(caseId, worker(c.gridId), { action: 'resolve', media: [PHOTO], note: '已清理' });
    expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved' } });
    expect(resolved.body.history.at(-1)).toMatchObject({ actor: `grid.${c.gridId}`, role: 'grid_worker' });
  });

  it('an inspection without a photo or a position is a 400; a failed one sends the case back for rework', async () => {
    const caseId = await caseIn('resolved');
    const c = (await deps.caseStore.get(caseId))!;
    const at = beside(c);
    for (const body of [
      { outcome: 'pass', position: at },
      { outcome: 'pass', media: [PHOTO] },
      { outcome: 'fail', media: [PHOTO], position: at },
      { outcome: 'maybe', media: [PHOTO], position: at },
    ])
      expect((await act(caseId, USERS.inspector, { action: 'inspect', ...body })).status).toBe(400);
    const failed = await act(caseId, USERS.inspector, {
      action: 'inspect',
      outcome: 'fail',
      media: [PHOTO],
      position: at,
      note: '路面仍有泥',
    });
    expect(failed).toMatchObject({ status: 200, body: { status: 'reopened' } });
    expect(failed.body.history.at(-1)).toMatchObject({
      action: 'inspect',
      outcome: 'fail',
      position: at,
      distanceM: 11,
      media: [PHOTO],
      actor: 'inspector.zhou',
    });
  });

  it('a case people reported is resolved with a photo of the work, never without', async () => {
    const caseId = await caseIn('in_progress');
    expect(await act(caseId, USERS.landscaping, { action: 'resolve', note: 'done' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('resolved with a photo of the work') },
    });
    const resolved = await act(caseId, USERS.landscaping, { action: 'resolve', note: 'done', media: [PHOTO] });
    expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved' } });
  });
});

/**
 * Maintenance tickets (a device's own faults) are acted on by signed-in people, as cases:
 * the handlers of the unit that operates the device and the shift lead; the actor is the
 * token's user. City systems act through the IAM-signed route, naming themselves.
 */
describe('who may act on a maintenance ticket', () => {
  // A street sweeper's tracker, which Municipal Landscaping operates (handler.zhao's unit).
  const THING = 'sweeper-gs-01';
  let at = NOW;
  /** A new open ticket of the tracker's low battery (the one before, if open, fixed first by a system). */
  const freshTicket = async (): Promise<MaintenanceTicket> => {
    const raised: Signal = {
      kind: 'anomaly',
      category: 'device_low_battery',
      siteId: 'rt-01',
      thing: THING,
      evidence: { at: ++at, thing: THING, summary: 'battery 9 %' },
    };
    const signal = { ...raised, evidence: { ...raised.evidence, signalId: signalId(raised) } } as Signal & {
      category: 'device_low_battery';
    };
    const handled = await deps.maintenance.handle(signal);
    if (handled.outcome === 'ticket_opened') return handled.ticket;
    if (handled.outcome !== 'ticket_repeated') throw new Error(JSON.stringify(handled));
    await deps.maintenance.act(handled.ticket.ticketId, 'fix', { system: 'system:test' });
    return freshTicket();
  };
  const onTicket = async (
    ticketId: string,
    body: Record<string, unknown>,
    options: { user?: User; staff?: boolean; iamCaller?: string } = {},
  ) => {
    const staff = options.staff ?? Boolean(options.user);
    const result = await api({
      routeKey: staff ? 'POST /staff/tickets/{ticketId}/transitions' : 'POST /tickets/{ticketId}/transitions',
      rawPath: `${staff ? '/staff' : ''}/tickets/${ticketId}/transitions`,
      pathParameters: { ticketId },
      headers: options.user ? await signIn.bearer(options.user) : {},
      requestContext: options.iamCaller ? { authorizer: { iam: { userArn: options.iamCaller } } } : {},
      body: JSON.stringify(body),
    } as unknown as APIGatewayProxyEventV2);
    return { status: result.statusCode!, body: JSON.parse(result.body ?? 'null') };
  };

  const TICKET_RULES: [TicketAction, (keyof typeof USERS)[]][] = [
    ['acknowledge', ['landscaping', 'shiftLead']],
    ['fix', ['landscaping', 'shiftLead']],
  ];
  it.each(TICKET_RULES)(
    '%s: the operating unit’s handlers and the shift lead, as themselves',
    async (action, allowed) => {
      const { ticketId } = await freshTicket();
      const before = await deps.ticketStore.get(ticketId);
      for (const [key, user] of Object.entries(USERS)) {
        if (allowed.includes(key as keyof typeof USERS)) continue;
        const refused = await onTicket(ticketId, { action }, { user });
        expect(refused.status, `${action} by ${key}`).toBe(403);
        expect(refused.body).toMatchObject({ error: 'forbidden', message: expect.stringContaining(action) });
        expect(refused.body.localMessage).toMatch(/^(设备维护工单|本工单)的「/);
      }
      expect(await deps.ticketStore.get(ticketId)).toEqual(before);
      for (const key of allowed) {
        const theirs = key === allowed[0] ? ticketId : (await freshTicket()).ticketId;
        const done = await onTicket(theirs, { action, note: '已更换电池' }, { user: USERS[key] });
        expect(done.status, `${action} by ${key}`).toBe(200);
        expect((done.body as MaintenanceTicket).history.at(-1)).toMatchObject({
          action,
          actor: USERS[key].username,
          role: USERS[key].roles[0],
          note: '已更换电池',
        });
      }
    },
  );

  it('a handler of another unit is told whose device it is; no token is a 401, a body naming the actor a 400', async () => {
    const { ticketId } = await freshTicket();
    expect(await onTicket(ticketId, { action: 'acknowledge' }, { user: USERS.enforcement })).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message:
          'acknowledge on this ticket is for the handlers of municipal-landscaping, which operates the device; ' +
          'handler.sun handles for enforcement',
        localMessage:
          '本工单的「确认工单」由设备运维单位（区市政园林局）的处置人员或值班长办理；' +
          'handler.sun 属于区综合行政执法局',
      },
    });
    expect(await onTicket(ticketId, { action: 'acknowledge' }, { staff: true })).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated', localMessage: '请先登录' },
    });
    const named = await onTicket(ticketId, { action: 'acknowledge', actor: 'anyone' }, { user: USERS.shiftLead });
    expect(named).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('actor is not taken from the body') },
    });
    expect((await deps.ticketStore.get(ticketId))?.status).toBe('open');
  });

  it('the IAM route is for city systems: the actor names the system (a bare name is a 400), the signer is kept', async () => {
    const { ticketId } = await freshTicket();
    const before = await deps.ticketStore.get(ticketId);
    for (const actor of ['anyone', 'handler.zhao', 'system:', 'system:Ops Maintenance', undefined]) {
      const refused = await onTicket(ticketId, { action: 'acknowledge', ...(actor === undefined ? {} : { actor }) });
      expect(refused.status, String(actor)).toBe(400);
      expect(refused.body.message).toContain('system:<name>');
    }
    expect(await deps.ticketStore.get(ticketId)).toEqual(before);
    const caller = 'arn:aws:sts::123456789012:assumed-role/device-maintenance/session';
    const done = await onTicket(
      ticketId,
      { action: 'acknowledge', actor: 'system:device-maintenance' },
      { iamCaller: caller },
    );
    expect(done.status).toBe(200);
    expect((done.body as MaintenanceTicket).history.at(-1)).toEqual({
      action: 'acknowledge',
      from: 'open',
      to: 'acknowledged',
      actor: 'system:device-maintenance',
      caller,
      at: NOW,
    });
  });
});
