import { describe, expect, it } from 'vitest';
import { isoWithOffset } from '#shared/domain/local-time';
import { OPEN311_SERVICES, open311Status, toOpen311Request } from '#shared/domain/open311';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import { kase } from '../support/assessment-fixture.ts';

describe('Open311 GeoReport v2 mapping', () => {
  it('writes times in ISO 8601 with the zone’s offset', () => {
    expect(isoWithOffset(Date.UTC(2026, 10, 27, 1, 2, 3, 999), 'Asia/Shanghai')).toBe('2026-11-27T09:02:03+08:00');
    expect(isoWithOffset(Date.UTC(2026, 6, 1, 12), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
    expect(isoWithOffset(Date.UTC(2026, 0, 1, 12), 'America/St_Johns')).toBe('2026-01-01T08:30:00-03:30');
    expect(isoWithOffset(Date.UTC(2026, 0, 1, 0), 'UTC')).toBe('2026-01-01T00:00:00+00:00');
  });

  it('offers one service per case category', () => {
    expect(OPEN311_SERVICES.map((s) => s.service_code)).toEqual([...CASE_CATEGORIES]);
    for (const s of OPEN311_SERVICES)
      expect(s).toEqual({
        service_code: s.service_code,
        service_name: expect.any(String),
        description: expect.any(String),
        metadata: false,
        type: 'realtime',
        keywords: expect.any(String),
        group: expect.any(String),
      });
  });

  it('maps a case to a service request with every field the spec lists', () => {
    const c = kase('cs-1', { unit: 'municipal-landscaping', street: 's1', site: 'gr-1' }, Date.UTC(2026, 10, 27, 1), [
      ['dispatch', 5],
      ['resolve', 60],
      ['reopen', 70],
    ]);
    c.history.at(-1)!.note = 'the anomaly came back';
    const request = toOpen311Request(c, {
      timeZone: 'Asia/Shanghai',
      address: 'Garbage room 1, Xiaohe Community, Xiaohe Street',
      agency: 'Municipal Landscaping',
    });
    expect(request).toEqual({
      service_request_id: 'cs-1',
      status: 'open',
      status_notes: 'Reopened: the verification failed or the problem came back. the anomaly came back',
      service_name: 'Overflowing garbage room',
      service_code: 'garbage_overflow',
      description: 'cs-1',
      agency_responsible: 'Municipal Landscaping',
      service_notice: '',
      requested_datetime: '2026-11-27T09:00:00+08:00',
      updated_datetime: '2026-11-27T10:10:00+08:00',
      expected_datetime: '2026-11-27T11:00:00+08:00',
      address: 'Garbage room 1, Xiaohe Community, Xiaohe Street',
      address_id: 'gr-1',
      zipcode: '',
      lat: 31.2,
      long: 121.4,
      media_url: '',
    });
    expect(['open', 'dispatched', 'in_progress', 'resolved', 'reopened'].map((s) => open311Status(s as never))).toEqual(
      Array(5).fill('open'),
    );
    expect(['verified', 'closed', 'void'].map((s) => open311Status(s as never))).toEqual([
      'closed',
      'closed',
      'closed',
    ]);
  });
});
