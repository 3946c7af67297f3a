import { ACTIVE_STATUSES, SEVERITIES, WORKING_STATUSES } from '#shared/domain/case/statuses';
import type { OperatorSignIn } from '#shared/app/page-config';
import { dictionaryOf } from '#shared/domain/labels';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '#shared/domain/locales';

/**
 * The live ops page, served at `/`: the district drawn from its own GeoJSON on a plain
 * background (no tile server: the machines are offline), grids, garbage rooms coloured by
 * fill, routes coloured by today's coverage, active cases (working, in intake, waiting for
 * verification, parked) as markers by severity, and a filterable case list with each
 * case's history. In the district's language first (zh-CN for the sample; `?lang=en` for
 * English), every status, severity, category and action from the one dictionary
 * (`shared/domain/labels.ts`). It reads `GET /map` every 5 seconds. One
 * self-contained page: inline CSS and script, nothing fetched from elsewhere.
 *
 * `GET /map` takes an operator's token, so the page signs the operator in first: in AWS
 * (`signIn` set) through the user pool's hosted sign-in (OAuth 2.0 authorization code with
 * PKCE), on the twin with its own form against the local users (`POST /auth/token`). It
 * keeps the token for the browser tab, sends it as a bearer token, and signs in again when
 * it expires or is refused.
 */
export const OPS_PAGE_REFRESH_MS = 5_000;

const SIGN_IN_SCRIPT = String.raw`
const TOKEN_KEY = 'cityops.token';
const PKCE_KEY = 'cityops.pkce';
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const redirectUri = () => location.origin + location.pathname;
const never = new Promise(() => {});

/** Signs the operator in: through the user pool's hosted sign-in in AWS, with the page's own form on the twin. */
function signIn() {
  return SIGN_IN.kind === 'hosted' ? hostedSignIn() : passwordSignIn();
}

/** The sign-in form (the local stack's users, POST auth/token); resolves with the token once it takes. */
let signedIn = null;
function passwordSignIn() {
  const form = $('sign-in');
  form.hidden = false;
  $('sign-in-user').focus();
  return new Promise((resolve) => (signedIn = resolve));
}
async function submitSignIn(event) {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    const response = await fetch('auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: $('sign-in-user').value.trim(), password: $('sign-in-password').value }),
    });
    // Too many failures (429): the sign-in's own words, which say how long to wait (in Chinese but for ?lang=en).
    const refusal = response.status === 429 ? await response.json().catch(() => ({})) : {};
    const waitWords = locale === 'en' ? refusal.message : refusal.localMessage;
    if (!response.ok) throw new Error(waitWords || say('ui', response.status === 401 ? 'signInWrong' : 'signInRefused').replace('{why}', response.status));
    const tokens = await response.json();
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ value: tokens.idToken, until: Date.now() + (tokens.expiresIn - 60) * 1000 }));
    $('sign-in-password').value = '';
    $('sign-in').hidden = true;
    if (signedIn) signedIn(tokens.idToken);
    signedIn = null;
  } catch (error) {
    $('sign-in-error').textContent = error.message;
  }
}

/** To the hosted sign-in, with a fresh PKCE verifier and state kept for the way back. */
async function hostedSignIn() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, search: location.search }));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({ response_type: 'code', client_id: SIGN_IN.clientId, redirect_uri: redirectUri(), scope: 'openid', state, code_challenge: challenge, code_challenge_method: 'S256' });
  location.assign(SIGN_IN.domain + '/oauth2/authorize?' + query);
  return never;
}

/** The operator's access token: from this tab's storage, from the code the sign-in sent back, or after signing in (one at a time). */
let obtaining = null;
function accessToken() {
  return (obtaining ??= obtainToken().finally(() => (obtaining = null)));
}

let signInFailure = null;
async function obtainToken() {
  if (signInFailure) throw signInFailure;
  const params = SIGN_IN.kind === 'hosted' ? new URLSearchParams(location.search) : new URLSearchParams();
  if (params.has('error')) {
    // Refused or cancelled at the sign-in: say so (until a reload), rather than sending the operator straight back.
    history.replaceState(null, '', location.pathname);
    throw (signInFailure = new Error(say('ui', 'signInFailed').replace('{why}', params.get('error') + (params.get('error_description') ? ': ' + params.get('error_description') : ''))));
  }
  if (params.has('code')) {
    const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
    sessionStorage.removeItem(PKCE_KEY);
    history.replaceState(null, '', location.pathname + (pkce ? pkce.search : ''));
    if (!pkce || pkce.state !== params.get('state')) throw new Error(say('ui', 'signInMismatch'));
    const response = await fetch(SIGN_IN.domain + '/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: SIGN_IN.clientId, code: params.get('code'), redirect_uri: redirectUri(), code_verifier: pkce.verifier }),
    });
    if (!response.ok) throw new Error(say('ui', 'signInRefused').replace('{why}', response.status));
    const tokens = await response.json();
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ value: tokens.access_token, until: Date.now() + (tokens.expires_in - 60) * 1000 }));
  }
  const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
  if (saved && saved.until > Date.now()) return saved.value;
  sessionStorage.removeItem(TOKEN_KEY);
  return signIn();
}
`;

