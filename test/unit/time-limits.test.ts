import { describe, expect, it } from 'vitest';
import { addSlaHours, slaDuration, type WorkingCalendar } from '#shared/domain/working-time';
import { stageDeadlines } from '#shared/domain/case/lateness';
import { TimeLimits, deadlineOf } from '#shared/domain/time-limits';

/**
 * Time limits in working hours, fixtures worked out by hand: Hangzhou (UTC+8), working
 * hours 08:30–12:00 and 13:30–17:30 (7.5 hours a day), Monday to Friday.
 */
const H = 3_600_000;
const at = (local: string) => Date.parse(`${local}+08:00`);
const office: WorkingCalendar = {
  timeZone: 'Asia/Shanghai',
  hours: [
    ['08:30', '12:00'],
    ['13:30', '17:30'],
  ],
};
const working = (calendar: WorkingCalendar) => ({ kind: 'working' as const, calendar });

describe('working hours', () => {
  it('a case due in 4 working hours on Friday afternoon is due on Monday morning', () => {
    // Friday 2026-12-04 15:00: 2.5 h to 17:30; the weekend off; 1.5 h from Monday 08:30.
    expect(addSlaHours(at('2026-12-04T15:00'), 4 * H, working(office))).toBe(at('2026-12-07T10:00'));
    expect(slaDuration(at('2026-12-04T15:00'), at('2026-12-07T10:00'), working(office))).toBe(4 * H);
  });

  it('skips a holiday, and counts a swapped working day (调休)', () => {
    const holiday = { ...office, holidays: ['2026-12-07'] };
    expect(addSlaHours(at('2026-12-04T15:00'), 4 * H, working(holiday))).toBe(at('2026-12-08T10:00'));
    const swapped = { ...office, makeUpWorkdays: ['2026-12-05'] };
    expect(addSlaHours(at('2026-12-04T15:00'), 4 * H, working(swapped))).toBe(at('2026-12-05T10:00'));
  });

  it('counts neither the lunch break nor the hours before and after work', () => {
    expect(addSlaHours(at('2026-12-07T11:00'), 2 * H, working(office))).toBe(at('2026-12-07T14:30'));
    expect(addSlaHours(at('2026-12-07T07:00'), 1 * H, working(office))).toBe(at('2026-12-07T09:30'));
    expect(addSlaHours(at('2026-12-07T12:30'), 1 * H, working(office))).toBe(at('2026-12-07T14:30'));
    expect(addSlaHours(at('2026-12-04T17:30'), 0.5 * H, working(office))).toBe(at('2026-12-07T09:00'));
    expect(addSlaHours(at('2026-12-07T20:00'), 7.5 * H, working(office))).toBe(at('2026-12-08T17:30'));
    expect(slaDuration(at('2026-12-07T07:00'), at('2026-12-07T20:00'), working(office))).toBe(7.5 * H);
  });

  it('without working hours, a working day counts whole (as before)', () => {
    const days: WorkingCalendar = { timeZone: 'Asia/Shanghai' };
    expect(addSlaHours(at('2026-12-04T15:00'), 12 * H, working(days))).toBe(at('2026-12-07T03:00'));
  });
});

describe('time limits by class and urgency', () => {
  const limits = TimeLimits.parse({
    urgent: { register: 0.5, dispatch: 0.5, handle: 2, verify: 1 },
    pressing: { register: 1, dispatch: 1, handle: 4, verify: 2 },
    normal: { register: 2, dispatch: 2, handle: 16, verify: 4 },
  });

  it('gives each stage its deadline in the district’s working hours', () => {
    const friday = at('2026-12-04T15:00');
    expect(deadlineOf(limits, 'pressing', 'handle', friday, office)).toBe(at('2026-12-07T10:00'));
    expect(deadlineOf(limits, 'urgent', 'handle', friday, office)).toBe(at('2026-12-04T17:00'));
    // 16 working hours from Friday 15:00: 2.5 (Fri) + 7.5 (Mon) + 6 (Tue: 3.5 to noon, 2.5 from 13:30).
    expect(deadlineOf(limits, 'normal', 'handle', friday, office)).toBe(at('2026-12-08T16:00'));
    expect(deadlineOf(limits, 'normal', 'register', friday, office)).toBe(at('2026-12-04T17:00'));
  });

  it('refuses a table missing an urgency or a stage, or with a limit of no time', () => {
    expect(TimeLimits.safeParse({ urgent: { register: 1, dispatch: 1, handle: 1, verify: 1 } }).success).toBe(false);
    expect(
      TimeLimits.safeParse({
        urgent: { register: 0, dispatch: 1, handle: 1, verify: 1 },
        pressing: { register: 1, dispatch: 1, handle: 1, verify: 1 },
        normal: { register: 1, dispatch: 1, handle: 1, verify: 1 },
      }).success,
    ).toBe(false);
  });
});

describe('the intake’s and the inspector’s deadlines', () => {
  const limits = TimeLimits.parse({
    urgent: { register: 0.5, dispatch: 0.5, handle: 2, verify: 1 },
    pressing: { register: 1, dispatch: 1, handle: 4, verify: 2 },
    normal: { register: 2, dispatch: 2, handle: 16, verify: 4 },
  });
  const inForce = { limits, calendar: office };
  it('registerBy when a report comes in, verifyBy when the work is resolved, in working hours', () => {
    // Received Friday 16:30, normal: 1 h on Friday, 1 h from Monday 08:30.
    expect(
      stageDeadlines(undefined, { status: 'received', urgency: 'normal', updatedAt: at('2026-12-04T16:30') }, inForce),
    ).toEqual({ registerBy: at('2026-12-07T09:30') });
    // Sent for an on-site check: the same stage, no new deadline.
    expect(
      stageDeadlines({ status: 'received' }, { status: 'checking', updatedAt: at('2026-12-04T17:00') }, inForce),
    ).toEqual({});
    // Resolved Monday 11:00, pressing: 1 h before lunch, 1 h after.
    expect(
      stageDeadlines(
        { status: 'in_progress' },
        { status: 'resolved', urgency: 'pressing', updatedAt: at('2026-12-07T11:00') },
        inForce,
      ),
    ).toEqual({ verifyBy: at('2026-12-07T14:30') });
    expect(
      stageDeadlines({ status: 'open' }, { status: 'dispatched', updatedAt: at('2026-12-07T11:00') }, inForce),
    ).toEqual({});
  });
});
