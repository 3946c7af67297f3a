import { describe, expect, it } from 'vitest';
import { transition } from '#shared/domain/case/actions';
import { IllegalTransitionError, MissingReasonError } from '#shared/domain/case/cycle';
import { escalate, nextRung } from '#shared/domain/case/escalation';
import { markLate } from '#shared/domain/case/lateness';
import type { Case } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { caseEventFor } from '#shared/events/case-events';
import { toOpen311Request } from '#shared/domain/open311';
import { refusalOf } from '#shared/domain/roles';

/**
 * The cycle's later actions in the domain: dispatch down to a community or grid (二级派遣),
 * the inspector's on-site check (核查), supervision notices (督办) and the escalation ladder.
 */
const NOW = Date.UTC(2026, 11, 2, 2, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const origin = {
  districtId: 'gongshu',
  siteId: 'gr-001',
  location: { lat: 30.3, lon: 120.14 },
  place: { gridId: 'g-07', communityId: 'c-03', streetId: 'st-hushu' },
  assignee: { name: 'Wang Fang', phone: '13857100000' },
};
const opened = openCase(
  'cs-1',
  { kind: 'anomaly', category: 'garbage_overflow', siteId: 'gr-001', evidence: { at: NOW, summary: 'full' } },
  origin,
  NOW,
);
const dispatched = transition(opened, 'dispatch', 'dispatcher.chen', NOW + MIN);
const started = transition(dispatched, 'start', 'handler.zhao', NOW + 2 * MIN);
const item = (c: Case) => ({ ...c, pk: `case#${c.caseId}`, sk: 'case', recordType: 'case' });
const eventOf = (before: Case, after: Case) =>
  caseEventFor({ id: 'e', oldImage: item(before), newImage: item(after) })?.detailType;

/** The Chinese words of the refusal `f` throws (else its English, so a wrong refusal shows). */
const chinese = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as MissingReasonError).localMessage ?? String(error);
  }
  throw new Error('it did not refuse');
};

describe('dispatch down (二级派遣)', () => {
  const down = transition(dispatched, 'dispatch_down', 'handler.street', NOW + 2 * MIN, {
    assignTo: { level: 'grid', id: 'g-07' },
    note: '请网格员处理',
  });

  it('hands the case to a grid, keeps its status and lead unit, and says so in an event', () => {
    expect(down).toMatchObject({
      status: 'dispatched',
      leadUnit: dispatched.leadUnit,
      assignedTo: { level: 'grid', id: 'g-07', at: NOW + 2 * MIN, by: 'handler.street' },
    });
    expect(down.history.at(-1)).toMatchObject({ action: 'dispatch_down', assignedTo: { level: 'grid', id: 'g-07' } });
    expect(eventOf(dispatched, down)).toBe('CaseDispatchedDown');
  });

  it('lets that grid’s grid worker start and resolve it, not another grid’s', () => {
    const worker = (unitId: string) => ({ username: 'grid.wu', roles: ['grid_worker' as const], unitId });
    expect(refusalOf(worker('g-07'), 'resolve', down)).toBeUndefined();
    expect(refusalOf(worker('g-08'), 'start', down)?.en).toBe(
      `start is for the handlers of ${[down.leadUnit, ...down.coUnits, 'g-07'].join(', ')}; grid.wu handles for g-08`,
    );
    // Before it was sent down, no grid worker may.
    expect(refusalOf(worker('g-07'), 'resolve', dispatched)?.en).toContain('grid.wu handles for g-07');
    // A grid worker never dispatches down.
    expect(refusalOf(worker('g-07'), 'dispatch_down', down)?.en).toContain('dispatch_down is for');
  });

  it('needs a place to send it to, not the one it is with; a new dispatch takes it back up', () => {
    expect(() => transition(dispatched, 'dispatch_down', 'x', NOW)).toThrow(MissingReasonError);
    expect(() =>
      transition(down, 'dispatch_down', 'x', NOW + 3 * MIN, { assignTo: { level: 'grid', id: 'g-07' } }),
    ).toThrow(IllegalTransitionError);
    expect(
      chinese(() => transition(down, 'dispatch_down', 'x', NOW + 3 * MIN, { assignTo: { level: 'grid', id: 'g-07' } })),
    ).toBe('不能二级派遣：案件已在网格 g-07');
    const returned = transition(down, 'return', 'handler.zhao', NOW + 3 * MIN, { note: '不是本单位' });
    const again = transition(returned, 'dispatch', 'dispatcher.chen', NOW + 4 * MIN, { unitId: 'enforcement' });
    expect(again.assignedTo).toBeUndefined();
  });
});

