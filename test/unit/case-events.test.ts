import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transition } from '#shared/domain/case/actions';
import { escalate } from '#shared/domain/case/escalation';
import type { Case, Signal } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { CASE_EVENTS, caseEventFor, type CaseEventType } from '#shared/events/case-events';
import { EVENT_DEFINITIONS, schemaFile, schemaText } from '#shared/events/write-schemas';
import { caseItem } from '#shared/adapters/dynamodb/case-store';

const NOW = Date.UTC(2026, 10, 27, 1, 0);
const signal: Signal = {
  kind: 'anomaly',
  category: 'garbage_overflow',
  siteId: 'gr-001',
  thing: 'bin-gs-001',
  evidence: { at: NOW, thing: 'bin-gs-001', summary: 'fill 95%' },
};
const origin = {
  districtId: 'gongshu',
  siteId: 'gr-001',
  location: { lat: 30.3, lon: 120.14 },
  place: { gridId: 'g', communityId: 'c', streetId: 's' },
  assignee: { name: 'Wang Fang', phone: '13857100000' },
};

describe('case events', () => {
  const opened = openCase('cs-1', signal, origin, NOW);
  const dispatched = transition(opened, 'dispatch', 'dispatcher', NOW + 1);
  const escalated = escalate(dispatched, NOW + 3 * 3_600_000, NOW + 5 * 3_600_000)!;
  const started = transition(escalated, 'start', 'team', NOW + 3 * 3_600_000 + 1);
  const resolved = transition(started, 'resolve', 'team', NOW + 4 * 3_600_000);
  const verified = transition(resolved, 'verify', 'inspector', NOW + 5 * 3_600_000);
  const closed = transition(verified, 'close', 'inspector', NOW + 6 * 3_600_000);
  const steps: [Case | undefined, Case, CaseEventType][] = [
    [undefined, opened, 'CaseOpened'],
    [opened, dispatched, 'CaseUpdated'],
    [dispatched, escalated, 'CaseEscalated'],
    [escalated, started, 'CaseUpdated'],
    [started, resolved, 'CaseResolved'],
    [resolved, verified, 'CaseUpdated'],
    [verified, closed, 'CaseClosed'],
  ];

  it.each(steps.map(([before, after, type], i) => [i, type, before, after] as const))(
    'change %i is a %s, valid against its schema',
    (_i, type, before, after) => {
      const event = caseEventFor({ id: 'e1', oldImage: before && caseItem(before), newImage: caseItem(after) })!;
      expect(event.detailType).toBe(type);
      expect(event.source).toBe('cityops.cases');
      expect(event.detail.metadata).toEqual({ version: '1', occurredAt: after.updatedAt, id: 'e1' });
      expect(event.detail.data).not.toHaveProperty('pk');
      expect(CASE_EVENTS[type].schema.safeParse(event.detail).success).toBe(true);
    },
  );

  it('a return (回退) is a CaseReturned, valid against its schema; the redispatch after it a CaseUpdated', () => {
    const returned = transition(dispatched, 'return', 'handler.zhao', NOW + 2, { note: '不属于本单位' });
    const event = caseEventFor({ id: 'e2', oldImage: caseItem(dispatched), newImage: caseItem(returned) })!;
    expect(event.detailType).toBe('CaseReturned');
    expect(event.detail.data).toMatchObject({
      status: 'open',
      history: expect.arrayContaining([expect.objectContaining({ action: 'return', note: '不属于本单位' })]),
    });
    expect(CASE_EVENTS.CaseReturned.schema.safeParse(event.detail).success).toBe(true);
    const again = transition(returned, 'dispatch', 'dispatcher', NOW + 3, { unitId: 'enforcement' });
    expect(again).toMatchObject({ leadUnit: 'enforcement', status: 'dispatched' });
    expect(caseEventFor({ id: 'e3', oldImage: caseItem(returned), newImage: caseItem(again) })!.detailType).toBe(
      'CaseUpdated',
    );
    expect(() => transition(dispatched, 'return', 'handler.zhao', NOW + 2)).toThrow(/needs a note/);
  });

  it('an extension’s request, approval and rejection are events of their own, valid against their schemas', () => {
    const until = NOW + 48 * 3_600_000;
    const asked = transition(dispatched, 'request_extension', 'handler.zhao', NOW + 2, { note: '需协调物业', until });
    const approved = transition(asked, 'approve_extension', 'lead.li', NOW + 3);
    const rejected = transition(asked, 'reject_extension', 'lead.li', NOW + 3, { note: '今天可以完成' });
    for (const [before, after, type] of [
      [dispatched, asked, 'CaseExtensionRequested'],
      [asked, approved, 'CaseExtended'],
      [asked, rejected, 'CaseExtensionRejected'],
    ] as const) {
      const event = caseEventFor({ id: 'x', oldImage: caseItem(before), newImage: caseItem(after) })!;
      expect(event.detailType).toBe(type);
      expect(CASE_EVENTS[type].schema.safeParse(event.detail).success).toBe(true);
    }
    expect(asked).toMatchObject({
      status: 'dispatched',
      dueAt: dispatched.dueAt,
      extension: { state: 'requested', until },
    });
    expect(approved.dueAt).toBe(until);
    expect(rejected.dueAt).toBe(dispatched.dueAt);
    expect(() => transition(dispatched, 'approve_extension', 'lead.li', NOW + 3)).toThrow('no extension is waiting');
    expect(() => transition(dispatched, 'request_extension', 'h', NOW + 2, { note: 'x', until: NOW })).toThrow(
      'a new deadline (until) after the present one',
    );
  });

  it('parking and unparking are events of their own; without a calendar the deadline moves by the time parked', () => {
    const parked = transition(dispatched, 'park', 'lead.li', NOW + 2, {
      note: '待改造',
      reviewAt: NOW + 72 * 3_600_000,
    });
    const unparked = transition(parked, 'unpark', 'lead.li', NOW + 2 + 5 * 3_600_000);
    expect(caseEventFor({ id: 'p', oldImage: caseItem(dispatched), newImage: caseItem(parked) })!.detailType).toBe(
      'CaseParked',
    );
    const back = caseEventFor({ id: 'u', oldImage: caseItem(parked), newImage: caseItem(unparked) })!;
    expect(back.detailType).toBe('CaseUnparked');
    expect(CASE_EVENTS.CaseUnparked.schema.safeParse(back.detail).success).toBe(true);
    expect(unparked).toMatchObject({ status: 'dispatched', dueAt: dispatched.dueAt + 5 * 3_600_000 });
    expect(unparked).not.toHaveProperty('parked');
    expect(() => transition(dispatched, 'park', 'lead.li', NOW + 2, { note: '待改造' })).toThrow(/review date/);
  });

  it('ignores lock items and deletions', () => {
    expect(
      caseEventFor({
        id: 'e',
        newImage: { pk: 'active#gr-001#garbage_overflow', sk: 'lock', recordType: 'lock', caseId: 'cs-1' },
      }),
    ).toBeUndefined();
    expect(caseEventFor({ id: 'e', oldImage: caseItem(opened) })).toBeUndefined();
  });

  it('keeps the committed JSON Schema files in step with the event modules (npm run events:schemas)', () => {
    expect(EVENT_DEFINITIONS.map((d) => `${d.source} ${d.detailType}`)).toEqual([
      'cityops.cases CaseOpened',
      'cityops.cases CaseUpdated',
      'cityops.cases CaseEscalated',
      'cityops.cases CaseResolved',
      'cityops.cases CaseClosed',
      'cityops.cases CaseReported',
      'cityops.cases CaseRegistered',
      'cityops.cases CaseRefused',
      'cityops.cases CaseMerged',
      'cityops.cases CaseReturned',
      'cityops.cases CaseExtensionRequested',
      'cityops.cases CaseExtended',
      'cityops.cases CaseExtensionRejected',
      'cityops.cases CaseParked',
      'cityops.cases CaseUnparked',
      'cityops.cases CaseDispatchedDown',
      'cityops.cases CaseInspected',
      'cityops.cases CaseStageOverdue',
      'cityops.cases CaseSupervised',
      'cityops.reports ReportPublished',
      'cityops.hotline HotlineReplied',
      'cityops.hotline HotlineSentBack',
      'cityops.hotline HotlineResult',
    ]);
    for (const def of EVENT_DEFINITIONS) {
      expect(readFileSync(schemaFile(def), 'utf8'), schemaFile(def)).toBe(schemaText(def));
    }
  });
});

describe('the Pipe enrichment', () => {
  it('turns stream records into case events, dropping lock items', async () => {
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { makeHandler } = await import('#functions/case-events/handler');
    const opened = openCase(
      'cs-9',
      { kind: 'anomaly', category: 'bin_fire', siteId: 'gr-001', evidence: { at: NOW, summary: 'hot' } },
      origin,
      NOW,
    );
    const out = await makeHandler()([
      { eventID: 'e1', dynamodb: { NewImage: marshall(caseItem(opened), { removeUndefinedValues: true }) as never } },
      {
        eventID: 'e2',
        dynamodb: { NewImage: marshall({ pk: 'active#gr-001#bin_fire', sk: 'lock', recordType: 'lock' }) as never },
      },
    ]);
    expect(out).toEqual([
      {
        source: 'cityops.cases',
        detailType: 'CaseOpened',
        detail: { metadata: { version: '1', occurredAt: NOW, id: 'e1' }, data: opened },
      },
    ]);
  });
});
