import { describe, expect, it } from 'vitest';
import { isOverdue } from '#shared/domain/case/escalation';
import { CASE_ACTIONS, CASE_STATUSES, REFUSAL_REASONS, SEVERITIES } from '#shared/domain/case/statuses';
import { SOURCES, URGENCIES } from '#shared/domain/classification';
import {
  ACTION_NAMES,
  CATEGORY_NAMES,
  dictionaryOf,
  nameIn,
  REFUSAL_REASON_NAMES,
  SEVERITY_NAMES,
  SOURCE_NAMES,
  STATUS_NAMES,
  URGENCY_NAMES,
} from '#shared/domain/labels';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';

const HAN = /\p{Script=Han}/u;

describe('one dictionary of what people read', () => {
  it('names every status, action, severity and category in Chinese first and in English', () => {
    const tables = [
      [STATUS_NAMES, CASE_STATUSES],
      [ACTION_NAMES, [...CASE_ACTIONS, 'open', 'repeat', 'escalate', 'merge', 'overdue']],
      [SEVERITY_NAMES, SEVERITIES],
      [CATEGORY_NAMES, CASE_CATEGORIES],
      [SOURCE_NAMES, SOURCES],
      [URGENCY_NAMES, URGENCIES],
      [REFUSAL_REASON_NAMES, REFUSAL_REASONS],
    ] as const;
    for (const [names, keys] of tables) {
      expect(Object.keys(names).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        const n = (names as Record<string, { zh: string; en: string }>)[key]!;
        expect(n.zh, key).toMatch(HAN);
        expect(n.en, key).not.toMatch(HAN);
      }
    }
    // No two statuses read the same in either language (a queue must say which it is).
    for (const lang of ['zh', 'en'] as const)
      expect(new Set(Object.values(STATUS_NAMES).map((n) => n[lang])).size).toBe(CASE_STATUSES.length);
  });

  it('gives a page one locale’s words', () => {
    expect(dictionaryOf('zh-CN')).toMatchObject({
      status: { resolved: '待核查', parked: '挂账' },
      action: { return: '回退', supervise: '督办' },
      role: { inspector: '监督员' },
    });
    expect(dictionaryOf('en').status.resolved).toBe('to verify');
    expect(dictionaryOf('zh-CN').source.hotline_12345).toBe('12345热线');
  });

  it('names units and places in the district’s own language first, English where it has none', () => {
    const street = { name: 'Hushu Street Office', localName: '湖墅街道' };
    expect(nameIn('zh-CN', street)).toBe('湖墅街道');
    expect(nameIn('en', street)).toBe('Hushu Street Office');
    expect(nameIn('zh-CN', { name: 'Grid 1' })).toBe('Grid 1');
  });
});

describe('overdue', () => {
  const base = { status: 'dispatched' as const, escalationLevel: 0 };
  it('is late against the unit’s deadline, which escalation does not move', () => {
    // Escalated: the next rung's dueAt is later, the unit's deadline passed.
    expect(isOverdue({ ...base, dueAt: 5_000, unitDueAt: 1_000, escalationLevel: 1 }, 2_000)).toBe(true);
    expect(isOverdue({ ...base, dueAt: 5_000, unitDueAt: 1_000 }, 2_000)).toBe(true);
    expect(isOverdue({ ...base, dueAt: 5_000, unitDueAt: 3_000 }, 2_000)).toBe(false);
    // Stored before unitDueAt: its dueAt.
    expect(isOverdue({ ...base, dueAt: 1_000 }, 2_000)).toBe(true);
    // Waiting for verification: not the unit's to be late with.
    expect(isOverdue({ ...base, status: 'resolved', dueAt: 1_000 }, 2_000)).toBe(false);
  });
});
