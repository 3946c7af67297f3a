import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { Case, Signal } from '#shared/domain/case/model';
import type { CityModel } from '#shared/domain/city-model';
import { classOf } from '#shared/domain/classification';
import { wireDeps } from '#shared/runtime/wiring';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { caseEventFor } from '#shared/events/case-events';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { USERS } from '../support/users.ts';

/**
 * Time limits are the district's configuration: a table by urgency (and a class's own) in
 * working hours, 08:30–12:00 and 13:30–17:30. Deadlines worked out by hand.
 */
const at = (local: string) => Date.parse(`${local}+08:00`);
const sample = await loadDistrictDir();
const clock = fixedClock(at('2026-12-04T15:00')); // a Friday afternoon
const districtId = sample.districts[0]!.districtId;
const fire = classOf(sample.districts[0]!.classification, 'bin_fire');
const configured: CityModel = {
  ...sample,
  districts: sample.districts.map((d) => ({
    ...d,
    calendar: {
      holidays: [],
      makeUpWorkdays: [],
      hours: [
        ['08:30', '12:00'],
        ['13:30', '17:30'],
      ],
    },
    classification: {
      ...d.classification!,
      timeLimits: {
        urgent: { register: 0.5, dispatch: 0.5, handle: 2, verify: 1 },
        pressing: { register: 1, dispatch: 1, handle: 3, verify: 2 },
        normal: { register: 2, dispatch: 2, handle: 16, verify: 4 },
      },
      // A fire has a tighter table of its own.
      classes: d.classification!.classes.map((c) =>
        c.classId === fire.classId
          ? {
              ...c,
              timeLimits: {
                urgent: { register: 0.25, dispatch: 0.25, handle: 1, verify: 0.5 },
                pressing: { register: 0.25, dispatch: 0.25, handle: 1, verify: 0.5 },
                normal: { register: 0.25, dispatch: 0.25, handle: 1, verify: 0.5 },
              },
            }
          : c,
      ),
    },
  })),
};
let deps: ReturnType<typeof wireDeps>;

beforeAll(async () => {
  const env = await testTables('limits');
  deps = wireDeps({ doc: env.doc, tables: env.tables, clock, log: recordingLog(), metrics: recordingMetrics() });
  await deps.registry.putModel(configured);
});

