import { describe, expect, it } from 'vitest';
import { addDays, addMonths, isoWithOffset, localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';

describe('local time', () => {
  it('reads Asia/Shanghai wall time and weekday', () => {
    // 2026-11-26T21:30Z is Friday 05:30 in Shanghai.
    expect(localTimeParts(Date.UTC(2026, 10, 26, 21, 30), 'Asia/Shanghai')).toEqual({
      date: '2026-11-27',
      weekday: 5,
      minuteOfDay: 330,
    });
  });
  it('turns a local date and time back into epoch time, across DST where a zone has it', () => {
    expect(zonedTimeToEpoch('2026-11-27', '05:00', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 26, 21, 0));
    expect(zonedTimeToEpoch('2026-07-01', '05:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 3, 0));
    expect(zonedTimeToEpoch('2026-12-01', '05:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 11, 1, 4, 0));
  });

  it('moves dates and months across month and year ends, and writes times with the zone’s offset', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-11', 0)).toBe('2026-11');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isoWithOffset(Date.UTC(2026, 10, 27, 1, 0, 0, 750), 'Asia/Shanghai')).toBe('2026-11-27T09:00:00+08:00');
    expect(isoWithOffset(Date.UTC(2026, 6, 1, 12), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
  });
});
