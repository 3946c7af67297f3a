import { describe, expect, it } from 'vitest';
import { CASE_ACTIONS, CASE_STATUSES, isOverdue, SEVERITIES } from '#shared/domain/cases';
import { ACTION_NAMES, CATEGORY_NAMES, dictionaryOf, SEVERITY_NAMES, STATUS_NAMES } from '#shared/domain/labels';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';

const HAN = /\p{Script=Han}/u;

describe('one dictionary of what people read', () => {
  it('names every status, action, severity and category in Chinese first and in English', () => {
    const tables = [
      [STATUS_NAMES, CASE_STATUSES],
      [ACTION_NAMES, [...CASE_ACTIONS, 'open', 'repeat', 'escalate', 'merge', 'overdue']],
      [SEVERITY_NAMES, SEVERITIES],
      [CATEGORY_NAMES, CASE_CATEGORIES],
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
