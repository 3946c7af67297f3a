import { createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import jpeg from 'jpeg-js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { pageHeadersFor } from '#functions/ops-api/security-headers';
import type { DistrictAssessment } from '#shared/app/assessment-service';
import type { DistrictMap } from '#shared/app/district-map';
import { isOverdue } from '#shared/domain/case/escalation';
import type { Case } from '#shared/domain/case/model';
import { WORKING_STATUSES } from '#shared/domain/case/statuses';
import { buildWorkbench } from '#infra/local/workbench';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { documentClient } from '#shared/adapters/dynamodb/client';
import { kase } from '../support/assessment-fixture.ts';
import { ARTIFACTS, axe, launchBrowser } from '../support/browser.ts';
import { caseStack } from '../support/case-stack.ts';
import { USERS } from '../support/users.ts';

// What the callbacks evaluated in the page read (the tests are type-checked without the DOM's types).
declare const document: { querySelectorAll(selector: string): Iterable<{ naturalWidth: number }> };

/**
 * The pages people work in, built with Vite and served at /app/, in headless Chromium,
 * worked through the pages only: the workbench (工作台) for the office and the units, the
 * field app (移动巡查) on a phone-sized screen, the command screen (指挥大屏) at 1920×1080.
 * A citizen's report (sent as a citizen's app does, to the API) goes the whole cycle:
 * registered, dispatched to the wrong unit, returned, redispatched, given more time,
 * resolved with a photo, verified on the phone with its position, and closed. Each view's
 * numbers are compared with the API's, each is screenshotted and checked with axe-core;
 * the field app's outbox keeps a report taken offline and sends it, once, when the
 * network returns, even when the first answer is lost.
 */
const model = await loadDistrictDir();
const PASSWORD = 'correct horse battery staple';
/** The sample's people (test/support/users.ts), with the names the pages greet them by; the grid worker of gr-003's grid. */
const people = {
  clerk: { ...USERS.clerk, name: '王芳' },
  dispatcher: { ...USERS.dispatcher, name: '陈静' },
  enforcement: { ...USERS.enforcement, name: '孙悦' },
  landscaping: { ...USERS.landscaping, name: '赵磊' },
  shiftLead: { ...USERS.shiftLead, name: '李娜' },
  inspector: { ...USERS.inspector, name: '监督员 周强' },
  gridWorker: { ...USERS.gridWorker, name: '网格员 吴霞', unitId: 'gs-hushu-c1-g1' },
  leader: { ...USERS.leader, name: '领导 郑明' },
};
type Person = (typeof people)[keyof typeof people];
const room = model.sites.find((s) => s.siteId === 'gr-003')!;
const ROOM = room.siteKind === 'garbage_room' ? room.location : { lat: 0, lon: 0 };
/** A real JPEG, as a phone's camera gives. */
const PHOTO = {
  name: 'site.jpg',
  mimeType: 'image/jpeg',
  buffer: jpeg.encode({ width: 32, height: 24, data: Buffer.alloc(32 * 24 * 4, 0x7f) }, 80).data,
};

let s: Awaited<ReturnType<typeof caseStack>>;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  const appDir = await buildWorkbench(mkdtempSync(join(tmpdir(), 'cityops-web-')));
  s = await caseStack(model, Date.parse('2026-12-02T09:00:00+08:00'), {
    dynamoEndpoint: inject('dynamoEndpoint'),
    appDir,
    users: Object.values(people).map((p) => ({ ...p, password: PASSWORD })),
  });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

/** A browser context: a desk's screen, a phone (390×844, its position given), or the command screen. */
async function context(kind: 'desk' | 'phone' | 'screen', at = ROOM): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    timezoneId: 'Asia/Shanghai',
    locale: 'zh-CN',
    ...(kind === 'desk' ? { viewport: { width: 1400, height: 900 } } : {}),
    ...(kind === 'screen' ? { viewport: { width: 1920, height: 1080 } } : {}),
    ...(kind === 'phone'
      ? {
          viewport: { width: 390, height: 844 },
          isMobile: true,
          hasTouch: true,
          geolocation: { latitude: at.lat, longitude: at.lon, accuracy: 8 },
          permissions: ['geolocation'],
        }
      : {}),
  });
  ctx.on('page', (page) => {
    page.on('pageerror', (e) => errors.push(e.message));
    // Whatever the pages' policy blocks (an inline script, a foreign request) is a defect too.
    page.on(
      'console',
      (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && errors.push(m.text()),
    );
    page.on('response', (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
  });
  return ctx;
}

async function signInAs(page: Page, who: Person, path = '/app/') {
  await page.goto(`${s.stack.apiUrl}${path}`);
  await page.fill('input[name="username"]', who.username);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('[data-test="sign-in"]');
  await page.waitForSelector(`[data-test="who"]:has-text("${who.name}")`);
}

async function signOut(page: Page) {
  if (await page.locator('.el-drawer').isVisible()) {
    await page.click('.el-drawer__close-btn');
    await page.waitForSelector('.el-drawer', { state: 'hidden' });
  }
  await page.click('[data-test="sign-out"]');
  await page.waitForSelector('[data-test="sign-in"]');
}

/** Picks an option of an Element Plus select by its exact words. */
async function choose(page: Page, select: string, words: string) {
  await page.click(select);
  await page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^${words}$`) }).click();
}

/** Opens a case from a queue and takes an action through its form; `fill` fills the rest of the form. */
async function take(page: Page, queue: string, caseNumber: string, action: string, fill?: () => Promise<void>) {
  await page.click(`[data-queue="${queue}"]`);
  await page.click(`.el-table__row:has-text("${caseNumber}")`);
  await choose(page, '.el-drawer [data-test="action"]', action);
  await fill?.();
  await page.click('[data-test="submit"]');
}

const statusIs = (page: Page, words: string) =>
  page.waitForSelector(`[data-test="case-status"]:text-is("${words}")`, { timeout: 10_000 });

async function screenshot(page: Page, name: string) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

const desk = async (who: Person) => (await s.api<DistrictMap>('/map', { headers: await s.bearer(who) })).body;
const caseOf = async (id: string) => (await s.api<Case>(`/cases/${id}`)).body;

describe('the whole cycle through the pages', () => {
  it('report → register → dispatch → return → redispatch → extension → resolve with a photo → verify on the phone → close', {
    timeout: 240_000,
  }, async () => {
    const reported = await s.post<{ case: Case }>('/cases/reports', {
      source: 'public',
      classId: 'dirty-road',
      componentId: 'gr-003',
      description: '垃圾房门口路面有大片泥浆',
    });
    expect(reported.status).toBe(201);
    const id = reported.body.case.caseId;
    // The workbench shows the case number (案件编号), not the internal id.
    const number = reported.body.case.caseNumber!;
    expect(number).toMatch(/^\d{12}$/);
    const office = await context('desk');
    const page = await office.newPage();

    // The intake clerk: the workbench in Chinese, its queue counts the API's.
    await signInAs(page, people.clerk);
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await page.waitForSelector(`.el-table__row:has-text("${number}")`);
    const map = await desk(people.clerk);
    const counts: Record<string, (c: Case) => boolean> = {
      receive: (c) => c.status === 'received',
      checking: (c) => c.status === 'checking',
      handling: (c) => ['dispatched', 'in_progress', 'reopened'].includes(c.status),
      verify: (c) => c.status === 'resolved',
      parked: (c) => c.status === 'parked',
      overdue: (c) => isOverdue(c, map.generatedAt),
    };
    for (const [queue, holds] of Object.entries(counts))
      expect(await page.locator(`[data-queue="${queue}"] .el-badge__content`).innerText(), queue).toBe(
        String(map.cases.filter(holds).length),
      );
    const row = page.locator(`.el-table__row:has-text("${number}")`);
    expect(await row.locator('[data-test="status"]').innerText()).toBe('待立案');
    expect(await row.innerText()).toContain('桥西社区第1网格');
    await screenshot(page, 'workbench');
    expect(await axe(page)).toEqual([]);

    await take(page, 'receive', number, '立案');
    await statusIs(page, '待派遣');
    await signOut(page);

    // The dispatcher sends it to enforcement, who returns it: not theirs.
    await signInAs(page, people.dispatcher);
    await take(page, 'dispatch', number, '派遣', () =>
      choose(page, '.el-drawer [data-test="unit"]', '区综合行政执法局'),
    );
    await statusIs(page, '已派遣');
    expect(await page.locator('[data-test="lead-unit"]').innerText()).toBe('区综合行政执法局');
    await signOut(page);

    await signInAs(page, people.enforcement);
    await take(page, 'handling', number, '回退', () =>
      page.fill('.el-drawer [name="note"]', '路面保洁属市政园林局职责'),
    );
    await statusIs(page, '待派遣');
    await signOut(page);

    // Back with the dispatcher among the returns; redispatched to municipal landscaping.
    await signInAs(page, people.dispatcher);
    await page.waitForSelector('[data-queue="returned"] .el-badge__content:text-is("1")');
    await take(page, 'returned', number, '派遣', () => choose(page, '.el-drawer [data-test="unit"]', '区市政园林局'));
    await statusIs(page, '已派遣');
    await signOut(page);

    // Another unit's handler is refused, in the API's Chinese words, and nothing changes.
    await signInAs(page, people.enforcement);
    await take(page, 'handling', number, '开始处置');
    const refusal = await (await page.waitForSelector('[data-test="refusal"]')).innerText();
    expect(refusal).toContain('「开始处置」由案件所在单位（区市政园林局');
    expect(refusal).toContain('handler.sun 属于区综合行政执法局，不是本案的单位');
    expect((await caseOf(id)).status).toBe('dispatched');
    await signOut(page);

    // The unit starts and asks for more time; the shift lead approves it.
    await signInAs(page, people.landscaping);
    await take(page, 'handling', number, '开始处置');
    await statusIs(page, '处置中');
    await choose(page, '.el-drawer [data-test="action"]', '申请延期');
    await page.fill('.el-drawer [name="note"]', '需调用洒水车，明日作业');
    await page.fill('.el-drawer input[name="until"]', '2026-12-09 17:00:00');
    await page.keyboard.press('Enter');
    await page.click('[data-test="submit"]');
    await page.waitForSelector('.el-drawer [data-action="request_extension"]');
    await signOut(page);

    await signInAs(page, people.shiftLead);
    await page.waitForSelector('[data-queue="extension"] .el-badge__content:text-is("1")');
    await take(page, 'extension', number, '批准延期');
    await page.waitForSelector('.el-drawer [data-action="approve_extension"]');
    expect((await caseOf(id)).unitDueAt).toBe(Date.parse('2026-12-09T17:00:00+08:00'));
    await signOut(page);

    // Resolved with a photo uploaded from the form.
    await signInAs(page, people.landscaping);
    await take(page, 'handling', number, '处置完毕', async () => {
      await page.fill('.el-drawer [name="note"]', '已冲洗路面');
      await page.setInputFiles('.el-drawer [data-test="photo"]', PHOTO);
      await page.waitForSelector('[data-test="photo-count"]:has-text("已上传 1 张")');
    });
    await statusIs(page, '待核查');
    const resolvedWith = (await caseOf(id)).history.at(-1)!;
    expect(resolvedWith).toMatchObject({ action: 'resolve', media: [expect.stringMatching(/^md-/)] });
    // The case's page: its map, its report, its photo (read back through GET /media/{id}).
    await page.waitForSelector('.el-drawer .case-map .leaflet-interactive');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.el-drawer [data-test=photos] img')].some((i) => i.naturalWidth === 32),
    );
    expect(await page.locator('.el-drawer [data-test="reports"] li').count()).toBe(1);
    await page.locator('.el-drawer__body').evaluate((body) => body.scrollTo(0, 0));
    await screenshot(page, 'workbench-case');
    expect(await axe(page)).toEqual([]);
    await signOut(page);

    // The inspector verifies on the phone, 20 m from the case, with a photo and the phone's position.
    const phone = await context('phone', { lat: ROOM.lat + 0.00018, lon: ROOM.lon });
    const field = await phone.newPage();
    await signInAs(field, people.inspector, '/app/field.html');
    const inspectorTasks = (await desk(people.inspector)).cases.filter(
      (c) => c.status === 'resolved' || c.status === 'checking',
    );
    await field.waitForSelector(`.task[data-case-id="${id}"]`);
    expect(await field.locator('[data-tab="tasks"] .el-badge__content').innerText()).toBe(
      String(inspectorTasks.length),
    );
    await field.click(`.task[data-case-id="${id}"]`);
    await field.waitForSelector('[data-test="away"]:has-text("距案件约 20 米")');
    await field.setInputFiles('[data-test="task-photo"]', PHOTO);
    await field.waitForSelector('.el-drawer .case-map path.leaflet-interactive');
    await screenshot(field, 'field-app');
    expect(await axe(field)).toEqual([]);
    await field.click('[data-test="inspect"]');
    await field.waitForSelector('[data-test="task-status"]:text-is("核查通过")');
    const inspected = (await caseOf(id)).history.at(-1)!;
    expect(inspected).toMatchObject({
      action: 'inspect',
      outcome: 'pass',
      role: 'inspector',
      media: [expect.stringMatching(/^md-/)],
    });
    expect(inspected.distanceM).toBeGreaterThan(15);
    expect(inspected.distanceM).toBeLessThan(25);
    await phone.close();

    // The shift lead closes it from the verified cases.
    await signInAs(page, people.shiftLead);
    await take(page, 'close', number, '结案');
    await statusIs(page, '已结案');
    const closed = await caseOf(id);
    expect(closed.status).toBe('closed');
    expect(closed.history.map((h) => h.action)).toEqual([
      'open',
      'register',
      'dispatch',
      'return',
      'dispatch',
      'start',
      'request_extension',
      'approve_extension',
      'resolve',
      'inspect',
      'close',
    ]);
    // The history on the page is the API's.
    expect(
      await page
        .locator('.el-drawer [data-action]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-action'))),
    ).toEqual(closed.history.map((h) => h.action));
    await office.close();

    // The command screen: today's figures and the charts' tables are the API's.
    s.advance(60_000); // a minute on: what happened at 09:00 lies before the figures' cutoff
    const big = await context('screen');
    const screen = await big.newPage();
    await signInAs(screen, people.leader, '/app/screen.html');
    await screen.waitForSelector('[data-figure="closed"]:not(:text-is("—"))');
    const leader = await s.bearer(people.leader);
    const from = Date.parse('2026-12-02T00:00:00+08:00');
    const today = (
      await s.api<DistrictAssessment>(`/assessment?from=${from}&to=${from + 86_400_000}&by=grid`, { headers: leader })
    ).body;
    const now = await desk(people.leader);
    const figure = async (name: string) => screen.locator(`[data-figure="${name}"]`).innerText();
    expect(await figure('reports')).toBe(String(today.intake.bySource.reduce((n, x) => n + x.reports, 0)));
    expect(await figure('registered')).toBe(String(today.total.registered));
    expect(await figure('closed')).toBe(String(today.total.closed));
    expect(today.total.closed).toBeGreaterThanOrEqual(1);
    expect(await figure('working')).toBe(String(now.cases.filter((c) => WORKING_STATUSES.includes(c.status)).length));
    expect(await figure('overdue')).toBe(String(now.cases.filter((c) => isOverdue(c, now.generatedAt)).length));
    const table = (name: string) =>
      screen
        .locator(`[data-table="${name}"] tr`)
        .evaluateAll((rows) =>
          rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]),
        );
    expect(await table('grids')).toEqual(
      now.grids.map((g) => [g.localName, String(now.cases.filter((c) => c.gridId === g.gridId).length)]),
    );
    const month = (await s.api<DistrictAssessment>('/assessment?month=2026-12&by=street', { headers: leader })).body;
    expect((await table('streets')).map(([, rate]) => rate)).toEqual(
      month.groups.map((g) =>
        g.onTimeClosureRate === null ? '—' : String(Math.round(g.onTimeClosureRate * 1000) / 10),
      ),
    );
    expect(await screen.locator(`[data-test="ticker"] [data-case-id="${id}"]`).innerText()).toContain('已结案');
    await screen.waitForSelector('.map svg path');
    await screenshot(screen, 'command-screen');
    expect(await axe(screen)).toEqual([]);
    await big.close();
    expect(errors).toEqual([]);
  });
});

describe('the field app’s outbox', () => {
  it('keeps a report taken without a network and sends it once when the network returns, even when the first answer is lost', {
    timeout: 120_000,
  }, async () => {
    const at = { lat: ROOM.lat - 0.004, lon: ROOM.lon + 0.001 };
    const phone = await context('phone', at);
    const page = await phone.newPage();
    await signInAs(page, people.gridWorker, '/app/field.html');
    await page.click('[data-tab="report"]');
    await page.waitForSelector('[data-test="position"]');

    await phone.setOffline(true);
    await page.waitForSelector('[data-test="network"]:has-text("离线")');
    const words = '人行道上堆放大量纸箱（离线上报）';
    await choose(page, '[data-test="class"]', '街面秩序 · 堆物堆料');
    await page.fill('textarea[name="description"]', words);
    await page.setInputFiles('[data-test="report-photo"]', PHOTO);
    await page.click('[data-test="take-report"]');
    await page.waitForSelector('[data-test="report-note"]:has-text("已保存到待发送")');
    await page.click('[data-tab="outbox"]');
    expect(await page.locator('[data-test="outbox-count"] .el-badge__content').innerText()).toBe('1');
    const reportsOf = async () =>
      (await s.api<{ items: Case[] }>('/cases?limit=500')).body.items.flatMap((c) =>
        (c.reports ?? [])
          .filter((r) => r.text === words)
          .map((r) => ({ caseId: c.caseId, caseNumber: c.caseNumber, ...r })),
      );
    expect(await reportsOf()).toEqual([]);

    // The first answer is lost on its way back: the API took the report, the phone does not know.
    let answered = 0;
    await page.route('**/cases/reports', async (route) => {
      if (answered++ === 0) {
        await route.fetch();
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await phone.setOffline(false);
    await page.waitForSelector('[data-test="network"]:has-text("在线")');
    await page.waitForSelector('[data-test="sent"]', { timeout: 40_000 });
    expect(answered).toBe(2);
    expect(await page.locator('[data-test="outbox-count"] .el-badge__content').innerText()).toBe('0');
    const taken = await reportsOf();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({
      source: 'grid_worker',
      reporter: { id: people.gridWorker.username },
      externalId: expect.stringMatching(/^fa-/),
      media: [expect.stringMatching(/^md-/)],
      location: at,
    });
    expect(await page.locator('[data-test="sent"]').innerText()).toContain(taken[0]!.caseNumber);
    await phone.close();
  });
});

describe('signing in where the service runs in AWS', () => {
  it('signs people in through the user pool’s hosted sign-in (code with PKCE) and calls the API with their ID token', {
    timeout: 60_000,
  }, async () => {
    // The pages as AWS serves them (config.json names the hosted sign-in), the sign-in played by the test.
    const hosted = { domain: 'https://operators.auth.example', clientId: 'pages-client' };
    const office = await context('desk');
    const page = await office.newPage();
    // The pages' policy as the function sends it where the user pool's domain is configured.
    await page.route(
      (url) => url.href.startsWith(`${s.stack.apiUrl}/app/`) && url.pathname.endsWith('.html'),
      async (route) => {
        const response = await route.fetch();
        const policy = pageHeadersFor(hosted.domain)['content-security-policy']!;
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
      },
    );
    await page.route(`${s.stack.apiUrl}/app/config.json`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ signIn: { kind: 'hosted', ...hosted } }),
      }),
    );
    const authorizations: URLSearchParams[] = [];
    await page.route(`${hosted.domain}/oauth2/authorize?*`, (route) => {
      const query = new URL(route.request().url()).searchParams;
      authorizations.push(query);
      const back = `${query.get('redirect_uri')}?code=code-${authorizations.length}&state=${query.get('state')}`;
      return route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<script>location.replace(${JSON.stringify(back)})</script>`,
      });
    });
    const exchanges: URLSearchParams[] = [];
    const idToken = await s.stack.signIn.tokenFor(people.dispatcher);
    await page.route(`${hosted.domain}/oauth2/token`, (route) => {
      exchanges.push(new URLSearchParams(route.request().postData() ?? ''));
      return route.fulfill({
        status: 200,
        headers: { 'access-control-allow-origin': '*' },
        contentType: 'application/json',
        body: JSON.stringify({ id_token: idToken, access_token: 'access', expires_in: 3600, token_type: 'Bearer' }),
      });
    });
    const bearers: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/staff/') || request.url().endsWith('/map'))
        bearers.push(request.headers().authorization);
    });

    await page.goto(`${s.stack.apiUrl}/app/`);
    await page.click('[data-test="hosted-sign-in"]');
    await page.waitForSelector(`[data-test="who"]:has-text("${people.dispatcher.name}")`);
    await page.waitForSelector('[data-queue="dispatch"] .el-badge__content');
    expect(authorizations).toHaveLength(1);
    expect(Object.fromEntries(authorizations[0]!)).toMatchObject({
      response_type: 'code',
      client_id: 'pages-client',
      redirect_uri: `${s.stack.apiUrl}/app/index.html`,
      scope: 'openid',
      code_challenge_method: 'S256',
    });
    const exchange = Object.fromEntries(exchanges[0]!);
    expect(exchange).toMatchObject({ grant_type: 'authorization_code', client_id: 'pages-client', code: 'code-1' });
    const challenge = createHash('sha256').update(exchange.code_verifier!).digest('base64url');
    expect(authorizations[0]!.get('code_challenge')).toBe(challenge);
    // The API is called with the ID token (roles and unit are in it), on the routes that take one.
    expect(bearers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bearers)).toEqual(new Set([`Bearer ${idToken}`]));
    // The code is gone from the address.
    expect(new URL(page.url()).search).toBe('');
    await office.close();
  });
});

