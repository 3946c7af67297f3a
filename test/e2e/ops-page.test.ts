import { createHash } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { documentClient } from '#shared/adapters/dynamodb/client';
import type { DistrictMap } from '#shared/app/district-map';
import type { Case } from '#shared/domain/case/model';
import { topicFor } from '#shared/domain/topics';
import { loadDistrictDir } from '#devices/district-files';
import type { LocalStack } from '#infra/local/stack';
import { buildWorkbench } from '#infra/local/workbench';
import { pageHeadersFor } from '#functions/ops-api/security-headers';
import { dictionaryOf, nameIn } from '#shared/domain/labels';
import { kase } from '../support/assessment-fixture.ts';
import { ARTIFACTS, axe, launchBrowser } from '../support/browser.ts';
import { testStack } from '../support/test-stack.ts';
import { USERS } from '../support/users.ts';

// What the callbacks evaluated in the page read (the tests are type-checked without the DOM's types).
declare const document: {
  documentElement: { lang: string };
  querySelector(selector: string): { textContent: string | null } | null;
};
declare const sessionStorage: { getItem(key: string): string | null };

/**
 * The district map (辖区地图), a page of the app (web/src/ops) that `GET /` leads to, in
 * headless Chromium against a stack with garbage rooms' readings and working cases: signed
 * in with the local password or, as in AWS, through the user pool's hosted sign-in.
 */

const NOW = Date.UTC(2026, 10, 27, 2, 0); // 10:00 in the district
const MIN = 60_000;
const model = await loadDistrictDir();
const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
let stack: LocalStack;
let sensor: MqttClient;
/** The leader who reads the ops page, with a password for its sign-in form. */
const LEADER = { ...USERS.leader, name: '郑华', password: 'ops-page-test-1' };
/** `GET /map` and the staff routes take a person's token at the gateway, locally as in AWS. */
const bearer = async () => ({ authorization: `Bearer ${await stack.signIn.tokenFor(LEADER)}` });
const api = async <T>(path: string): Promise<T> =>
  (await fetch(`${stack.apiUrl}${path}`, { headers: await bearer() })).json() as Promise<T>;

/** A working case at one of the sample district's garbage rooms. */
function caseAt(
  caseId: string,
  roomIndex: number,
  category: 'bin_fire' | 'garbage_overflow' | 'bin_knocked_over' | 'collection_due',
  steps: Parameters<typeof kase>[3] = [],
): Case {
  const room = rooms[roomIndex]! as Extract<(typeof rooms)[number], { siteKind: 'garbage_room' }>;
  const grid = model.grids.find((g) => g.gridId === room.gridId)!;
  const c = kase(
    caseId,
    { unit: 'municipal-landscaping', street: grid.streetId, site: room.siteId, category, districtId: 'gongshu' },
    NOW - 30 * MIN,
    steps,
  );
  return { ...c, gridId: grid.gridId, communityId: grid.communityId, streetId: grid.streetId, location: room.location };
}
const store = async (c: Case) =>
  documentClient(stack.dynamo).send(new PutCommand({ TableName: stack.tables.cases, Item: caseItem(c) }));

let appDir: string;
beforeAll(async () => {
  appDir = await buildWorkbench(mkdtempSync(join(tmpdir(), 'cityops-web-')));
  stack = await testStack('opspage', {
    appDir,
    clock: { now: () => NOW },
    model,
    schedules: false,
    batchWindowMs: 20,
    users: [LEADER],
    // Two wrong passwords lock a user out for ten minutes: the form says so.
    signInPolicy: { freeFailures: 2, firstLockoutSeconds: 600 },
  });
  // Two garbage rooms report their fill through MQTT, the whole way in.
  for (const [thing, fillPct] of [
    ['bin-gs-001', 35],
    ['bin-gs-002', 95],
  ] as const) {
    sensor = await mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 });
    await sensor.publishAsync(
      topicFor('bins', thing),
      JSON.stringify({ ts: NOW - MIN, seq: 1, fillPct, batteryPct: 80, temperatureC: 20, tiltDeg: 1 }),
      { qos: 1 },
    );
    await sensor.endAsync();
  }
  await stack.drained(20_000);
  await store(caseAt('cs-fire', 3, 'bin_fire', [['dispatch', 5]]));
  await store(
    caseAt('cs-over', 4, 'garbage_overflow', [
      ['dispatch', 5],
      ['start', 10],
    ]),
  );
  await store(caseAt('cs-tilt', 5, 'bin_knocked_over'));
  await store(
    caseAt('cs-done', 6, 'garbage_overflow', [
      ['dispatch', 5],
      ['resolve', 10],
      ['verify', 15],
      ['close', 20],
    ]),
  );
  // Resolved, waiting for the inspector's check: on the desk, listed.
  await store(
    caseAt('cs-check', 7, 'garbage_overflow', [
      ['dispatch', 5],
      ['resolve', 10],
    ]),
  );
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** A count in the page's header: '–' until the map is read. */
const count = (page: Page, key: string) => page.locator(`[data-count="${key}"]`).innerText();
/** A cell of a case's row in the list (severity, category, status, site, unit). */
const cell = (page: Page, caseId: string, name: string) =>
  page.locator(`.el-table__row:has([data-case-id="${caseId}"]) [data-cell="${name}"]`).innerText();
