import { CATEGORY_POLICY } from '#shared/domain/case/category-policy';
import { TRANSITIONS } from '#shared/domain/case/cycle';
import type { Case, HistoryEntry, PersonReport } from '#shared/domain/case/model';
import type { CaseAction, CaseStatus } from '#shared/domain/case/statuses';
import type { CityModel } from '#shared/domain/city-model';
import type { TimeLimits } from '#shared/domain/time-limits';
import type { CaseCategory } from '#shared/domain/responsibility';

/** Cases with hand-computed assessment figures (test/unit/assessment.test.ts states them), shared with the API test. */
const MIN = 60_000;
export const at = (month: number, day: number, hour: number, minute = 0) =>
  Date.UTC(2026, month - 1, day, hour, minute);

export type Step = [action: CaseAction | 'escalate', minutes: number, actor?: string];

/** A case with the history a hand-computed fixture needs: each step `minutes` after opening. */
export function kase(
  caseId: string,
  place: { unit: string; street: string; site: string; category?: CaseCategory; thing?: string; districtId?: string },
  openedAt: number,
  steps: Step[],
): Case {
  const category = place.category ?? 'garbage_overflow';
  let status: CaseStatus = 'open';
  const history: HistoryEntry[] = [{ action: 'open', from: null, to: 'open', actor: 'sensor:x', at: openedAt }];
  for (const [action, minutes, actor = 'worker'] of steps) {
    const to: CaseStatus = action === 'escalate' ? status : (TRANSITIONS[action].to ?? status);
    history.push({ action, from: status, to, actor, at: openedAt + minutes * MIN });
    status = to;
  }
  return {
    caseId,
    districtId: place.districtId ?? 'd1',
    category,
    severity: CATEGORY_POLICY[category].severity,
    status,
    siteId: place.site,
    ...(place.thing ? { thing: place.thing } : {}),
    location: { lat: 31.2, lon: 121.4 },
    gridId: `grid-${place.street}`,
    communityId: `community-${place.street}`,
    streetId: place.street,
    leadUnit: place.unit,
    coUnits: [],
    assignee: { name: 'Duty officer', phone: '12345' },
    openedAt,
    dueAt: openedAt + CATEGORY_POLICY[category].slaMs,
    occurrences: 1,
    lastSeenAt: openedAt,
    escalationLevel: steps.filter(([a]) => a === 'escalate').length,
    summary: caseId,
    evidence: [],
    history,
    updatedAt: history.at(-1)!.at,
    version: history.length,
  };
}

export const SAN = { unit: 'sanitation', street: 's1' };
export const MKT = { unit: 'market-office', street: 's2', category: 'market_litter' as const };
export const CLOSE_STEPS = (resolveAt: number, actor = 'worker'): Step[] => [
  ['resolve', resolveAt, actor],
  ['verify', resolveAt + 10],
  ['close', resolveAt + 20],
];

/**
 * November 2026 (UTC), judged on 15 December. Overflow: SLA 2 h, dispatch 30 min; market
 * litter: SLA 2 h, dispatch 60 min; device offline: SLA 24 h, dispatch 60 min.
 */
export const CASES = [
  // A: on time throughout.
  kase('A', { ...SAN, site: 'gr-1' }, at(11, 10, 8), [
    ['dispatch', 10],
    ['start', 20],
    ['resolve', 90],
    ['verify', 100],
    ['close', 110],
  ]),
  // B: dispatched late, resolved late.
  kase('B', { ...SAN, site: 'gr-1' }, at(11, 12, 8), [
    ['dispatch', 45],
    ...CLOSE_STEPS(180).slice(0, 2),
    ['close', 210],
  ]),
  // C: resolved in time, failed verification, reworked past the deadline.
  kase('C', { ...SAN, site: 'gr-2' }, at(11, 14, 8), [
    ['dispatch', 5],
    ['resolve', 60],
    ['reopen', 70],
    ['dispatch', 75],
    ['resolve', 150],
    ['verify', 160],
    ['close', 170],
  ]),
  // D: voided before its dispatch deadline.
  kase('D', { ...MKT, site: 'mk-1' }, at(11, 20, 8), [['void', 30]]),
  // E: dispatched in time, overdue, escalated, closed late.
  kase('E', { ...MKT, site: 'mk-1' }, at(11, 21, 8), [
    ['dispatch', 50],
    ['escalate', 130],
    ['resolve', 200],
    ['verify', 210],
    ['close', 220],
  ]),
  // F: a sensor saw the room emptied before anyone was dispatched.
  kase('F', { ...SAN, site: 'gr-3' }, at(11, 25, 8), CLOSE_STEPS(20, 'sensor:bin-3')),
  // G: opened in October, due and closed on 1 November.
  kase('G', { ...SAN, site: 'gr-4' }, at(10, 31, 23), [['dispatch', 10], ...CLOSE_STEPS(100)]),
  // H: opened on 30 November, due and resolved in December.
  kase('H', { ...MKT, site: 'mk-2' }, at(11, 30, 23, 30), [
    ['dispatch', 20],
    ['resolve', 80],
  ]),
  // I: still working at the end of the month.
  kase('I', { ...SAN, site: 'gr-5' }, at(11, 28, 8), [['dispatch', 15]]),
  // K: a sensor offline for 12 hours, back by itself.
  kase(
    'K',
    { unit: 'platform', street: 's1', site: 'gr-2', category: 'device_offline', thing: 'bin-2' },
    at(11, 16, 0),
    [
      ['resolve', 720, 'sensor:bin-2'],
      ['verify', 730],
      ['close', 740],
    ],
  ),
  // J: October only, on time.
  kase('J', { ...SAN, site: 'gr-1' }, at(10, 5, 8), [['dispatch', 10], ...CLOSE_STEPS(60)]),
];
export const DEVICES = [
  { thing: 'bin-1', kind: 'bins' as const },
  { thing: 'bin-2', kind: 'bins' as const },
  { thing: 'cam-1', kind: 'cameras' as const },
];
export const NOVEMBER = { from: at(11, 1, 0), to: at(12, 1, 0), asOf: at(12, 15, 0) };

