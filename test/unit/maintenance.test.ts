import { describe, expect, it } from 'vitest';
import { assess } from '#shared/domain/assessment';
import { signalId, type Signal } from '#shared/domain/case/model';
import {
  actOnTicket,
  clearFault,
  IllegalTicketTransitionError,
  isDeviceFault,
  openTicket,
  outageOf,
  repeatFault,
} from '#shared/domain/maintenance';

const NOW = Date.UTC(2026, 11, 1, 2, 0);
const HOUR = 3_600_000;
const device = { thing: 'bin-gs-015', kind: 'bins' as const, districtId: 'gongshu', siteId: 'gr-015' };
let n = 0;
const signal = (kind: Signal['kind'] = 'anomaly', category: Signal['category'] = 'device_low_battery'): Signal => {
  const s: Signal = {
    kind,
    category,
    siteId: 'gr-015',
    thing: 'bin-gs-015',
    evidence: { at: NOW + ++n, thing: 'bin-gs-015', summary: `battery ${kind}` },
  };
  return { ...s, evidence: { ...s.evidence, signalId: signalId(s) } };
};
const fault = (kind: Signal['kind'] = 'anomaly') => signal(kind) as Signal & { category: 'device_low_battery' };

describe('maintenance tickets', () => {
  it('takes a device’s own faults, and nothing the street has', () => {
    expect(['device_low_battery', 'sensor_stuck', 'device_offline'].every((c) => isDeviceFault(c as never))).toBe(true);
    expect(isDeviceFault('garbage_overflow')).toBe(false);
    expect(isDeviceFault('sweeper_silent')).toBe(false);
  });

  it('opens for the device’s operator (the City Management Office when it names none), counts repeats once each', () => {
    const t = openTicket('tk-1', fault(), device, NOW);
    expect(t).toMatchObject({ status: 'open', operator: 'city-management-office', fault: 'device_low_battery' });
    expect(openTicket('tk-2', fault(), { ...device, unitId: 'municipal-landscaping' }, NOW).operator).toBe(
      'municipal-landscaping',
    );
    const again = fault();
    const repeated = repeatFault(t, again, NOW + 1)!;
    expect(repeated.occurrences).toBe(2);
    expect(repeatFault(repeated, again, NOW + 2)).toBeUndefined();
  });

  it('open → acknowledged → fixed by people; cleared by the device; nothing after', () => {
    const t = openTicket('tk-1', fault(), device, NOW);
    const acknowledged = actOnTicket(t, 'acknowledge', { actor: 'operator:chen' }, NOW + HOUR);
    expect(() => actOnTicket(acknowledged, 'acknowledge', { actor: 'operator:chen' }, NOW)).toThrow(
      IllegalTicketTransitionError,
    );
    const fixed = actOnTicket(acknowledged, 'fix', { actor: 'operator:chen' }, NOW + 2 * HOUR, 'battery changed');
    expect(fixed).toMatchObject({ status: 'fixed', closedAt: NOW + 2 * HOUR });
    expect(clearFault(fixed, fault('clear'), NOW + 3 * HOUR)).toBeUndefined();
    const cleared = clearFault(acknowledged, fault('clear'), NOW + 3 * HOUR)!;
    expect(cleared).toMatchObject({ status: 'cleared', closedAt: NOW + 3 * HOUR });
    expect(cleared.history.map((h) => h.action)).toEqual(['open', 'acknowledge', 'clear']);
  });

  it('availability comes from offline tickets, clipped to the period', () => {
    const offline = openTicket(
      'tk-9',
      signal('anomaly', 'device_offline') as Signal & { category: 'device_offline' },
      device,
      NOW - HOUR,
    );
    const a = assess([], {
      from: NOW,
      to: NOW + 10 * HOUR,
      asOf: NOW + 10 * HOUR,
      by: 'unit',
      devices: [
        { thing: 'bin-gs-015', kind: 'bins' },
        { thing: 'bin-gs-016', kind: 'bins' },
      ],
      // Open an hour before the period, cleared 2 hours into it: 2 of 20 device-hours lost.
      outages: [outageOf({ ...offline, closedAt: NOW + 2 * HOUR }, NOW + 10 * HOUR)],
    });
    expect(a.sensors.deviceAvailability.overall).toBeCloseTo(0.9, 10);
    expect(a.total.registered).toBe(0);
  });
});
