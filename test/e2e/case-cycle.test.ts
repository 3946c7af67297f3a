import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { Case } from '#shared/domain/case/model';
import { caseStack } from '../support/case-stack.ts';
import { USERS } from '../support/users.ts';
import { tinyJpeg } from '../support/images.ts';

/**
 * The cycle with roles through the local stack's API, each step by the role it belongs to:
 * a citizen's report → registered by the clerk → dispatched → returned by the wrong unit →
 * redispatched to the right one → an extension asked for and approved → a leader's
 * supervision notice → resolved with a photo → the inspector's on-site check (photo and
 * position) fails (rework) → resolved again → the check passes → closed by the shift lead;
 * the case events in that order.
 */
const START = Date.parse('2026-12-02T09:00:00+08:00');
const model = await loadDistrictDir();
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  s = await caseStack(model, START, { dynamoEndpoint: inject('dynamoEndpoint') });
});
afterAll(() => s?.stop());

const post = <T>(path: string, body: unknown) => s.post<T>(path, body);

describe('the case cycle, role by role', () => {
  it('return, redispatch, extension, supervision, resolve with photo, failed check, rework, passed, close; events in order', async () => {
    const reported = await post<{ case: Case }>('/cases/reports', {
      source: 'public',
      classId: 'street-trading',
      componentId: 'gr-016',
      description: '早市摊贩占道经营',
      urgency: 'pressing',
    });
    expect(reported.status).toBe(201);
    const id = reported.body.case.caseId;
    const step = async (user: (typeof USERS)[keyof typeof USERS], body: Record<string, unknown>) => {
      const answer = await s.act(id, user, body);
      expect(answer.status, `${body.action}: ${answer.body.message ?? ''}`).toBe(200);
      return answer.body;
    };
    const photo = () => s.uploadJpeg(tinyJpeg());
    const { location } = reported.body.case;
    const onSite = { lat: location.lat + 0.0001, lon: location.lon };

    await step(USERS.clerk, { action: 'register' });
    const first = await step(USERS.dispatcher, { action: 'dispatch', unitId: 'municipal-landscaping' });
    expect(first.leadUnit).toBe('municipal-landscaping');
    await step(USERS.landscaping, { action: 'return', note: '占道经营归执法局' });
    const second = await step(USERS.dispatcher, { action: 'dispatch', unitId: 'enforcement' });
    expect(second.leadUnit).toBe('enforcement');
    const until = second.dueAt + 24 * 3_600_000;
    await step(USERS.enforcement, { action: 'request_extension', until, note: '需联合市场监管部门' });
    expect((await step(USERS.shiftLead, { action: 'approve_extension' })).dueAt).toBe(until);
    const pressed = await step(USERS.leader, { action: 'supervise', note: '群众反映强烈，请尽快处理' });
    expect(pressed.supervision).toMatchObject({ count: 1, by: 'leader.zheng', level: 'leader' });
    await step(USERS.enforcement, { action: 'start' });
    const firstPhoto = await photo();
    await step(USERS.enforcement, { action: 'resolve', note: '已劝离', media: [firstPhoto] });
    const failedCheck = await photo();
    const reworked = await step(USERS.inspector, {
      action: 'inspect',
      outcome: 'fail',
      note: '核查未通过：摊贩又回来了',
      media: [failedCheck],
      position: onSite,
    });
    expect(reworked.status).toBe('reopened');
    const secondPhoto = await photo();
    await step(USERS.enforcement, { action: 'resolve', note: '已取缔并清理', media: [secondPhoto] });
    const passedCheck = await photo();
    const verified = await step(USERS.inspector, {
      action: 'inspect',
      outcome: 'pass',
      note: '核查通过',
      media: [passedCheck],
      position: onSite,
    });
    expect(verified.status).toBe('verified');
    expect(verified.history.at(-1)).toMatchObject({ outcome: 'pass', position: onSite, distanceM: 11 });
    const closed = await step(USERS.shiftLead, { action: 'close' });

    expect(closed.history.map((h) => [h.action, h.actor, h.role ?? null])).toEqual([
      ['open', 'public:anonymous', null],
      ['register', 'clerk.wang', 'intake_clerk'],
      ['dispatch', 'dispatcher.chen', 'dispatcher'],
      ['return', 'handler.zhao', 'handler'],
      ['dispatch', 'dispatcher.chen', 'dispatcher'],
      ['request_extension', 'handler.sun', 'handler'],
      ['approve_extension', 'lead.li', 'shift_lead'],
      ['supervise', 'leader.zheng', 'leader'],
      ['start', 'handler.sun', 'handler'],
      ['resolve', 'handler.sun', 'handler'],
      ['inspect', 'inspector.zhou', 'inspector'],
      ['resolve', 'handler.sun', 'handler'],
      ['inspect', 'inspector.zhou', 'inspector'],
      ['close', 'lead.li', 'shift_lead'],
    ]);
    expect(closed.history.filter((h) => h.action === 'resolve').map((h) => h.media)).toEqual([
      [firstPhoto],
      [secondPhoto],
    ]);

    const expected = [
      'CaseReported',
      'CaseRegistered',
      'CaseUpdated',
      'CaseReturned',
      'CaseUpdated',
      'CaseExtensionRequested',
      'CaseExtended',
      'CaseSupervised',
      'CaseUpdated',
      'CaseResolved',
      'CaseInspected',
      'CaseResolved',
      'CaseInspected',
      'CaseClosed',
    ];
    await vi.waitFor(
      () => expect(s.events().filter((e) => e.detail.data.caseId === id)).toHaveLength(expected.length),
      { timeout: 15_000 },
    );
    expect(
      s
        .events()
        .filter((e) => e.detail.data.caseId === id)
        .map((e) => e['detail-type']),
    ).toEqual(expected);
  });
});