describe('inspection (核查)', () => {
  const resolved = transition(started, 'resolve', 'handler.zhao', NOW + HOUR);
  const near = { lat: 30.3001, lon: 120.14 }; // about 11 m north of the case

  it('passed: verified, with the photo, the position and its distance from the case, as CaseInspected', () => {
    const passed = transition(resolved, 'inspect', 'inspector.zhou', NOW + 2 * HOUR, {
      outcome: 'pass',
      media: ['md-1'],
      position: near,
      role: 'inspector',
    });
    expect(passed.status).toBe('verified');
    expect(passed.history.at(-1)).toEqual({
      action: 'inspect',
      from: 'resolved',
      to: 'verified',
      actor: 'inspector.zhou',
      role: 'inspector',
      at: NOW + 2 * HOUR,
      media: ['md-1'],
      outcome: 'pass',
      position: near,
      distanceM: 11,
    });
    expect(eventOf(resolved, passed)).toBe('CaseInspected');
  });

  it('failed: reopened for rework, with a note of what is left', () => {
    const failed = transition(resolved, 'inspect', 'inspector.zhou', NOW + 2 * HOUR, {
      outcome: 'fail',
      media: ['md-1'],
      position: near,
      note: '地面仍有垃圾',
    });
    expect(failed.status).toBe('reopened');
    expect(eventOf(resolved, failed)).toBe('CaseInspected');
  });

  it('is made on site: a photo, a position and an outcome, a note when it fails', () => {
    const base = { outcome: 'pass' as const, media: ['md-1'], position: near };
    expect(() => transition(resolved, 'inspect', 'i', NOW, { ...base, media: [] })).toThrow(/photo/);
    expect(() => transition(resolved, 'inspect', 'i', NOW, { outcome: 'pass', media: ['md-1'] })).toThrow(/position/);
    expect(() => transition(resolved, 'inspect', 'i', NOW, { media: ['md-1'], position: near })).toThrow(/outcome/);
    expect(() => transition(resolved, 'inspect', 'i', NOW, { ...base, outcome: 'fail' })).toThrow(/note/);
    expect(() => transition(dispatched, 'inspect', 'i', NOW, base)).toThrow(IllegalTransitionError);
  });

  it('says what is missing in Chinese too, as the inspector reads it on the phone', () => {
    expect(
      chinese(() => transition(resolved, 'inspect', 'i', NOW, { outcome: 'pass', media: [], position: near })),
    ).toBe('核查须附现场照片');
    expect(chinese(() => transition(dispatched, 'inspect', 'i', NOW))).toBe(
      '案件现为「已派遣」，不能核查（可核查的状态：待核查）',
    );
  });
});

describe('supervision notices (督办)', () => {
  it('flags the case with the latest notice and a count, a leader’s or the office’s, as CaseSupervised', () => {
    const first = transition(dispatched, 'supervise', 'leader.zheng', NOW + HOUR, {
      note: '今天下班前处理完',
      role: 'leader',
    });
    expect(first.supervision).toEqual({
      count: 1,
      at: NOW + HOUR,
      by: 'leader.zheng',
      level: 'leader',
      note: '今天下班前处理完',
    });
    expect(first.status).toBe('dispatched');
    expect(eventOf(dispatched, first)).toBe('CaseSupervised');
    const second = transition(first, 'supervise', 'lead.li', NOW + 2 * HOUR, { note: '再次督办', role: 'shift_lead' });
    expect(second.supervision).toMatchObject({ count: 2, level: 'office', by: 'lead.li' });
    expect(() => transition(dispatched, 'supervise', 'leader.zheng', NOW)).toThrow(MissingReasonError);
  });
});

describe('the escalation ladder', () => {
  it('goes to the street office, then the City Management Office, then a leader’s notice, and stops', () => {
    const late = dispatched.dueAt + MIN;
    const one = escalate(dispatched, late, late + 4 * HOUR)!;
    expect(one).toMatchObject({
      escalationLevel: 1,
      escalatedTo: 'st-hushu',
      dueAt: late + 4 * HOUR,
      unitDueAt: dispatched.dueAt,
    });
    expect(one.coUnits).toContain('st-hushu');
    expect(eventOf(dispatched, one)).toBe('CaseEscalated');
    expect(escalate(one, late + HOUR, late + 9 * HOUR)).toBeUndefined();
    const two = escalate(one, late + 4 * HOUR + MIN, late + 8 * HOUR)!;
    expect(two).toMatchObject({ escalationLevel: 2, escalatedTo: 'city-management-office' });
    expect(two.supervision).toBeUndefined();
    const three = escalate(two, late + 8 * HOUR + MIN, late + 12 * HOUR)!;
    expect(three).toMatchObject({
      escalationLevel: 3,
      escalatedTo: 'city-management-office',
      supervision: { count: 1, by: 'cityops', level: 'leader' },
      unitDueAt: dispatched.dueAt,
    });
    expect(eventOf(two, three)).toBe('CaseEscalated');
    expect(escalate(three, late + 13 * HOUR, late + 20 * HOUR)).toBeUndefined();
  });

  it('passes over a rung whose unit leads the case already', () => {
    expect(nextRung({ escalationLevel: 0, leadUnit: 'st-hushu', streetId: 'st-hushu' })).toEqual({
      level: 2,
      rung: 'city_management_office',
      unit: 'city-management-office',
    });
    expect(nextRung({ escalationLevel: 0, leadUnit: 'city-management-office', streetId: 'st-hushu' })).toEqual({
      level: 1,
      rung: 'street_office',
      unit: 'st-hushu',
    });
    expect(nextRung({ escalationLevel: 1, leadUnit: 'city-management-office', streetId: 'st-hushu' })).toEqual({
      level: 3,
      rung: 'leader',
    });
    expect(nextRung({ escalationLevel: 3, leadUnit: 'x', streetId: 'y' })).toBeUndefined();
  });
});

