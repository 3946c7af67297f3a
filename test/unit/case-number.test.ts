import { describe, expect, it } from 'vitest';
import { caseLabel, caseNumberDay, formatCaseNumber } from '#shared/domain/case/case-number';
import { fixedClock } from '../support/fakes.ts';

describe('case numbers (案件编号)', () => {
  it('start with the district’s local day, not the UTC day', () => {
    // 17:30 UTC on 7 December is 01:30 on 8 December in Shanghai.
    const clock = fixedClock(Date.parse('2026-12-07T17:30:00Z'));
    expect(caseNumberDay(clock.now(), 'Asia/Shanghai')).toBe('20261208');
    expect(caseNumberDay(clock.now(), 'UTC')).toBe('20261207');
    expect(formatCaseNumber(caseNumberDay(clock.now(), 'Asia/Shanghai'), 1)).toBe('202612080001');
    // The last minute of the local day, and the first of the next.
    expect(caseNumberDay(Date.parse('2026-12-08T15:59:59.999Z'), 'Asia/Shanghai')).toBe('20261208');
    expect(caseNumberDay(Date.parse('2026-12-08T16:00:00Z'), 'Asia/Shanghai')).toBe('20261209');
    // Across a year's end, and west of Greenwich.
    expect(caseNumberDay(Date.parse('2026-12-31T16:00:00Z'), 'Asia/Shanghai')).toBe('20270101');
    expect(caseNumberDay(Date.parse('2027-01-01T03:00:00Z'), 'America/New_York')).toBe('20261231');
  });

  it('pad the day’s serial to four digits, and run to five past 9,999', () => {
    expect(formatCaseNumber('20261208', 1)).toBe('202612080001');
    expect(formatCaseNumber('20261208', 42)).toBe('202612080042');
    expect(formatCaseNumber('20261208', 9999)).toBe('202612089999');
    expect(formatCaseNumber('20261208', 10_000)).toBe('2026120810000');
  });

  it('refuse a day or a serial that cannot make a number', () => {
    expect(() => formatCaseNumber('2026-12-08', 1)).toThrow('YYYYMMDD');
    expect(() => formatCaseNumber('20261208', 0)).toThrow('1 or more');
    expect(() => formatCaseNumber('20261208', 1.5)).toThrow('1 or more');
  });

  it('are what a page shows of a case, its id only for a case stored before it had one', () => {
    expect(caseLabel({ caseId: 'cs-20261207-e9f2f323', caseNumber: '202612080001' })).toBe('202612080001');
    expect(caseLabel({ caseId: 'cs-20261207-e9f2f323' })).toBe('cs-20261207-e9f2f323');
  });
});
