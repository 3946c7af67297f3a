import { DEFAULT_LOCALE, type Locale } from '#shared/domain/locales';
import type { PeriodReport } from '#shared/app/period-report';

/* How a report is read by people: its words in each locale, and the figures as they are written. */

/** The report's words, in each locale (the district's first). */
export const WORDS: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    docTitle: 'CityOps 单位考核',
    title: '单位考核',
    period: '考核期',
    to: '至',
    slaHours: '时限计时',
    generated: '生成于',
    byCityOps: '（CityOps）',
    registered: '立案数',
    due: '应结案数',
    onTimeClosure: '按期结案率',
    closed: '结案率',
    onTimeDispatch: '按时派遣率',
    rework: '返工率',
    sensorVerified: '传感器确认的结案',
    availability: '设备在线率',
    previous: '环比',
    yearEarlier: '同比',
    noData: '无数据',
    unitsRanked: '单位综合评分排名',
    noCases: '本期无案件。',
    rank: '名次',
    unit: '单位',
    score: '综合评分',
    registeredCol: '立案',
    dueCol: '应结案',
    onTimeCol: '按期结案',
    onTimeRate: '按期结案率',
    closedRate: '结案率',
    dispatchedOnTime: '按时派遣率',
    reworkCol: '返工率',
    escalations: '超期升级',
    avgClose: '平均结案时长（小时）',
    overdueUnhandled: '超期未处置',
    returned: '回退',
    extended: '延期',
    parked: '挂账',
    inspectors: '监督员',
    inspector: '监督员',
    reports: '上报',
    accepted: '立案',
    checks: '核查',
    checkedOnTime: '按时核查',
    onTimeCheckRate: '按时核查率',
    noInspector: '本期无监督员上报或核查。',
    trendWeek: '周趋势',
    trendMonth: '月趋势',
    weekFrom: '周起',
    month: '月份',
    closedCol: '结案',
    rooms: '满溢时长最多的垃圾房',
    noRooms: '本期无垃圾房满溢。',
    routes: '清扫覆盖率最低的线路',
    routesMeta: '计划路段时段在作业时段内清扫的占比；全部线路',
    of: '，共',
    segmentWindows: '个路段时段，',
    windowsWord: '个作业时段',
    route: '线路',
    coverage: '覆盖率',
    windows: '作业时段',
    missedWindows: '漏扫时段（案件）',
    noWindows: '本期无结束的作业时段。',
    chartLegend: '柱：立案数 · 线：按期结案率（0–100 %）',
    onTimeOf: '按期结案',
    ofWord: '/',
  },
  en: {
    docTitle: 'CityOps unit assessment',
    title: 'Unit assessment',
    period: 'Period',
    to: 'to',
    slaHours: 'SLA hours',
    generated: 'generated',
    byCityOps: 'by CityOps',
    registered: 'Cases registered',
    due: 'Cases due',
    onTimeClosure: 'Closed on time',
    closed: 'Closed',
    onTimeDispatch: 'Dispatched on time',
    rework: 'Rework',
    sensorVerified: 'Closures verified by a sensor',
    availability: 'Device availability',
    previous: 'vs the previous period',
    yearEarlier: 'vs a year earlier',
    noData: 'no data',
    unitsRanked: 'Units ranked by their composite score',
    noCases: 'No cases in this period.',
    rank: 'Rank',
    unit: 'Unit',
    score: 'Score',
    registeredCol: 'Registered',
    dueCol: 'Due',
    onTimeCol: 'On time',
    onTimeRate: 'On-time rate',
    closedRate: 'Closed rate',
    dispatchedOnTime: 'Dispatched on time',
    reworkCol: 'Rework',
    escalations: 'Escalations',
    avgClose: 'Avg hours to close',
    overdueUnhandled: 'Overdue, not handled',
    returned: 'Returned',
    extended: 'Extended',
    parked: 'Parked',
    inspectors: 'Inspectors',
    inspector: 'Inspector',
    reports: 'Reports',
    accepted: 'Accepted',
    checks: 'Checks',
    checkedOnTime: 'Checked on time',
    onTimeCheckRate: 'On-time rate',
    noInspector: 'No inspector reported or checked in this period.',
    trendWeek: 'Trend per week',
    trendMonth: 'Trend per month',
    weekFrom: 'Week from',
    month: 'Month',
    closedCol: 'Closed',
    rooms: 'Garbage rooms with the most overflow hours',
    noRooms: 'No garbage room overflowed.',
    routes: 'Routes with the lowest sweeping coverage',
    routesMeta: 'Share of scheduled segment-windows swept within their window; all routes',
    of: 'of',
    segmentWindows: 'segment-windows in',
    windowsWord: 'windows',
    route: 'Route',
    coverage: 'Coverage',
    windows: 'Windows',
    missedWindows: 'Missed windows (cases)',
    noWindows: 'No sweeping window ended in this period.',
    chartLegend: 'bars: cases registered · line: on-time closure rate (0–100 %)',
    onTimeOf: 'on time',
    ofWord: ' of ',
  },
};

/** The report's language: its district's (Chinese first). */
export const wordsOf = (report: PeriodReport) =>
  WORDS[report.assessment.locale ?? DEFAULT_LOCALE] ?? WORDS[DEFAULT_LOCALE];

/** The report's trend: a month's weeks, or the months of a quarter or half-year. */
export const trendOf = (report: PeriodReport) => {
  const w = wordsOf(report);
  return report.weeks
    ? { rows: report.weeks, file: 'weeks.csv', column: 'week', heading: w.trendWeek!, first: w.weekFrom! }
    : { rows: report.months ?? [], file: 'months.csv', column: 'month', heading: w.trendMonth!, first: w.month! };
};

/** A share as people read it: `57.1 %`, or `—` where there was nothing to share. */
export const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)} %`;
export const hours = (ms: number | null) => (ms === null ? '—' : (ms / 3_600_000).toFixed(1));
export const nameOf = (report: PeriodReport, id: string) => report.assessment.names[id] ?? id;

/** Routes by mechanised-sweeping coverage, lowest first, with the windows their cases counted as missed. */
export function worstRoutes(report: PeriodReport) {
  const missed = new Map(report.assessment.sensors.missedSweeping.map((m) => [m.siteId, m.windows]));
  return report.assessment.sensors.sweepingCoverage.byRoute
    .map((r) => ({ ...r, missedWindows: missed.get(r.routeId) ?? 0 }))
    .sort(
      (a, b) =>
        (a.share ?? 2) - (b.share ?? 2) || b.missedWindows - a.missedWindows || a.routeId.localeCompare(b.routeId),
    );
}
