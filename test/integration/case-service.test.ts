import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRegistryStore } from '#shared/adapters/dynamodb/registry-store';
import { DynamoCaseStore } from '#shared/adapters/dynamodb/case-store';
import { DynamoTicketStore } from '#shared/adapters/dynamodb/ticket-store';
import { MaintenanceService } from '#shared/app/maintenance-service';
import { newCaseId } from '#shared/runtime/wiring';
import { ActionForbiddenError, CaseNotFoundError, CaseService } from '#shared/app/case-service';
import { IllegalTransitionError } from '#shared/domain/case/cycle';
import { type Case, signalId, type Signal } from '#shared/domain/case/model';
import { loadDistrictDir } from '#devices/district-files';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { USERS } from '../support/users.ts';
import { escalateOverdue } from '#shared/app/escalate-overdue';

const NOW = Date.UTC(2026, 10, 27, 1, 0, 0);
const DAY = 86_400_000;
// The cycle's mechanics under a district without a classification table, where every
// category is registered at once (intake's rules: test/integration/intake.test.ts).
const sample = await loadDistrictDir();
const model = { ...sample, districts: sample.districts.map(({ classification: _, ...d }) => d) };
let env: Awaited<ReturnType<typeof testTables>>;
let store: DynamoCaseStore;
const clock = fixedClock(NOW);
const metrics = recordingMetrics();
const service = () =>
  new CaseService({
    cases: store,
    registry: new DynamoRegistryStore(env.doc, env.tables.registry),
    clock,
    newId: newCaseId(clock),
    log: recordingLog(),
    metrics,
    maintenance: new MaintenanceService({
      tickets: new DynamoTicketStore(env.doc, env.tables.tickets),
      registry: new DynamoRegistryStore(env.doc, env.tables.registry),
      clock,
      newId: newCaseId(clock),
      metrics,
    }),
  });

beforeAll(async () => {
  env = await testTables('cases');
  await new DynamoRegistryStore(env.doc, env.tables.registry).putModel(model);
  store = new DynamoCaseStore(env.doc, env.tables.cases);
});

let n = 0;
const signal = (
  siteId: string,
  kind: 'anomaly' | 'clear' = 'anomaly',
  category: Signal['category'] = 'garbage_overflow',
  at = NOW + ++n,
): Signal => {
  const s: Signal = {
    kind,
    category,
    siteId,
    thing: 'bin-gs-001',
    evidence: { at, thing: 'bin-gs-001', summary: `${kind} ${at}` },
  };
  return { ...s, evidence: { ...s.evidence, signalId: signalId(s) } };
};

