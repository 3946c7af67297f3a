import { computed, type Ref, reactive, ref } from 'vue';
import type { DistrictMap } from '../../../shared/app/district-map.ts';
import { isOverdue } from '../../../shared/domain/case/escalation.ts';
import type { Case } from '../../../shared/domain/case/model.ts';
import { ACTIVE_STATUSES, SEVERITIES } from '../../../shared/domain/case/statuses.ts';
import type { Locale } from '../../../shared/domain/locales.ts';
import { caseClassName, siteName, unitName } from '../names.ts';

/**
 * What the district map shows of the desk (`GET /map`): its active cases, filtered by
 * severity, status, category and words (matched against the case number, its summary and
 * the names of its place, unit and class, as the page shows them), counted by severity
 * and overdue, and the one a person selected. The filters' choices are the domain's lists.
 */
export function useDistrictView(desk: Ref<DistrictMap | undefined>, locale: Locale) {
  const filters = reactive({ severity: '', status: '', category: '', text: '' });
  const selectedId = ref('');
  const cases = computed(() => desk.value?.cases ?? []);
  /** What a case's words are matched against: its number (and id) and summary, and its names as the page shows them. */
  const searchable = (c: Case) =>
    [
      c.caseNumber ?? '',
      c.caseId,
      c.summary,
      siteName(desk.value, c, locale),
      unitName(desk.value, c.leadUnit, locale),
      caseClassName(desk.value, c, locale),
    ]
      .join(' ')
      .toLowerCase();
  const visible = computed(() => {
    const text = filters.text.trim().toLowerCase();
    return cases.value.filter(
      (c) =>
        (!filters.severity || c.severity === filters.severity) &&
        (!filters.status || c.status === filters.status) &&
        (!filters.category || c.category === filters.category) &&
        (!text || searchable(c).includes(text)),
    );
  });
  const counts = computed(() => ({
    open: cases.value.length,
    overdue: cases.value.filter((c) => isOverdue(c, desk.value!.generatedAt)).length,
    ...Object.fromEntries(SEVERITIES.map((s) => [s, cases.value.filter((c) => c.severity === s).length])),
  }));
  /** The categories of the cases on the desk, for the category filter. */
  const categories = computed(() => [...new Set(cases.value.map((c) => c.category))].sort());
  const selected = computed(() => cases.value.find((c) => c.caseId === selectedId.value));
  const overdue = (c: Case) => (desk.value ? isOverdue(c, desk.value.generatedAt) : false);

  return {
    filters,
    visible,
    counts,
    categories,
    selected,
    overdue,
    select: (caseId: string) => (selectedId.value = caseId),
    severities: SEVERITIES,
    statuses: ACTIVE_STATUSES,
  };
}