/** The page's own words, in each locale; the cycle's (statuses, severities, categories, actions) come from labels.ts. */
const UI: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    title: '城市运行',
    open: '在办案件',
    overdue: '超期',
    updated: '更新于',
    allSeverities: '全部等级',
    allStatuses: '全部状态',
    allCategories: '全部类别',
    search: '案件、地点、单位或关键词',
    shown: '条',
    severity: '等级',
    category: '类别',
    status: '状态',
    site: '地点',
    unit: '主办单位',
    opened: '上报时间',
    due: '处置时限',
    selectCase: '选择一个案件，查看其办理过程。',
    overdueMark: '（超期）',
    by: '，',
    cannotRefresh: '无法刷新：',
    map: '辖区地图',
    rooms: '垃圾房：',
    noReading: '无读数',
    routes: '今日清扫线路：',
    noWindow: '今日尚无作业时段',
    cases: '案件：',
    signInFailed: '登录未成功（{why}）：请刷新页面重试',
    signInMismatch: '登录回应与请求不符：请刷新页面重新登录',
    signInRefused: '登录被拒绝（{why}）：请刷新页面重新登录',
    signInTitle: '请登录后查看',
    username: '用户名',
    password: '密码',
    signInButton: '登录',
    signInWrong: '用户名或密码错误',
    language: 'English',
  },
  en: {
    title: 'CityOps',
    open: 'open cases',
    overdue: 'overdue',
    updated: 'updated',
    allSeverities: 'all severities',
    allStatuses: 'all statuses',
    allCategories: 'all categories',
    search: 'case, site, unit or words',
    shown: 'shown',
    severity: 'Severity',
    category: 'Category',
    status: 'Status',
    site: 'Site',
    unit: 'Lead unit',
    opened: 'Opened',
    due: 'Due',
    selectCase: 'Select a case to see its history.',
    overdueMark: ' (overdue)',
    by: ' by ',
    cannotRefresh: 'cannot refresh: ',
    map: 'map of the district',
    rooms: 'garbage rooms:',
    noReading: 'no reading',
    routes: 'routes today:',
    noWindow: 'no window yet',
    cases: 'cases:',
    signInFailed: 'sign-in did not succeed ({why}): reload the page to try again',
    signInMismatch: 'the sign-in answer does not match its request: reload the page to sign in again',
    signInRefused: 'sign-in refused ({why}): reload the page to sign in again',
    signInTitle: 'Sign in to see the district',
    username: 'Username',
    password: 'Password',
    signInButton: 'Sign in',
    signInWrong: 'wrong username or password',
    language: '中文',
  },
};

