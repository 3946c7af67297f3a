import { DEFAULT_LOCALE, type Locale } from '#shared/domain/labels';
import type { CaseFigures } from '#shared/domain/assessment';
import { isoWithOffset } from '#shared/domain/local-time';
import type { MonthlyReport, ReportFile, WeekFigures } from '#shared/app/monthly-report';

/* How a report (a month's, a quarter's, a half-year's) is published: its JSON, CSV tables and an HTML page. */

/** The report's words, in each locale (the district's first). */
const WORDS: Record<Locale, Record<string, string>> = {
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
const wordsOf = (report: MonthlyReport) => WORDS[report.assessment.locale ?? DEFAULT_LOCALE] ?? WORDS[DEFAULT_LOCALE];

/** The report's trend: a month's weeks, or the months of a quarter or half-year. */
const trendOf = (report: MonthlyReport) => {
  const w = wordsOf(report);
  return report.weeks
    ? { rows: report.weeks, file: 'weeks.csv', column: 'week', heading: w.trendWeek!, first: w.weekFrom! }
    : { rows: report.months ?? [], file: 'months.csv', column: 'month', heading: w.trendMonth!, first: w.month! };
};

/** The report's files by name, with their content types: `report.json`, the CSV tables and `report.html`. */
export function reportFiles(report: MonthlyReport): ReportFile[] {
  return [
    { name: 'report.json', text: `${JSON.stringify(report, null, 2)}\n`, contentType: 'application/json' },
    ...Object.entries(reportCsv(report)).map(([name, text]) => ({
      name,
      text,
      contentType: 'text/csv; charset=utf-8',
    })),
    { name: 'report.html', text: reportHtml(report), contentType: 'text/html; charset=utf-8' },
  ];
}

/** A share as people read it: `57.1 %`, or `—` where there was nothing to share. */
export const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)} %`;
const hours = (ms: number | null) => (ms === null ? '—' : (ms / 3_600_000).toFixed(1));
const nameOf = (report: MonthlyReport, id: string) => report.assessment.names[id] ?? id;

const csvField = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csv = (header: string[], rows: unknown[][]) =>
  `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;

/** The report's tables as CSV files (RFC 4180, rates as shares 0–1, times in hours). */
export function reportCsv(report: MonthlyReport): Record<string, string> {
  const { assessment } = report;
  const unitRow = (key: string, name: string, f: CaseFigures, rank: number | null) => [
    key,
    name,
    rank,
    f.score,
    f.registered,
    f.due,
    f.closedOnTime,
    f.onTimeClosureRate,
    f.dueClosed,
    f.closedRate,
    f.dispatchDue,
    f.dispatchedOnTime,
    f.onTimeDispatchRate,
    f.handledOnTime,
    f.onTimeHandlingRate,
    f.closed,
    f.resolved,
    f.reworked,
    f.reworkRate,
    f.voided,
    f.escalations,
    f.sensorVerifiedShare,
    hours(f.timeToDispatch.averageMs),
    hours(f.timeToDispatch.p90Ms),
    hours(f.timeToClose.averageMs),
    hours(f.timeToClose.p90Ms),
    f.overdueUnhandled,
    f.returned,
    f.extended,
    f.parked,
  ];
  const trend = trendOf(report);
  return {
    'units.csv': csv(
      [
        'unit',
        'name',
        'rank',
        'score',
        'registered',
        'due',
        'closed_on_time',
        'on_time_closure_rate',
        'due_closed',
        'closed_rate',
        'dispatch_due',
        'dispatched_on_time',
        'on_time_dispatch_rate',
        'handled_on_time',
        'on_time_handling_rate',
        'closed',
        'resolved',
        'reworked',
        'rework_rate',
        'voided',
        'escalations',
        'sensor_verified_share',
        'dispatch_avg_h',
        'dispatch_p90_h',
        'close_avg_h',
        'close_p90_h',
        'overdue_unhandled',
        'returned',
        'extended',
        'parked',
      ],
      [
        ...assessment.groups.map((g) => unitRow(g.key, nameOf(report, g.key), g, g.rank)),
        unitRow('', 'district', assessment.total, null),
      ],
    ),
    [trend.file]: csv(
      [trend.column, 'registered', 'due', 'closed_on_time', 'on_time_closure_rate', 'closed'],
      trend.rows.map((w) => [w.label, w.registered, w.due, w.closedOnTime, w.onTimeClosureRate, w.closed]),
    ),
    'inspectors.csv': csv(
      [
        'inspector',
        'reports',
        'accepted',
        'accepted_rate',
        'checks',
        'checks_judged',
        'checked_on_time',
        'on_time_check_rate',
      ],
      (assessment.inspectors ?? []).map((i) => [
        i.inspector,
        i.reports,
        i.accepted,
        i.acceptedRate,
        i.checks,
        i.checksJudged,
        i.checkedOnTime,
        i.onTimeCheckRate,
      ]),
    ),
    'garbage-rooms.csv': csv(
      ['site', 'name', 'overflow_hours'],
      assessment.sensors.overflowHours.map((r) => [r.siteId, nameOf(report, r.siteId), r.hours]),
    ),
    'routes.csv': csv(
      ['site', 'name', 'coverage_share', 'swept_in_time', 'segment_windows', 'windows', 'missed_windows'],
      worstRoutes(report).map((r) => [
        r.routeId,
        nameOf(report, r.routeId),
        r.share,
        r.sweptInTime,
        r.segmentWindows,
        r.windows,
        r.missedWindows,
      ]),
    ),
  };
}

