import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import destination from '@turf/destination';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { SAMPLE_DISTRICT_DIR } from '#devices/district-files';
import { assess } from '#shared/domain/assessment';
import { resolveBySensor, transition } from '#shared/domain/case/actions';
import { MissingReasonError } from '#shared/domain/case/cycle';
import { confirmRegistration, repeatAnomaly } from '#shared/domain/case/merging';
import { signalId, type Case, type Signal } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { Classification, classById, classCode, classOf, type CaseClass } from '#shared/domain/classification';
import { metresBetween } from '#shared/domain/city-model';
import { caseToJoin, receiveReport, refuseReport } from '#shared/domain/intake';
import { mergeCell, mergeCellsAround } from '#shared/domain/merge-cells';
import { CASE_EVENTS, caseEventFor, type CaseEventType } from '#shared/events/case-events';

const NOW = Date.UTC(2026, 11, 1, 2, 0);
const MIN = 60_000;
const sample = Classification.parse(JSON.parse(readFileSync(join(SAMPLE_DISTRICT_DIR, 'classification.json'), 'utf8')));
const ROOM = { lat: 30.3, lon: 120.14 };
const origin = (siteId: string, location = ROOM) => ({
  districtId: 'gongshu',
  siteId,
  location,
  place: { gridId: 'g1', communityId: 'c1', streetId: 's1' },
  assignee: { name: 'Wang Fang', phone: '13857100000' },
});
let n = 0;
const signal = (siteId: string, category: Signal['category'], kind: Signal['kind'] = 'anomaly'): Signal => {
  const s: Signal = {
    kind,
    category,
    siteId,
    thing: `dev-${siteId}`,
    evidence: { at: NOW + ++n, thing: `dev-${siteId}`, summary: `${category} ${kind}` },
  };
  return { ...s, evidence: { ...s.evidence, signalId: signalId(s) } };
};
const withRule = (classId: string, registration: CaseClass['registration']): CaseClass => ({
  ...sample.classes.find((c) => c.classId === classId)!,
  registration,
});
const citizen = (cls: CaseClass, location = ROOM) => ({
  districtId: 'gongshu',
  source: 'public' as const,
  cls,
  location,
  text: 'garbage piled beside the room',
  media: ['md-1'],
  reporter: { name: 'Li Lei', phone: '13900000000' },
  at: NOW,
});
/** A point `m` metres from `p`, due east. */
const east = (p: { lat: number; lon: number }, m: number) => {
  const [lon, lat] = destination([p.lon, p.lat], m, 90, { units: 'meters' }).geometry.coordinates as [number, number];
  return { lat, lon };
};

