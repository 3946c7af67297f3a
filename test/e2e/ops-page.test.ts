import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { documentClient } from '#shared/adapters/dynamodb/client';
import type { DistrictMap } from '#shared/app/district-map';
import type { Case } from '#shared/domain/cases';
import { topicFor } from '#shared/domain/topics';
import { loadDistrictDir } from '#devices/district-files';
import { quietObserver, startLocalStack, type LocalStack } from '#infra/local/stack';
import { kase } from '../support/assessment-fixture.ts';
import { ARTIFACTS, launchBrowser } from '../support/browser.ts';

const NOW = Date.UTC(2026, 10, 27, 2, 0); // 10:00 in the district
const MIN = 60_000;
const model = await loadDistrictDir();
const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
let stack: LocalStack;
let sensor: MqttClient;
const api = async <T>(path: string): Promise<T> => (await fetch(`${stack.apiUrl}${path}`)).json() as Promise<T>;

/** A working case at one of the sample district's garbage rooms. */
function caseAt(caseId: string, roomIndex: number, category: 'bin_fire' | 'garbage_overflow' | 'bin_knocked_over' | 'collection_due', steps: Parameters<typeof kase>[3] = []): Case {
  const room = rooms[roomIndex]! as Extract<(typeof rooms)[number], { siteKind: 'garbage_room' }>;
  const grid = model.grids.find((g) => g.gridId === room.gridId)!;
  const c = kase(caseId, { unit: 'municipal-landscaping', street: grid.streetId, site: room.siteId, category, districtId: 'gongshu' }, NOW - 30 * MIN, steps);
  return { ...c, gridId: grid.gridId, communityId: grid.communityId, streetId: grid.streetId, location: room.location };
}
const store = async (c: Case) => documentClient(stack.dynamo).send(new PutCommand({ TableName: stack.tables.cases, Item: caseItem(c) }));

beforeAll(async () => {
  stack = await startLocalStack({
    clock: { now: () => NOW },
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `opspage-${Math.random().toString(36).slice(2, 8)}-`,
    model,
    schedules: false,
    mqttPort: 0,
    apiPort: 0,
    batchWindowMs: 20,
    observer: quietObserver(),
  });
  // Two garbage rooms report their fill through MQTT, the whole way in.
  for (const [thing, fillPct] of [['bin-gs-001', 35], ['bin-gs-002', 95]] as const) {
    sensor = await mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 });
    await sensor.publishAsync(topicFor('bins', thing), JSON.stringify({ ts: NOW - MIN, seq: 1, fillPct, batteryPct: 80, temperatureC: 20, tiltDeg: 1 }), { qos: 1 });
    await sensor.endAsync();
  }
  await stack.drained(20_000);
  await store(caseAt('cs-fire', 3, 'bin_fire', [['dispatch', 5]]));
  await store(caseAt('cs-over', 4, 'garbage_overflow', [['dispatch', 5], ['start', 10]]));
  await store(caseAt('cs-tilt', 5, 'bin_knocked_over'));
  await store(caseAt('cs-done', 6, 'garbage_overflow', [['dispatch', 5], ['resolve', 10], ['verify', 15], ['close', 20]]));
});
afterAll(async () => {
  await stack?.stop();
});

describe('live ops page (GET /) in headless Chromium', () => {
  it('draws the district and its working cases as the API gives them, filters the list, shows a case’s history and refreshes live', async () => {
    const map = await api<DistrictMap>('/map');
    expect(map.cases.map((c) => c.caseId).sort()).toEqual(['cs-fire', 'cs-over', 'cs-tilt']);
    expect(map.garbageRooms.find((r) => r.siteId === model.devices.find((d) => d.thing === 'bin-gs-002')!.siteId)?.fillPct).toBe(95);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const outside: string[] = [];
      page.on('request', (r) => !r.url().startsWith(stack.apiUrl) && outside.push(r.url()));
      await page.goto(`${stack.apiUrl}/`);
      await page.waitForFunction(`document.getElementById('count-open')?.textContent !== '–'`);
      const text = (selector: string) => page.locator(selector).first().innerText();

      // Counts and markers: the API's working cases, by severity.
      expect(await text('[data-count="open"]')).toBe(String(map.cases.length));
      for (const severity of ['critical', 'major', 'minor', 'warning']) expect(await text(`[data-count="${severity}"]`)).toBe(String(map.cases.filter((c) => c.severity === severity).length));
      expect(await page.locator('#map rect.case').count()).toBe(map.cases.length);
      // The district drawn from its own GeoJSON: every grid, garbage room, market and route.
      expect(await page.locator('#map polygon.grid').count()).toBe(map.grids.length);
      expect(await page.locator('#map circle.room').count()).toBe(map.garbageRooms.length);
      expect(await page.locator('#map polygon.market').count()).toBe(map.markets.length);
      expect(await page.locator('#map polyline.route').count()).toBe(map.routes.length);
      for (const room of map.garbageRooms.filter((r) => r.fillPct !== null)) {
        expect(await page.locator(`#map circle.room[data-site-id="${room.siteId}"]`).getAttribute('data-fill')).toBe(String(room.fillPct));
      }
      // The list, newest first, and filtered by severity.
      expect(await page.locator('#cases tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-case-id')))).toEqual(map.cases.map((c) => c.caseId));
      await page.selectOption('#f-severity', 'critical');
      expect(await page.locator('#cases tbody tr').count()).toBe(map.cases.filter((c) => c.severity === 'critical').length);
      expect(await page.locator('#map rect.case').count()).toBe(map.cases.filter((c) => c.severity === 'critical').length);
      await page.selectOption('#f-severity', '');
      // A case's history, as the API has it.
      await page.locator('#cases tbody tr[data-case-id="cs-over"]').click();
      const over = await api<Case>('/cases/cs-over');
      expect(await page.locator('#history-entries li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action')))).toEqual(over.history.map((h) => h.action));
      await page.screenshot({ path: join(ARTIFACTS, 'ops-page.png'), fullPage: true });
      expect(statSync(join(ARTIFACTS, 'ops-page.png')).size).toBeGreaterThan(10_000);

      // Live: a case opened now shows within a refresh, without reloading.
      await store(caseAt('cs-new', 7, 'collection_due'));
      await page.waitForFunction(`document.getElementById('count-open')?.textContent === '${map.cases.length + 1}'`, undefined, { timeout: 15_000 });
      expect(await page.locator('#cases tbody tr[data-case-id="cs-new"]').count()).toBe(1);
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('answers GET /map with a reason for an unknown district', async () => {
    const response = await fetch(`${stack.apiUrl}/map?districtId=elsewhere`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'bad_request', message: 'no district "elsewhere"' });
  });
});