describe('case service against DynamoDB Local', () => {
  it('opens a case routed to the lead department, the place’s units and the grid’s responsible person, with its SLA', async () => {
    const [outcome] = await service().handle([signal('gr-001')]);
    expect(outcome!.outcome).toBe('opened');
    const c = (outcome as { case: { caseId: string } }).case;
    const stored = await store.get(c.caseId);
    const site = model.sites.find((s) => s.siteId === 'gr-001')!;
    const grid = model.grids.find((g) => g.gridId === site.gridId)!;
    expect(stored).toMatchObject({
      category: 'garbage_overflow',
      severity: 'major',
      status: 'open',
      siteId: 'gr-001',
      thing: 'bin-gs-001',
      gridId: grid.gridId,
      communityId: grid.communityId,
      streetId: grid.streetId,
      leadUnit: 'municipal-landscaping',
      coUnits: [grid.streetId],
      assignee: grid.responsible,
      openedAt: NOW,
      dueAt: NOW + 2 * 3_600_000,
      occurrences: 1,
      escalationLevel: 0,
      history: [expect.objectContaining({ action: 'open', to: 'open', actor: 'sensor:bin-gs-001' })],
    });
    expect(stored!.caseId).toMatch(/^cs-20261127-[0-9a-f]{8}$/);
  });

  it('opens exactly one case when many workers raise the same anomaly at once', async () => {
    const signals = Array.from({ length: 20 }, () => signal('gr-002'));
    const outcomes = (await Promise.all(signals.map((s) => service().handle([s])))).flat();
    expect(outcomes.filter((o) => o.outcome === 'opened')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'repeated')).toHaveLength(19);
    const active = await store.findActive('gr-002', 'garbage_overflow');
    expect(active!.occurrences).toBe(20);
    const all = await store.list({ districtId: 'gongshu', category: 'garbage_overflow', limit: 500 });
    expect(all.items.filter((c) => c.siteId === 'gr-002')).toHaveLength(1);
  });

  it('counts a signal handled twice (a replay) once', async () => {
    const s = signal('gr-003');
    await service().handle([s]);
    await service().handle([s]);
    const again = await service().handle([s]);
    expect(again[0]!.outcome).toBe('ignored');
    expect((await store.findActive('gr-003', 'garbage_overflow'))!.occurrences).toBe(1);
  });

  it('resolves on the clear condition with the reading as evidence, reopens on a repeat, and opens anew once verified', async () => {
    const svc = service();
    await svc.handle([signal('gr-004')]);
    const [resolved] = await svc.handle([signal('gr-004', 'clear')]);
    expect(resolved).toMatchObject({ outcome: 'resolved', case: { status: 'resolved' } });
    const resolvedCase = (resolved as { case: { caseId: string } }).case;
    const afterClear = await store.get(resolvedCase.caseId);
    expect(afterClear!.history.at(-1)).toMatchObject({
      action: 'resolve',
      from: 'open',
      to: 'resolved',
      actor: 'sensor:bin-gs-001',
      evidence: { summary: expect.stringContaining('clear') },
    });
    const [reopened] = await svc.handle([signal('gr-004')]);
    expect(reopened).toMatchObject({ outcome: 'repeated', case: { status: 'reopened', occurrences: 2 } });
    await svc.handle([signal('gr-004', 'clear')]);
    await svc.act(resolvedCase.caseId, 'verify', USERS.inspector, { note: 'checked on site' });
    const [fresh] = await svc.handle([signal('gr-004')]);
    expect(fresh!.outcome).toBe('opened');
    expect((fresh as { case: { caseId: string } }).case.caseId).not.toBe(resolvedCase.caseId);
  });

  it('validates people’s transitions and keeps every one in the audit trail', async () => {
    const svc = service();
    const [opened] = await svc.handle([signal('gr-005', 'anomaly', 'bin_knocked_over')]);
    const id = (opened as { case: { caseId: string } }).case.caseId;
    await svc.act(id, 'dispatch', USERS.dispatcher, { note: 'sent to the street team' });
    await expect(svc.act(id, 'close', USERS.shiftLead)).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(svc.act(id, 'close', USERS.dispatcher)).rejects.toBeInstanceOf(ActionForbiddenError);
    // The garbage room is sanitation's: Enforcement's handler may not start it.
    await expect(svc.act(id, 'start', USERS.enforcement)).rejects.toThrow(
      /^start is for the handlers of municipal-landscaping, .*; handler.sun handles for enforcement$/,
    );
    await svc.act(id, 'start', USERS.landscaping);
    await svc.act(id, 'resolve', USERS.landscaping, { note: 'bin set upright' });
    await svc.act(id, 'verify', USERS.inspector);
    const closed = await svc.act(id, 'close', USERS.shiftLead);
    expect(closed.history.map((h) => [h.action, h.from, h.to, h.actor])).toEqual([
      ['open', null, 'open', 'sensor:bin-gs-001'],
      ['dispatch', 'open', 'dispatched', 'dispatcher.chen'],
      ['start', 'dispatched', 'in_progress', 'handler.zhao'],
      ['resolve', 'in_progress', 'resolved', 'handler.zhao'],
      ['verify', 'resolved', 'verified', 'inspector.zhou'],
      ['close', 'verified', 'closed', 'lead.li'],
    ]);
    expect(closed.history[1]!.note).toBe('sent to the street team');
    await expect(svc.act('cs-nope', 'dispatch', USERS.dispatcher)).rejects.toBeInstanceOf(CaseNotFoundError);
  });

  it('escalates an overdue working case up the ladder: its street office, the City Management Office, a leader’s notice', async () => {
    const svc = service();
    const [opened] = await svc.handle([signal('gr-006', 'anomaly', 'bin_fire')]);
    const c = (opened as { case: Case }).case;
    const id = c.caseId;
    expect(metrics.calls).toContainEqual({ name: 'CasesOpened', value: 1, dimensions: { category: 'bin_fire' } });
    const first = await svc.escalateOverdue(['gongshu']);
    expect(first.escalated).toEqual([]);
    expect(first.working.map((w) => w.caseId)).toContain(id);
    const rung = async (after: Case) => {
      clock.set(after.dueAt + 60_000);
      return (await svc.escalateOverdue(['gongshu'])).escalated.find((e) => e.caseId === id);
    };
    // Rung 1: the street office of the place (the lead unit is Municipal Landscaping).
    const street = (await rung(c))!;
    expect(street).toMatchObject({
      escalationLevel: 1,
      escalatedTo: c.streetId,
      coUnits: expect.arrayContaining([c.streetId]),
      unitDueAt: c.dueAt,
    });
    expect(street.dueAt).toBeGreaterThan(c.dueAt + 60_000);
    expect(street.history.at(-1)).toMatchObject({ action: 'escalate', actor: 'cityops', unitId: c.streetId });
    expect(metrics.calls).toContainEqual({
      name: 'CasesEscalated',
      value: 1,
      dimensions: { unit: 'municipal-landscaping' },
    });
    // Not again until the rung's own deadline passes.
    expect((await svc.escalateOverdue(['gongshu'])).escalated.find((e) => e.caseId === id)).toBeUndefined();
    const office = (await rung(street))!;
    expect(office).toMatchObject({
      escalationLevel: 2,
      escalatedTo: 'city-management-office',
      coUnits: expect.arrayContaining([c.streetId, 'city-management-office']),
      unitDueAt: c.dueAt,
    });
    expect(office.supervision).toBeUndefined();
    const leader = (await rung(office))!;
    expect(leader).toMatchObject({
      escalationLevel: 3,
      escalatedTo: 'city-management-office',
      supervision: { count: 1, by: 'cityops', level: 'leader' },
      unitDueAt: c.dueAt,
    });
    expect(leader.history.at(-1)!.note).toContain('领导督办');
    // The ladder ends there.
    expect(await rung(leader)).toBeUndefined();
    clock.set(NOW);
  });

  it('reports the working and overdue cases, zero for units without any', async () => {
    const svc = service();
    const registry = new DynamoRegistryStore(env.doc, env.tables.registry);
    const [opened] = await svc.handle([signal('gr-007', 'anomaly', 'bin_knocked_over')]);
    expect(opened).toMatchObject({ outcome: 'opened' });
    const working = (await store.list({ districtId: 'gongshu', limit: 1000 })).items.filter((c) =>
      ['open', 'dispatched', 'in_progress', 'reopened'].includes(c.status),
    );
    const later = NOW + 4 * DAY;
    clock.set(later);
    const reported = recordingMetrics();
    const { load } = await escalateOverdue({ registry, cases: svc, clock, metrics: reported });
    clock.set(NOW);
    // Hand count from the stored cases: by lead unit; four days on (past the longest SLA), every one of them is past its deadline.
    const expected = new Map<string, number>();
    for (const c of working) expected.set(c.leadUnit, (expected.get(c.leadUnit) ?? 0) + 1);
    for (const [unit, count] of expected)
      expect(load.find((l) => l.unit === unit)).toEqual({ unit, working: count, overdue: count });
    // Every department and street office is reported, with zero when it leads nothing.
    const units = [...model.departments.map((d) => d.unitId), ...model.streets.map((s) => s.streetId)];
    for (const unit of units)
      expect(reported.calls).toContainEqual({
        name: 'WorkingCases',
        value: expected.get(unit) ?? 0,
        dimensions: { unit },
      });
    expect(reported.calls.filter((c) => c.name === 'OverdueCases')).toHaveLength(load.length);
  });

  it('lists cases by unit, street, grid, status and time, a page at a time', async () => {
    const byUnit = await store.list({ unit: 'municipal-landscaping', limit: 500 });
    expect(byUnit.items.length).toBeGreaterThan(0);
    expect(byUnit.items.every((c) => c.leadUnit === 'municipal-landscaping')).toBe(true);
    const site = model.sites.find((s) => s.siteId === 'gr-001')!;
    const grid = model.grids.find((g) => g.gridId === site.gridId)!;
    const byGrid = await store.list({ districtId: 'gongshu', gridId: grid.gridId, limit: 500 });
    expect(byGrid.items.map((c) => c.siteId)).toContain('gr-001');
    const closed = await store.list({ districtId: 'gongshu', status: 'closed', limit: 500 });
    expect(closed.items.every((c) => c.status === 'closed')).toBe(true);
    expect((await store.list({ districtId: 'gongshu', since: NOW + 1, limit: 500 })).items).toEqual([]);
    const first = await store.list({ districtId: 'gongshu', limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await store.list({ districtId: 'gongshu', limit: 2, nextToken: first.nextToken });
    expect(second.items[0]!.caseId).not.toBe(first.items[0]!.caseId);
  });
});

describe('parallel ingest invocations', () => {
  it('open one case when the same anomaly arrives in parallel batches for one device and for one market', async () => {
    const { wireDeps } = await import('#shared/runtime/wiring');
    const { makeHandler: garbageRooms } = await import('#functions/ingest-bins/handler');
    const { makeHandler: cameras } = await import('#functions/ingest-cameras/handler');
    const { record, streamEvent } = await import('../support/telemetry.ts');
    const { recordingMetrics } = await import('../support/fakes.ts');
    const deps = wireDeps({
      doc: env.doc,
      tables: env.tables,
      clock,
      log: recordingLog(),
      metrics: recordingMetrics(),
    });
    const overflow = () =>
      streamEvent(
        record({
          kind: 'bins',
          thing: 'bin-gs-030',
          payload: { ts: NOW - 120_000, seq: 1, fillPct: 93 },
          receivedAt: NOW,
        }),
        record({
          kind: 'bins',
          thing: 'bin-gs-030',
          payload: { ts: NOW - 60_000, seq: 2, fillPct: 96 },
          receivedAt: NOW,
        }),
      );
    const results = await Promise.all(Array.from({ length: 8 }, () => garbageRooms(deps)(overflow())));
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const garbageRoomCases = (
      await store.list({ districtId: 'gongshu', category: 'garbage_overflow', limit: 500 })
    ).items.filter((c) => c.siteId === 'gr-030');
    expect(garbageRoomCases).toHaveLength(1);
    expect(garbageRoomCases[0]!.occurrences).toBe(1);

    // Both cameras of a market see the same litter at once, in parallel batches.
    const litter = (thing: string, minutesAgo: number) =>
      record({
        kind: 'cameras',
        thing,
        payload: {
          ts: NOW - minutesAgo * 60_000,
          seq: 100 - minutesAgo,
          detections: [{ type: 'litter_pile', zoneId: 'mk-02-stalls', confidence: 0.9 }],
        },
        receivedAt: NOW,
      });
    await Promise.all(
      ['cam-gs-m2-a', 'cam-gs-m2-b'].flatMap((thing) => [
        cameras(deps)(streamEvent(litter(thing, 9), litter(thing, 6))),
        cameras(deps)(streamEvent(litter(thing, 3))),
      ]),
    );
    const marketCases = (
      await store.list({ districtId: 'gongshu', category: 'market_litter', limit: 500 })
    ).items.filter((c) => c.siteId === 'mk-02');
    expect(marketCases).toHaveLength(1);
  });
});