const listed = (page: Page) =>
  page
    .locator('[data-test="cases"] [data-cell="severity"]')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-case-id')));
/** Picks an option of an Element Plus select by its exact words; none: clears it. */
async function choose(page: Page, select: string, words?: string) {
  if (words === undefined) {
    await page.hover(select);
    await page.click(`${select} .el-select__clear`);
    return;
  }
  await page.click(select);
  await page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^${words}$`) }).click();
}
describe('the district map (GET /, a page of the app) in headless Chromium', () => {
  it('signs in, draws the district and its cases by name, filters, shows a history, speaks English at ?lang=en, refreshes live', {
    timeout: 120_000,
  }, async () => {
    const map = await api<DistrictMap>('/map');
    expect(map.cases.map((c) => c.caseId).sort()).toEqual(['cs-check', 'cs-fire', 'cs-over', 'cs-tilt']);
    expect(map.district.locale).toBe('zh-CN');
    // The district's units and classes by name, places in its own language beside English.
    expect(map.district.localName).toBe('拱墅区');
    expect(map.units.find((u) => u.unitId === 'gs-hushu')).toEqual({
      unitId: 'gs-hushu',
      kind: 'street',
      name: 'Hushu Street Office',
      localName: '湖墅街道',
    });
    expect(map.units.filter((u) => u.kind === 'community').map((u) => u.localName)).toEqual(
      model.communities.map((c) => c.localName),
    );
    expect(map.units.filter((u) => u.kind === 'department')).toHaveLength(model.departments.length);
    expect(map.classes.find((c) => c.classId === 'piled-goods')).toMatchObject({
      classCode: '20202',
      minor: { zh: expect.stringMatching(/\p{Script=Han}/u) },
    });
    expect(map.grids.every((g) => g.localName?.endsWith('网格'))).toBe(true);
    expect(
      map.garbageRooms.find((r) => r.siteId === model.devices.find((d) => d.thing === 'bin-gs-002')!.siteId)?.fillPct,
    ).toBe(95);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const outside: string[] = [];
      page.on('request', (r) => !r.url().startsWith(stack.apiUrl) && outside.push(r.url()));
      const blocked: string[] = [];
      page.on('pageerror', (error) => blocked.push(error.message));
      page.on(
        'console',
        (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && blocked.push(m.text()),
      );
      // GET / leads to the page; the pages' policy runs no inline script.
      const served = await page.goto(`${stack.apiUrl}/`);
      expect(page.url()).toBe(`${stack.apiUrl}/app/ops.html`);
      expect(served?.headers()['content-security-policy']).toMatch(/script-src 'self';/);
      // The map takes a person's token: the page asks for a sign-in first, in Chinese, and says why one is refused.
      await page.locator('.sign-in').waitFor();
      expect(await page.locator('.sign-in h2').innerText()).toBe('登录');
      expect(await count(page, 'open')).toBe('–');
      await page.screenshot({ path: join(ARTIFACTS, 'ops-page-sign-in.png') });
      await page.fill('input[name="username"]', LEADER.username);
      await page.fill('input[name="password"]', 'not-the-password');
      await page.click('[data-test="sign-in"]');
      await page.locator('[data-test="sign-in-problem"]:has-text("用户名或密码错误")').waitFor();
      // Someone guessing another name is held after two failures, and the form says how long for.
      for (let i = 0; i < 2; i++) {
        const guessed = await fetch(`${stack.apiUrl}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'nobody', password: `guess-${i}` }),
        });
        expect(guessed.status).toBe(401);
      }
      await page.fill('input[name="username"]', 'nobody');
      await page.click('[data-test="sign-in"]');
      await page.locator('[data-test="sign-in-problem"]:has-text("登录失败次数过多，请于10分钟后再试")').waitFor();
      await page.fill('input[name="username"]', LEADER.username);
      await page.fill('input[name="password"]', LEADER.password);
      await page.click('[data-test="sign-in"]');
      await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-count="open"]')?.textContent ?? ''));
      expect(await page.locator('.sign-in').count()).toBe(0);
      expect(await page.locator('[data-test="who"]').innerText()).toContain('郑华（领导）');

      // Counts and markers: the API's active cases, by severity.
      expect(await count(page, 'open')).toBe(String(map.cases.length));
      for (const severity of ['critical', 'major', 'minor', 'warning'])
        expect(await count(page, severity)).toBe(String(map.cases.filter((c) => c.severity === severity).length));
      expect(await page.locator('#map rect.case').count()).toBe(map.cases.length);
      // The district drawn from its own GeoJSON: every grid, garbage room, market and route.
      expect(await page.locator('#map polygon.grid').count()).toBe(map.grids.length);
      expect(await page.locator('#map circle.room').count()).toBe(map.garbageRooms.length);
      expect(await page.locator('#map polygon.market').count()).toBe(map.markets.length);
      expect(await page.locator('#map polyline.route').count()).toBe(map.routes.length);
      // Each route links to its coverage per window and segment today, which the API answers.
      const href = await page
        .locator(`#map a.route-link:has(polyline[data-site-id="${map.routes[0]!.siteId}"])`)
        .getAttribute('href');
      expect(href).toMatch(new RegExp(`^/routes/${map.routes[0]!.siteId}/coverage\\?date=\\d{4}-\\d{2}-\\d{2}$`));
      const coverage = await page.evaluate(async (url) => (await fetch(url)).status, href!);
      expect(coverage).toBe(200);
      for (const room of map.garbageRooms.filter((r) => r.fillPct !== null)) {
        expect(await page.locator(`#map circle.room[data-site-id="${room.siteId}"]`).getAttribute('data-fill')).toBe(
          String(room.fillPct),
        );
      }
      // Chinese first: the district's language, every status from the dictionary, places and units by name.
      const zh = dictionaryOf('zh-CN');
      const check = map.cases.find((c) => c.caseId === 'cs-check')!;
      const room = (c: Case) => map.garbageRooms.find((r) => r.siteId === c.siteId)!;
      const unit = (c: Case) => map.units.find((u) => u.unitId === c.leadUnit)!;
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      expect(await cell(page, 'cs-check', 'status')).toBe('待核查');
      expect(await cell(page, 'cs-fire', 'category')).toBe(zh.category.bin_fire);
      expect(await cell(page, 'cs-check', 'site')).toBe(nameIn('zh-CN', room(check)));
      expect(await cell(page, 'cs-check', 'unit')).toBe(nameIn('zh-CN', unit(check)));
      expect(await cell(page, 'cs-check', 'unit')).toMatch(/\p{Script=Han}/u);
      await choose(page, '[data-test="f-status"]', '待核查');
      expect(await listed(page)).toEqual(['cs-check']);
      await choose(page, '[data-test="f-status"]');
      expect(await listed(page)).toHaveLength(map.cases.length);
      // Words match what the page shows: a place's name.
      await page.fill('input[data-test="f-text"]', nameIn('zh-CN', room(check)));
      expect(await listed(page)).toEqual(['cs-check']);
      await page.fill('input[data-test="f-text"]', '');
      expect(await axe(page)).toEqual([]);
      // English second, from the same dictionary, still signed in.
      await page.click('[data-test="language"]');
      await page.waitForFunction(
        () =>
          document.documentElement.lang === 'en' && document.querySelector('[data-count="open"]')?.textContent !== '–',
      );
      expect(page.url()).toBe(`${stack.apiUrl}/app/ops.html?lang=en`);
      expect(await cell(page, 'cs-check', 'status')).toBe('to verify');
      expect(await cell(page, 'cs-check', 'site')).toBe(room(check).name);
      expect(await cell(page, 'cs-check', 'unit')).toBe(unit(check).name);
      await page.locator('.el-table__row:has([data-case-id="cs-over"])').click();
      await page.screenshot({ path: join(ARTIFACTS, 'ops-page-en.png'), fullPage: true });
      await page.click('[data-test="language"]');
      await page.waitForFunction(
        () =>
          document.documentElement.lang === 'zh-CN' &&
          document.querySelector('[data-count="open"]')?.textContent !== '–',
      );
      // The list, newest first, and filtered by severity (the map's markers with it).
      expect(await listed(page)).toEqual(map.cases.map((c) => c.caseId));
      await choose(page, '[data-test="f-severity"]', zh.severity.critical);
      expect(await listed(page)).toHaveLength(map.cases.filter((c) => c.severity === 'critical').length);
      expect(await page.locator('#map rect.case').count()).toBe(
        map.cases.filter((c) => c.severity === 'critical').length,
      );
      await choose(page, '[data-test="f-severity"]');
      // A case's history, as the API has it; its marker on the map selects it too.
      await page.locator('.el-table__row:has([data-case-id="cs-over"])').click();
      const over = await api<Case>('/cases/cs-over');
      expect(
        await page
          .locator('[data-test="history"] [data-action]')
          .evaluateAll((items) => items.map((i) => i.getAttribute('data-action'))),
      ).toEqual(over.history.map((h) => h.action));
      await page.locator('#map rect.case[data-case-id="cs-fire"]').click();
      await page.locator('[data-test="history"] h3:has-text("cs-fire")').waitFor();
      await page.locator('.el-table__row:has([data-case-id="cs-over"])').click();
      await page.screenshot({ path: join(ARTIFACTS, 'ops-page.png'), fullPage: true });
      expect(blocked).toEqual([]);
      expect(statSync(join(ARTIFACTS, 'ops-page.png')).size).toBeGreaterThan(10_000);

      // Live: a case opened now shows within a refresh, without reloading.
      await store(caseAt('cs-new', 7, 'collection_due'));
      await page.waitForFunction(
        (n) => document.querySelector('[data-count="open"]')?.textContent === n,
        String(map.cases.length + 1),
        { timeout: 15_000 },
      );
      expect(await page.locator('.el-table__row:has([data-case-id="cs-new"])').count()).toBe(1);
      // The workbench is a link away; leaving forgets the sign-in.
      expect(await page.locator('[data-test="workbench"]').getAttribute('href')).toBe('index.html');
      await page.click('[data-test="sign-out"]');
      await page.locator('.sign-in').waitFor();
      expect(await page.evaluate(() => sessionStorage.getItem('cityops.signed-in'))).toBeNull();
      expect(outside).toEqual([]);
    } catch (error) {
      const [open] = browser.contexts().flatMap((c) => c.pages());
      await open?.screenshot({ path: join(ARTIFACTS, 'ops-page-failed.png'), fullPage: true });
      throw error;
    } finally {
      await browser.close();
    }
  });

  it('in AWS, signs in through the user pool (code with PKCE), reads the map with the ID token, signs in again when refused', {
    timeout: 60_000,
  }, async () => {
    // The page as the ops API serves it in AWS; the user pool's hosted sign-in played by the test.
    const hosted = { domain: 'https://operators.auth.example', clientId: 'pages-client' };
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on(
        'console',
        (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && errors.push(m.text()),
      );
      const pageUrl = `${stack.apiUrl}/app/ops.html`;
      // The pages' policy as the function sends it where the user pool's domain is configured, and config.json saying so.
      await page.route(
        (url) => url.href.startsWith(pageUrl),
        async (route) => {
          const response = await route.fetch();
          const policy = pageHeadersFor(hosted.domain)['content-security-policy']!;
          await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
        },
      );
      await page.route(`${stack.apiUrl}/app/config.json`, (route) =>
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
        // The hosted sign-in sends the browser back with a code (by a page, not a 302: a redirect's
        // target would pass the test's routes by).
        const back = `${query.get('redirect_uri')}?code=code-${authorizations.length}&state=${query.get('state')}`;
        return route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: `<script>location.replace(${JSON.stringify(back)})</script>`,
        });
      });
      const exchanges: URLSearchParams[] = [];
      /** The played user pool's ID token: who it is, in its middle part (the page reads it; the API is played below). */
      const idToken = (n: number) =>
        [
          'e30',
          Buffer.from(
            JSON.stringify({ 'cognito:username': LEADER.username, name: LEADER.name, 'cognito:groups': ['leader'] }),
          ).toString('base64url'),
          `sig-${n}`,
        ].join('.');
      await page.route(`${hosted.domain}/oauth2/token`, (route) => {
        exchanges.push(new URLSearchParams(route.request().postData() ?? ''));
        return route.fulfill({
          status: 200,
          headers: { 'access-control-allow-origin': '*' },
          contentType: 'application/json',
          body: JSON.stringify({ id_token: idToken(exchanges.length), access_token: 'access', expires_in: 3600 }),
        });
      });
      const bearers: (string | undefined)[] = [];
      let refuseNext = false;
      await page.route(`${stack.apiUrl}/map*`, async (route) => {
        bearers.push(route.request().headers().authorization);
        if (refuseNext) {
          refuseNext = false;
          return route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"Unauthorized"}' });
        }
        // The played user pool's token stands for a real one: the local gateway checks the local sign-in's.
        return route.continue({ headers: { ...route.request().headers(), ...(await bearer()) } });
      });

      await page.goto(pageUrl);
      await page.click('[data-test="hosted-sign-in"]');
      await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-count="open"]')?.textContent ?? ''));
      // One sign-in: code flow with an S256 challenge, back to the page.
      expect(authorizations).toHaveLength(1);
      const [authorize] = authorizations;
      expect(Object.fromEntries(authorize!)).toMatchObject({
        response_type: 'code',
        client_id: 'pages-client',
        redirect_uri: pageUrl,
        scope: 'openid',
        code_challenge_method: 'S256',
      });
      // The code exchanged with the verifier whose SHA-256 is that challenge.
      expect(Object.fromEntries(exchanges[0]!)).toMatchObject({
        grant_type: 'authorization_code',
        client_id: 'pages-client',
        code: 'code-1',
        redirect_uri: pageUrl,
      });
      expect(createHash('sha256').update(exchanges[0]!.get('code_verifier')!).digest('base64url')).toBe(
        authorize!.get('code_challenge'),
      );
      // The map read with the ID token, the code gone from the address, the person greeted by name.
      expect(bearers[0]).toBe(`Bearer ${idToken(1)}`);
      expect(page.url()).toBe(pageUrl);
      expect(await page.locator('[data-test="who"]').innerText()).toContain('郑华');
      expect(await count(page, 'open')).toBe(String((await api<DistrictMap>('/map')).cases.length));

      // A token the API refuses: the page signs in again at once and goes on with the new one.
      refuseNext = true;
      await page.waitForFunction(
        () =>
          /^\d+$/.test(document.querySelector('[data-count="open"]')?.textContent ?? '') &&
          sessionStorage.getItem('cityops.signed-in')?.includes('sig-2'),
        undefined,
        { timeout: 20_000 },
      );
      expect(authorizations).toHaveLength(2);
      await expect.poll(() => bearers.at(-1), { timeout: 15_000 }).toBe(`Bearer ${idToken(2)}`);
      expect(errors).toEqual([]);

      // A sign-in that ends in a refusal: the page says so and does not send the operator straight back.
      await page.evaluate('sessionStorage.clear()');
      await page.goto(`${pageUrl}?error=access_denied&error_description=User+is+disabled`);
      await page.locator('[data-test="sign-in-problem"]').waitFor();
      expect(await page.locator('[data-test="sign-in-problem"]').innerText()).toBe(
        '登录失败：登录未成功（access_denied: User is disabled）',
      );
      const tries = authorizations.length;
      await page.waitForTimeout(6_000); // past the next refresh
      expect(authorizations).toHaveLength(tries);
      expect(page.url()).toBe(pageUrl);
    } finally {
      await browser.close();
    }
  });

  it('answers GET /map with a reason for an unknown district, and 401 without a token', async () => {
    const unsigned = await fetch(`${stack.apiUrl}/map`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ message: 'Unauthorized' });
    const response = await fetch(`${stack.apiUrl}/map?districtId=elsewhere`, { headers: await bearer() });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request', message: 'no district "elsewhere"' });
  });
});
