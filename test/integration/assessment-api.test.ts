import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { wireDeps } from '#shared/runtime/wiring';
import { assess } from '#shared/domain/assessment';
import { windowInstances } from '#shared/domain/sweep-windows';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import {
  CASES_ON_LIMITS,
  casesInSampleDistrict,
  DECEMBER,
  LIMITS,
  local,
  NOVEMBER,
  withoutLimits,
} from '../support/assessment-fixture.ts';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

const sample = await loadDistrictDir();
const model = withoutLimits(sample);
const cases = casesInSampleDistrict();
let api: ReturnType<typeof opsApi>;

/** `GET /assessment` through an ops API handler. */
const assessmentFrom = (handler: () => ReturnType<typeof opsApi>) => async (query: Record<string, string>) => {
  const result = await handler()({
    routeKey: 'GET /assessment',
    rawPath: '/assessment',
    queryStringParameters: query,
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};
const get = assessmentFrom(() => api);

beforeAll(async () => {
  const env = await testTables('assess');
  const deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(NOVEMBER.asOf),
    log: recordingLog(),
    metrics: recordingMetrics(),
  });
  await deps.registry.putModel(model);
  // The fixture's cases as the case store keeps them (a case opened a year and more before, which cannot count, too).
  const ancient = {
    ...cases[0]!,
    caseId: 'ancient',
    openedAt: Date.UTC(2025, 0, 1),
    history: [{ ...cases[0]!.history[0]!, at: Date.UTC(2025, 0, 1) }],
  };
  for (const c of [...cases, ancient])
    await env.doc.send(new PutCommand({ TableName: env.tables.cases, Item: caseItem(c) }));
  api = opsApi(deps);
});

describe('GET /assessment against DynamoDB Local', () => {
  it('answers with the figures of the cases stored, by unit, as the assessment computes them', async () => {
    const { status, body } = await get({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    expect(status).toBe(200);
    const devices = model.devices.map(({ thing, kind }) => ({ thing, kind }));
    const { names, ...figures } = body;
    const expected = assess(cases, { ...NOVEMBER, by: 'unit', devices });
    // The sweeping windows come from the registry's routes and the coverage table: the next test checks them.
    expected.sensors.sweepingCoverage = figures.sensors.sweepingCoverage;
    expect(figures).toEqual(
      JSON.parse(JSON.stringify({ districtId: 'gongshu', timeZone: 'Asia/Shanghai', locale: 'zh-CN', ...expected })),
    );
    // Units named where the registry knows them (the fixture's units are not departments of the sample district).
    expect(names).toMatchObject(Object.fromEntries(model.departments.map((d) => [d.unitId, d.name])));
    // The hand-computed figures of the fixture (test/unit/assessment.test.ts), seen through the API.
    expect(body.total).toMatchObject({
      registered: 9,
      due: 8,
      closedOnTime: 4,
      onTimeClosureRate: 0.5,
      reworked: 1,
      voided: 1,
      escalations: 1,
      sensorVerifiedClosures: 2,
    });
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['platform', 'sanitation', 'market-office']);
    expect(body.previous.total).toMatchObject({ registered: 2, closedOnTime: 1 });
    expect(body.sensors.deviceAvailability.byKind).toEqual({
      bins: 1 - 12 / (model.devices.filter((d) => d.kind === 'bins').length * 720),
      cameras: 1,
      sweepers: 1,
    });
  });

  it('judges every sweeping window of the month that ended by its stored coverage', async () => {
    const { body } = await get({ month: '2026-11' });
    const routes = model.sites.filter((s) => s.siteKind === 'sweeping_route');
    const expected = routes.flatMap((r) =>
      windowInstances(r, 'Asia/Shanghai', body.period.from, body.period.cutoff - 1)
        .filter((w) => w.from >= body.period.from && w.to <= body.period.cutoff)
        .map(() => r.segments.length),
    );
    // Nobody swept in this test: every scheduled segment-window is missed.
    expect(body.sensors.sweepingCoverage.total).toEqual({
      windows: expected.length,
      segmentWindows: expected.reduce((a, b) => a + b, 0),
      sweptInTime: 0,
      share: 0,
    });
    expect(expected.length).toBeGreaterThan(30);
    expect(body.sensors.sweepingCoverage.byRoute.map((r: { routeId: string }) => r.routeId)).toEqual(
      routes.map((r) => r.siteId).sort(),
    );
    for (const r of routes) expect(body.names[r.siteId]).toBe(r.name);
  });

  it('groups by grid and judges on working days with the district’s calendar', async () => {
    const byGrid = await get({ from: String(NOVEMBER.from), to: String(NOVEMBER.to), by: 'grid', hours: 'working' });
    expect(byGrid.status).toBe(200);
    expect(byGrid.body).toMatchObject({ by: 'grid', hours: 'working' });
    expect(byGrid.body.groups.map((g: { key: string }) => g.key).sort()).toEqual(['gs-hushu-c1-g2', 'gs-xiaohe-c2-g1']);
    expect(byGrid.body.names['gs-xiaohe-c2-g1']).toBe(model.grids.find((g) => g.gridId === 'gs-xiaohe-c2-g1')!.name);
  });

  it('takes a month of the district’s calendar, and names streets', async () => {
    const { status, body } = await get({ month: '2026-11', by: 'street' });
    expect(status).toBe(200);
    expect(body.period).toMatchObject({ from: Date.UTC(2026, 9, 31, 16), to: Date.UTC(2026, 10, 30, 16) });
    // Shanghai's November starts 8 hours before UTC's: G (31 Oct 23:00 UTC) is in it, H (30 Nov 23:30 UTC) is not.
    expect(body.groups.map((g: { key: string; registered: number }) => [body.names[g.key], g.registered])).toEqual([
      [model.streets.find((s) => s.streetId === 'gs-xiaohe')!.name, 7],
      [model.streets.find((s) => s.streetId === 'gs-hushu')!.name, 2],
    ]);
  });

  it('refuses a bad period, grouping or district with the reason', async () => {
    expect(await get({ from: '2026-12-01', to: '2026-11-01' })).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: expect.stringMatching(/to must be after from/) },
    });
    expect(await get({ from: '2024-01-01', to: '2026-01-01' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/at most 370 days/) },
    });
    expect(await get({ from: '2026-11-01', to: '2026-12-01', by: 'team' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/by/) },
    });
    expect(await get({ from: 'yesterday', to: '2026-12-01' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/from must be epoch milliseconds or an ISO time/) },
    });
    expect(await get({ month: '2026-13' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/month must be YYYY-MM/) },
    });
    for (const query of <Record<string, string>[]>[
      { month: '2026-11', from: '2026-11-01' },
      { from: '2026-11-01' },
      { month: '2026-11', quarter: '2026-Q4' },
      { quarter: '2026-Q4', half: '2026-H2' },
    ])
      expect(await get(query)).toMatchObject({
        status: 400,
        body: { message: expect.stringMatching(/one of month, quarter or half, or both from and to/) },
      });
    expect(await get({ quarter: '2026-Q5' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/quarter must be YYYY-Q1 … YYYY-Q4/) },
    });
    expect(await get({ half: '2026-H3' })).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/half must be YYYY-H1 or YYYY-H2/) },
    });
    expect(await get({ from: '2026-11-01', to: '2026-12-01', districtId: 'nowhere' })).toMatchObject({
      status: 400,
      body: { message: 'no district "nowhere"' },
    });
  });
});

