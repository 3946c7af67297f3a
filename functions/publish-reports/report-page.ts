import type { CaseFigures } from '#shared/domain/assessment-model';
import { isoWithOffset } from '#shared/domain/local-time';
import type { PeriodReport, WeekFigures } from '#shared/app/period-report';
import { DEFAULT_LOCALE } from '#shared/domain/locales';
import { hours, nameOf, percent, trendOf, wordsOf, worstRoutes } from './report-words.ts';

/* The report's HTML page: one self-contained file, charts drawn as inline SVG. */

const escapeHtml = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Attributes = Record<string, string | number>;

/** An element's attributes, escaped, each with its leading space. */
const attributesOf = (attributes: Attributes) =>
  Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');

/** An element: its attributes escaped, its children as given (already HTML). */
const el = (tag: string, attributes: Attributes, ...children: string[]) =>
  `<${tag}${attributesOf(attributes)}>${children.join('')}</${tag}>`;

/** An element without children (SVG shapes). */
const shape = (tag: string, attributes: Attributes) => `<${tag}${attributesOf(attributes)}/>`;

/** A column of a table: its heading and, per row, the figure it shows (`data-figure`) and the text. */
interface Column<R> {
  head: string;
  figure?: string;
  cell: (row: R) => string | number;
}

/**
 * A table, each row keyed by `rowKey` (`data-unit="…"`, …) so that a reader (or a test) finds
 * a figure by its row and its name; without a heading when no column has one.
 */
function table<R>(id: string, rowKey: [string, (row: R) => string], columns: Column<R>[], rows: R[]): string {
  const heads = columns.some((c) => c.head)
    ? el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, escapeHtml(c.head)))))
    : '';
  const body = rows.map((row) =>
    el(
      'tr',
      { [rowKey[0]]: rowKey[1](row) },
      ...columns.map((c) => el('td', c.figure ? { 'data-figure': c.figure } : {}, escapeHtml(c.cell(row)))),
    ),
  );
  return el('table', { id }, heads, el('tbody', {}, ...body));
}

const fixed = (n: number) => n.toFixed(1);

/** Horizontal bars, one per row, with its label and value written beside it. */
function barChart(rows: { label: string; value: number; text: string }[], max: number, colour: string): string {
  const height = rows.length * 26 + 8;
  const bars = rows.map((r, i) => {
    const width = max > 0 ? Math.max(1, (r.value / max) * 360) : 1;
    const y = 4 + i * 26;
    // Long names are cut to the label column (the table below has them whole).
    const label = r.label.length > 44 ? `${r.label.slice(0, 43)}…` : r.label;
    return [
      el('text', { x: 0, y: y + 15, class: 'label' }, escapeHtml(label)),
      shape('rect', { x: 320, y: y + 3, width: fixed(width), height: 16, fill: colour, rx: 2 }),
      el('text', { x: fixed(326 + width), y: y + 15, class: 'value' }, escapeHtml(r.text)),
    ].join('');
  });
  return el('svg', { class: 'chart', viewBox: `0 0 800 ${height}`, width: 800, height, role: 'img' }, ...bars);
}

