import { describe, expect, it } from 'vitest';
import { assess } from '#shared/domain/assessment';
import type { Case } from '#shared/domain/case/model';
import { addSlaHours, slaDuration, type SlaHours } from '#shared/domain/working-time';
import {
  CASES,
  CASES_ON_LIMITS,
  CLOSE_STEPS,
  DECEMBER as december,
  DEVICES,
  kase,
  LIMITS as limits,
  made,
  NOVEMBER,
  SAN,
} from '../support/assessment-fixture.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (month: number, day: number, hour: number, minute = 0) => Date.UTC(2026, month - 1, day, hour, minute);

describe('unit assessment over a month, against hand-computed figures', () => {
  const result = assess(CASES, { ...NOVEMBER, by: 'unit', devices: DEVICES });

  it('counts the district’s cases by the definitions (on time, late, reworked, voided, escalated, sensor-verified, month ends)', () => {
    expect(result.total).toEqual({
      registered: 9, // A B C D E F H I K (G and J opened in October)
      due: 8, // A B C E F G I K (D voided, H due in December)
      dueClosed: 7, // all but I
      closedOnTime: 4, // A F G K (B late, C's rework late, E late)
      onTimeClosureRate: 4 / 8,
      closedRate: 7 / 8,
      handledOnTime: 5, // A C F G K: C's first resolution was in time
      onTimeHandlingRate: 5 / 8,
      dispatchDue: 6, // A B C E I K (D voided first, F cleared first, G and H due outside)
      dispatchedOnTime: 4, // A C E I
      onTimeDispatchRate: 4 / 6,
      closed: 7,
      resolved: 7, // A B C E F G K
      reworked: 1, // C
      reworkRate: 1 / 7,
      voided: 1,
      escalations: 1,
      sensorVerifiedClosures: 2, // F K
      sensorVerifiedShare: 2 / 7,
      // First dispatches in November: C 5, A 10, I 15, H 20, B 45, E 50 minutes.
      timeToDispatch: { count: 6, averageMs: Math.round((145 / 6) * MIN), p90Ms: 50 * MIN },
      // Closures in November: F 40, A 110, G 120, C 170, B 210, E 220, K 740 minutes.
      timeToClose: { count: 7, averageMs: 230 * MIN, p90Ms: 740 * MIN },
      overdueUnhandled: 1, // I
      returned: 0,
      extended: 0,
      parked: 0,
      // Default weights: handling on time 40 × 5/8, closure on time 30 × 4/8, no rework 15 × 6/7, no overdue 15 × 7/8.
      score: 65.98,
    });
  });

  it('ranks the units by their composite score', () => {
    // platform: every figure 1 → 100. sanitation: 40 × 4/6 + 30 × 3/6 + 15 × (1 − 1/5) + 15 × (1 − 1/6) = 66.17.
    // market-office: E handled and closed late; no rework, nothing overdue → 15 + 15 = 30.
    expect(result.groups.map((g) => [g.key, g.score, g.rank])).toEqual([
      ['platform', 100, 1],
      ['sanitation', 66.17, 2],
      ['market-office', 30, 3],
    ]);
    expect(
      result.groups.map((g) => [
        g.key,
        g.registered,
        g.due,
        g.closedOnTime,
        g.onTimeClosureRate,
        g.voided,
        g.escalations,
      ]),
    ).toEqual([
      ['platform', 1, 1, 1, 1, 0, 0],
      ['sanitation', 5, 6, 3, 0.5, 0, 0],
      ['market-office', 3, 1, 0, 0, 1, 1],
    ]);
    const streets = assess(CASES, { ...NOVEMBER, by: 'street' }).groups;
    expect(streets.map((g) => [g.key, g.registered, g.due])).toEqual([
      ['s1', 6, 7],
      ['s2', 3, 1],
    ]);
  });

  it('gives overflow-hours per garbage room and device availability, clipped to the month', () => {
    expect(result.sensors.overflowHours).toEqual([
      { siteId: 'gr-5', hours: 64 }, // I: 28 Nov 08:00 until the month ends
      { siteId: 'gr-1', hours: 4.5 }, // A 1.5 h + B 3 h
      { siteId: 'gr-2', hours: 2.33 }, // C: 1 h, then reopened 1 h 20
      { siteId: 'gr-4', hours: 0.67 }, // G: only its November 40 minutes
      { siteId: 'gr-3', hours: 0.33 }, // F
    ]);
    expect(result.sensors.deviceAvailability.overall).toBeCloseTo(1 - 12 / (3 * 720), 10);
    expect(result.sensors.deviceAvailability.byKind).toEqual({ bins: 1 - 12 / (2 * 720), cameras: 1 });
  });

  it('counts the sweeping windows each route missed in the month', () => {
    const route = kase(
      'R',
      { unit: 'sanitation', street: 's1', site: 'rt-1', category: 'missed_sweeping' },
      at(10, 30, 9),
      [],
    );
    const evidence = [at(10, 30, 9), at(11, 2, 9), at(11, 3, 9)].map((t) => ({ at: t, summary: 'segments not swept' }));
    const other = kase(
      'R2',
      { unit: 'sanitation', street: 's1', site: 'rt-2', category: 'missed_sweeping' },
      at(11, 5, 9),
      [],
    );
    const missed = assess(
      [
        { ...route, evidence },
        { ...other, evidence: [{ at: at(11, 5, 9), summary: 'x' }] },
      ],
      { ...NOVEMBER, by: 'unit' },
    ).sensors.missedSweeping;
    expect(missed).toEqual([
      { siteId: 'rt-1', windows: 2 },
      { siteId: 'rt-2', windows: 1 },
    ]);
  });

  it('gives the share of scheduled segment-windows swept in time per route, unit and day', () => {
    const w = (routeId: string, unitId: string, date: string, segments: number, sweptInTime: number) => ({
      routeId,
      unitId,
      date,
      windowKey: `${date}T06:00`,
      segments,
      sweptInTime,
    });
    const sweeping = [
      w('rt-1', 'sanitation', '2026-11-02', 4, 4),
      w('rt-1', 'sanitation', '2026-11-03', 4, 1),
      w('rt-2', 'street-a', '2026-11-02', 6, 3),
    ];
    const coverage = assess([], { ...NOVEMBER, by: 'unit', sweeping }).sensors.sweepingCoverage;
    expect(coverage.total).toEqual({ windows: 3, segmentWindows: 14, sweptInTime: 8, share: 8 / 14 });
    expect(coverage.byRoute).toEqual([
      { routeId: 'rt-1', windows: 2, segmentWindows: 8, sweptInTime: 5, share: 5 / 8 },
      { routeId: 'rt-2', windows: 1, segmentWindows: 6, sweptInTime: 3, share: 0.5 },
    ]);
    expect(coverage.byUnit.map((u) => [u.unitId, u.share])).toEqual([
      ['sanitation', 5 / 8],
      ['street-a', 0.5],
    ]);
    expect(coverage.byDay.map((d) => [d.date, d.sweptInTime, d.segmentWindows])).toEqual([
      ['2026-11-02', 7, 10],
      ['2026-11-03', 1, 4],
    ]);
    expect(assess([], { ...NOVEMBER, by: 'unit' }).sensors.sweepingCoverage.total).toEqual({
      windows: 0,
      segmentWindows: 0,
      sweptInTime: 0,
      share: null,
    });
  });

  it('compares with the month before where there are cases, and not with a year earlier where there are none', () => {
    expect(result.previous?.period).toEqual({ from: at(10, 2, 0), to: at(11, 1, 0) });
    expect(result.previous?.total).toMatchObject({
      registered: 2,
      due: 1,
      closedOnTime: 1,
      onTimeClosureRate: 1,
      closed: 1,
    });
    expect(result.previous?.change).toMatchObject({ registered: 7, onTimeClosureRate: -0.5, closed: 6 });
    expect(result.yearEarlier).toBeNull();
    const nextYear = assess(
      CASES.map((c) => shiftYear(c)),
      { from: at(11, 1, 0) + YEAR, to: at(12, 1, 0) + YEAR, asOf: at(12, 15, 0) + YEAR, by: 'unit' },
    );
    expect(nextYear.yearEarlier).toBeNull();
    const both = assess([...CASES, ...CASES.map((c) => shiftYear(c))], {
      from: at(11, 1, 0) + YEAR,
      to: at(12, 1, 0) + YEAR,
      asOf: at(12, 15, 0) + YEAR,
      by: 'unit',
    });
    expect(both.yearEarlier?.total).toEqual(result.total);
    expect(both.yearEarlier?.change.onTimeClosureRate).toBe(0);
  });

  it('judges a month still running as of now', () => {
    const midMonth = assess(CASES, { ...NOVEMBER, asOf: at(11, 21, 9), by: 'unit' });
    expect(midMonth.period.cutoff).toBe(at(11, 21, 9));
    // Opened by then: A B C K D E. Closed: G A B C K. Due by then: G A B C K (E is due at 10:00, after the cutoff).
    expect(midMonth.total).toMatchObject({ registered: 6, closed: 5, due: 5, dueClosed: 5, closedOnTime: 3 });
  });

  it('refuses a period that ends before it starts', () => {
    expect(() => assess(CASES, { from: at(12, 1, 0), to: at(11, 1, 0), asOf: at(12, 15, 0), by: 'unit' })).toThrow(
      RangeError,
    );
  });
});

