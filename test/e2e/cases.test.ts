import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { CATEGORY_POLICY } from '#shared/domain/case/category-policy';
import { classOf, limitsOf } from '#shared/domain/classification';
import { addSlaHours, workingCalendarOf } from '#shared/domain/working-time';
import type { CaseCategory } from '#shared/domain/responsibility';
import { responsibleUnits } from '#shared/domain/responsibility';
import { caseStack } from '../support/case-stack.ts';
import { USERS } from '../support/users.ts';

const MIN = 60_000;
const START = Date.UTC(2026, 10, 27, 2, 0);
const model = await loadDistrictDir();
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  s = await caseStack(model, START, { dynamoEndpoint: inject('dynamoEndpoint') });
});
afterAll(() => s?.stop());

const siteOf = (thing: string) => model.devices.find((d) => d.thing === thing)!.siteId;

/** The case carries the routing of the responsibility table and the place's grid. */
function expectRouted(c: Awaited<ReturnType<typeof s.oneCase>>, category: CaseCategory, thing: string) {
  const site = model.sites.find((x) => x.siteId === siteOf(thing))!;
  const grid = model.grids.find((g) => g.gridId === site.gridId)!;
  const { leadUnit, coUnits } = responsibleUnits(category, grid);
  expect(c).toMatchObject({
    category,
    severity: CATEGORY_POLICY[category].severity,
    siteId: site.siteId,
    thing,
    gridId: grid.gridId,
    communityId: grid.communityId,
    streetId: grid.streetId,
    leadUnit,
    coUnits,
    assignee: grid.responsible,
    occurrences: 1,
  });
  // Registered at once: the unit's deadline by the sample's time limits (dispatch and handling, in its working
  // hours; the arithmetic is checked by hand in time-limits.test.ts). A warning keeps its category's SLA until registered.
  const district = model.districts[0]!;
  const limits = limitsOf(district.classification, classOf(district.classification, category))!;
  const hours = c.urgency ? limits[c.urgency] : undefined;
  expect(c.dueAt).toBe(
    c.registeredAt
      ? addSlaHours(c.registeredAt, (hours!.dispatch + hours!.handle) * 3_600_000, {
          kind: 'working',
          calendar: workingCalendarOf(district),
        })
      : c.openedAt + CATEGORY_POLICY[category].slaMs,
  );
}

const roomReading = (over: Record<string, number>, ago = 0) => ({
  ts: s.now() - ago,
  fillPct: 40,
  temperatureC: 20,
  tiltDeg: 2,
  batteryPct: 80,
  ...over,
});

describe.each([
  {
    category: 'garbage_overflow',
    // The sample's exposed-garbage class registers on two signals: one device's episode is a warning.
    intake: 'received',
    thing: 'bin-gs-011',
    raise: () => [roomReading({ fillPct: 92 }, 60_000), roomReading({ fillPct: 95 }, 30_000)],
    clear: () => [roomReading({ fillPct: 10 })],
  },
  {
    category: 'collection_due',
    intake: 'open',
    thing: 'bin-gs-012',
    raise: () => [
      roomReading({ fillPct: 50 }, 30 * MIN),
      roomReading({ fillPct: 58 }, 20 * MIN),
      roomReading({ fillPct: 66 }, 10 * MIN),
    ],
    clear: () => [roomReading({ fillPct: 5 })],
  },
  {
    category: 'bin_fire',
    intake: 'open',
    thing: 'bin-gs-013',
    raise: () => [roomReading({ temperatureC: 65 })],
    clear: () => [roomReading({ temperatureC: 24 })],
  },
  {
    category: 'bin_knocked_over',
    intake: 'open',
    thing: 'bin-gs-014',
    raise: () => [roomReading({ tiltDeg: 60 })],
    clear: () => [roomReading({ tiltDeg: 3 })],
  },
] as const)(
  '$category: MQTT telemetry → one case ($intake) → event → clearing telemetry → resolved or refused',
  ({ category, thing, raise, clear, intake }) => {
    it('opens exactly one routed case, even when the telemetry is replayed, duplicated and out of order', async () => {
      const readings = raise();
      await s.publish(thing, ...readings);
      const opened = await s.oneCase(siteOf(thing), category, intake);
      expectRouted(opened, category, thing);
      await s.event(opened.caseId, intake === 'open' ? 'CaseOpened' : 'CaseReported');
      // The same readings again, reversed: stale for the state, nothing new for the detectors.
      await s.publish(thing, ...[...readings].reverse());
      await s.stack.drained();
      expect((await s.oneCase(siteOf(thing), category, intake)).occurrences).toBe(1);

      await s.publish(thing, ...clear());
      if (intake !== 'open') {
        // A warning whose condition clears before anyone registers it is refused, with the reason.
        const refused = await s.oneCase(siteOf(thing), category, 'refused');
        expect(refused.refusal).toMatchObject({ reason: 'cleared_before_registration', actor: `sensor:${thing}` });
        await s.event(opened.caseId, 'CaseRefused');
        return;
      }
      const resolved = await s.oneCase(siteOf(thing), category, 'resolved');
      expect(resolved.caseId).toBe(opened.caseId);
      expect(resolved.history.at(-1)).toMatchObject({
        action: 'resolve',
        actor: `sensor:${thing}`,
        evidence: { thing },
      });
      await s.event(opened.caseId, 'CaseResolved');
    });
  },
);