describe('the classification table', () => {
  it('the sample covers the detectors’ and the common manual categories, its codes marked as sample data', () => {
    expect(sample.sample).toBe(true);
    const taken = sample.classes.flatMap((c) => c.categories);
    for (const category of ['garbage_overflow', 'market_litter', 'bin_fire', 'exposed_garbage', 'street_trading'])
      expect(taken).toContain(category);
    expect(classOf(sample, 'market_litter').classId).toBe('exposed-garbage');
    expect(classCode(classOf(sample, 'damaged_manhole_cover'))).toBe('10101');
    expect(classCode(classOf(sample, 'garbage_overflow'))).toBe('20101');
  });

  it('refuses a category in two classes and a repeated class id or code', () => {
    const [a, b] = sample.classes;
    const result = Classification.safeParse({
      classes: [
        a,
        { ...b, classId: a!.classId, major: a!.major, minor: a!.minor, type: a!.type, categories: a!.categories },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('\n')).toMatch(
      /duplicate class id[\s\S]*duplicate class code[\s\S]*is in both/,
    );
  });

  it('a category the table leaves out (or no table) is a class of its own, registered at once, never merged', () => {
    const cls = classOf(undefined, 'device_offline');
    expect(cls).toMatchObject({ classId: 'device-offline', registration: { rule: 'auto' }, merge: { distanceM: 0 } });
    expect(classById(undefined, 'device-offline')?.categories).toEqual(['device_offline']);
    expect(classById(sample, 'garbage-overflow')).toBeUndefined();
    expect(classById(sample, 'no-such-class')).toBeUndefined();
  });
});

describe('warnings and their registration rules', () => {
  it.each([
    [{ rule: 'auto' }, 'open', true],
    [{ rule: 'confirm', signals: 2 }, 'received', false],
    [{ rule: 'check' }, 'checking', false],
    [{ rule: 'decision' }, 'received', false],
  ] as const)('rule %j: a first signal makes a case %s', (rule, status, registered) => {
    const c = openCase(
      'cs-1',
      signal('gr-1', 'garbage_overflow'),
      origin('gr-1'),
      NOW,
      withRule('exposed-garbage', rule),
    );
    expect(c.status).toBe(status);
    expect(c.registeredAt !== undefined).toBe(registered);
    expect(c).toMatchObject({ classId: 'exposed-garbage', classCode: '20101', source: 'iot', urgency: 'pressing' });
    expect(c.reports).toEqual([
      expect.objectContaining({ source: 'iot', siteId: 'gr-1', count: 1, category: 'garbage_overflow' }),
    ]);
  });

  it('confirm: registered by the system when the second signal comes, its deadline from then', () => {
    const cls = withRule('exposed-garbage', { rule: 'confirm', signals: 2 });
    const warning = openCase('cs-1', signal('gr-1', 'garbage_overflow'), origin('gr-1'), NOW, cls);
    expect(confirmRegistration(warning, cls, NOW)).toBeUndefined();
    const again = repeatAnomaly(warning, signal('gr-1', 'garbage_overflow'), NOW + 10 * MIN)!;
    expect(again.reports![0]!.count).toBe(2);
    const registered = confirmRegistration(again, cls, NOW + 10 * MIN)!;
    expect(registered).toMatchObject({
      status: 'open',
      registeredAt: NOW + 10 * MIN,
      dueAt: NOW + 10 * MIN + 2 * 3_600_000,
    });
    expect(registered.history.at(-1)).toMatchObject({ action: 'register', actor: 'cityops', from: 'received' });
  });

  it('a warning whose condition clears before registration is refused; a registered one is resolved', () => {
    const cls = withRule('exposed-garbage', { rule: 'decision' });
    const warning = openCase('cs-1', signal('gr-1', 'garbage_overflow'), origin('gr-1'), NOW, cls);
    const cleared = resolveBySensor(warning, signal('gr-1', 'garbage_overflow', 'clear'), NOW + MIN)!;
    expect(cleared).toMatchObject({ status: 'refused', refusal: { reason: 'cleared_before_registration' } });
    const open = openCase('cs-2', signal('gr-2', 'bin_fire'), origin('gr-2'), NOW, classOf(sample, 'bin_fire'));
    expect(resolveBySensor(open, signal('gr-2', 'bin_fire', 'clear'), NOW + MIN)!.status).toBe('resolved');
  });

  it('a case others reported too is not settled by one device’s clear reading', () => {
    const cls = withRule('exposed-garbage', { rule: 'auto' });
    const c = openCase('cs-1', signal('gr-1', 'garbage_overflow'), origin('gr-1'), NOW, cls);
    const merged = repeatAnomaly(c, signal('mk-1', 'market_litter'), NOW + MIN, {
      location: east(ROOM, 40),
      joined: true,
    })!;
    expect(merged.reports!.map((r) => r.source)).toEqual(['iot', 'video']);
    expect(merged.joined).toEqual([{ siteId: 'mk-1', category: 'market_litter' }]);
    expect(merged.history.at(-1)).toMatchObject({ action: 'merge', reportId: 'video:mk-1:market_litter' });
    expect(resolveBySensor(merged, signal('gr-1', 'garbage_overflow', 'clear'), NOW + 2 * MIN)).toBeUndefined();
  });

  it('a refusal needs a reason; register and refuse only from intake', () => {
    const received = receiveReport('cs-1', 'rp-1', citizen(classOf(sample, 'exposed_garbage')), origin(''), NOW);
    expect(() => transition(received, 'refuse', 'clerk', NOW)).toThrow(MissingReasonError);
    const refused = transition(received, 'refuse', 'clerk', NOW, { note: 'same as cs-0', reason: 'duplicate' });
    expect(refused).toMatchObject({ status: 'refused', refusal: { reason: 'duplicate', actor: 'clerk' } });
    const checking = transition(received, 'check', 'clerk', NOW);
    const registered = transition(checking, 'register', 'clerk', NOW + 30 * MIN, { note: 'seen on site' });
    expect(registered).toMatchObject({ status: 'open', registeredAt: NOW + 30 * MIN });
    expect(() => transition(registered, 'register', 'clerk', NOW)).toThrow(/cannot register a case that is open/);
  });
});

describe('merging', () => {
  const cls = classOf(sample, 'exposed_garbage');
  const base = receiveReport('cs-1', 'rp-1', citizen(cls), origin(''), NOW);

  it('joins the nearest active case of the class within the distance and time; none beyond either', () => {
    const far = {
      ...base,
      caseId: 'cs-far',
      location: east(ROOM, 140),
      reports: base.reports!.map((r) => ({ ...r, location: east(ROOM, 140) })),
    };
    expect(caseToJoin([far, base], cls, east(ROOM, 60), NOW + MIN)!.caseId).toBe('cs-1');
    expect(caseToJoin([far, base], cls, east(ROOM, 100), NOW + MIN)!.caseId).toBe('cs-far');
    expect(caseToJoin([base], cls, east(ROOM, cls.merge.distanceM + 5), NOW)).toBeUndefined();
    expect(caseToJoin([base], cls, ROOM, NOW + (cls.merge.withinMinutes + 1) * MIN)).toBeUndefined();
    expect(caseToJoin([base], classOf(sample, 'street_trading'), ROOM, NOW)).toBeUndefined();
    expect(caseToJoin([{ ...base, status: 'closed' }], cls, ROOM, NOW)).toBeUndefined();
    expect(caseToJoin([base], classOf(undefined, 'device_offline'), ROOM, NOW)).toBeUndefined();
  });

  it('a device’s signal joins people’s and other kinds’ reports, never another site’s device of its category', () => {
    const overflow = openCase('cs-2', signal('gr-1', 'garbage_overflow'), origin('gr-1'), NOW, cls);
    const next = east(ROOM, 40);
    expect(caseToJoin([overflow], cls, next, NOW, { siteId: 'gr-2', category: 'garbage_overflow' })).toBeUndefined();
    expect(caseToJoin([overflow], cls, next, NOW, { siteId: 'gr-1', category: 'garbage_overflow' })!.caseId).toBe(
      'cs-2',
    );
    expect(caseToJoin([overflow], cls, next, NOW, { siteId: 'mk-1', category: 'market_litter' })!.caseId).toBe('cs-2');
    expect(caseToJoin([base], cls, next, NOW, { siteId: 'gr-2', category: 'garbage_overflow' })!.caseId).toBe('cs-1');
  });

  it('a case within the merge distance of a point is in one of the nine cells around it', () => {
    for (let i = 0; i < 500; i++) {
      const p = { lat: 18 + Math.random() * 36, lon: 73 + Math.random() * 62 };
      const q = destination([p.lon, p.lat], Math.random() * cls.merge.distanceM, Math.random() * 360, {
        units: 'meters',
      }).geometry.coordinates as [number, number];
      const at = { lat: q[1], lon: q[0] };
      expect(metresBetween(p, at)).toBeLessThanOrEqual(cls.merge.distanceM + 1e-6);
      expect(mergeCellsAround('d', cls, p)).toContain(mergeCell('d', cls, at));
    }
  });

  it('a report outside the district is refused with its reason and counts for no unit', () => {
    const refused = refuseReport(
      'cs-9',
      'rp-9',
      citizen(cls, { lat: 31.5, lon: 121.5 }),
      'outside_district',
      'outside',
      NOW,
    );
    expect(refused).toMatchObject({ status: 'refused', refusal: { reason: 'outside_district' }, gridId: '' });
    const a = assess([refused, base], {
      from: NOW - 3_600_000,
      to: NOW + 3_600_000,
      asOf: NOW + 3_600_000,
      by: 'unit',
    });
    expect(a.total.registered).toBe(0);
    expect(a.groups).toEqual([]);
    expect(a.intake.bySource).toEqual([{ source: 'public', reports: 2, registered: 0, refused: 1, merged: 0 }]);
  });
});

describe('events of the intake', () => {
  const cls = withRule('exposed-garbage', { rule: 'confirm', signals: 2 });
  const received = receiveReport('cs-1', 'rp-1', citizen(cls), origin(''), NOW);
  const merged = repeatAnomaly(received, signal('gr-1', 'garbage_overflow'), NOW + MIN, {
    location: ROOM,
    joined: true,
  })!;
  const merged2 = repeatAnomaly(merged, signal('mk-1', 'market_litter'), NOW + 2 * MIN, {
    location: east(ROOM, 90),
    joined: true,
  })!;
  const registered = confirmRegistration(merged2, cls, NOW + 2 * MIN)!;
  const other = receiveReport('cs-2', 'rp-2', citizen(cls), origin(''), NOW);
  const refused = transition(other, 'refuse', 'clerk', NOW + MIN, { reason: 'not_city_management' });
  const steps: [Case | undefined, Case, CaseEventType][] = [
    [undefined, received, 'CaseReported'],
    [received, merged, 'CaseMerged'],
    [merged, registered, 'CaseRegistered'],
    [other, refused, 'CaseRefused'],
    [undefined, refuseReport('cs-3', 'rp-3', citizen(cls), 'outside_district', 'x', NOW), 'CaseRefused'],
  ];
  it.each(steps.map(([before, after, type], i) => [i, type, before, after] as const))(
    'change %i is a %s, valid against its schema',
    (_i, type, before, after) => {
      const event = caseEventFor({ id: 'e', oldImage: before && caseItem(before), newImage: caseItem(after) })!;
      expect(event.detailType).toBe(type);
      expect(CASE_EVENTS[type].schema.safeParse(event.detail).success).toBe(true);
    },
  );

  it('the registered case lists its three reports, its deadline from registration', () => {
    expect(registered.reports!.map((r) => r.source)).toEqual(['public', 'iot', 'video']);
    expect(registered.status).toBe('open');
    expect(registered.dueAt).toBe(NOW + 2 * MIN + 2 * 3_600_000);
  });
});