const YEAR = Date.UTC(2027, 10, 1) - Date.UTC(2026, 10, 1);
const shiftYear = (c: Case): Case => ({
  ...c,
  caseId: `${c.caseId}-2027`,
  openedAt: c.openedAt + YEAR,
  dueAt: c.dueAt + YEAR,
  history: c.history.map((h) => ({ ...h, at: h.at + YEAR })),
});

describe('SLA time in working hours', () => {
  // Friday 27 November 2026, Shanghai time.
  const SHANGHAI = (day: number, hour: number) => Date.UTC(2026, 10, day, hour - 8);
  const working = (calendar: { holidays?: string[]; makeUpWorkdays?: string[] } = {}): SlaHours => ({
    kind: 'working',
    calendar: { timeZone: 'Asia/Shanghai', ...calendar },
  });

  it('stops the clock over the weekend and holidays, and runs it on a make-up working day', () => {
    const friday23 = SHANGHAI(27, 23);
    expect(addSlaHours(friday23, 2 * HOUR, { kind: 'calendar' })).toBe(SHANGHAI(28, 1));
    expect(addSlaHours(friday23, 2 * HOUR, working())).toBe(SHANGHAI(30, 1)); // Monday 01:00
    expect(addSlaHours(friday23, 2 * HOUR, working({ holidays: ['2026-11-30'] }))).toBe(SHANGHAI(31, 1)); // Tuesday (1 December)
    expect(addSlaHours(friday23, 2 * HOUR, working({ makeUpWorkdays: ['2026-11-29'] }))).toBe(SHANGHAI(29, 1)); // Sunday worked
    expect(slaDuration(friday23, SHANGHAI(30, 1), working())).toBe(2 * HOUR);
    expect(slaDuration(SHANGHAI(28, 10), SHANGHAI(29, 10), working())).toBe(0);
  });

  it('judges a case opened late on Friday and resolved on Saturday late by the calendar, on time by working days', () => {
    const c = kase('W', { ...SAN, site: 'gr-9' }, SHANGHAI(27, 23), CLOSE_STEPS(11 * 60));
    const period = {
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 11, 15),
      asOf: Date.UTC(2026, 11, 20),
      by: 'unit' as const,
    };
    expect(assess([c], period).total).toMatchObject({ due: 1, closedOnTime: 0 });
    const byWorkingDays = assess([c], { ...period, hours: working() });
    expect(byWorkingDays.hours).toBe('working');
    expect(byWorkingDays.total).toMatchObject({
      due: 1,
      closedOnTime: 1,
      timeToClose: { count: 1, averageMs: HOUR, p90Ms: HOUR },
    });
  });

  it('refuses a calendar without working days', () => {
    expect(() =>
      addSlaHours(0, HOUR, { kind: 'working', calendar: { timeZone: 'UTC', holidays: [], makeUpWorkdays: [] } }),
    ).not.toThrow();
    const never: SlaHours = {
      kind: 'working',
      calendar: {
        timeZone: 'UTC',
        holidays: Array.from({ length: 4000 }, (_, i) => new Date(i * 86_400_000).toISOString().slice(0, 10)),
      },
    };
    expect(() => addSlaHours(0, HOUR, never)).toThrow(/no working day/);
  });
});

