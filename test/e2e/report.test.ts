import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { documentClient } from '#shared/adapters/dynamodb/client';
import type { DistrictAssessment } from '#shared/app/assessment-service';
import { percent } from '#functions/publish-reports/report-words';
import { loadDistrictDir } from '#devices/district-files';
import { generateReport } from '#tools/report';
import type { LocalStack } from '#infra/local/stack';
import { casesInSampleDistrict, withoutLimits } from '../support/assessment-fixture.ts';
import { ARTIFACTS, launchBrowser } from '../support/browser.ts';
import { testStack } from '../support/test-stack.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
// The November fixture is worked out on the categories' SLAs: the sample district without its time limits.
const model = withoutLimits(await loadDistrictDir());
const cases = casesInSampleDistrict({ departments: true });

let stack: LocalStack;
let now = Date.UTC(2026, 11, 15);
const api = async <T>(path: string): Promise<T> => (await fetch(`${stack.apiUrl}${path}`)).json() as Promise<T>;

beforeAll(async () => {
  // Only the monthly report's schedule: the others would open cases of their own.
  stack = await testStack('report', { clock: { now: () => now }, model, schedules: ['publish-reports'] });
  const doc = documentClient(stack.dynamo);
  for (const c of cases) await doc.send(new PutCommand({ TableName: stack.tables.cases, Item: caseItem(c) }));
});
afterAll(async () => {
  await stack?.stop();
});