describe('deadlines from the district’s time limits, in working hours', () => {
  it('a pressing report registered on Friday afternoon is due on Monday morning, and dispatch restarts the handling clock', async () => {
    const { case: reported } = await deps.cases.report({
      districtId,
      source: 'public',
      classId: 'street-trading',
      componentId: 'gr-012',
      description: 'stalls on the pavement',
      urgency: 'pressing',
      media: [],
    });
    // 1 h to register it from Friday 15:00.
    expect(new Date(reported.registerBy!)).toEqual(new Date(at('2026-12-04T16:00')));
    // 1 h to dispatch and 3 h to handle from Friday 15:00: 2.5 h on Friday, 1.5 h from Monday 08:30.
    const registered = await deps.cases.act(reported.caseId, 'register', USERS.clerk);
    expect(new Date(registered.dueAt)).toEqual(new Date(at('2026-12-07T10:00')));
    // Dispatched at 16:00: 3 h of handling, 1.5 h on Friday and 1.5 h on Monday.
    clock.set(at('2026-12-04T16:00'));
    const dispatched = await deps.cases.act(reported.caseId, 'dispatch', USERS.dispatcher);
    expect(new Date(dispatched.dueAt)).toEqual(new Date(at('2026-12-07T10:00')));
    // Not late over the weekend; late at 10:01 on Monday.
    clock.set(at('2026-12-07T09:59'));
    const early = await deps.cases.escalateOverdue([districtId]);
    expect(early.escalated.map((c: Case) => c.caseId)).not.toContain(reported.caseId);
    clock.set(at('2026-12-07T10:01'));
    const late = await deps.cases.escalateOverdue([districtId]);
    expect(late.escalated.map((c: Case) => c.caseId)).toContain(reported.caseId);
  });

  it('a report left waiting past its registration limit is marked late once, with an event', async () => {
    clock.set(at('2026-12-04T15:00'));
    const { case: waiting } = await deps.cases.report({
      districtId,
      source: 'public',
      classId: 'street-trading',
      componentId: 'gr-014',
      description: 'stalls on the pavement',
      urgency: 'pressing',
      media: [],
    });
    clock.set(at('2026-12-04T15:59'));
    expect((await deps.cases.escalateOverdue([districtId])).late.map((c: Case) => c.caseId)).not.toContain(
      waiting.caseId,
    );
    clock.set(at('2026-12-04T16:01'));
    const { late } = await deps.cases.escalateOverdue([districtId]);
    const marked = late.find((c: Case) => c.caseId === waiting.caseId)!;
    expect(marked).toMatchObject({ status: 'received', late: { stage: 'register', since: at('2026-12-04T16:00') } });
    expect(marked.history.at(-1)).toMatchObject({ action: 'overdue', actor: 'cityops' });
    expect(caseEventFor({ id: 'e', oldImage: caseItem(waiting), newImage: caseItem(marked) })?.detailType).toBe(
      'CaseStageOverdue',
    );
    // Said once.
    clock.set(at('2026-12-04T16:30'));
    expect((await deps.cases.escalateOverdue([districtId])).late.map((c: Case) => c.caseId)).not.toContain(
      waiting.caseId,
    );
  });

  it('a class’s own limits come before the table’s: a fire a sensor registers at once is due within the hour and a half', async () => {
    clock.set(at('2026-12-04T16:45'));
    const signal: Signal = {
      kind: 'anomaly',
      category: 'bin_fire',
      siteId: 'gr-013',
      thing: 'bin-gs-013',
      evidence: { at: clock.now(), thing: 'bin-gs-013', summary: 'temperature 80 °C' },
    };
    const [opened] = await deps.cases.handle([signal]);
    const c = (opened as { case: Case }).case;
    expect(c.registeredAt).toBe(at('2026-12-04T16:45'));
    // 0.25 + 1 h from 16:45: 45 minutes on Friday, then 08:30–09:00 on Monday.
    expect(new Date(c.dueAt)).toEqual(new Date(at('2026-12-07T09:00')));
    // The sensor sees it out on Monday 08:45: the inspector has the fire's half hour to check it.
    clock.set(at('2026-12-07T08:45'));
    const [cleared] = await deps.cases.handle([
      { ...signal, kind: 'clear', evidence: { at: clock.now(), thing: 'bin-gs-013', summary: 'temperature 30 °C' } },
    ]);
    expect(cleared).toMatchObject({ outcome: 'resolved' });
    expect(new Date((cleared as { case: Case }).case.verifyBy!)).toEqual(new Date(at('2026-12-07T09:15')));
  });

  it('an approved extension moves the deadline, and escalation waits for the new one; a rejected one leaves it', async () => {
    clock.set(at('2026-12-04T15:00'));
    const open = async (componentId: string) => {
      const { outcome, case: c } = await deps.cases.report({
        districtId,
        source: 'public',
        classId: 'street-trading',
        componentId,
        description: 'stalls on the pavement',
        urgency: 'pressing',
        media: [],
      });
      expect(outcome).toBe('received');
      await deps.cases.act(c.caseId, 'register', USERS.clerk);
      return deps.cases.act(c.caseId, 'dispatch', USERS.dispatcher, { unitId: 'enforcement' });
    };
    // Dispatched at once: 3 h of handling from Friday 15:00 is Monday 09:00.
    const extended = await open('gr-002');
    expect(new Date(extended.dueAt)).toEqual(new Date(at('2026-12-07T09:00')));
    const asked = await deps.cases.act(extended.caseId, 'request_extension', USERS.enforcement, {
      until: at('2026-12-08T12:00'),
      note: '摊主需要两天时间搬离',
    });
    expect(asked.extension).toMatchObject({
      state: 'requested',
      until: at('2026-12-08T12:00'),
      requestedBy: 'handler.sun',
    });
    expect(asked.dueAt).toBe(extended.dueAt);
    await expect(
      deps.cases.act(extended.caseId, 'request_extension', USERS.enforcement, {
        until: at('2026-12-09T12:00'),
        note: 'again',
      }),
    ).rejects.toThrow('an extension is already waiting for a decision');
    const approved = await deps.cases.act(extended.caseId, 'approve_extension', USERS.shiftLead);
    expect(approved).toMatchObject({
      dueAt: at('2026-12-08T12:00'),
      extension: { state: 'approved', decidedBy: 'lead.li' },
    });

    const rejected = await open('gr-027');
    await deps.cases.act(rejected.caseId, 'request_extension', USERS.enforcement, {
      until: at('2026-12-08T12:00'),
      note: '人手不足',
    });
    const refused = await deps.cases.act(rejected.caseId, 'reject_extension', USERS.shiftLead, {
      note: '今天可以完成',
    });
    expect(refused).toMatchObject({ dueAt: rejected.dueAt, extension: { state: 'rejected', note: '今天可以完成' } });

    clock.set(at('2026-12-07T09:01'));
    const late = (await deps.cases.escalateOverdue([districtId])).escalated.map((c: Case) => c.caseId);
    expect(late).toContain(rejected.caseId);
    expect(late).not.toContain(extended.caseId);
  });

  it('a parked case’s clock stops: unparked, it has the working time it had left', async () => {
    clock.set(at('2026-12-04T15:00'));
    const { case: c } = await deps.cases.report({
      districtId,
      source: 'public',
      classId: 'street-trading',
      componentId: 'gr-021',
      description: 'a kiosk built on the pavement',
      urgency: 'pressing',
      media: [],
    });
    await deps.cases.act(c.caseId, 'register', USERS.clerk);
    // Dispatched at 15:00: due Monday 09:00 (3 working hours).
    const dispatched = await deps.cases.act(c.caseId, 'dispatch', USERS.dispatcher, { unitId: 'enforcement' });
    expect(new Date(dispatched.dueAt)).toEqual(new Date(at('2026-12-07T09:00')));
    // Parked at 16:00 with 2 working hours left (1.5 on Friday, 0.5 on Monday).
    clock.set(at('2026-12-04T16:00'));
    const parked = await deps.cases.act(c.caseId, 'park', USERS.shiftLead, {
      note: '需待道路改造后处理',
      reviewAt: at('2026-12-08T09:00'),
    });
    expect(parked).toMatchObject({
      status: 'parked',
      parked: { from: 'dispatched', reviewAt: at('2026-12-08T09:00') },
    });
    // Not escalated while parked, though its old deadline passes.
    clock.set(at('2026-12-07T09:30'));
    expect((await deps.cases.escalateOverdue([districtId])).escalated.map((x: Case) => x.caseId)).not.toContain(
      c.caseId,
    );
    // Unparked on Tuesday at 10:00: back to dispatched, due 2 working hours later, at 12:00.
    clock.set(at('2026-12-08T10:00'));
    const unparked = await deps.cases.act(c.caseId, 'unpark', USERS.shiftLead);
    expect(unparked.status).toBe('dispatched');
    expect(unparked.parked).toBeUndefined();
    expect(new Date(unparked.dueAt)).toEqual(new Date(at('2026-12-08T12:00')));
  });
});
