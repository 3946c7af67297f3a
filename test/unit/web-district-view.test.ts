import { effectScope, ref } from 'vue';
import { describe, expect, it } from 'vitest';
import type { DistrictMap } from '#shared/app/district-map';
import type { Case } from '#shared/domain/case/model';
import { useDistrictView } from '../../web/src/ops/district-view.ts';
import { localeOf, wordsIn } from '../../web/src/ops/words.ts';
import { kase } from '../support/assessment-fixture.ts';

const NOW = Date.UTC(2026, 10, 27, 2, 0);
const MIN = 60_000;
const at = (c: Case, site: string, grid: string): Case => ({ ...c, siteId: site, gridId: grid });
const CASES = [
  at(
    kase('cs-fire', { unit: 'landscaping', street: 'st-1', site: 'gr-1', category: 'bin_fire' }, NOW - 30 * MIN, [
      ['dispatch', 5],
    ]),
    'gr-1',
    'g-1',
  ),
  at(
    kase('cs-over', { unit: 'landscaping', street: 'st-1', site: 'gr-2' }, NOW - 300 * MIN, [
      ['dispatch', 5],
      ['start', 10],
    ]),
    'gr-2',
    'g-1',
  ),
  at(
    kase('cs-check', { unit: 'enforcement', street: 'st-1', site: 'mk-1' }, NOW - 30 * MIN, [
      ['dispatch', 5],
      ['resolve', 10],
    ]),
    'mk-1',
    'g-2',
  ),
];
const DESK = {
  district: { districtId: 'd', name: 'Gongshu', localName: '拱墅区', timeZone: 'Asia/Shanghai', locale: 'zh-CN' },
  generatedAt: NOW,
  units: [
    { unitId: 'landscaping', kind: 'department', name: 'Landscaping Bureau', localName: '园林局' },
    { unitId: 'enforcement', kind: 'department', name: 'Enforcement Bureau', localName: '执法局' },
  ],
  classes: [],
  grids: [
    { gridId: 'g-1', name: 'Grid 1', localName: '一号网格' },
    { gridId: 'g-2', name: 'Grid 2', localName: '二号网格' },
  ],
  garbageRooms: [
    { siteId: 'gr-1', name: 'Room 1', localName: '1号垃圾房' },
    { siteId: 'gr-2', name: 'Room 2', localName: '2号垃圾房' },
  ],
  markets: [{ siteId: 'mk-1', name: 'East Market', localName: '东市场' }],
  routes: [],
  cases: CASES,
} as unknown as DistrictMap;

function view(locale: 'zh-CN' | 'en', desk: DistrictMap | undefined = DESK) {
  return effectScope().run(() => useDistrictView(ref(desk), locale))!;
}

describe('the district map’s view of the desk (useDistrictView)', () => {
  it('counts the active cases by severity and overdue, and offers the domain’s severities and statuses', () => {
    const v = view('zh-CN');
    expect(v.counts.value).toMatchObject({ open: 3, critical: 1, major: 2, minor: 0, warning: 0 });
    // Dispatched five hours ago on a two-hour clock: overdue.
    expect(v.counts.value.overdue).toBe(1);
    expect(v.overdue(CASES[1]!)).toBe(true);
    expect(v.severities).toEqual(['critical', 'major', 'minor', 'warning']);
    expect(v.statuses).toContain('resolved');
    expect(v.categories.value).toEqual(['bin_fire', 'garbage_overflow']);
    // Before the map is read: nothing.
    const unread = effectScope().run(() => useDistrictView(ref<DistrictMap>(), 'zh-CN'))!;
    expect(unread.visible.value).toEqual([]);
  });

  it('filters by severity, status and category, and by words as the page shows them, in its language', () => {
    const v = view('zh-CN');
    v.filters.severity = 'major';
    expect(v.visible.value.map((c) => c.caseId)).toEqual(['cs-over', 'cs-check']);
    v.filters.status = 'resolved';
    expect(v.visible.value.map((c) => c.caseId)).toEqual(['cs-check']);
    Object.assign(v.filters, { severity: '', status: '', category: 'bin_fire' });
    expect(v.visible.value.map((c) => c.caseId)).toEqual(['cs-fire']);
    // A place, a unit, by the names the list shows, not their ids.
    Object.assign(v.filters, { category: '', text: '东市场' });
    expect(v.visible.value.map((c) => c.caseId)).toEqual(['cs-check']);
    v.filters.text = '园林局';
    expect(v.visible.value.map((c) => c.caseId)).toEqual(['cs-fire', 'cs-over']);
    const en = view('en');
    en.filters.text = 'east market';
    expect(en.visible.value.map((c) => c.caseId)).toEqual(['cs-check']);
  });

  it('selects a case by its number', () => {
    const v = view('zh-CN');
    expect(v.selected.value).toBeUndefined();
    v.select('cs-over');
    expect(v.selected.value?.caseId).toBe('cs-over');
  });
});

describe('the district map’s language', () => {
  it('is Chinese first, English at ?lang=en, and speaks the dictionary’s words', () => {
    expect(localeOf('')).toBe('zh-CN');
    expect(localeOf('?lang=en&districtId=gongshu')).toBe('en');
    expect(localeOf('?lang=fr')).toBe('zh-CN');
    expect(wordsIn('zh-CN').status.resolved).toBe('待核查');
    expect(wordsIn('en').status.resolved).toBe('to verify');
    expect(wordsIn('en').ui.page).toBe('District map');
  });
});
