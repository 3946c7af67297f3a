import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import type { Case, CaseAction, CaseStatus } from '#shared/domain/cases';
import type { User } from '#shared/domain/roles';
import { wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { testSignIn, USERS } from '../support/users.ts';

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

beforeAll(async () => {
  const env = await testTables('roles');
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOW),
    log: recordingLog(),
    metrics: recordingMetrics(),
    identity: (signIn = await testSignIn()).identity,
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
  const site = model.sites.filter((s) => s.siteKind === 'garbage_room')[n++ % 20]!;
  const { case: c } = await deps.cases.report({
    districtId: model.districts[0]!.districtId,
    source: 'public',
    classId: 'dirty-road',
    componentId: site.siteId,
    description: 'mud across the road',
    media: [],
  });
  const path: Partial<Record<CaseStatus, [CaseAction, User][]>> = {
    received: [],
    checking: [['check', USERS.clerk]],
    open: [['register', USERS.clerk]],
    dispatched: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
    ],
    resolved: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
      ['resolve', USERS.landscaping],
    ],
    verified: [
      ['register', USERS.clerk],
      ['dispatch', USERS.dispatcher],
      ['resolve', USERS.landscaping],
      ['verify', USERS.inspector],
    ],
  };
  for (const [action, user] of path[status]!) await deps.cases.act(c.caseId, action, user);
  return c.caseId;
}

// action, the status it is taken from, body, who may take it
const RULES: [CaseAction, CaseStatus, Record<string, unknown>, (keyof typeof USERS)[]][] = [
  ['check', 'received', {}, ['clerk', 'shiftLead']],
  ['register', 'received', {}, ['clerk', 'shiftLead']],
  ['refuse', 'received', { reason: 'not_city_management' }, ['clerk', 'shiftLead']],
  ['dispatch', 'open', {}, ['dispatcher', 'shiftLead']],
  ['start', 'dispatched', {}, ['landscaping']],
  ['resolve', 'dispatched', {}, ['landscaping']],
  ['verify', 'resolved', {}, ['inspector']],
  ['reopen', 'resolved', {}, ['inspector', 'shiftLead']],
  ['close', 'verified', {}, ['shiftLead']],
  ['void', 'open', { note: 'a test case' }, ['shiftLead']],
];

describe('who may take each action', () => {
  it.each(RULES)('%s (from %s)', async (action, from, body, allowed) => {
    const caseId = await caseIn(from);
    const before = await deps.caseStore.get(caseId);
    for (const [key, user] of Object.entries(USERS)) {
      if (allowed.includes(key as keyof typeof USERS)) continue;
      const refused = await act(caseId, user, { action, ...body });
      expect(refused.status, `${action} by ${key}`).toBe(403);
      expect(refused.body.error).toBe('forbidden');
      expect(refused.body.message).toContain(action);
    }
    expect(await deps.caseStore.get(caseId)).toEqual(before);
    for (const key of allowed) {
      const caseOfTheirs = key === allowed[0] ? caseId : await caseIn(from);
      const done = await act(caseOfTheirs, USERS[key], { action, ...body });
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
      },
    });
    // The street office co-operates on sanitation cases: its handler may act too.
    const c = (await deps.caseStore.get(caseId))!;
    const street = { username: 'handler.street', roles: ['handler' as const], unitId: c.coUnits[0]! };
    expect((await act(caseId, street, { action: 'start' })).status).toBe(200);
  });
});
