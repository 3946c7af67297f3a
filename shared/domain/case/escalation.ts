import { ESCALATION_UNIT } from '../responsibility.ts';
import { SYSTEM_ACTOR } from './actors.ts';
import type { Case, HistoryEntry } from './model.ts';
import { WORKING_STATUSES } from './statuses.ts';

/**
 * A unit's case past its deadline: overdue, escalated up the ladder one rung at a time,
 * and counted on the unit's desk.
 */

/** The escalation ladder's rungs, in order: the case's street office, the City Management Office, a leader's supervision notice. */
export const ESCALATION_RUNGS = ['street_office', 'city_management_office', 'leader'] as const;
export type EscalationRung = (typeof ESCALATION_RUNGS)[number];

/**
 * The rung an overdue case goes up to next (its `escalationLevel` becomes the rung's
 * number, 1 to 3): a rung whose unit already leads the case is passed over (a street
 * office's own case goes straight to the office). None past the last.
 */
export function nextRung(
  c: Pick<Case, 'escalationLevel' | 'leadUnit' | 'streetId'>,
): { level: number; rung: EscalationRung; unit?: string } | undefined {
  for (let level = c.escalationLevel + 1; level <= ESCALATION_RUNGS.length; level++) {
    const rung = ESCALATION_RUNGS[level - 1]!;
    if (rung === 'leader') return { level, rung };
    const unit = rung === 'street_office' ? c.streetId : ESCALATION_UNIT;
    if (unit && unit !== c.leadUnit) return { level, rung, unit };
  }
  return undefined;
}

/**
 * An overdue working case goes one rung up the ladder (see {@link nextRung}), with a new
 * deadline (`dueAt`, the rung's; the unit's own, `unitDueAt`, stays): to its street office,
 * then to the City Management Office (each joins the case's units), then a leader's
 * supervision notice. Undefined when it is not overdue or is on the last rung.
 */
export function escalate(c: Case, now: number, nextDueAt: number): Case | undefined {
  if (!WORKING_STATUSES.includes(c.status) || now <= c.dueAt) return undefined;
  const next = nextRung(c);
  if (!next) return undefined;
  const late = `overdue since ${new Date(c.dueAt).toISOString()}`;
  const note =
    next.rung === 'leader'
      ? `${late}; a leader's supervision notice (领导督办, level ${next.level})`
      : `${late}; escalated to ${next.unit} (level ${next.level})`;
  const entry: HistoryEntry = {
    action: 'escalate',
    from: c.status,
    to: c.status,
    actor: SYSTEM_ACTOR,
    at: now,
    note,
    ...(next.unit ? { unitId: next.unit } : {}),
  };
  const unit = next.unit;
  return {
    ...c,
    unitDueAt: c.unitDueAt ?? c.dueAt,
    escalationLevel: next.level,
    ...(unit
      ? {
          escalatedTo: unit,
          coUnits: c.coUnits.includes(unit) || c.leadUnit === unit ? c.coUnits : [...c.coUnits, unit],
        }
      : {
          supervision: {
            count: (c.supervision?.count ?? 0) + 1,
            at: now,
            by: SYSTEM_ACTOR,
            level: 'leader' as const,
            note,
          },
        }),
    dueAt: nextDueAt,
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

/**
 * A working case that missed its unit's deadline: past it now (`unitDueAt`, which
 * escalation does not move; `dueAt` on cases stored before it), or escalated already.
 */
export const isOverdue = (c: Pick<Case, 'status' | 'dueAt' | 'unitDueAt' | 'escalationLevel'>, now: number) =>
  WORKING_STATUSES.includes(c.status) && (now > (c.unitDueAt ?? c.dueAt) || c.escalationLevel > 0);

/** Working and overdue cases of one lead unit. */
export interface UnitCaseLoad {
  unit: string;
  working: number;
  overdue: number;
}

/**
 * What each lead unit has on its desk: working cases and how many of them are overdue,
 * for every unit named in `units` (zero when it has none) and every unit that leads a case.
 */
export function caseLoadByUnit(cases: readonly Case[], now: number, units: readonly string[] = []): UnitCaseLoad[] {
  const load = new Map<string, UnitCaseLoad>(units.map((unit) => [unit, { unit, working: 0, overdue: 0 }]));
  for (const c of cases) {
    if (!WORKING_STATUSES.includes(c.status)) continue;
    let entry = load.get(c.leadUnit);
    if (!entry) load.set(c.leadUnit, (entry = { unit: c.leadUnit, working: 0, overdue: 0 }));
    entry.working++;
    if (isOverdue(c, now)) entry.overdue++;
  }
  return [...load.values()].sort((a, b) => a.unit.localeCompare(b.unit));
}
