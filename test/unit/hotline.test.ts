import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_DISTRICT_DIR } from '#devices/district-files';
import { transition } from '#shared/domain/case/actions';
import { joinReport } from '#shared/domain/case/merging';
import type { Case, Signal } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { Classification, classOf } from '#shared/domain/classification';
import { hotlineMessagesFor } from '#shared/domain/hotline';
import { peopleReport, receiveReport, refuseReport, type PeopleReport } from '#shared/domain/intake';
import { changeEventsFor } from '#shared/events/case-events';
import { HOTLINE_EVENTS, hotlineEventsFor } from '#shared/events/hotline-events';
import { caseItem } from '#shared/adapters/dynamodb/case-store';

const NOW = Date.UTC(2026, 11, 1, 2, 0);
const HOUR = 3_600_000;
const sample = Classification.parse(JSON.parse(readFileSync(join(SAMPLE_DISTRICT_DIR, 'classification.json'), 'utf8')));
const ROOM = { lat: 30.3, lon: 120.14 };
const origin = {
  districtId: 'gongshu',
  location: ROOM,
  place: { gridId: 'g1', communityId: 'c1', streetId: 's1' },
  assignee: { name: 'Wang Fang', phone: '13857100000' },
};
const ticket = (ticketNo: string, at = NOW): PeopleReport => ({
  districtId: 'gongshu',
  source: 'hotline_12345',
  cls: classOf(sample, 'exposed_garbage'),
  location: ROOM,
  text: '市民来电：垃圾房旁堆放垃圾',
  media: [],
  reporter: { name: '张先生', phone: '13900000000' },
  externalId: ticketNo,
  at,
});

