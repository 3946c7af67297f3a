import { describe, expect, it } from 'vitest';
import { actionSince, resolveBySensor, transition } from '#shared/domain/case/actions';
import { IllegalTransitionError, SENSOR_RESOLVE_FROM, TRANSITIONS } from '#shared/domain/case/cycle';
import { escalate } from '#shared/domain/case/escalation';
import { repeatAnomaly } from '#shared/domain/case/merging';
import type { Case, Signal } from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { CASE_ACTIONS, type CaseAction, type CaseStatus, CASE_STATUSES } from '#shared/domain/case/statuses';

/**
 * The transition table against the standard cycle (受理 → 立案 → 派遣 → 处置 → 核查 → 结案),
 * written out here by hand rather than read back from the code: each action, the statuses
 * the standard allows it from, and where it leads (none: the status stays). docs/cases.md
 * says why each is so.
 */
const STANDARD: Record<CaseAction, { from: CaseStatus[]; to?: CaseStatus }> = {
  check: { from: ['received'], to: 'checking' },
  register: { from: ['received', 'checking'], to: 'open' },
  refuse: { from: ['received', 'checking'], to: 'refused' },
  dispatch: { from: ['open', 'reopened'], to: 'dispatched' },
  start: { from: ['dispatched'], to: 'in_progress' },
  resolve: { from: ['in_progress', 'reopened'], to: 'resolved' },
  verify: { from: ['resolved'], to: 'verified' },
  close: { from: ['verified'], to: 'closed' },
  reopen: { from: ['resolved'], to: 'reopened' },
  void: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'resolved'], to: 'void' },
  return: { from: ['dispatched', 'in_progress'], to: 'open' },
  request_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  approve_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  reject_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  park: { from: ['open', 'dispatched', 'in_progress', 'reopened'], to: 'parked' },
  unpark: { from: ['parked'] },
  dispatch_down: { from: ['dispatched', 'in_progress', 'reopened'] },
  inspect: { from: ['resolved'] },
  supervise: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'parked'] },
};

const NOW = Date.UTC(2026, 11, 2, 2, 0);
const MIN = 60_000;
const origin = {
  districtId: 'gongshu',
  siteId: 'gr-001',
  location: { lat: 30.3, lon: 120.14 },
  place: { gridId: 'g-07', communityId: 'c-03', streetId: 'st-hushu' },
  assignee: { name: 'Wang Fang', phone: '13857100000' },
};
const signal = (kind: Signal['kind'], at: number): Signal => ({
  kind,
  category: 'garbage_overflow',
  siteId: 'gr-001',
  thing: 'bin-gs-001',
  evidence: { at, thing: 'bin-gs-001', summary: kind, signalId: `${kind}-${at}` },
});
const opened = openCase('cs-1', signal('anomaly', NOW), origin, NOW);
const dispatched = transition(opened, 'dispatch', 'dispatcher.chen', NOW + MIN);
const started = transition(dispatched, 'start', 'handler.zhao', NOW + 2 * MIN);
const resolved = transition(started, 'resolve', 'handler.zhao', NOW + 3 * MIN);
const reopened = transition(resolved, 'reopen', 'inspector.zhou', NOW + 4 * MIN);
const AT: Partial<Record<CaseStatus, Case>> = { open: opened, dispatched, in_progress: started, resolved, reopened };
/** What `f` throws (it must throw). */
const refusalOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return error as IllegalTransitionError;
  }
  throw new Error('it did not refuse');
};
const sorted = (statuses: readonly CaseStatus[]) => [...statuses].sort();