describe('GET /assessment on the district’s time limits and weights', () => {
  let limited: ReturnType<typeof opsApi>;
  const ask = assessmentFrom(() => limited);

  beforeAll(async () => {
    const env = await testTables('assess-limits');
    const deps = wireDeps({
      doc: env.doc,
      tables: env.tables,
      clock: fixedClock(DECEMBER.asOf),
      log: recordingLog(),
      metrics: recordingMetrics(),
    });
    // The district's own table (the fixture's: normal dispatch 2, handle 4, verify 2 working hours) and weights.
    const bare = withoutLimits(sample);
    const district = bare.districts[0]!;
    await deps.registry.putModel({
      ...bare,
      districts: [
        {
          ...district,
          classification: { ...district.classification!, timeLimits: LIMITS.of() },
          assessment: { weights: { onTimeDispatch: 50, noReturn: 50 } },
        },
      ],
    });
    for (const c of CASES_ON_LIMITS)
      await env.doc.send(
        new PutCommand({ TableName: env.tables.cases, Item: caseItem({ ...c, districtId: 'gongshu' }) }),
      );
    limited = opsApi(deps);
  });

  it('scores and ranks the units with the district’s weights, and gives the inspectors’ figures', async () => {
    const { status, body } = await ask({ month: '2026-12' });
    expect(status).toBe(200);
    // Hand-computed in test/unit/assessment.test.ts: dispatch on time and no return, weighed 50/50.
    expect(body.groups.map((g: { key: string; score: number; rank: number }) => [g.key, g.score, g.rank])).toEqual([
      ['landscaping', 100, 1],
      ['enforcement', 50, 2],
      ['office', null, null],
    ]);
    expect(body.groups[1]).toMatchObject({ due: 1, overdueUnhandled: 1, returned: 1, parked: 1 });
    expect(
      body.inspectors.map((i: { inspector: string; checkedOnTime: number }) => [i.inspector, i.checkedOnTime]),
    ).toEqual([
      ['inspector.qian', 0],
      ['inspector.zhou', 2],
    ]);
  });

  it('takes a quarter and a half-year of the district’s calendar', async () => {
    const quarter = await ask({ quarter: '2026-Q4' });
    expect(quarter.status).toBe(200);
    expect(quarter.body.period).toEqual({
      from: local('2026-10-01T00:00'),
      to: local('2027-01-01T00:00'),
      cutoff: local('2027-01-01T00:00'),
    });
    const half = await ask({ half: '2026-H2' });
    expect(half.body.period.from).toBe(local('2026-07-01T00:00'));
    // Every case is in December: the quarter and the half-year judge them as the month does.
    const month = await ask({ month: '2026-12' });
    for (const longer of [quarter, half]) {
      expect(longer.body.groups).toEqual(month.body.groups);
      expect(longer.body.inspectors).toEqual(month.body.inspectors);
    }
  });
});