describe('the 12345 hotline’s answers', () => {
  const received = receiveReport('cs-1', 'rp-1', ticket('HL-1'), origin, NOW);
  const registered = transition(received, 'register', 'clerk', NOW + 1);
  const dispatched = transition(registered, 'dispatch', 'dispatcher', NOW + 2);
  const started = transition(dispatched, 'start', 'team', NOW + 3);
  const resolved = transition(started, 'resolve', 'team', NOW + HOUR, {
    note: '已清运',
    media: ['md-after-1', 'md-after-2'],
  });
  const verified = transition(resolved, 'verify', 'inspector', NOW + 2 * HOUR);
  const closed = transition(verified, 'close', 'inspector', NOW + 3 * HOUR);

  it('says nothing while the ticket waits for the clerk', () => {
    expect(hotlineMessagesFor(undefined, received)).toEqual([]);
  });

  it('replies once the ticket’s case is registered: the case, its unit and its deadline', () => {
    const [reply, ...rest] = hotlineMessagesFor(received, registered);
    expect(rest).toEqual([]);
    expect(reply).toMatchObject({
      kind: 'reply',
      ticketNo: 'HL-1',
      caseId: 'cs-1',
      status: 'open',
      leadUnit: registered.leadUnit,
      dueAt: registered.dueAt,
      registeredAt: NOW + 1,
      merged: false,
      classId: 'exposed-garbage',
    });
    expect(reply!.message).toContain('已受理并立案');
    expect(reply!.message).toContain('cs-1');
    // The cycle goes on without a second reply.
    expect(hotlineMessagesFor(registered, dispatched)).toEqual([]);
    expect(hotlineMessagesFor(dispatched, resolved)).toEqual([]);
    expect(hotlineMessagesFor(resolved, verified)).toEqual([]);
  });

  it('replies at once, marked merged, when the ticket joins a case already registered', () => {
    const signal: Signal = {
      kind: 'anomaly',
      category: 'garbage_overflow',
      siteId: 'gr-001',
      thing: 'bin-gs-001',
      evidence: { at: NOW, thing: 'bin-gs-001', summary: 'fill 95%' },
    };
    const sensorCase = openCase('cs-9', signal, { ...origin, siteId: 'gr-001' }, NOW);
    expect(sensorCase.registeredAt).toBeDefined();
    const joined = joinReport(sensorCase, peopleReport('rp-2', ticket('HL-2')), 'hotline_12345:张先生', NOW + 5);
    expect(hotlineMessagesFor(sensorCase, joined)).toMatchObject([
      { kind: 'reply', ticketNo: 'HL-2', caseId: 'cs-9', merged: true },
    ]);
    expect(hotlineMessagesFor(sensorCase, joined)[0]!.message).toContain('合并');
    // A later ticket in the same case answers only that ticket.
    const again = joinReport(joined, peopleReport('rp-3', ticket('HL-3')), 'hotline_12345:李女士', NOW + 6);
    expect(hotlineMessagesFor(joined, again).map((m) => m.ticketNo)).toEqual(['HL-3']);
  });

  it('sends the ticket back with the refusal’s reason, in Chinese', () => {
    const refused = transition(received, 'refuse', 'clerk', NOW + 1, {
      reason: 'not_city_management',
      note: '属于物业管理范围',
    });
    expect(hotlineMessagesFor(received, refused)).toMatchObject([
      {
        kind: 'send_back',
        ticketNo: 'HL-1',
        reason: 'not_city_management',
        note: '属于物业管理范围',
        status: 'refused',
      },
    ]);
    expect(hotlineMessagesFor(received, refused)[0]!.message).toBe('退回：不属于城市管理职责（属于物业管理范围）。');
    // A ticket refused on arrival (outside the district) goes back at once.
    const outside = refuseReport('cs-2', 'rp-2', ticket('HL-4'), 'outside_district', 'beyond the grids', NOW);
    expect(hotlineMessagesFor(undefined, outside)).toMatchObject([
      { kind: 'send_back', ticketNo: 'HL-4', reason: 'outside_district' },
    ]);
  });

  it('sends the ticket back as voided when its registered case is voided', () => {
    const voided = transition(registered, 'void', 'office', NOW + 2, { note: '重复派单' });
    expect(hotlineMessagesFor(registered, voided)).toMatchObject([
      { kind: 'send_back', reason: 'voided', note: '重复派单', status: 'void' },
    ]);
  });

  it('sends the result when the case is closed: the handler’s note and the photos of the work', () => {
    expect(hotlineMessagesFor(verified, closed)).toEqual([
      {
        kind: 'result',
        ticketNo: 'HL-1',
        caseId: 'cs-1',
        districtId: 'gongshu',
        at: NOW + 3 * HOUR,
        status: 'closed',
        classId: 'exposed-garbage',
        classCode: closed.classCode,
        closedAt: NOW + 3 * HOUR,
        resolvedAt: NOW + HOUR,
        note: '已清运',
        media: ['md-after-1', 'md-after-2'],
        message: '已办结：已清运。',
      },
    ]);
    // A later change of a closed case sends nothing again.
    expect(hotlineMessagesFor(closed, { ...closed, updatedAt: closed.updatedAt + 1 })).toEqual([]);
  });

  it('turns each message into a valid event of its own detail type, with an id per change, kind and ticket', () => {
    const changes: [Case | undefined, Case, string][] = [
      [received, registered, 'HotlineReplied'],
      [received, transition(received, 'refuse', 'clerk', NOW + 1, { reason: 'duplicate' }), 'HotlineSentBack'],
      [verified, closed, 'HotlineResult'],
    ];
    for (const [before, after, type] of changes) {
      const [event, ...rest] = hotlineEventsFor('chg-7', before, after);
      expect(rest).toEqual([]);
      expect(event!.source).toBe('cityops.hotline');
      expect(event!.detailType).toBe(type);
      expect(event!.detail.metadata.id).toBe(`chg-7:${event!.detail.data.kind}:HL-1`);
      const schema = HOTLINE_EVENTS[type as keyof typeof HOTLINE_EVENTS].schema;
      expect(schema.safeParse(event!.detail).success, type).toBe(true);
    }
    // A schema refuses a reply without its unit.
    const [reply] = hotlineEventsFor('chg-8', received, registered);
    const { leadUnit: _dropped, ...withoutUnit } = reply!.detail.data as unknown as Record<string, unknown>;
    expect(HOTLINE_EVENTS.HotlineReplied.schema.safeParse({ ...reply!.detail, data: withoutUnit }).success).toBe(false);
  });

  it('puts the hotline’s events after the case’s own event for the same stream record', () => {
    const events = changeEventsFor({ id: 'r1', oldImage: caseItem(verified), newImage: caseItem(closed) });
    expect(events.map((e) => `${e.source} ${e.detailType}`)).toEqual([
      'cityops.cases CaseClosed',
      'cityops.hotline HotlineResult',
    ]);
  });
});
