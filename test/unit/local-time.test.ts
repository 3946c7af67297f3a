import { describe, expect, it } from 'vitest';
import { localTimeParts, zonedTimeToEpoch } from '#shared/domain/local-time';

describe('local time', () => {
  it('reads Asia/Shanghai wall time and weekday', () => {
    // 2026-11-26T21:30Z is Friday 05:30 in Shanghai.
    expect(localTimeParts(Date.UTC(2026, 10, 26, 21, 30), 'Asia/Shanghai')).toEqual({ date: '2026-11-27', weekday: 5, minuteOfDay: 330 });
  });
  it('turns a local date and time back into epoch time, across DST where a zone has it', () => {
    expect(zonedTimeToEpoch('2026-11-27', '05:00', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 26, 21, 0));
    expect(zonedTimeToEpoch('2026-07-01', '05:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 3, 0));
    expect(zonedTimeToEpoch('2026-12-01', '05:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 11, 1, 4, 0));
  });
});
