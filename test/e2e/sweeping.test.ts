import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { SweepRoute } from '#shared/domain/city-model';
import { caseStack } from '../support/case-stack.ts';

const MIN = 60_000;
const FIVE_AM = Date.UTC(2026, 10, 26, 21, 0); // Friday 27 November, 05:00 in Shanghai
const model = await loadDistrictDir();
const route = model.sites.find((s) => s.siteId === 'rt-01') as SweepRoute;
const [[LON0, LAT], [LON1]] = route.line.coordinates as [[number, number], [number, number]];
const M_LON = 111_195 * Math.cos((LAT * Math.PI) / 180);
const lengthM = (LON1 - LON0) * M_LON;
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  s = await caseStack(model, FIVE_AM + 10 * MIN, { dynamoEndpoint: inject('dynamoEndpoint') });
});
afterAll(() => s?.stop());

/** GPS batches (as the sweeper sends them: `points`, ≤ 500 a message) along rt-01 from `fromM` to `toM`. */
function pass(start: number, fromM: number, toM: number, brushOn: (x: number) => boolean, everyS = 3, kmh = 10) {
  const step = (kmh / 3.6) * everyS;
  const points = [];
  let t = start;
  for (let x = fromM; x <= toM; x += step, t += everyS * 1000) {
    points.push({ ts: t, lat: LAT, lon: LON0 + x / M_LON, speedKmh: kmh, headingDeg: 90, brushOn: brushOn(x) });
  }
  const messages = [];
  for (let i = 0; i < points.length; i += 100)
    messages.push({ ts: points[Math.min(points.length, i + 100) - 1]!.ts, points: points.slice(i, i + 100) });
  return messages;
}

/** Moves the clock forward five minutes at a time (the longest schedule period), so each schedule gets its turns. */
async function advanceTo(t: number) {
  while (s.now() < t) {
    s.advance(Math.min(5 * MIN, t - s.now()));
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** What the route API's answers hold (each answer has its own part of it). */
type RouteApiBody = {
  windows: { window: string; closed: boolean; segments: { segmentId: string; outcome: string }[] }[];
  routes: { routeId: string }[];
  segments: { type: string; features: unknown[] };
};

describe('sweeping coverage end to end', () => {
  it('a sweeper skipping two segments gets one missed-sweeping case naming both; sweeping them later that day resolves it', async () => {
    expect(route.segments[9]!.segmentId).toBe('rt-01-s010');
    // 05:01–05:09: the whole route, brush up over segments 10 and 11 (450–550 m).
    await s.publish('sweeper-gs-01', ...pass(FIVE_AM + MIN, -5, lengthM + 5, (x) => !(x >= 450 && x < 550)));
    await s.stack.drained();

    await advanceTo(FIVE_AM + 2 * 60 * MIN + 16 * MIN); // 07:16: the 05:00–07:00 window closed 16 minutes ago
    const missed = await s.oneCase('rt-01', 'missed_sweeping', 'open');
    expect(missed).toMatchObject({ leadUnit: 'municipal-landscaping', streetId: 'gs-hushu', coUnits: ['gs-hushu'] });
    const data = missed.evidence[0]!.data as {
      unsweptSegments: string[];
      coveragePct: number;
      window: string;
      gaps: { features: { properties: { segmentId: string } }[] };
    };
    expect(data.unsweptSegments).toEqual(['rt-01-s010', 'rt-01-s011']);
    expect(data.window).toBe('2026-11-27T05:00');
    expect(data.coveragePct).toBeGreaterThan(85);
    expect(data.coveragePct).toBeLessThan(95);
    expect(data.gaps.features.map((f) => f.properties.segmentId)).toEqual(['rt-01-s010', 'rt-01-s011']);
    await s.event(missed.caseId, 'CaseOpened');
    expect(await s.cases('rt-01', 'sweeper_silent')).toEqual([]);
    // The route API: the day's window per segment, as a sanitation supervisor checks it.
    const api = (path: string) =>
      fetch(`${s.stack.apiUrl}${path}`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as RouteApiBody,
      }));
    const windowOf = async () =>
      (await api('/routes/rt-01/coverage?date=2026-11-27')).body.windows.find((w) => w.window === '2026-11-27T05:00')!;
    const outcomes = (w: { segments: { segmentId: string; outcome: string }[] }, outcome: string) =>
      w.segments.filter((seg) => seg.outcome === outcome).map((seg) => seg.segmentId);
    const closedWindow = await windowOf();
    expect(closedWindow.closed).toBe(true);
    expect(outcomes(closedWindow, 'missed')).toEqual(['rt-01-s010', 'rt-01-s011']);
    expect(outcomes(closedWindow, 'swept')).toHaveLength(route.segments.length - 2);
    expect((await api('/routes?districtId=gongshu')).body.routes.map((r) => r.routeId)).toContain('rt-01');
    const described = (await api('/routes/rt-01')).body;
    expect(described.segments.type).toBe('FeatureCollection');
    expect(described.segments.features).toHaveLength(route.segments.length);
    expect((await api('/routes/rt-01/coverage?date=27-11-2026')).status).toBe(400);
    expect((await api('/routes/rt-99/coverage?date=2026-11-27')).status).toBe(404);

    // 07:50: back to sweep the two segments, then the next window-close run sees it.
    await advanceTo(FIVE_AM + 172 * MIN);
    await s.publish('sweeper-gs-01', ...pass(FIVE_AM + 170 * MIN, 430, 570, () => true));
    await s.stack.drained();
    await advanceTo(FIVE_AM + 185 * MIN);
    const resolved = await s.oneCase('rt-01', 'missed_sweeping', 'resolved');
    expect(resolved.caseId).toBe(missed.caseId);
    expect(resolved.history.at(-1)!.evidence!.summary).toMatch(/^swept late: rt-01-s010, rt-01-s011/);
    await s.event(missed.caseId, 'CaseResolved');
    expect(outcomes(await windowOf(), 'swept_late')).toEqual(['rt-01-s010', 'rt-01-s011']);
  }, 60_000);

  it('a route whose sweepers stay silent through the window gets a sweeper-silent case', async () => {
    // rt-03 counts only its named sweeper, sweeper-gs-03, which sent nothing this morning.
    const silent = await s.oneCase('rt-03', 'sweeper_silent', 'open');
    expect(silent).toMatchObject({ thing: 'sweeper-gs-03', leadUnit: 'municipal-landscaping' });
    // rt-02 takes any of the unit's sweepers, and sweeper-gs-01 was out: not silent.
    expect(await s.cases('rt-02', 'sweeper_silent')).toEqual([]);
  });

  it('sweeping too fast with the brush down opens a case for the route', async () => {
    // 13:00–14:00 weekday window of rt-01: 30 km/h with the brush on.
    s.advance(FIVE_AM + 8 * 60 * MIN + 5 * MIN - s.now());
    await s.publish('sweeper-gs-01', ...pass(FIVE_AM + 8 * 60 * MIN + MIN, 100, 600, () => true, 3, 30));
    const fast = await s.oneCase('rt-01', 'sweeping_too_fast', 'open');
    expect(fast.summary).toMatch(/km\/h with the brush down/);
  }, 60_000);
});