/** Weekly cases registered (bars) and the on-time closure rate (line, right scale 0–100 %). */
function weekChart(weeks: WeekFigures[], legend: string): string {
  const [w, h, left, bottom] = [640, 200, 40, 30];
  const step = (w - left) / Math.max(1, weeks.length);
  const max = Math.max(1, ...weeks.map((x) => x.registered));
  const bars = weeks.map((x, i) => {
    const bh = (x.registered / max) * (h - bottom - 20);
    const bx = left + i * step + step * 0.2;
    const middle = fixed(bx + step * 0.3);
    return [
      shape('rect', {
        x: fixed(bx),
        y: fixed(h - bottom - bh),
        width: fixed(step * 0.6),
        height: fixed(bh),
        fill: '#9bbcd8',
      }),
      el(
        'text',
        { x: middle, y: h - bottom + 16, class: 'tick', 'text-anchor': 'middle' },
        escapeHtml(x.label.slice(5)),
      ),
      el(
        'text',
        { x: middle, y: fixed(h - bottom - bh - 4), class: 'tick', 'text-anchor': 'middle' },
        String(x.registered),
      ),
    ].join('');
  });
  const points = weeks.flatMap((x, i) =>
    x.onTimeClosureRate === null
      ? []
      : [[fixed(left + i * step + step / 2), fixed(h - bottom - x.onTimeClosureRate * (h - bottom - 20))]],
  );
  return el(
    'svg',
    { class: 'chart', viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' },
    shape('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, stroke: '#888' }),
    ...bars,
    shape('polyline', {
      points: points.map(([x, y]) => `${x},${y}`).join(' '),
      fill: 'none',
      stroke: '#c0392b',
      'stroke-width': 2,
    }),
    ...points.map(([cx, cy]) => shape('circle', { cx: cx!, cy: cy!, r: 3, fill: '#c0392b' })),
    el('text', { x: left, y: 12, class: 'tick' }, escapeHtml(legend)),
  );
}

const change = (value: number | null | undefined, points: boolean) =>
  value === null || value === undefined
    ? ''
    : points
      ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`
      : `${value >= 0 ? '+' : ''}${value}`;

/** The page's style: system fonts with the CJK ones named, figures right-aligned, names left. */
const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;',
  'margin:24px;color:#222;max-width:1100px}\n',
  'h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\n',
  '.meta{color:#666;font-size:13px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}\n',
  '.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:170px}.card-label{font-size:12px;color:#666}\n',
  '.card-value{font-size:22px;font-weight:600}.card-change{font-size:11px;color:#666}\n',
  'table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right}\n',
  'th:nth-child(2),td:nth-child(2),#routes td:first-child,#routes th:first-child,#garbage-rooms td:first-child',
  '{text-align:left}.chart .label{font-size:12px}.chart .value,.chart .tick{font-size:11px;fill:#444}\n',
  '.empty{color:#888;font-style:italic}\n',
].join('');

export function reportHtml(report: PeriodReport): string {
  const { assessment: a } = report;
  const t = a.total;
  const w = wordsOf(report);
  const locale = a.locale ?? DEFAULT_LOCALE;
  const name = (id: string) => nameOf(report, id);
  const empty = (words: string | undefined) => el('p', { class: 'empty' }, escapeHtml(words));
  const card = (figure: string, label: string, value: string, key?: keyof CaseFigures, points = false) =>
    el(
      'div',
      { class: 'card' },
      el('div', { class: 'card-label' }, escapeHtml(label)),
      el('div', { class: 'card-value', 'data-figure': figure }, escapeHtml(value)),
      key
        ? el(
            'div',
            { class: 'card-change' },
            `${escapeHtml(w.previous)}: `,
            el(
              'span',
              { 'data-change': `previous-${figure}` },
              escapeHtml(change(a.previous?.change[key], points) || w.noData),
            ),
            ` · ${escapeHtml(w.yearEarlier)}: `,
            el(
              'span',
              { 'data-change': `year-${figure}` },
              escapeHtml(change(a.yearEarlier?.change[key], points) || w.noData),
            ),
          )
        : '',
    );
  const trend = trendOf(report);
  const worstRooms = a.sensors.overflowHours.slice(0, 10);
  const routes = worstRoutes(report).slice(0, 10);
  const coverage = a.sensors.sweepingCoverage.total;
  const period = `${isoWithOffset(a.period.from, report.timeZone)} ${w.to} ${isoWithOffset(a.period.to, report.timeZone)}`;
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(w.docTitle)} — ${escapeHtml(report.districtId)} — ${escapeHtml(report.period)}</title>
<style>
${STYLE}</style></head><body>
<h1>${escapeHtml(w.title)}: ${escapeHtml(report.districtId)}, ${escapeHtml(report.period)}</h1>
${el(
  'div',
  { class: 'meta' },
  escapeHtml(`${w.period} ${period} · ${w.slaHours}: ${a.hours} · ${w.generated} ${report.generatedAt} ${w.byCityOps}`),
)}
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
          label: name(g.key),
          value: g.score ?? 0,
          text: `${g.score ?? '—'} (${w.onTimeOf} ${percent(g.onTimeClosureRate)}: ${g.closedOnTime}${w.ofWord}${g.due})`,
        })),
        100,
        '#2e86c1',
      )
    : empty(w.noCases)
}
${table(
  'units',
  ['data-unit', (g) => g.key],
  [
    { head: w.rank!, cell: (g) => g.rank ?? '—' },
    { head: w.unit!, cell: (g) => name(g.key) },
    { head: w.score!, figure: 'score', cell: (g) => g.score ?? '—' },
    { head: w.registeredCol!, figure: 'registered', cell: (g) => g.registered },
    { head: w.dueCol!, figure: 'due', cell: (g) => g.due },
    { head: w.onTimeCol!, figure: 'closedOnTime', cell: (g) => g.closedOnTime },
    { head: w.onTimeRate!, figure: 'onTimeClosureRate', cell: (g) => percent(g.onTimeClosureRate) },
    { head: w.closedRate!, figure: 'closedRate', cell: (g) => percent(g.closedRate) },
    { head: w.dispatchedOnTime!, figure: 'onTimeDispatchRate', cell: (g) => percent(g.onTimeDispatchRate) },
    { head: w.reworkCol!, figure: 'reworkRate', cell: (g) => percent(g.reworkRate) },
    { head: w.escalations!, figure: 'escalations', cell: (g) => g.escalations },
    { head: w.avgClose!, figure: 'closeAvgHours', cell: (g) => hours(g.timeToClose.averageMs) },
    { head: w.overdueUnhandled!, figure: 'overdueUnhandled', cell: (g) => g.overdueUnhandled },
    { head: w.returned!, figure: 'returned', cell: (g) => g.returned },
    { head: w.extended!, figure: 'extended', cell: (g) => g.extended },
    { head: w.parked!, figure: 'parked', cell: (g) => g.parked },
  ],
  a.groups,
)}
<h2>${escapeHtml(w.inspectors)}</h2>
${
  a.inspectors?.length
    ? table(
        'inspectors',
        ['data-inspector', (i) => i.inspector],
        [
          { head: w.inspector!, cell: (i) => i.inspector },
          { head: w.reports!, figure: 'reports', cell: (i) => i.reports },
          { head: w.accepted!, figure: 'accepted', cell: (i) => i.accepted },
          { head: w.checks!, figure: 'checks', cell: (i) => i.checks },
          { head: w.checkedOnTime!, figure: 'checkedOnTime', cell: (i) => i.checkedOnTime },
          { head: w.onTimeCheckRate!, figure: 'onTimeCheckRate', cell: (i) => percent(i.onTimeCheckRate) },
        ],
        a.inspectors,
      )
    : empty(w.noInspector)
}
<h2>${trend.heading}</h2>
${weekChart(trend.rows, w.chartLegend!)}
${table(
  trend.file === 'weeks.csv' ? 'weeks' : 'months',
  ['data-week', (r) => r.label],
  [
    { head: trend.first, cell: (r) => r.label },
    { head: w.registeredCol!, figure: 'registered', cell: (r) => r.registered },
    { head: w.dueCol!, figure: 'due', cell: (r) => r.due },
    { head: w.onTimeCol!, figure: 'closedOnTime', cell: (r) => r.closedOnTime },
    { head: w.onTimeRate!, figure: 'onTimeClosureRate', cell: (r) => percent(r.onTimeClosureRate) },
    { head: w.closedCol!, figure: 'closed', cell: (r) => r.closed },
  ],
  trend.rows,
)}
<h2>${escapeHtml(w.rooms)}</h2>
${
  worstRooms.length
    ? barChart(
        worstRooms.map((r) => ({ label: name(r.siteId), value: r.hours, text: `${r.hours} h` })),
        Math.max(...worstRooms.map((r) => r.hours)),
        '#e67e22',
      )
    : empty(w.noRooms)
}
${table(
  'garbage-rooms',
  ['data-site', (r) => r.siteId],
  [
    { head: '', cell: (r) => name(r.siteId) },
    { head: '', figure: 'overflowHours', cell: (r) => r.hours },
  ],
  worstRooms,
)}
<h2>${escapeHtml(w.routes)}</h2>
${el(
  'p',
  { class: 'meta' },
  escapeHtml(
    [
      `${w.routesMeta}: ${percent(coverage.share)} ${w.of}`,
      `${coverage.segmentWindows} ${w.segmentWindows} ${coverage.windows} ${w.windowsWord}.`,
    ].join(' '),
  ),
)}
${
  routes.length
    ? barChart(
        routes.map((r) => ({
          label: name(r.routeId),
          value: r.share ?? 0,
          text: `${percent(r.share)} (${r.sweptInTime}${w.ofWord}${r.segmentWindows})`,
        })),
        1,
        '#8e44ad',
      )
    : empty(w.noWindows)
}
${table(
  'routes',
  ['data-site', (r) => r.routeId],
  [
    { head: w.route!, cell: (r) => name(r.routeId) },
    { head: w.coverage!, figure: 'coverage', cell: (r) => percent(r.share) },
    { head: w.windows!, figure: 'windows', cell: (r) => r.windows },
    { head: w.missedWindows!, figure: 'missedWindows', cell: (r) => r.missedWindows },
  ],
  routes,
)}
</body></html>
`;
}
