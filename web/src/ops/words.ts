import { dictionaryOf } from '../../../shared/domain/labels.ts';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../../../shared/domain/locales.ts';

/**
 * The district map's own words in each locale; the cycle's (statuses, severities,
 * categories, actions, roles) come from the one dictionary (shared/domain/labels.ts).
 */
const UI = {
  'zh-CN': {
    title: '城市运行',
    page: '辖区地图',
    workbench: '工作台',
    open: '在办案件',
    overdue: '超期',
    updated: '更新于',
    allSeverities: '全部等级',
    allStatuses: '全部状态',
    allCategories: '全部类别',
    search: '案件、地点、单位或关键词',
    shown: '条',
    caseId: '案件号',
    severity: '等级',
    category: '类别',
    status: '状态',
    site: '地点',
    unit: '主办单位',
    opened: '上报时间',
    due: '处置时限',
    noCases: '暂无案件',
    selectCase: '选择一个案件，查看其办理过程。',
    overdueMark: '（超期）',
    cannotRefresh: '无法刷新：',
    map: '辖区地图',
    rooms: '垃圾房：',
    noReading: '无读数',
    routes: '今日清扫线路：',
    noWindow: '今日尚无作业时段',
    cases: '案件：',
    signOut: '退出',
    language: 'English',
  },
  en: {
    title: 'CityOps',
    page: 'District map',
    workbench: 'Workbench',
    open: 'open cases',
    overdue: 'overdue',
    updated: 'updated',
    allSeverities: 'all severities',
    allStatuses: 'all statuses',
    allCategories: 'all categories',
    search: 'case, site, unit or words',
    shown: 'shown',
    caseId: 'Case',
    severity: 'Severity',
    category: 'Category',
    status: 'Status',
    site: 'Site',
    unit: 'Lead unit',
    opened: 'Opened',
    due: 'Due',
    noCases: 'no cases',
    selectCase: 'Select a case to see its history.',
    overdueMark: ' (overdue)',
    cannotRefresh: 'cannot refresh: ',
    map: 'map of the district',
    rooms: 'garbage rooms:',
    noReading: 'no reading',
    routes: 'routes today:',
    noWindow: 'no window yet',
    cases: 'cases:',
    signOut: 'Sign out',
    language: '中文',
  },
} satisfies Record<Locale, Record<string, string>>;

/** The page's language: its `?lang=` where it is one of the dictionary's, else the district's (Chinese first). */
export const localeOf = (search: string): Locale => {
  const lang = new URLSearchParams(search).get('lang');
  return LOCALES.find((l) => l === lang) ?? DEFAULT_LOCALE;
};

/** Every word the page shows, in one locale: its own (`ui`) and the dictionary's. */
export const wordsIn = (locale: Locale) => ({ ...dictionaryOf(locale), ui: UI[locale] });
export type PageWords = ReturnType<typeof wordsIn>;
