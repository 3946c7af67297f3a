import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import type { Case } from '#shared/domain/case/model';
import { FolderMediaStore } from '#shared/adapters/media-store/folder';
import { wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { testSignIn, USERS } from '../support/users.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

/** The 12345 hand-over against DynamoDB Local: one report per ticket number, however it is sent. */
const NOW = Date.UTC(2026, 11, 1, 2, 0);
const sample = await loadDistrictDir();
const clock = fixedClock(NOW);
let deps: ReturnType<typeof wireDeps>;
let api: ReturnType<typeof opsApi>;
let signIn: Awaited<ReturnType<typeof testSignIn>>;

beforeAll(async () => {
  const env = await testTables('hotline');
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock,
    log: recordingLog(),
    metrics: recordingMetrics(),
    media: new FolderMediaStore(mkdtempSync(join(tmpdir(), 'cityops-hotline-media-')), () => 'http://127.0.0.1:1'),
    identity: (signIn = await testSignIn()).identity,
  });
  await deps.registry.putModel(sample);
  api = opsApi(deps);
});

const call = async (
  routeKey: string,
  path: string,
  body: unknown,
  pathParameters?: Record<string, string>,
  headers: Record<string, string> = {},
) => {
  const result = await api({
    routeKey,
    rawPath: path,
    pathParameters,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};
const handOver = (body: unknown) => call('POST /hotline/12345/tickets', '/hotline/12345/tickets', body);

/** Places inside the district, each far from the others (a garbage room's). */
const placeOf = (siteId: string) => {
  const room = sample.sites.find((s) => s.siteId === siteId)!;
  return room.siteKind === 'garbage_room' ? room.location : { lat: 0, lon: 0 };
};
const at = placeOf('gr-020');
const ticket = (ticketNo: string, over: Record<string, unknown> = {}) => ({
  ticketNo,
  classId: 'street-trading',
  location: at,
  address: '湖墅南路 120 号门口',
  description: '市民来电：路口有流动摊贩占道经营',
  caller: { name: '张女士', phone: '13800000000' },
  ...over,
});
const reportsOf = async (caseId: string, ticketNo: string) =>
  ((await deps.caseStore.get(caseId)) as Case).reports!.filter((r) => r.externalId === ticketNo);

describe('POST /hotline/12345/tickets', () => {
  it('takes a ticket in as a hotline_12345 report, and the same ticket again answers its case and adds nothing', async () => {
    const first = await handOver(ticket('HL20261201-0001'));
    expect(first).toMatchObject({
      status: 201,
      body: {
        ticketNo: 'HL20261201-0001',
        outcome: 'received',
        status: 'received',
        case: {
          source: 'hotline_12345',
          classId: 'street-trading',
          reports: [
            {
              source: 'hotline_12345',
              externalId: 'HL20261201-0001',
              reporter: { name: '张女士', phone: '13800000000' },
              address: '湖墅南路 120 号门口',
            },
          ],
        },
      },
    });
    const again = await handOver(ticket('HL20261201-0001', { description: 'resent by the hotline' }));
    expect(again).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', caseId: first.body.caseId },
    });
    expect(await reportsOf(first.body.caseId, 'HL20261201-0001')).toHaveLength(1);
    expect(((await deps.caseStore.get(first.body.caseId)) as Case).version).toBe(first.body.case.version);
  });

  it('keeps one report when the same ticket arrives ten times at once', async () => {
    const elsewhere = { location: placeOf('gr-027') };
    const answers = await Promise.all(Array.from({ length: 10 }, () => handOver(ticket('HL20261201-0002', elsewhere))));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    expect(created[0]!.body.outcome).toBe('received');
    expect(answers.filter((a) => a.status === 200).map((a) => a.body.outcome)).toEqual(Array(9).fill('duplicate'));
    expect(new Set(answers.map((a) => a.body.caseId)).size).toBe(1);
    expect(await reportsOf(created[0]!.body.caseId, 'HL20261201-0002')).toHaveLength(1);
  });

  it('a second ticket about the same stall joins the case; resending either adds nothing', async () => {
    const near = placeOf('gr-010');
    const first = await handOver(ticket('HL20261201-0003', { location: near }));
    const second = await handOver(ticket('HL20261201-0004', { location: { lat: near.lat + 0.0003, lon: near.lon } }));
    expect(second.body).toMatchObject({ outcome: 'merged', caseId: first.body.caseId });
    await Promise.all([handOver(ticket('HL20261201-0003')), handOver(ticket('HL20261201-0004'))]);
    const stored = (await deps.caseStore.get(first.body.caseId)) as Case;
    expect(stored.reports!.map((r) => r.externalId)).toEqual(['HL20261201-0003', 'HL20261201-0004']);
  });

  it('a ticket outside the district is refused with its reason, and stays refused when resent', async () => {
    const outside = await handOver(ticket('HL20261201-0005', { location: { lat: 31.9, lon: 118.8 } }));
    expect(outside).toMatchObject({
      status: 201,
      body: { outcome: 'refused', case: { refusal: { reason: 'outside_district' } } },
    });
    const again = await handOver(ticket('HL20261201-0005', { location: { lat: 31.9, lon: 118.8 } }));
    expect(again.body).toMatchObject({ outcome: 'duplicate', caseId: outside.body.caseId, status: 'refused' });
  });

  it.each([
    ['no ticket number', { ticketNo: undefined }, /ticketNo/],
    ['a ticket number with a slash', { ticketNo: 'HL/1' }, /ticketNo/],
    ['an unknown class', { classId: 'flying-saucer' }, /no class "flying-saucer"/],
    ['no place', { location: undefined }, /location/],
    ['an empty description', { description: ' ' }, /description/],
    ['a field the contract does not have', { source: 'public' }, /source/],
    ['media not uploaded', { media: ['md-20261201-0000000000000000'] }, /no media/],
  ])('refuses %s with 400 and the reason', async (_what, over, message) => {
    const answer = await handOver(ticket('HL20261201-0099', over));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(message);
  });
});

describe('media on transitions', () => {
  it('refuses a photo that was never uploaded with 400, and keeps the case as it was', async () => {
    const taken = await handOver(ticket('HL20261201-0010', { location: placeOf('gr-005') }));
    const answer = await call(
      'POST /cases/{caseId}/transitions',
      `/cases/${taken.body.caseId}/transitions`,
      { action: 'register', media: ['md-20261201-00000000000000ff'] },
      { caseId: taken.body.caseId },
      await signIn.bearer(USERS.clerk),
    );
    expect(answer).toMatchObject({ status: 400, body: { message: expect.stringMatching(/no media/) } });
    expect(((await deps.caseStore.get(taken.body.caseId)) as Case).status).toBe('received');
  });
});
