import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { signalId, type Case, type Signal } from '#shared/domain/case/model';
import type { CityModel } from '#shared/domain/city-model';
import type { RegistrationRule } from '#shared/domain/classification';
import { wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { testSignIn } from '../support/users.ts';

const NOW = Date.UTC(2026, 11, 1, 2, 0);
const sample = await loadDistrictDir();
const clock = fixedClock(NOW);
let deps: ReturnType<typeof wireDeps>;
let api: ReturnType<typeof opsApi>;
let signIn: Awaited<ReturnType<typeof testSignIn>>;
/** A grid worker of the grid the reports are in (their reports are sent signed in). */
const GRID_WORKER = { username: 'grid-worker-12', roles: ['grid_worker' as const], unitId: 'gs-hushu-c1-g1' };

beforeAll(async () => {
  const env = await testTables('intake');
  signIn = await testSignIn();
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock,
    log: recordingLog(),
    metrics: recordingMetrics(),
    identity: signIn.identity,
  });
  await deps.registry.putModel(sample);
  api = opsApi(deps);
});

/** The sample district with one class's registration rule changed: configuration only. */
const withRule = (classId: string, registration: RegistrationRule): CityModel => ({
  ...sample,
  districts: sample.districts.map((d) => ({
    ...d,
    classification: {
      ...d.classification!,
      classes: d.classification!.classes.map((c) => (c.classId === classId ? { ...c, registration } : c)),
    },
  })),
});

const overflow = (siteId: string, thing: string): Signal => {
  const s: Signal = {
    kind: 'anomaly',
    category: 'garbage_overflow',
    siteId,
    thing,
    evidence: { at: clock.now(), thing, summary: 'fill 95% for 2 readings' },
  };
  return { ...s, evidence: { ...s.evidence, signalId: signalId(s) } };
};