/**
 * The fixture's cases placed in the sample district (street s1 is Xiaohe, s2 Hushu, each
 * case in one of their grids; the offline sensor one of its garbage-room sensors), with
 * the sample's departments as lead units when `departments` is set.
 */
export function casesInSampleDistrict(options: { departments?: boolean } = {}): Case[] {
  const places = {
    s1: ['gs-xiaohe', 'gs-xiaohe-c2', 'gs-xiaohe-c2-g1'],
    s2: ['gs-hushu', 'gs-hushu-c1', 'gs-hushu-c1-g2'],
  } as const;
  const departments: Record<string, string> = {
    sanitation: 'municipal-landscaping',
    'market-office': 'market-supervision',
    platform: 'city-management-office',
  };
  return CASES.map((c) => {
    const [streetId, communityId, gridId] = places[c.streetId as keyof typeof places];
    return {
      ...c,
      districtId: 'gongshu',
      streetId,
      communityId,
      gridId,
      ...(c.thing === 'bin-2' ? { thing: 'bin-gs-001' } : {}),
      ...(options.departments ? { leadUnit: departments[c.leadUnit]! } : {}),
    };
  });
}

/**
 * The cycle's figures on the district's time limits (test/unit/assessment.test.ts works
 * them out by hand): Hangzhou, working hours 08:30–12:00 and 13:30–17:30; every case
 * normal (dispatch 2, handle 4, verify 2 working hours); December 2026 judged on 5 January.
 */
export const local = (t: string) => Date.parse(`${t}+08:00`);
export const LIMITS = {
  of: (): TimeLimits => ({
    urgent: { register: 0.5, dispatch: 0.5, handle: 2, verify: 1 },
    pressing: { register: 1, dispatch: 1, handle: 4, verify: 2 },
    normal: { register: 2, dispatch: 2, handle: 4, verify: 2 },
  }),
  calendar: {
    timeZone: 'Asia/Shanghai',
    hours: [
      ['08:30', '12:00'],
      ['13:30', '17:30'],
    ] as const,
  },
};
type LocalStep = [action: HistoryEntry['action'], at: string, to: CaseStatus, extra?: Partial<HistoryEntry>];
export const made = (
  caseId: string,
  unit: string,
  opened: string,
  steps: LocalStep[],
  more: Partial<Case> = {},
): Case => {
  const base = kase(caseId, { unit, street: 's1', site: `gr-${caseId}` }, local(opened), []);
  let status: CaseStatus = 'open';
  const history: HistoryEntry[] = [...base.history];
  for (const [action, t, to, extra] of steps) {
    history.push({ action, from: status, to, actor: 'someone', at: local(t), ...extra });
    status = to;
  }
  const { unitDueAt: _computed, ...rest } = base;
  return { ...rest, status, history, updatedAt: history.at(-1)!.at, ...more };
};
const zhou = { actor: 'inspector.zhou', role: 'inspector' as const };
const qian = { actor: 'inspector.qian', role: 'inspector' as const };
/** An inspector's report of an overflow, sent at a local time. */
const inspectorReport = (reportId: string, at: string, inspector: string, text: string): PersonReport => ({
  reportId,
  source: 'inspector',
  category: 'garbage_overflow',
  at: local(at),
  lastAt: local(at),
  count: 1,
  text,
  location: { lat: 30.3, lon: 120.1 },
  reporter: { id: inspector },
  media: [],
});