describe('a queue longer than a page', () => {
  it('lists every verified case for closing, past the API’s page of 500', { timeout: 60_000 }, async () => {
    // 510 verified cases of earlier days, straight into the case table (as the cycle leaves them).
    const grid = model.grids.find((g) => g.gridId === room.gridId)!;
    const at = Date.parse('2026-11-20T09:00:00+08:00');
    const items = Array.from({ length: 510 }, (_, i) => {
      const c = kase(
        `cs-verified-${String(i).padStart(3, '0')}`,
        { unit: 'municipal-landscaping', street: grid.streetId, site: room.siteId, districtId: 'gongshu' },
        at + i * 60_000,
        [
          ['dispatch', 5],
          ['resolve', 10],
          ['verify', 15],
        ],
      );
      return caseItem({ ...c, gridId: grid.gridId, communityId: grid.communityId, location: ROOM });
    });
    const doc = documentClient(s.stack.dynamo);
    for (let i = 0; i < items.length; i += 25)
      await doc.send(
        new BatchWriteCommand({
          RequestItems: { [s.stack.tables.cases]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    // What the API holds, page by page.
    let verified = 0;
    let next: string | undefined;
    do {
      const page = await s.api<{ items: Case[]; nextToken?: string }>(
        `/cases?status=verified&limit=500${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`,
      );
      verified += page.body.items.length;
      next = page.body.nextToken;
    } while (next);
    expect(verified).toBeGreaterThanOrEqual(510);

    const office = await context('desk');
    const page = await office.newPage();
    await signInAs(page, people.shiftLead);
    // The badge stops at 99+; the queue holds them all.
    await page.waitForSelector('[data-queue="close"] .el-badge__content:text-is("99+")');
    await page.click('[data-queue="close"]');
    await page.waitForSelector('.el-table__row:has-text("cs-verified-000")');
    expect(await page.locator('.el-table__row').count()).toBe(verified);
    expect(await page.locator('[data-test="verified-incomplete"]').count()).toBe(0);
    await office.close();
  });
});