const post = async (body: unknown) => {
  const result = await api({
    routeKey: 'POST /cases/reports',
    rawPath: '/cases/reports',
    headers: await signIn.bearer(GRID_WORKER),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};

describe('registration rules are the district’s configuration', () => {
  it('one class’s rule changed in the registry changes what an overflow becomes, with no code change', async () => {
    const [asSampled] = await deps.cases.handle([overflow('gr-010', 'bin-gs-010')]);
    expect(asSampled).toMatchObject({ outcome: 'opened', case: { status: 'received', classId: 'exposed-garbage' } });

    await deps.registry.putModel(withRule('exposed-garbage', { rule: 'auto' }));
    clock.set(clock.now() + 61_000); // the configuration is read again after a minute
    const [auto] = await deps.cases.handle([overflow('gr-011', 'bin-gs-011')]);
    expect(auto).toMatchObject({ outcome: 'opened', case: { status: 'open', registeredAt: clock.now() } });

    await deps.registry.putModel(withRule('exposed-garbage', { rule: 'check' }));
    clock.set(clock.now() + 61_000);
    const [check] = await deps.cases.handle([overflow('gr-012', 'bin-gs-012')]);
    expect(check).toMatchObject({ outcome: 'opened', case: { status: 'checking' } });

    await deps.registry.putModel(sample);
    clock.set(clock.now() + 61_000);
  });
});

describe('POST /cases/reports', () => {
  const room = sample.sites.find((s) => s.siteId === 'gr-003')!;
  const at = room.siteKind === 'garbage_room' ? room.location : { lat: 0, lon: 0 };
  const report = (over: Record<string, unknown> = {}) => ({
    source: 'grid_worker',
    classId: 'piled-goods',
    location: at,
    description: '店外堆放纸箱 cartons piled on the pavement',
    urgency: 'normal',
    ...over,
  });

  it('receives a report in its grid, and a second one nearby joins it', async () => {
    const first = await post(report());
    expect(first).toMatchObject({
      status: 201,
      body: {
        outcome: 'received',
        case: {
          status: 'received',
          source: 'grid_worker',
          category: 'piled_goods',
          classCode: '20202',
          gridId: room.gridId,
          leadUnit: 'enforcement',
          history: [{ action: 'open', to: 'received', actor: 'grid_worker:grid-worker-12' }],
        },
      },
    });
    const second = await post(report({ source: 'public', location: { lat: at.lat + 0.0002, lon: at.lon } }));
    expect(second).toMatchObject({
      status: 200,
      body: { outcome: 'merged', case: { caseId: first.body.case.caseId } },
    });
    const stored = (await deps.caseStore.get(first.body.case.caseId)) as Case;
    expect(stored.reports!.map((r) => r.source)).toEqual(['grid_worker', 'public']);
    expect(stored.history.at(-1)).toMatchObject({ action: 'merge', actor: 'public:anonymous' });

    // Beyond the class's merge distance (50 m): a case of its own.
    const far = await post(report({ location: { lat: at.lat + 0.002, lon: at.lon } }));
    expect(far.body.outcome).toBe('received');
    expect(far.body.case.caseId).not.toBe(first.body.case.caseId);
  });

  it.each([
    ['an unknown class', { classId: 'flying-saucer' }, /no class "flying-saucer"/],
    ['no place', { location: undefined }, /location/],
    ['a device source', { source: 'iot' }, /source/],
    ['a bad urgency', { urgency: 'whenever' }, /urgency/],
    ['an unknown component', { location: undefined, componentId: 'gr-999' }, /no component "gr-999"/],
    ['an unknown district', { districtId: 'atlantis' }, /no district "atlantis"/],
    ['an empty description', { description: '   ' }, /description/],
    ['a point off the globe', { location: { lat: 95, lon: 0 } }, /lat/],
    ['too many media', { media: Array.from({ length: 21 }, (_, i) => `md-${i}`) }, /media/],
    ['a short sender number', { externalId: 'abc' }, /externalId/],
    ['a 12345 ticket as a report', { source: 'hotline_12345', externalId: 'T2026120100001' }, /hotline/],
  ])('refuses %s with 400 and the reason', async (_what, over, message) => {
    const answer = await post(report(over));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(message);
  });

  it('says in Chinese too what a person can put right: the class, the component, the place', async () => {
    expect((await post(report({ classId: 'flying-saucer' }))).body.localMessage).toBe(
      '本辖区的立案分类中没有 flying-saucer，请重新选择问题类别',
    );
    expect((await post(report({ location: undefined, componentId: 'gr-999' }))).body.localMessage).toBe(
      '本辖区没有部件 gr-999',
    );
  });

  it('takes a report sent again with its sender number once: the retry answers the same case', async () => {
    const key = 'fa-2c1b7d0e9f4a4b3c';
    const place = { lat: at.lat - 0.003, lon: at.lon };
    const first = await post(report({ externalId: key, location: place, description: '纸箱堆在人行道上' }));
    expect(first).toMatchObject({ status: 201, body: { outcome: 'received' } });
    const again = await post(report({ externalId: key, location: place, description: '纸箱堆在人行道上' }));
    expect(again).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', case: { caseId: first.body.case.caseId } },
    });
    // Sent twice at once: one report between them.
    const other = 'fa-88aa77bb66cc55dd';
    const both = await Promise.all([0, 1].map(() => post(report({ externalId: other, location: place }))));
    expect(both.map((b) => b.body.case.caseId)).toEqual([first.body.case.caseId, first.body.case.caseId]);
    expect(both.map((b) => b.body.outcome).sort()).toEqual(['duplicate', 'merged']);
    const stored = (await deps.caseStore.get(first.body.case.caseId)) as Case;
    expect(stored.reports!.map((r) => r.externalId)).toEqual([key, other]);
  });

  it('refuses a body that is not JSON with 400', async () => {
    expect((await post('{"source":')).status).toBe(400);
  });
});