describe('monthly report (npm run report) in headless Chromium', () => {
  it('writes JSON, CSV and a self-contained HTML report whose numbers are the API’s', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cityops-report-'));
    const { files } = await generateReport({ api: stack.apiUrl, period: '2026-11', out });
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'garbage-rooms.csv',
      'inspectors.csv',
      'report.html',
      'report.json',
      'routes.csv',
      'units.csv',
      'weeks.csv',
    ]);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // Self-contained: nothing fetched from elsewhere.
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=/i);
    const month = await api<DistrictAssessment>('/assessment?month=2026-11&by=unit');
    const units = readFileSync(join(out, 'units.csv'), 'utf8').trim().split('\r\n');
    expect(units[0]!.split(',').slice(0, 8)).toEqual([
      'unit',
      'name',
      'rank',
      'score',
      'registered',
      'due',
      'closed_on_time',
      'on_time_closure_rate',
    ]);
    expect(units.at(-1)!.split(',').slice(1, 7)).toEqual([
      'district',
      '',
      String(month.total.score ?? ''),
      String(month.total.registered),
      String(month.total.due),
      String(month.total.closedOnTime),
    ]);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const outside: string[] = [];
      page.on('request', (r) => !r.url().startsWith('file:') && outside.push(r.url()));
      await page.goto(`file://${join(out, 'report.html')}`);
      const text = (selector: string) => page.locator(selector).first().innerText();
      // The cards: the district's figures.
      expect(await text('.card [data-figure="registered"]')).toBe(String(month.total.registered));
      expect(await text('.card [data-figure="due"]')).toBe(String(month.total.due));
      expect(await text('.card [data-figure="onTimeClosureRate"]')).toBe(percent(month.total.onTimeClosureRate));
      expect(await text('.card [data-figure="reworkRate"]')).toBe(percent(month.total.reworkRate));
      expect(await text('.card [data-figure="deviceAvailability"]')).toBe(
        percent(month.sensors.deviceAvailability.overall),
      );
      // The ranking: every unit's row, in the API's order.
      const rows = page.locator('#units tbody tr');
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-unit')))).toEqual(
        month.groups.map((g) => g.key),
      );
      for (const g of month.groups) {
        const row = `#units tr[data-unit="${g.key}"]`;
        expect(await text(`${row} td:nth-child(2)`)).toBe(month.names[g.key]);
        expect(await text(`${row} [data-figure="onTimeClosureRate"]`)).toBe(percent(g.onTimeClosureRate));
        expect(await text(`${row} [data-figure="due"]`)).toBe(String(g.due));
        expect(await text(`${row} [data-figure="score"]`)).toBe(String(g.score ?? '—'));
        expect(await text(`${row} td:nth-child(1)`)).toBe(String(g.rank ?? '—'));
      }
      // The weeks: each as the API assesses it, and together the month.
      const weeks = await page
        .locator('#weeks tbody tr')
        .evaluateAll((trs) =>
          trs.map(
            (tr) =>
              [
                tr.getAttribute('data-week'),
                Number(tr.querySelector('[data-figure="registered"]')!.textContent),
              ] as const,
          ),
        );
      expect(weeks.map(([label]) => label)).toEqual([
        '2026-11-01',
        '2026-11-02',
        '2026-11-09',
        '2026-11-16',
        '2026-11-23',
        '2026-11-30',
      ]);
      expect(weeks.reduce((sum, [, n]) => sum + n, 0)).toBe(month.total.registered);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        weeks: { from: number; to: number; registered: number }[];
      };
      for (const week of report.weeks)
        expect((await api<DistrictAssessment>(`/assessment?from=${week.from}&to=${week.to}`)).total.registered).toBe(
          week.registered,
        );
      // The worst garbage rooms, named.
      const rooms = await page
        .locator('#garbage-rooms tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [tr.getAttribute('data-site'), tr.querySelector('[data-figure]')!.textContent]),
        );
      expect(rooms).toEqual(month.sensors.overflowHours.slice(0, 10).map((r) => [r.siteId, String(r.hours)]));
      // The routes, lowest coverage first: every route's share as the API gives it.
      const routes = await page
        .locator('#routes tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [tr.getAttribute('data-site'), tr.querySelector('[data-figure="coverage"]')!.textContent]),
        );
      expect(routes.map(([site]) => site).sort()).toEqual(
        month.sensors.sweepingCoverage.byRoute.map((r) => r.routeId).sort(),
      );
      for (const [site, shown] of routes)
        expect(shown).toBe(percent(month.sensors.sweepingCoverage.byRoute.find((r) => r.routeId === site)!.share));
      expect(outside).toEqual([]);
      const shot = join(ARTIFACTS, 'period-report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });

  it('runs as npm run report: writes the files and says what it wrote, or why it cannot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cityops-report-cli-'));
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile('npx', ['tsx', 'tools/report.ts', ...args], { cwd: ROOT }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run('--month', '2026-11', '--out', out, '--api', stack.apiUrl);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('gongshu 2026-11: 9 registered, 8 due, 4 closed on time');
    expect(ok.stdout).toContain(join(out, 'report.html'));
    // A quarter (still running on 15 December: judged as of now), with its months.
    const quarterOut = mkdtempSync(join(tmpdir(), 'cityops-report-q-'));
    const quarter = await run('--quarter', '2026-Q4', '--out', quarterOut, '--api', stack.apiUrl);
    expect(quarter.code).toBe(0);
    expect(quarter.stdout).toContain('gongshu 2026-Q4: ');
    expect(quarter.stderr).toContain('assessing 2026-10 (1 of 3)');
    expect(existsSync(join(quarterOut, 'months.csv'))).toBe(true);
    const bad = await run('--month', '2026-13', '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('report: one of --month YYYY-MM, --quarter YYYY-Qn or --half YYYY-Hn is required');
  });

  it('says what is wrong when the ops API cannot be reached or refuses the month', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cityops-report-'));
    await expect(generateReport({ api: 'http://127.0.0.1:9', period: '2026-11', out })).rejects.toThrow(
      /cannot reach the ops API at http:\/\/127.0.0.1:9 .*is the stack running \(npm start\)\?/,
    );
    await expect(
      generateReport({ api: stack.apiUrl, period: '2026-11', out, districtId: 'elsewhere' }),
    ).rejects.toThrow(/refused .* 400 no district "elsewhere"/);
  });

  it('is published by the stack’s schedule as npm run report writes it: in the reports folder, announced as an event', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cityops-report-'));
    const { report: written } = await generateReport({ api: stack.apiUrl, period: '2026-11', out });
    const marker = join(stack.reportsDir, 'gongshu/2026-11/published.json');
    expect(existsSync(marker)).toBe(false);
    now += 15 * 60_000; // the schedule's first run
    await vi.waitFor(() => expect(existsSync(marker)).toBe(true), { timeout: 20_000, interval: 100 });
    const published = JSON.parse(readFileSync(join(stack.reportsDir, 'gongshu/2026-11/report.json'), 'utf8'));
    expect({ ...published, generatedAt: undefined }).toEqual(
      JSON.parse(JSON.stringify({ ...written, generatedAt: undefined })),
    );
    for (const csv of ['units.csv', 'weeks.csv', 'garbage-rooms.csv', 'routes.csv'])
      expect(readFileSync(join(stack.reportsDir, 'gongshu/2026-11', csv), 'utf8'), csv).toBe(
        readFileSync(join(out, csv), 'utf8'),
      );
    const events = readFileSync(stack.eventsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e['detail-type'] === 'ReportPublished');
    expect(events).toHaveLength(1);
    expect(events[0].detail.data).toMatchObject({
      districtId: 'gongshu',
      month: '2026-11',
      location: `${stack.reportsDir}/gongshu/2026-11/`,
    });
  });
});