/**
 * The cycle's figures on the district's time limits, worked out by hand: Hangzhou, working
 * hours 08:30–12:00 and 13:30–17:30; every case normal (dispatch 2, handle 4, verify 2
 * working hours); December 2026 judged on 5 January.
 */
describe('assessment on the time limits: returns, extensions, parking, inspectors, the composite score', () => {
  const result = assess(CASES_ON_LIMITS, { ...december, by: 'unit', limits });
  const group = (key: string) => result.groups.find((g) => g.key === key)!;

  it('judges the units against the time limits, extended deadlines and parked cases', () => {
    expect(group('landscaping')).toMatchObject({
      registered: 3,
      due: 3, // P1 Mon 16:30, P2 Tue 17:30, P3 Wed 17:30 (extended)
      dueClosed: 2,
      closedOnTime: 1, // P1
      handledOnTime: 2, // P1, P3
      dispatchDue: 3,
      dispatchedOnTime: 3,
      resolved: 3,
      reworked: 1, // P2's failed check
      overdueUnhandled: 0,
      returned: 0,
      extended: 1,
      parked: 0,
    });
    expect(group('enforcement')).toMatchObject({
      registered: 2,
      due: 1, // P5; P4 is parked
      handledOnTime: 0,
      dispatchDue: 2,
      dispatchedOnTime: 1, // P4 in time, P5 late
      overdueUnhandled: 1,
      returned: 1, // P2, though Landscaping leads it now
      extended: 0,
      parked: 1,
    });
  });

  it('scores and ranks them by the weights (a unit with nothing to weigh has no score and no rank)', () => {
    // Landscaping: 40 × 2/3 + 30 × 1/3 + 15 × 2/3 + 15 × 1 = 61.67. Enforcement: 40 × 0 + 30 × 0 + 15 × 0 (no rework figure) = 0.
    expect(result.groups.map((g) => [g.key, g.score, g.rank])).toEqual([
      ['landscaping', 61.67, 1],
      ['enforcement', 0, 2],
      ['office', null, null],
    ]);
    const weighed = assess(CASES_ON_LIMITS, {
      ...december,
      by: 'unit',
      limits,
      weights: { onTimeDispatch: 50, noReturn: 50 },
    });
    // Landscaping: dispatch 3/3, no return → 100. Enforcement: dispatch 1/2, returned 1 of due 1 + returned 1 → 50.
    expect(weighed.groups.map((g) => [g.key, g.score, g.rank])).toEqual([
      ['landscaping', 100, 1],
      ['enforcement', 50, 2],
      ['office', null, null],
    ]);
    // A tie shares its rank (the next rank skips); within it, on-time closure, then the key, orders.
    const market = made('P8', 'market', '2026-12-07T09:00', [
      ['dispatch', '2026-12-07T09:30', 'dispatched'],
      ['resolve', '2026-12-07T14:00', 'resolved'],
      ['verify', '2026-12-07T15:00', 'verified'],
      ['close', '2026-12-07T15:10', 'closed'],
    ]);
    const tied = assess([...CASES_ON_LIMITS, market], { ...december, by: 'unit', limits, weights: { noOverdue: 1 } });
    expect(tied.groups.map((g) => [g.key, g.score, g.rank])).toEqual([
      ['market', 100, 1],
      ['landscaping', 100, 1],
      ['enforcement', 0, 3],
      ['office', null, null],
    ]);
  });

  it('gives each inspector’s reports accepted and checks on time (2 working hours from the resolution checked)', () => {
    expect(result.inspectors).toEqual([
      {
        inspector: 'inspector.qian',
        reports: 1,
        accepted: 0, // refused
        acceptedRate: 0,
        checks: 1,
        checksJudged: 1,
        checkedOnTime: 0, // Thu 09:00, due Wed 14:30
        onTimeCheckRate: 0,
      },
      {
        inspector: 'inspector.zhou',
        reports: 1,
        accepted: 1,
        acceptedRate: 1,
        checks: 2, // P1 15:00 (due 16:00), P2 Wed 10:00 (due 11:00)
        checksJudged: 2,
        checkedOnTime: 2,
        onTimeCheckRate: 1,
      },
    ]);
    // Without time limits the checks are counted but not judged.
    expect(assess(CASES_ON_LIMITS, { ...december, by: 'unit' }).inspectors[1]).toMatchObject({
      checks: 2,
      checksJudged: 0,
      onTimeCheckRate: null,
    });
  });
});
