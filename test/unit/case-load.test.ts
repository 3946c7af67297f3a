import { describe, expect, it } from 'vitest';
import { transition } from '#shared/domain/case/actions';
import { caseLoadByUnit, escalate, isOverdue } from '#shared/domain/case/escalation';
import type { Case, CaseOrigin, Signal } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';

const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);
const HOUR = 3_600_000;
const origin: CaseOrigin = {
  districtId: 'gongshu',
  siteId: 'gr-001',
  location: { lat: 30.3, lon: 120.15 },
  place: { streetId: 'st-hushu', communityId: 'cm-1', gridId: 'gd-1' },
  assignee: { name: 'Wang', phone: '+86 571 0000 0000' },
};
const open = (id: string, category: Signal['category'], at = T0): Case =>
  openCase(id, { kind: 'anomaly', category, siteId: 'gr-001', evidence: { at, summary: 'x' } }, origin, at);

describe('case load by lead unit', () => {
  it('counts working cases per lead unit and the overdue ones among them, zero for named idle units', () => {
    const overflow = open('c1', 'garbage_overflow'); // municipal-landscaping, due T0 + 2 h
    const fire = open('c2', 'bin_fire'); // municipal-landscaping, due T0 + 30 min
    const litter = open('c3', 'market_litter'); // the street office leads, due T0 + 2 h
    // traffic-police, escalated: new deadline, still overdue
    const escalated = escalate(open('c4', 'illegal_parking'), T0 + 2 * HOUR, T0 + 3 * HOUR)!;
    const started = transition(transition(open('c5', 'garbage_overflow'), 'dispatch', 'd', T0), 'start', 'team:1', T0);
    const resolved = transition(started, 'resolve', 'team:1', T0 + HOUR); // not working any more
    const now = T0 + HOUR;
    expect(isOverdue(fire, now)).toBe(true);
    expect(isOverdue(overflow, now)).toBe(false);
    expect(escalated.dueAt).toBeGreaterThan(now);
    expect(isOverdue(escalated, now)).toBe(true);
    expect(isOverdue(resolved, T0 + 10 * HOUR)).toBe(false);
    expect(
      caseLoadByUnit([overflow, fire, litter, escalated, resolved], now, ['enforcement', 'municipal-landscaping']),
    ).toEqual([
      { unit: 'enforcement', working: 0, overdue: 0 },
      { unit: 'municipal-landscaping', working: 2, overdue: 1 },
      { unit: 'st-hushu', working: 1, overdue: 0 },
      { unit: 'traffic-police', working: 1, overdue: 1 },
    ]);
  });
});