describe.each([
  // One camera each: a device's readings are taken in its own order, and each test starts in the past.
  // The sample's rules: street trading and piled goods wait for the shift lead's decision,
  // exposed garbage for a second signal, illegal parking for an on-site check.
  {
    category: 'market_stall_outside',
    type: 'stall_outside_boundary',
    zone: 'mk-02-frontage',
    thing: 'cam-gs-m2-b',
    intake: 'received',
  },
  {
    category: 'market_goods_piled',
    type: 'goods_piled',
    zone: 'mk-02-stalls',
    thing: 'cam-gs-m2-a',
    intake: 'received',
  },
  { category: 'market_litter', type: 'litter_pile', zone: 'mk-01-entrance', thing: 'cam-gs-m1-a', intake: 'received' },
  {
    category: 'illegal_parking',
    type: 'illegal_parking',
    zone: 'mk-01-parking',
    thing: 'cam-gs-m1-b',
    intake: 'checking',
  },
] as const)(
  '$category: camera detections → a warning ($intake) → registered by the shift lead → zone clear → resolved',
  ({ category, type, zone, thing, intake }) => {
    const market = siteOf(thing);
    const detections = (ago: number, confidence = 0.8) => ({
      ts: s.now() - ago,
      detections: [{ type, zoneId: zone, confidence }],
    });

    it('opens nothing for one detection, or for weak ones', async () => {
      await s.publish(
        thing,
        detections(40 * MIN),
        detections(38 * MIN, 0.5),
        detections(36 * MIN, 0.55),
        detections(34 * MIN, 0.3),
        { ts: s.now() - 33 * MIN, detections: [] },
      );
      await s.stack.drained();
      expect(await s.cases(market, category)).toEqual([]);
    });

    it('opens one case after three detections over five minutes, and resolves it after fifteen clear minutes', async () => {
      await s.publish(thing, detections(30 * MIN), detections(28 * MIN), detections(25 * MIN), detections(24 * MIN));
      const opened = await s.oneCase(market, category, intake);
      expectRouted(opened, category, thing);
      expect(opened.zoneId).toBe(zone);
      expect(opened.reports).toEqual([expect.objectContaining({ source: 'video', thing, count: 1 })]);
      await s.event(opened.caseId, 'CaseReported');
      const registered = await s.act(opened.caseId, USERS.shiftLead, {
        action: 'register',
        note: 'seen on the camera',
      });
      expect(registered).toMatchObject({ status: 200, body: { status: 'open', registeredAt: s.now() } });
      await s.event(opened.caseId, 'CaseRegistered');
      await s.publish(thing, { ts: s.now() - 8 * MIN, detections: [] });
      const resolved = await s.oneCase(market, category, 'resolved');
      expect(resolved.history.at(-1)!.evidence!.summary).toContain('clear');
      await s.event(opened.caseId, 'CaseResolved');
    });
  },
);

