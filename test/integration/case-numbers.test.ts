import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { caseKeys, DynamoCaseStore } from '#shared/adapters/dynamodb/case-store';
import { type Case, signalId, type Signal } from '#shared/domain/case/model';
import { siteLocation } from '#shared/domain/city-model';
import { wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

// 17:30 UTC on 7 December: 01:30 on 8 December in the sample district (Asia/Shanghai).
const NOW = Date.parse('2026-12-07T17:30:00Z');
const sample = await loadDistrictDir();
// Without a classification table every class is the category's own, which never merges:
// each report and each room's signal is a case of its own.
const model = { ...sample, districts: sample.districts.map(({ classification: _, ...d }) => d) };
const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
const clock = fixedClock(NOW);
let env: Awaited<ReturnType<typeof testTables>>;
let deps: ReturnType<typeof wireDeps>;
/** The cases the rooms' signals opened. */
let opened: Case[] = [];

beforeAll(async () => {
  env = await testTables('casenumbers');
  deps = wireDeps({ doc: env.doc, tables: env.tables, clock, log: recordingLog(), metrics: recordingMetrics() });
  await deps.registry.putModel(model);
});

const overflow = (siteId: string): Signal => {
  const s: Signal = {
    kind: 'anomaly',
    category: 'garbage_overflow',
    siteId,
    thing: `bin-${siteId}`,
    evidence: { at: clock.now(), thing: `bin-${siteId}`, summary: 'fill 95% for 2 readings' },
  };
  return { ...s, evidence: { ...s.evidence, signalId: signalId(s) } };
};

const report = (roomIndex: number, description: string) =>
  deps.cases.report({
    districtId: 'gongshu',
    source: 'public',
    classId: 'bin-knocked-over',
    location: siteLocation(rooms[roomIndex]!),
    description,
    media: [],
  });

/** The numbers' serials, in order (all of the day given). */
const serials = (numbers: string[], day: string) => {
  for (const n of numbers) expect(n.slice(0, 8)).toBe(day);
  return numbers.map((n) => Number(n.slice(8))).sort((a, b) => a - b);
};
const run = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('case numbers against DynamoDB Local', () => {
  it('numbers two cases reported at the same moment with the local day and consecutive serials from 0001', async () => {
    const outcomes = await Promise.all([report(0, '垃圾桶倒了'), report(1, '垃圾桶被撞翻')]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['received', 'received']);
    const numbers = outcomes.map((o) => o.case.caseNumber!);
    expect(numbers.sort()).toEqual(['202612080001', '202612080002']);
    // Stored on the case, beside its id (which stays as it was: the UTC date and a random tail).
    for (const { case: c } of outcomes) {
      expect(c.caseId).toMatch(/^cs-20261207-[0-9a-f]{8}$/);
      expect((await deps.caseStore.get(c.caseId))?.caseNumber).toBe(c.caseNumber);
    }
  });

  it('numbers twenty cases opened at once by devices with twenty distinct, consecutive serials', async () => {
    const outcomes = await Promise.all(rooms.slice(0, 20).map((room) => deps.cases.handle([overflow(room.siteId)])));
    const cases = outcomes.flat().map((o) => {
      expect(o.outcome).toBe('opened');
      return (o as { case: Case }).case;
    });
    opened = cases;
    expect(new Set(cases.map((c) => c.caseNumber)).size).toBe(20);
    expect(
      serials(
        cases.map((c) => c.caseNumber!),
        '20261208',
      ),
    ).toEqual(run(3, 20));
    // The day's counter item holds the last serial given.
    const { Item } = await env.doc.send(
      new GetCommand({
        TableName: env.tables.cases,
        Key: caseKeys.serial('gongshu', '20261208'),
        ConsistentRead: true,
      }),
    );
    expect(Item).toMatchObject({ serial: 22, recordType: 'serial' });
  });

  it('numbers a refused report too (outside every grid)', async () => {
    const { outcome, case: c } = await deps.cases.report({
      districtId: 'gongshu',
      source: 'public',
      classId: 'bin-knocked-over',
      location: { lat: 0, lon: 0 },
      description: '不在辖区',
      media: [],
    });
    expect(outcome).toBe('refused');
    expect(c.caseNumber).toBe('202612080023');
  });

  it('keeps a case’s number when it changes: a repeated signal takes no serial', async () => {
    clock.set(NOW + 60_000);
    const [again] = await deps.cases.handle([overflow(rooms[0]!.siteId)]);
    clock.set(NOW);
    expect(again!.outcome).toBe('repeated');
    const first = opened.find((c) => c.siteId === rooms[0]!.siteId)!;
    expect((await deps.caseStore.get(first.caseId))?.caseNumber).toBe(first.caseNumber);
    const { Item } = await env.doc.send(
      new GetCommand({
        TableName: env.tables.cases,
        Key: caseKeys.serial('gongshu', '20261208'),
        ConsistentRead: true,
      }),
    );
    expect(Item?.serial).toBe(23);
  });

  it('starts a new local day at 0001, at local midnight', async () => {
    // 16:00 UTC on 8 December is midnight on the 9th in Shanghai.
    clock.set(Date.parse('2026-12-08T16:00:00Z'));
    const { case: c } = await report(5, '垃圾桶倒在路中间');
    expect(c.caseNumber).toBe('202612090001');
    clock.set(NOW);
  });

  it('counts each district and day on its own, atomically: twenty at once take 1 to 20', async () => {
    const store = new DynamoCaseStore(env.doc, env.tables.cases);
    const taken = await Promise.all(run(1, 20).map(() => store.nextSerial('another', '20261208')));
    expect(taken.sort((a, b) => a - b)).toEqual(run(1, 20));
    expect(await store.nextSerial('another', '20261209')).toBe(1);
    expect(await store.nextSerial('gongshu', '20261209')).toBe(2);
  });
});