export const CASES_ON_LIMITS: Case[] = [
  // P1: due Mon 16:30 (6 working hours from 09:00); dispatched, handled, checked (by 16:00) and closed in time.
  made('P1', 'landscaping', '2026-12-07T09:00', [
    ['dispatch', '2026-12-07T09:30', 'dispatched'],
    ['resolve', '2026-12-07T14:00', 'resolved'],
    ['inspect', '2026-12-07T15:00', 'verified', { ...zhou, outcome: 'pass' }],
    ['close', '2026-12-07T15:10', 'closed'],
  ]),
  // P2: sent to Enforcement, which returned it; redispatched to Landscaping; its deadline (unitDueAt) Tue 17:30;
  // handled late Wed 09:00, failed Zhou's check at 10:00 (in time: 2 h from 09:00), reworked by 11:00, passed
  // Qian's check on Thu 09:00 (late: due Wed 14:30), closed.
  made(
    'P2',
    'landscaping',
    '2026-12-08T09:00',
    [
      ['dispatch', '2026-12-08T09:10', 'dispatched', { unitId: 'enforcement' }],
      ['return', '2026-12-08T09:40', 'open', { unitId: 'enforcement', note: '不属于本单位' }],
      ['dispatch', '2026-12-08T10:00', 'dispatched', { unitId: 'landscaping' }],
      ['resolve', '2026-12-09T09:00', 'resolved'],
      ['inspect', '2026-12-09T10:00', 'reopened', { ...zhou, outcome: 'fail' }],
      ['resolve', '2026-12-09T11:00', 'resolved'],
      ['inspect', '2026-12-10T09:00', 'verified', { ...qian, outcome: 'pass' }],
      ['close', '2026-12-10T09:10', 'closed'],
    ],
    { unitDueAt: local('2026-12-08T17:30') },
  ),
  // P3: an extension to Wed 17:30 approved; handled Wed 10:00, in time; waiting for its check.
  made(
    'P3',
    'landscaping',
    '2026-12-14T09:00',
    [
      ['dispatch', '2026-12-14T09:15', 'dispatched'],
      ['request_extension', '2026-12-14T10:00', 'dispatched', { unitId: 'landscaping' }],
      ['approve_extension', '2026-12-14T10:30', 'dispatched', { unitId: 'landscaping' }],
      ['resolve', '2026-12-16T10:00', 'resolved'],
    ],
    { unitDueAt: local('2026-12-16T17:30') },
  ),
  // P4: parked by Enforcement's case on Tuesday, still parked: not judged.
  made(
    'P4',
    'enforcement',
    '2026-12-15T09:00',
    [
      ['dispatch', '2026-12-15T09:20', 'dispatched'],
      ['park', '2026-12-15T11:00', 'parked', { unitId: 'enforcement' }],
    ],
    { unitDueAt: local('2026-12-15T16:30') },
  ),
  // P5: dispatched late (due 11:00), never handled: overdue and not handled.
  made('P5', 'enforcement', '2026-12-17T09:00', [['dispatch', '2026-12-17T11:30', 'dispatched']]),
  // P6: Zhou's report, registered (then voided before its dispatch deadline): the office's, with nothing to score.
  made('P6', 'office', '2026-12-03T09:00', [['void', '2026-12-03T09:40', 'void']], {
    registeredAt: local('2026-12-03T09:10'),
    reports: [inspectorReport('rp-6', '2026-12-03T09:00', 'inspector.zhou', 'overflowing')],
  }),
  // P7: Qian's report, refused.
  made('P7', 'office', '2026-12-04T09:00', [['refuse', '2026-12-04T09:30', 'refused']], {
    reports: [inspectorReport('rp-7', '2026-12-04T09:00', 'inspector.qian', 'a bag on the pavement')],
  }),
];
export const DECEMBER = {
  from: local('2026-12-01T00:00'),
  to: local('2027-01-01T00:00'),
  asOf: local('2027-01-05T00:00'),
};

/** The sample district without its time limits: the November fixture is worked out on the categories' SLAs. */
export const withoutLimits = (m: CityModel): CityModel => {
  const [district, ...others] = m.districts;
  const { timeLimits: _table, ...table } = district!.classification!;
  return {
    ...m,
    districts: [
      {
        ...district!,
        classification: { ...table, classes: table.classes.map(({ timeLimits: _own, ...c }) => c) },
      },
      ...others,
    ],
  };
};