describe('stages past their deadline', () => {
  it('marks resolved work the inspector has not checked by verifyBy, once per resolution', () => {
    const resolved = { ...transition(started, 'resolve', 'handler.zhao', NOW + HOUR), verifyBy: NOW + 3 * HOUR };
    expect(markLate(resolved, NOW + 3 * HOUR)).toBeUndefined();
    const late = markLate(resolved, NOW + 3 * HOUR + MIN)!;
    expect(late.late).toEqual({ stage: 'verify', since: NOW + 3 * HOUR });
    expect(eventOf(resolved, late)).toBe('CaseStageOverdue');
    expect(markLate(late, NOW + 4 * HOUR)).toBeUndefined();
    // Reworked and resolved again: a new deadline, late again is said again.
    const again = { ...late, verifyBy: NOW + 6 * HOUR };
    expect(markLate(again, NOW + 6 * HOUR + MIN)?.late).toEqual({ stage: 'verify', since: NOW + 6 * HOUR });
    // Working cases are the escalation ladder's, not this.
    expect(markLate({ ...dispatched, verifyBy: NOW }, NOW + HOUR)).toBeUndefined();
  });

  it('reminds the shift lead of a parked case’s review date once it passes', () => {
    const parked = transition(dispatched, 'park', 'lead.li', NOW + HOUR, {
      note: '待道路改造',
      reviewAt: NOW + 48 * HOUR,
    });
    expect(markLate(parked, NOW + 47 * HOUR)).toBeUndefined();
    const due = markLate(parked, NOW + 48 * HOUR + MIN)!;
    expect(due.late).toEqual({ stage: 'review', since: NOW + 48 * HOUR });
    expect(due.history.at(-1)!.note).toContain('挂账复查');
    expect(eventOf(parked, due)).toBe('CaseStageOverdue');
    expect(markLate(due, NOW + 72 * HOUR)).toBeUndefined();
  });
});

describe('Open311 status notes follow the cycle', () => {
  const context = { timeZone: 'Asia/Shanghai', address: 'Garbage room 1', agency: 'Municipal Landscaping' };
  it('says a case was returned, given more time, handed down, escalated or supervised', () => {
    const returned = transition(dispatched, 'return', 'handler.zhao', NOW + 2 * MIN, { note: '不属于本单位' });
    expect(toOpen311Request(returned, context).status_notes).toBe(
      'Registered; waiting to be dispatched. Returned by the unit it was sent to: it will be dispatched again. 不属于本单位',
    );
    const asked = transition(dispatched, 'request_extension', 'handler.zhao', NOW + 3 * MIN, {
      note: '需协调物业',
      until: Date.UTC(2026, 11, 4, 9),
    });
    expect(toOpen311Request(asked, context).status_notes).toContain('The unit asked for more time.');
    const given = transition(asked, 'approve_extension', 'lead.li', NOW + 4 * MIN);
    expect(toOpen311Request(given, context).status_notes).toContain(
      'The unit was given more time: until 2026-12-04T17:00:00+08:00.',
    );
    const down = transition(given, 'dispatch_down', 'handler.street', NOW + 5 * MIN, {
      assignTo: { level: 'community', id: 'c-03' },
    });
    const late = escalate(down, down.dueAt + MIN, down.dueAt + HOUR)!;
    const pressed = transition(late, 'supervise', 'leader.zheng', down.dueAt + 2 * MIN, {
      note: '尽快',
      role: 'leader',
    });
    expect(toOpen311Request(pressed, context).status_notes).toBe(
      'Dispatched to the responsible unit. The unit was given more time: until 2026-12-04T17:00:00+08:00. ' +
        'Handed down to the community. Overdue: escalated. Under supervision (督办). 尽快',
    );
  });
});
