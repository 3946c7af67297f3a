import { mkdtempSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { DistrictMap } from '#shared/app/district-map';
import type { Case } from '#shared/domain/cases';
import { buildWorkbench } from '#infra/local/workbench';
import { ARTIFACTS, launchBrowser } from '../support/browser.ts';
import { caseStack } from '../support/case-stack.ts';

/**
 * The workbench (工作台) built with Vite and served at /app/, in headless Chromium: people
 * sign in with their passwords and work the cycle through the pages only — the clerk
 * registers a citizen's report, the dispatcher dispatches it, another unit's handler is
 * refused in the API's words; the queues' counts are the API's; axe finds no serious or
 * critical violation.
 */
const model = await loadDistrictDir();
const PASSWORD = 'correct horse battery staple';
const people = {
  clerk: { username: 'clerk.wang', name: '受理员 王芳', roles: ['intake_clerk' as const] },
  dispatcher: { username: 'dispatcher.chen', name: '派遣员 陈静', roles: ['dispatcher' as const] },
  enforcement: { username: 'handler.sun', name: '处置人员 孙悦', roles: ['handler' as const], unitId: 'enforcement' },
};
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  const appDir = await buildWorkbench(mkdtempSync(join(tmpdir(), 'cityops-web-')));
  s = await caseStack(model, Date.parse('2026-12-02T09:00:00+08:00'), {
    dynamoEndpoint: inject('dynamoEndpoint'),
    appDir,
    users: Object.values(people).map((p) => ({ ...p, password: PASSWORD })),
  });
}, 120_000);
afterAll(() => s?.stop());

async function signInAs(page: Page, who: { username: string; name: string }) {
  await page.goto(`${s.stack.apiUrl}/app/`);
  await page.fill('input[name="username"]', who.username);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('[data-test="sign-in"]');
  await page.waitForSelector(`[data-test="who"]:has-text("${who.name}")`);
}

/** Closes the case's drawer and signs out. */
async function signOut(page: Page) {
  await page.click('.el-drawer__close-btn');
  await page.waitForSelector('.el-drawer', { state: 'hidden' });
  await page.click('[data-test="sign-out"]');
  await page.waitForSelector('[data-test="sign-in"]');
}

/** Opens a case from a queue and takes an action through the form; the drawer's status or refusal after it. */
async function take(page: Page, queue: string, caseId: string, action: string, fields: Record<string, string> = {}) {
  await page.click(`[data-queue="${queue}"]`);
  await page.click(`.el-table__row:has-text("${caseId}")`);
  await page.click('[data-test="action"]');
  await page.click(`.el-select-dropdown__item:visible:has-text("${action}")`);
  for (const [name, value] of Object.entries(fields)) await page.fill(`.el-drawer [name="${name}"]`, value);
  await page.click('[data-test="submit"]');
}

describe('the workbench in headless Chromium', () => {
  it('the clerk registers, the dispatcher dispatches, another unit’s handler is refused in words; queues match the API', {
    timeout: 120_000,
  }, async () => {
    const reported = await s.post<{ case: Case }>('/cases/reports', {
      source: 'public',
      classId: 'dirty-road',
      componentId: 'gr-003',
      description: '路面有大片泥浆',
    });
    expect(reported.status).toBe(201);
    const id = reported.body.case.caseId;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('response', (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
      await signInAs(page, people.clerk);
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      // The queue of reports to register holds it, and every queue's count is the API's.
      await page.waitForSelector(`.el-table__row:has-text("${id}")`);
      const map = (await s.api<DistrictMap>('/map', { headers: await s.bearer(people.clerk) })).body;
      const registering = map.cases.filter((c) => c.status === 'received' || c.status === 'checking').length;
      expect(await page.locator('[data-queue="register"] .el-badge__content').innerText()).toBe(String(registering));
      expect(await page.locator(`.el-table__row:has-text("${id}") [data-test="status"]`).innerText()).toBe('待立案');

      await take(page, 'register', id, '立案');
      await page.waitForSelector('[data-test="case-status"]:has-text("待派遣")');
      await page.screenshot({ path: join(ARTIFACTS, 'workbench.png'), fullPage: true });
      expect(statSync(join(ARTIFACTS, 'workbench.png')).size).toBeGreaterThan(10_000);

      await signOut(page);
      await signInAs(page, people.dispatcher);
      await take(page, 'dispatch', id, '派遣', { unitId: 'municipal-landscaping' });
      await page.waitForSelector('[data-test="case-status"]:has-text("已派遣")');
      expect((await s.api<Case>(`/cases/${id}`)).body).toMatchObject({
        status: 'dispatched',
        leadUnit: 'municipal-landscaping',
      });

      await signOut(page);
      await signInAs(page, people.enforcement);
      await take(page, 'handling', id, '开始处置');
      const refusal = await page.waitForSelector('[data-test="refusal"]');
      expect(await refusal.innerText()).toContain('start is for the handlers of municipal-landscaping');
      expect((await s.api<Case>(`/cases/${id}`)).body.status).toBe('dispatched');

      // History as the API has it, in the dictionary's words.
      const history = (await s.api<Case>(`/cases/${id}`)).body.history.map((h) => h.action);
      expect(
        await page
          .locator('.el-drawer [data-action]')
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-action'))),
      ).toEqual(history);

      // Accessibility: axe-core on the workbench with its drawer open.
      const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
      await page.addScriptTag({ path: axe });
      const violations = (await page.evaluate(
        'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ") + " " + (n.any[0] && n.any[0].message)).slice(0, 6) })))',
      )) as { id: string; impact: string; nodes: string[] }[];
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