const SCRIPT = `
const REFRESH_MS = ${OPS_PAGE_REFRESH_MS};
const WORDS = ${JSON.stringify(Object.fromEntries(LOCALES.map((l) => [l, { ...dictionaryOf(l), ui: UI[l] }])))};
const WORKING = ${JSON.stringify(WORKING_STATUSES)};
/** The language: the page's ?lang=, else the district's locale (Chinese first). */
let locale = new URLSearchParams(location.search).get('lang');
const w = () => WORDS[locale] || WORDS['${DEFAULT_LOCALE}'];
/** A place's or unit's name in the page's language (labels.ts nameIn): its local name but in English. */
const named = (x) => (locale === 'en' ? x.name : x.localName || x.name);
const say = (table, key) => (w()[table] || {})[key] || key;
/** Overdue: a working case past its unit's deadline (escalation does not move it), or escalated. */
const overdue = (c, now) => WORKING.includes(c.status) && (now > (c.unitDueAt ?? c.dueAt) || c.escalationLevel > 0);
function applyLanguage() {
  document.documentElement.lang = WORDS[locale] ? locale : '${DEFAULT_LOCALE}';
  for (const node of document.querySelectorAll('[data-ui]')) node.textContent = say('ui', node.getAttribute('data-ui'));
  for (const node of document.querySelectorAll('[data-severity-name]')) node.textContent = say('severity', node.getAttribute('data-severity-name'));
  for (const node of document.querySelectorAll('[data-status-name]')) node.textContent = say('status', node.getAttribute('data-status-name'));
  $('f-text').placeholder = say('ui', 'search');
  $('map').setAttribute('aria-label', say('ui', 'map'));
  const other = locale === 'en' ? '${DEFAULT_LOCALE}' : 'en';
  const link = $('language');
  const params = new URLSearchParams(location.search);
  params.set('lang', other);
  link.href = '?' + params;
  link.textContent = say('ui', 'language');
}
const SEVERITIES = ['critical', 'major', 'minor', 'warning'];
const SEVERITY_COLOUR = { critical: '#7b0000', major: '#d63031', minor: '#e67e22', warning: '#2e86c1' };
const $ = (id) => document.getElementById(id);
const svgNs = 'http://www.w3.org/2000/svg';
let data = null;
let selected = null;

function el(name, attrs, parent, ns) {
  const node = ns ? document.createElementNS(svgNs, name) : document.createElement(name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}
const fillColour = (p) => (p === null ? '#9e9e9e' : p >= 90 ? '#c0392b' : p >= 60 ? '#f39c12' : '#27ae60');
const coverageColour = (p) => (p === null ? '#b0b0b0' : p >= 80 ? '#27ae60' : p >= 50 ? '#f39c12' : '#c0392b');
const time = (t) => new Date(t).toLocaleString('sv-SE', { timeZone: data.district.timeZone }).slice(0, 16);

function projection(d) {
  const points = [];
  for (const g of d.grids) for (const ring of g.polygon.coordinates) points.push(...ring);
  for (const r of d.routes) points.push(...r.line.coordinates);
  for (const r of d.garbageRooms) points.push([r.location.lon, r.location.lat]);
  const lons = points.map((p) => p[0]), lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const scale = Math.min(760 / ((maxLon - minLon) * kx || 1), 560 / ((maxLat - minLat) || 1));
  return ([lon, lat]) => [20 + (lon - minLon) * kx * scale, 20 + (maxLat - lat) * scale];
}

function drawMap() {
  const svg = $('map');
  svg.replaceChildren();
  const at = projection(data);
  const pts = (coords) => coords.map((c) => at(c).map((v) => v.toFixed(1)).join(',')).join(' ');
  for (const g of data.grids) {
    const p = el('polygon', { class: 'grid', points: pts(g.polygon.coordinates[0]), 'data-grid-id': g.gridId }, svg, true);
    el('title', {}, p, true).textContent = named(g);
  }
  for (const m of data.markets) {
    const p = el('polygon', { class: 'market', points: pts(m.polygon.coordinates[0]), 'data-site-id': m.siteId }, svg, true);
    el('title', {}, p, true).textContent = named(m);
  }
  // Each route links to its coverage per window and segment today (GET /routes/{routeId}/coverage).
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: data.district.timeZone });
  for (const r of data.routes) {
    const link = el('a', { class: 'route-link', href: 'routes/' + encodeURIComponent(r.siteId) + '/coverage?date=' + today }, svg, true);
    const line = el('polyline', { class: 'route', points: pts(r.line.coordinates), stroke: coverageColour(r.coveragePct), 'data-site-id': r.siteId, 'data-coverage': r.coveragePct === null ? '' : r.coveragePct }, link, true);
    el('title', {}, line, true).textContent = named(r) + ': ' + (r.coveragePct === null ? say('ui', 'noWindow') : r.coveragePct + ' %');
  }
  for (const r of data.garbageRooms) {
    const [x, y] = at([r.location.lon, r.location.lat]);
    const c = el('circle', { class: 'room', cx: x.toFixed(1), cy: y.toFixed(1), r: 5, fill: fillColour(r.fillPct), 'data-site-id': r.siteId, 'data-fill': r.fillPct === null ? '' : r.fillPct }, svg, true);
    el('title', {}, c, true).textContent = named(r) + ': ' + (r.fillPct === null ? say('ui', 'noReading') : r.fillPct + ' %');
  }
  for (const c of visibleCases()) {
    const [x, y] = at([c.location.lon, c.location.lat]);
    const m = el('rect', { class: 'case' + (c.caseId === selected ? ' selected' : ''), x: (x - 6).toFixed(1), y: (y - 16).toFixed(1), width: 12, height: 12, rx: 2, fill: SEVERITY_COLOUR[c.severity], 'data-case-id': c.caseId, 'data-severity': c.severity }, svg, true);
    el('title', {}, m, true).textContent = say('category', c.category) + '（' + say('severity', c.severity) + '）: ' + c.summary;
    m.addEventListener('click', () => select(c.caseId));
  }
}

function visibleCases() {
  const severity = $('f-severity').value, status = $('f-status').value, category = $('f-category').value, text = $('f-text').value.trim().toLowerCase();
  return data.cases.filter((c) => (!severity || c.severity === severity) && (!status || c.status === status) && (!category || c.category === category) &&
    (!text || (c.caseId + ' ' + c.summary + ' ' + c.siteId + ' ' + c.leadUnit).toLowerCase().includes(text)));
}

function drawList() {
  const body = $('cases').tBodies[0];
  body.replaceChildren();
  const now = data.generatedAt;
  for (const c of visibleCases()) {
    const tr = el('tr', { 'data-case-id': c.caseId, class: c.caseId === selected ? 'selected' : '' }, body);
    const due = WORKING.includes(c.status) ? c.unitDueAt ?? c.dueAt : c.status === 'resolved' ? c.verifyBy ?? c.dueAt : c.registerBy ?? c.dueAt;
    const cells = [say('severity', c.severity), say('category', c.category), say('status', c.status), c.siteId, c.leadUnit, time(c.openedAt), time(due) + (overdue(c, now) ? say('ui', 'overdueMark') : '')];
    cells.forEach((text, i) => { const td = el('td', i === 0 ? { class: 'sev-' + c.severity } : {}, tr); td.textContent = text; });
    tr.addEventListener('click', () => select(c.caseId));
  }
  $('shown').textContent = String(body.rows.length);
}

function drawCounts() {
  $('count-open').textContent = String(data.cases.length);
  for (const s of SEVERITIES) $('count-' + s).textContent = String(data.cases.filter((c) => c.severity === s).length);
  $('count-overdue').textContent = String(data.cases.filter((c) => overdue(c, data.generatedAt)).length);
  $('updated').textContent = time(data.generatedAt);
  const categories = [...new Set(data.cases.map((c) => c.category))].sort();
  const select = $('f-category');
  const current = select.value;
  select.replaceChildren(el('option', { value: '' }));
  select.options[0].textContent = say('ui', 'allCategories');
  for (const c of categories) el('option', { value: c }, select).textContent = say('category', c);
  select.value = categories.includes(current) ? current : '';
}

function drawHistory() {
  const box = $('history');
  box.replaceChildren();
  const c = data.cases.find((x) => x.caseId === selected);
  if (!c) { box.textContent = say('ui', 'selectCase'); return; }
  el('h3', {}, box).textContent = c.caseId + ' · ' + say('category', c.category) + ' · ' + say('status', c.status);
  el('p', {}, box).textContent = c.summary;
  const ol = el('ol', { id: 'history-entries' }, box);
  for (const h of c.history) {
    el('li', { 'data-action': h.action }, ol).textContent = time(h.at) + ' ' + say('action', h.action) + say('ui', 'by') + h.actor + (h.role ? '（' + say('role', h.role) + '）' : '') + (h.note ? ': ' + h.note : '');
  }
}

function select(caseId) { selected = caseId; render(); }
function render() { drawCounts(); drawMap(); drawList(); drawHistory(); }

async function refresh() {
  try {
    const token = await accessToken();
    // The map takes the district only; the language is the page's.
    const query = new URLSearchParams(location.search);
    query.delete('lang');
    const response = await fetch('map' + (query.size ? '?' + query : ''), { cache: 'no-store', headers: token ? { authorization: 'Bearer ' + token } : {} });
    if (response.status === 401) {
      // Expired or refused at the gateway: sign in again, then read the map.
      sessionStorage.removeItem(TOKEN_KEY);
      return refresh();
    }
    if (!response.ok) throw new Error(response.status + ' ' + (await response.text()));
    data = await response.json();
    if (!WORDS[locale]) { locale = data.district.locale || '${DEFAULT_LOCALE}'; applyLanguage(); }
    document.title = say('ui', 'title') + ' · ' + named(data.district);
    $('district').textContent = named(data.district);
    $('error').textContent = '';
    render();
  } catch (error) {
    $('error').textContent = say('ui', 'cannotRefresh') + error.message;
  }
}
for (const id of ['f-severity', 'f-status', 'f-category']) $(id).addEventListener('change', () => data && render());
$('f-text').addEventListener('input', () => data && render());
$('sign-in').addEventListener('submit', submitSignIn);
applyLanguage();
refresh();
setInterval(refresh, REFRESH_MS);
`;