type MaintenanceTicket = {
  ticketId: string;
  thing: string;
  fault: string;
  status: string;
  operator: string;
  history: { action: string; actor: string }[];
};
/** Waits for exactly one ticket of the fault for the thing, in the expected status. */
async function oneTicket(thing: string, fault: string, status: string): Promise<MaintenanceTicket> {
  let found: MaintenanceTicket | undefined;
  await vi.waitFor(
    async () => {
      const { items } = (await s.api<{ items: MaintenanceTicket[] }>(`/tickets?thing=${thing}&fault=${fault}`)).body;
      if (items.length !== 1 || items[0]!.status !== status)
        throw new Error(`${thing} ${fault}: ${JSON.stringify(items)}`);
      found = items[0];
    },
    { timeout: 15_000, interval: 100 },
  );
  return found!;
}

describe.each([
  {
    fault: 'device_low_battery',
    thing: 'bin-gs-015',
    raise: () => [roomReading({ batteryPct: 10 })],
    clear: () => [roomReading({ batteryPct: 95 })],
  },
  {
    fault: 'sensor_stuck',
    thing: 'bin-gs-016',
    raise: () => Array.from({ length: 48 }, (_, i) => roomReading({ fillPct: 33 }, (48 - i) * 5 * MIN)),
    clear: () => [roomReading({ fillPct: 35 })],
  },
] as const)(
  '$fault: a device’s fault → the operator’s maintenance ticket, never a case → cleared by the device',
  ({ fault, thing, raise, clear }) => {
    it('opens exactly one ticket for the device’s operator and no case, and the device clears it', async () => {
      const readings = raise();
      await s.publish(thing, ...readings);
      const opened = await oneTicket(thing, fault, 'open');
      // The sample's garbage-room sensors name no operating unit: the City Management Office runs them.
      expect(opened.operator).toBe('city-management-office');
      await s.publish(thing, ...[...readings].reverse());
      await s.stack.drained();
      expect(await s.cases(siteOf(thing), fault)).toEqual([]);
      await s.publish(thing, ...clear());
      const cleared = await oneTicket(thing, fault, 'cleared');
      expect(cleared.ticketId).toBe(opened.ticketId);
      expect(cleared.history.at(-1)).toMatchObject({ action: 'clear', actor: `sensor:${thing}` });
    });
  },
);

describe('device_offline: the scheduled check → one ticket → reporting again → cleared; an overdue case escalates', () => {
  it('opens a ticket after 3 report intervals of silence; the operator acknowledges it; the device reporting again clears it', async () => {
    const thing = 'bin-gs-020';
    await s.publish(thing, roomReading({}));
    await s.stack.drained();
    // Garbage room sensors report every 300 s: silent after 15 minutes, seen by the check when its hour-wide silence bucket ends.
    s.advance(76 * MIN);
    const opened = await oneTicket(thing, 'device_offline', 'open');
    // The City Management Office runs the sample's garbage-room sensors: its shift lead acknowledges, signed in.
    const acknowledge = () =>
      s.post<MaintenanceTicket>(
        `/staff/tickets/${opened.ticketId}/transitions`,
        { action: 'acknowledge' },
        USERS.shiftLead,
      );
    const acknowledged = await acknowledge();
    expect(acknowledged.body.status).toBe('acknowledged');
    expect(acknowledged.body.history.at(-1)).toMatchObject({ actor: USERS.shiftLead.username, role: 'shift_lead' });
    expect((await acknowledge()).status).toBe(409);
    expect(await s.cases(siteOf(thing), 'device_offline')).toEqual([]);
    await s.publish(thing, roomReading({}));
    await s.stack.drained();
    // Ingest clears it: no scheduled run needed.
    const cleared = await oneTicket(thing, 'device_offline', 'cleared');
    expect(cleared.history.map((h) => h.action)).toEqual(['open', 'acknowledge', 'clear']);
  });

  it('escalates an overdue case to its street office and says so in an event', async () => {
    const thing = 'bin-gs-021';
    await s.publish(thing, roomReading({ temperatureC: 70 }));
    const opened = await s.oneCase(siteOf(thing), 'bin_fire', 'open');
    s.advance(opened.dueAt - s.now() + 2 * MIN);
    await s.event(opened.caseId, 'CaseEscalated');
    const escalated = (await s.api<{ escalationLevel: number; escalatedTo: string }>(`/cases/${opened.caseId}`)).body;
    expect(escalated).toMatchObject({ escalationLevel: 1, escalatedTo: opened.streetId });
    expect(opened.leadUnit).not.toBe(opened.streetId);
  });
});