/** Routes by mechanised-sweeping coverage, lowest first, with the windows their cases counted as missed. */
function worstRoutes(report: MonthlyReport) {
  const missed = new Map(report.assessment.sensors.missedSweeping.map((m) => [m.siteId, m.windows]));
  return report.assessment.sensors.sweepingCoverage.byRoute
    .map((r) => ({ ...r, missedWindows: missed.get(r.routeId) ?? 0 }))
    .sort(
      (a, b) =>
        (a.share ?? 2) - (b.share ?? 2) || b.missedWindows - a.missedWindows || a.routeId.localeCompare(b.routeId),
    );
}

const escapeHtml = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Horizontal bars, one per row, with its label and value written beside it. */
function barChart(rows: { label: string; value: number; text: string }[], max: number, colour: string): string {
  const height = rows.length * 26 + 8;
  const bars = rows
    .map((r, i) => {
      const width = max > 0 ? Math.max(1, (r.value / max) * 360) : 1;
      const y = 4 + i * 26;
      // Long names are cut to the label column (the table below has them whole).
      const label = r.label.length > 44 ? `${r.label.slice(0, 43)}…` : r.label;
      return `<text x="0" y="${y + 15}" class="label">${escapeHtml(label)}</text><rect x="320" y="${y + 3}" width="${width.toFixed(1)}" height="16" fill="${colour}" rx="2"/><text x="${(326 + width).toFixed(1)}" y="${y + 15}" class="value">${escapeHtml(r.text)}</text>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 800 ${height}" width="800" height="${height}" role="img">${bars}</svg>`;
}

/** Weekly cases registered (bars) and the on-time closure rate (line, right scale 0–100 %). */
function weekChart(weeks: WeekFigures[], legend: string): string {
  const w = 640,
    h = 200,
    left = 40,
    bottom = 30;
  const step = (w - left) / Math.max(1, weeks.length);
  const max = Math.max(1, ...weeks.map((x) => x.registered));
  const bars = weeks
    .map((x, i) => {
      const bh = (x.registered / max) * (h - bottom - 20);
      const bx = left + i * step + step * 0.2;
      return `<rect x="${bx.toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${(step * 0.6).toFixed(1)}" height="${bh.toFixed(1)}" fill="#9bbcd8"/><text x="${(bx + step * 0.3).toFixed(1)}" y="${h - bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(x.label.slice(5))}</text><text x="${(bx + step * 0.3).toFixed(1)}" y="${(h - bottom - bh - 4).toFixed(1)}" class="tick" text-anchor="middle">${x.registered}</text>`;
    })
    .join('');
  const points = weeks
    .map((x, i) =>
      x.onTimeClosureRate === null
        ? null
        : `${(left + i * step + step / 2).toFixed(1)},${(h - bottom - x.onTimeClosureRate * (h - bottom - 20)).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(' ');
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img"><line x1="${left}" y1="${h - bottom}" x2="${w}" y2="${h - bottom}" stroke="#888"/>${bars}<polyline points="${points}" fill="none" stroke="#c0392b" stroke-width="2"/>${points
    .split(' ')
    .filter(Boolean)
    .map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="#c0392b"/>`)
    .join('')}<text x="${left}" y="12" class="tick">${escapeHtml(legend)}</text></svg>`;
}

const change = (value: number | null | undefined, points: boolean) =>
  value === null || value === undefined
    ? ''
    : points
      ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`
      : `${value >= 0 ? '+' : ''}${value}`;

export function reportHtml(report: MonthlyReport): string {
  const { assessment: a } = report;
  const t = a.total;
  const w = wordsOf(report);
  const locale = a.locale ?? DEFAULT_LOCALE;
  const card = (figure: string, label: string, value: string, key?: keyof CaseFigures, points = false) =>
    `<div class="card"><div class="card-label">${escapeHtml(label)}</div><div class="card-value" data-figure="${figure}">${escapeHtml(value)}</div>${
      key
        ? `<div class="card-change">${escapeHtml(w.previous)}: <span data-change="previous-${figure}">${escapeHtml(change(a.previous?.change[key], points) || w.noData)}</span> · ${escapeHtml(w.yearEarlier)}: <span data-change="year-${figure}">${escapeHtml(change(a.yearEarlier?.change[key], points) || w.noData)}</span></div>`
        : ''
    }</div>`;
  const trend = trendOf(report);
  const unitRows = a.groups
    .map(
      (g) =>
        `<tr data-unit="${escapeHtml(g.key)}"><td>${g.rank ?? '—'}</td><td>${escapeHtml(nameOf(report, g.key))}</td><td data-figure="score">${g.score ?? '—'}</td><td data-figure="registered">${g.registered}</td><td data-figure="due">${g.due}</td><td data-figure="closedOnTime">${g.closedOnTime}</td><td data-figure="onTimeClosureRate">${percent(g.onTimeClosureRate)}</td><td data-figure="closedRate">${percent(g.closedRate)}</td><td data-figure="onTimeDispatchRate">${percent(g.onTimeDispatchRate)}</td><td data-figure="reworkRate">${percent(g.reworkRate)}</td><td data-figure="escalations">${g.escalations}</td><td data-figure="closeAvgHours">${hours(g.timeToClose.averageMs)}</td><td data-figure="overdueUnhandled">${g.overdueUnhandled}</td><td data-figure="returned">${g.returned}</td><td data-figure="extended">${g.extended}</td><td data-figure="parked">${g.parked}</td></tr>`,
    )
    .join('');
  const worstRooms = a.sensors.overflowHours.slice(0, 10);
  const routes = worstRoutes(report).slice(0, 10);
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(w.docTitle)} — ${escapeHtml(report.districtId)} — ${escapeHtml(report.period)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:13px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:170px}.card-label{font-size:12px;color:#666}
.card-value{font-size:22px;font-weight:600}.card-change{font-size:11px;color:#666}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right}
th:nth-child(2),td:nth-child(2),#routes td:first-child,#routes th:first-child,#garbage-rooms td:first-child{text-align:left}.chart .label{font-size:12px}.chart .value,.chart .tick{font-size:11px;fill:#444}
.empty{color:#888;font-style:italic}
</style></head><body>
<h1>${escapeHtml(w.title)}: ${escapeHtml(report.districtId)}, ${escapeHtml(report.period)}</h1>
<div class="meta">${escapeHtml(w.period)} ${escapeHtml(isoWithOffset(a.period.from, report.timeZone))} ${escapeHtml(w.to)} ${escapeHtml(isoWithOffset(a.period.to, report.timeZone))} · ${escapeHtml(w.slaHours)}: ${escapeHtml(a.hours)} · ${escapeHtml(w.generated)} ${escapeHtml(report.generatedAt)} ${escapeHtml(w.byCityOps)}</div>
<div class="cards">
${card('registered', w.registered!, String(t.registered), 'registered')}
${card('due', w.due!, String(t.due), 'due')}
${card('onTimeClosureRate', w.onTimeClosure!, percent(t.onTimeClosureRate), 'onTimeClosureRate', true)}
${card('closedRate', w.closed!, percent(t.closedRate), 'closedRate', true)}
${card('onTimeDispatchRate', w.onTimeDispatch!, percent(t.onTimeDispatchRate), 'onTimeDispatchRate', true)}
${card('reworkRate', w.rework!, percent(t.reworkRate), 'reworkRate', true)}
${card('sensorVerifiedShare', w.sensorVerified!, percent(t.sensorVerifiedShare), 'sensorVerifiedShare', true)}
${card('deviceAvailability', w.availability!, percent(a.sensors.deviceAvailability.overall))}
</div>
<h2>${escapeHtml(w.unitsRanked)}</h2>
${
  a.groups.length
    ? barChart(
        a.groups.map((g) => ({
          label: nameOf(report, g.key),
          value: g.score ?? 0,
          text: `${g.score ?? '—'} (${w.onTimeOf} ${percent(g.onTimeClosureRate)}: ${g.closedOnTime}${w.ofWord}${g.due})`,
        })),
        100,
        '#2e86c1',
      )
    : `<p class="empty">${escapeHtml(w.noCases)}</p>`
}
<table id="units"><thead><tr>${['rank', 'unit', 'score', 'registeredCol', 'dueCol', 'onTimeCol', 'onTimeRate', 'closedRate', 'dispatchedOnTime', 'reworkCol', 'escalations', 'avgClose', 'overdueUnhandled', 'returned', 'extended', 'parked'].map((k) => `<th>${escapeHtml(w[k])}</th>`).join('')}</tr></thead><tbody>${unitRows}</tbody></table>
<h2>${escapeHtml(w.inspectors)}</h2>
${
  a.inspectors?.length
    ? `<table id="inspectors"><thead><tr>${['inspector', 'reports', 'accepted', 'checks', 'checkedOnTime', 'onTimeCheckRate'].map((k) => `<th>${escapeHtml(w[k])}</th>`).join('')}</tr></thead><tbody>${a.inspectors
        .map(
          (i) =>
            `<tr data-inspector="${escapeHtml(i.inspector)}"><td>${escapeHtml(i.inspector)}</td><td data-figure="reports">${i.reports}</td><td data-figure="accepted">${i.accepted}</td><td data-figure="checks">${i.checks}</td><td data-figure="checkedOnTime">${i.checkedOnTime}</td><td data-figure="onTimeCheckRate">${percent(i.onTimeCheckRate)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p class="empty">${escapeHtml(w.noInspector)}</p>`
}
<h2>${trend.heading}</h2>
${weekChart(trend.rows, w.chartLegend!)}
<table id="${trend.file === 'weeks.csv' ? 'weeks' : 'months'}"><thead><tr><th>${escapeHtml(trend.first)}</th>${['registeredCol', 'dueCol', 'onTimeCol', 'onTimeRate', 'closedCol'].map((k) => `<th>${escapeHtml(w[k])}</th>`).join('')}</tr></thead><tbody>${trend.rows
    .map(
      (w) =>
        `<tr data-week="${escapeHtml(w.label)}"><td>${escapeHtml(w.label)}</td><td data-figure="registered">${w.registered}</td><td data-figure="due">${w.due}</td><td data-figure="closedOnTime">${w.closedOnTime}</td><td data-figure="onTimeClosureRate">${percent(w.onTimeClosureRate)}</td><td data-figure="closed">${w.closed}</td></tr>`,
    )
    .join('')}</tbody></table>
<h2>${escapeHtml(w.rooms)}</h2>
${
  worstRooms.length
    ? barChart(
        worstRooms.map((r) => ({ label: nameOf(report, r.siteId), value: r.hours, text: `${r.hours} h` })),
        Math.max(...worstRooms.map((r) => r.hours)),
        '#e67e22',
      )
    : `<p class="empty">${escapeHtml(w.noRooms)}</p>`
}
<table id="garbage-rooms"><tbody>${worstRooms.map((r) => `<tr data-site="${escapeHtml(r.siteId)}"><td>${escapeHtml(nameOf(report, r.siteId))}</td><td data-figure="overflowHours">${r.hours}</td></tr>`).join('')}</tbody></table>
<h2>${escapeHtml(w.routes)}</h2>
<p class="meta">${escapeHtml(w.routesMeta)}: ${percent(a.sensors.sweepingCoverage.total.share)} ${escapeHtml(w.of)} ${a.sensors.sweepingCoverage.total.segmentWindows} ${escapeHtml(w.segmentWindows)} ${a.sensors.sweepingCoverage.total.windows} ${escapeHtml(w.windowsWord)}.</p>
${
  routes.length
    ? barChart(
        routes.map((r) => ({
          label: nameOf(report, r.routeId),
          value: r.share ?? 0,
          text: `${percent(r.share)} (${r.sweptInTime}${w.ofWord}${r.segmentWindows})`,
        })),
        1,
        '#8e44ad',
      )
    : `<p class="empty">${escapeHtml(w.noWindows)}</p>`
}
<table id="routes"><thead><tr>${['route', 'coverage', 'windows', 'missedWindows'].map((k) => `<th>${escapeHtml(w[k])}</th>`).join('')}</tr></thead><tbody>${routes.map((r) => `<tr data-site="${escapeHtml(r.routeId)}"><td>${escapeHtml(nameOf(report, r.routeId))}</td><td data-figure="coverage">${percent(r.share)}</td><td data-figure="windows">${r.windows}</td><td data-figure="missedWindows">${r.missedWindows}</td></tr>`).join('')}</tbody></table>
</body></html>
`;
}