describe('the transition table against the standard cycle', () => {
  it.each(CASE_ACTIONS)('%s: from the statuses the standard allows, to the one it leads to', (action) => {
    expect(sorted(TRANSITIONS[action].from)).toEqual(sorted(STANDARD[action].from));
    expect(TRANSITIONS[action].to).toBe(STANDARD[action].to);
  });

  it('has every action of the cycle and no other', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.keys(STANDARD).sort());
  });

  it('refuses a person’s resolve straight from open or dispatched (the work is started first), in Chinese too', () => {
    for (const c of [opened, dispatched]) {
      const refusal = refusalOf(() => transition(c, 'resolve', 'handler.zhao', NOW + HOUR));
      expect(refusal).toBeInstanceOf(IllegalTransitionError);
      expect(refusal.localMessage).toMatch(
        /^案件现为「(待派遣|已派遣)」，不能处置完毕（可处置完毕的状态：处置中、返工）$/,
      );
    }
    expect(transition(started, 'resolve', 'handler.zhao', NOW + HOUR).status).toBe('resolved');
    expect(transition(reopened, 'resolve', 'handler.zhao', NOW + HOUR).status).toBe('resolved');
  });
});

const HOUR = 60 * MIN;

describe('the sensor’s resolution (its own rule, not the people’s resolve)', () => {
  it('resolves a case its device alone reported from every working status, as resolve by the sensor', () => {
    expect(sorted(SENSOR_RESOLVE_FROM)).toEqual(sorted(['open', 'dispatched', 'in_progress', 'reopened']));
    for (const status of ['open', 'dispatched', 'in_progress', 'reopened'] as const) {
      const c = AT[status]!;
      const cleared = resolveBySensor(c, signal('clear', NOW + HOUR), NOW + HOUR)!;
      expect(cleared.status, status).toBe('resolved');
      expect(cleared.history.at(-1)).toMatchObject({
        action: 'resolve',
        from: status,
        to: 'resolved',
        actor: 'sensor:bin-gs-001',
      });
      expect(cleared.version).toBe(c.version + 1);
    }
  });

  it('leaves every other status as it is', () => {
    const others = CASE_STATUSES.filter(
      (s) => !SENSOR_RESOLVE_FROM.includes(s) && !['received', 'checking'].includes(s),
    );
    for (const status of others)
      expect(resolveBySensor({ ...resolved, status }, signal('clear', NOW + HOUR), NOW + HOUR), status).toBeUndefined();
  });
});

describe('an action taken between two reads of a case', () => {
  it('is none after a signal counted or an escalation: a person’s action may be decided again', () => {
    const counted = repeatAnomaly(dispatched, signal('anomaly', NOW + 5 * MIN), NOW + 5 * MIN)!;
    expect(counted.version).toBe(dispatched.version + 1);
    expect(actionSince(dispatched, counted)).toBeUndefined();
    const escalated = escalate(counted, NOW + 3 * HOUR, NOW + 5 * HOUR)!;
    expect(actionSince(dispatched, escalated)).toBeUndefined();
    expect(actionSince(dispatched, dispatched)).toBeUndefined();
  });

  it('is the first action taken since, whoever took it, with the status moved or not', () => {
    expect(actionSince(dispatched, started)).toMatchObject({ action: 'start', actor: 'handler.zhao' });
    const supervised = transition(dispatched, 'supervise', 'leader.zheng', NOW + 5 * MIN, { note: '请今天处理完' });
    expect(supervised.status).toBe('dispatched');
    expect(actionSince(dispatched, supervised)).toMatchObject({ action: 'supervise' });
    expect(actionSince(started, resolved)).toMatchObject({ action: 'resolve' });
    expect(actionSince(dispatched, resolved)).toMatchObject({ action: 'start' });
    const bySensor = resolveBySensor(dispatched, signal('clear', NOW + HOUR), NOW + HOUR)!;
    expect(actionSince(dispatched, bySensor)).toMatchObject({ action: 'resolve', actor: 'sensor:bin-gs-001' });
    // The sensor's reading again: the inspector's pending check is gone with it.
    const again = repeatAnomaly(resolved, signal('anomaly', NOW + 2 * HOUR), NOW + 2 * HOUR)!;
    expect(actionSince(resolved, again)).toMatchObject({ action: 'reopen', actor: 'sensor:bin-gs-001' });
  });
});