/**
 * The page's script, served beside it (`GET /ops-page.js`): the pages' policy runs no
 * inline script.
 */
export const OPS_PAGE_SCRIPT = `const SIGN_IN = JSON.parse(document.getElementById('sign-in-config').textContent);\n${SIGN_IN_SCRIPT}${SCRIPT}`;

/**
 * The page. It signs the operator in before it reads `GET /map`: with `signIn`, through the
 * user pool's hosted sign-in (AWS); without, with its own form against the local stack's
 * `POST /auth/token`.
 */
export function opsPageHtml(signIn?: OperatorSignIn): string {
  // Data, not script: the page's script reads it (a JSON block runs nothing; no "<" may close it).
  const config = JSON.stringify(signIn ? { kind: 'hosted', ...signIn } : { kind: 'password' }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${DEFAULT_LOCALE}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>城市运行 CityOps</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:10px 16px;background:#1f3a5f;color:#fff;display:flex;gap:18px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}.count{font-size:13px}.count b{font-size:16px}
main{display:grid;grid-template-columns:minmax(500px,820px) 1fr;gap:12px;padding:12px}
#map{background:#fff;border:1px solid #ddd;width:100%;height:auto}
.grid{fill:#f4f6f8;stroke:#9aa5b1;stroke-width:1}.market{fill:#f9e79f;stroke:#b7950b;stroke-width:1}
.route{fill:none;stroke-width:4;stroke-linecap:round;opacity:.85}.room{stroke:#333;stroke-width:.8}
.case{stroke:#000;stroke-width:1;cursor:pointer}.case.selected{stroke-width:3}
.legend{font-size:12px;color:#555;margin:6px 0}.legend span[style]{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px;vertical-align:middle}
.filters{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:6px}
table{border-collapse:collapse;font-size:12px;width:100%;background:#fff}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}
tbody tr{cursor:pointer}tbody tr.selected{background:#e8f1fb}
.sev-critical{color:#7b0000;font-weight:600}.sev-major{color:#d63031;font-weight:600}.sev-minor{color:#b9770e}.sev-warning{color:#2e86c1}
#history{background:#fff;border:1px solid #ddd;padding:8px;margin-top:10px;font-size:12px}#history h3{font-size:13px;margin:0 0 4px}
#error{color:#ffb3b3}#language{color:#fff;margin-left:auto;font-size:13px}
#sign-in:not([hidden]){display:flex;gap:10px;align-items:center;flex-wrap:wrap;padding:12px 16px;background:#fff;border-bottom:1px solid #ddd;font-size:14px}
#sign-in h2{font-size:15px;margin:0}#sign-in-error{color:#c0392b}
</style></head><body>
<header><h1><span data-ui="title">城市运行</span> · <span id="district">…</span></h1>
<span class="count"><span data-ui="open">在办案件</span> <b id="count-open" data-count="open">–</b></span>
<span class="count"><span data-severity-name="critical">critical</span> <b id="count-critical" data-count="critical">–</b></span>
<span class="count"><span data-severity-name="major">major</span> <b id="count-major" data-count="major">–</b></span>
<span class="count"><span data-severity-name="minor">minor</span> <b id="count-minor" data-count="minor">–</b></span>
<span class="count"><span data-severity-name="warning">warning</span> <b id="count-warning" data-count="warning">–</b></span>
<span class="count"><span data-ui="overdue">超期</span> <b id="count-overdue" data-count="overdue">–</b></span>
<span class="count"><span data-ui="updated">更新于</span> <span id="updated">–</span></span><span id="error"></span><a id="language" href="?lang=en">English</a></header>
<form id="sign-in" hidden><h2 data-ui="signInTitle">请登录后查看</h2>
<label><span data-ui="username">用户名</span> <input id="sign-in-user" autocomplete="username" required></label>
<label><span data-ui="password">密码</span> <input id="sign-in-password" type="password" autocomplete="current-password" required></label>
<button type="submit" data-ui="signInButton">登录</button><span id="sign-in-error" role="alert"></span></form>
<main><section>
<svg id="map" viewBox="0 0 800 600" role="img" aria-label="辖区地图"></svg>
<div class="legend"><span data-ui="rooms">垃圾房：</span><span style="background:#27ae60"></span>&lt; 60 %<span style="background:#f39c12"></span>60–90 %<span style="background:#c0392b"></span>≥ 90 %<span style="background:#9e9e9e"></span><span data-ui="noReading">无读数</span> ·
<span data-ui="routes">今日清扫线路：</span><span style="background:#27ae60"></span>≥ 80 %<span style="background:#f39c12"></span>50–80 %<span style="background:#c0392b"></span>&lt; 50 %<span style="background:#b0b0b0"></span><span data-ui="noWindow">今日尚无作业时段</span> ·
<span data-ui="cases">案件：</span><span style="background:#7b0000"></span><span data-severity-name="critical">critical</span><span style="background:#d63031"></span><span data-severity-name="major">major</span><span style="background:#e67e22"></span><span data-severity-name="minor">minor</span><span style="background:#2e86c1"></span><span data-severity-name="warning">warning</span></div>
</section><section>
<div class="filters">
<select id="f-severity" aria-label="severity"><option value="" data-ui="allSeverities">全部等级</option>${SEVERITIES.map((v) => `<option value="${v}" data-severity-name="${v}">${v}</option>`).join('')}</select>
<select id="f-status" aria-label="status"><option value="" data-ui="allStatuses">全部状态</option>${ACTIVE_STATUSES.map((v) => `<option value="${v}" data-status-name="${v}">${v}</option>`).join('')}</select>
<select id="f-category" aria-label="category"><option value="" data-ui="allCategories">全部类别</option></select>
<input id="f-text" type="search" aria-label="search" placeholder="案件、地点、单位或关键词">
<span class="count"><span id="shown">0</span> <span data-ui="shown">条</span></span></div>
<table id="cases"><thead><tr><th data-ui="severity">等级</th><th data-ui="category">类别</th><th data-ui="status">状态</th><th data-ui="site">地点</th><th data-ui="unit">主办单位</th><th data-ui="opened">上报时间</th><th data-ui="due">处置时限</th></tr></thead><tbody></tbody></table>
<div id="history" data-ui="selectCase">选择一个案件，查看其办理过程。</div>
</section></main>
<script id="sign-in-config" type="application/json">${config}</script>
<script src="ops-page.js"></script>
</body></html>
`;
}
