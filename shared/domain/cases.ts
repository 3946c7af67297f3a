import type { Contact, LatLon } from './city-model.ts';
import { ESCALATION_UNIT, responsibleUnits, type CaseCategory, type Place } from './responsibility.ts';

/**
 * The digital city-management case cycle: open → dispatched → in_progress → resolved →
 * verified → closed, with void (rejected as invalid) and reopened (rework after a failed
 * verification). Every transition is kept in the case's history.
 */
export const CASE_STATUSES = [
  'open',
  'dispatched',
  'in_progress',
  'resolved',
  'verified',
  'closed',
  'void',
  'reopened',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Actions a person (or a sensor, for resolve) may take through the ops API. */
export const CASE_ACTIONS = ['dispatch', 'start', 'resolve', 'verify', 'close', 'reopen', 'void'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const TRANSITIONS: Record<CaseAction, { from: readonly CaseStatus[]; to: CaseStatus }> = {
  dispatch: { from: ['open', 'reopened'], to: 'dispatched' },
  start: { from: ['dispatched'], to: 'in_progress' },
  resolve: { from: ['open', 'dispatched', 'in_progress', 'reopened'], to: 'resolved' },
  verify: { from: ['resolved'], to: 'verified' },
  close: { from: ['verified'], to: 'closed' },
  reopen: { from: ['resolved'], to: 'reopened' },
  void: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'resolved'], to: 'void' },
};

/**
 * While a case is in one of these, it is the (site, category)'s one active case: a repeat
 * anomaly bumps it instead of opening another. Verified, closed and void cases are done.
 */
export const ACTIVE_STATUSES: readonly CaseStatus[] = ['open', 'dispatched', 'in_progress', 'reopened', 'resolved'];
/** Statuses in which the SLA clock runs (a resolved case waits for verification, not for the unit). */
export const WORKING_STATUSES: readonly CaseStatus[] = ['open', 'dispatched', 'in_progress', 'reopened'];

const HOUR = 3_600_000;

/** Severity and SLA (time to resolve) by category. */
export const CATEGORY_POLICY: Record<CaseCategory, { severity: Severity; slaMs: number }> = {
  garbage_overflow: { severity: 'major', slaMs: 2 * HOUR },
  collection_due: { severity: 'warning', slaMs: 4 * HOUR },
  bin_fire: { severity: 'critical', slaMs: HOUR / 2 },
  bin_knocked_over: { severity: 'minor', slaMs: 4 * HOUR },
  device_low_battery: { severity: 'warning', slaMs: 72 * HOUR },
  sensor_stuck: { severity: 'minor', slaMs: 48 * HOUR },
  device_offline: { severity: 'minor', slaMs: 24 * HOUR },
  market_stall_outside: { severity: 'minor', slaMs: 2 * HOUR },
  market_goods_piled: { severity: 'minor', slaMs: 2 * HOUR },
  market_litter: { severity: 'minor', slaMs: 2 * HOUR },
  illegal_parking: { severity: 'major', slaMs: HOUR },
  missed_sweeping: { severity: 'minor', slaMs: 6 * HOUR },
  sweeping_too_fast: { severity: 'warning', slaMs: 24 * HOUR },
  sweeper_silent: { severity: 'minor', slaMs: 4 * HOUR },
};

/**
 * How soon a case must be dispatched to its unit after it opens, by severity: the
 * assessment's "dispatched on time" (按时派遣).
 */
export const DISPATCH_SLA_MS: Record<Severity, number> = {
  critical: 10 * 60_000,
  major: 30 * 60_000,
  minor: HOUR,
  warning: 2 * HOUR,
};

export interface Evidence {
  /** The signal that brought it, so a signal handled twice counts once. */
  signalId?: string;
  at: number;
  /** The device whose reading it is, if a device. */
  thing?: string;
  summary: string;
  data?: Record<string, unknown>;
}

export interface HistoryEntry {
  action: CaseAction | 'open' | 'repeat' | 'escalate';
  from: CaseStatus | null;
  to: CaseStatus;
  actor: string;
  at: number;
  note?: string;
  evidence?: Evidence;
}

export interface Case {
  caseId: string;
  districtId: string;
  category: CaseCategory;
  severity: Severity;
  status: CaseStatus;
  siteId: string;
  thing?: string;
  zoneId?: string;
  location: LatLon;
  gridId: string;
  communityId: string;
  streetId: string;
  leadUnit: string;
  coUnits: string[];
  assignee: Contact;
  openedAt: number;
  dueAt: number;
  occurrences: number;
  lastSeenAt: number;
  escalationLevel: number;
  /** The unit the case was escalated to, once overdue. */
  escalatedTo?: string;
  summary: string;
  evidence: Evidence[];
  history: HistoryEntry[];
  updatedAt: number;
  /** Optimistic-locking counter. */
  version: number;
}

/** How many evidence entries a case keeps (the newest). */
export const MAX_EVIDENCE = 20;

/** A stable id for a signal: the same detection handled again is recognised. */
export const signalId = (s: Omit<Signal, 'evidence'> & { evidence: Pick<Evidence, 'at'> }): string =>
  [s.kind, s.category, s.siteId, s.thing ?? '', s.zoneId ?? '', s.evidence.at].join('|');

/** What a detector reports: an anomaly at a site, or that its clear condition now holds. */
export interface Signal {
  kind: 'anomaly' | 'clear';
  category: CaseCategory;
  siteId: string;
  thing?: string;
  zoneId?: string;
  /** The unit that owns the work at this site, when it is not the category's lead (a route's sweeping unit). */
  unit?: string;
  evidence: Evidence;
}

export interface CaseOrigin {
  districtId: string;
  siteId: string;
  location: LatLon;
  place: Place;
  assignee: Contact;
}

export const SYSTEM_ACTOR = 'cityops';
export const sensorActor = (thing: string | undefined) => (thing ? `sensor:${thing}` : SYSTEM_ACTOR);

/** A new case for an anomaly, routed to its responsible units, with its SLA. */
export function openCase(caseId: string, signal: Signal, origin: CaseOrigin, now: number): Case {
  const policy = CATEGORY_POLICY[signal.category];
  const table = responsibleUnits(signal.category, origin.place);
  const leadUnit = signal.unit ?? table.leadUnit;
  const coUnits = [...new Set([table.leadUnit, ...table.coUnits])].filter((u) => u !== leadUnit);
  return {
    caseId,
    districtId: origin.districtId,
    category: signal.category,
    severity: policy.severity,
    status: 'open',
    siteId: origin.siteId,
    ...(signal.thing ? { thing: signal.thing } : {}),
    ...(signal.zoneId ? { zoneId: signal.zoneId } : {}),
    location: origin.location,
    gridId: origin.place.gridId,
    communityId: origin.place.communityId,
    streetId: origin.place.streetId,
    leadUnit,
    coUnits,
    assignee: origin.assignee,
    openedAt: now,
    dueAt: now + policy.slaMs,
    occurrences: 1,
    lastSeenAt: signal.evidence.at,
    escalationLevel: 0,
    summary: signal.evidence.summary,
    evidence: [signal.evidence],
    history: [
      { action: 'open', from: null, to: 'open', actor: sensorActor(signal.thing), at: now, evidence: signal.evidence },
    ],
    updatedAt: now,
    version: 1,
  };
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly action: string,
    readonly status: CaseStatus,
  ) {
    super(
      `cannot ${action} a case that is ${status} (allowed from: ${TRANSITIONS[action as CaseAction]?.from.join(', ') ?? 'nowhere'})`,
    );
  }
}

const withEvidence = (c: Case, evidence: Evidence | undefined) =>
  evidence ? [...c.evidence, evidence].slice(-MAX_EVIDENCE) : c.evidence;

/** Applies an action, validated against the cycle, and records it in the history. */
export function transition(
  c: Case,
  action: CaseAction,
  actor: string,
  now: number,
  note?: string,
  evidence?: Evidence,
): Case {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(c.status)) throw new IllegalTransitionError(action, c.status);
  const entry: HistoryEntry = {
    action,
    from: c.status,
    to: rule.to,
    actor,
    at: now,
    ...(note ? { note } : {}),
    ...(evidence ? { evidence } : {}),
  };
  return {
    ...c,
    status: rule.to,
    evidence: withEvidence(c, evidence),
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

/**
 * The anomaly happened again while the case is active: count it, and if the sensor had
 * already resolved it (awaiting verification), the work failed — reopen.
 */
export function repeatAnomaly(c: Case, signal: Signal, now: number): Case | undefined {
  if (signal.evidence.signalId && c.evidence.some((e) => e.signalId === signal.evidence.signalId)) return undefined;
  const bumped: Case = {
    ...c,
    occurrences: c.occurrences + 1,
    lastSeenAt: Math.max(c.lastSeenAt, signal.evidence.at),
    evidence: withEvidence(c, signal.evidence),
    updatedAt: now,
    version: c.version + 1,
  };
  if (c.status !== 'resolved') return bumped;
  const entry: HistoryEntry = {
    action: 'reopen',
    from: 'resolved',
    to: 'reopened',
    actor: sensorActor(signal.thing),
    at: now,
    note: 'the anomaly came back',
    evidence: signal.evidence,
  };
  return { ...bumped, status: 'reopened', history: [...c.history, entry] };
}

/** The clear condition holds: a working case becomes resolved with the reading as evidence. */
export function resolveBySensor(c: Case, signal: Signal, now: number): Case | undefined {
  if (!WORKING_STATUSES.includes(c.status)) return undefined;
  return transition(c, 'resolve', sensorActor(signal.thing), now, 'clear condition observed', signal.evidence);
}

/** An overdue working case goes to the City Management Office, one level up, with a new deadline. */
export function escalate(c: Case, now: number): Case | undefined {
  if (!WORKING_STATUSES.includes(c.status) || now <= c.dueAt) return undefined;
  const level = c.escalationLevel + 1;
  const entry: HistoryEntry = {
    action: 'escalate',
    from: c.status,
    to: c.status,
    actor: SYSTEM_ACTOR,
    at: now,
    note: `overdue since ${new Date(c.dueAt).toISOString()}; escalated to ${ESCALATION_UNIT} (level ${level})`,
  };
  return {
    ...c,
    escalationLevel: level,
    escalatedTo: ESCALATION_UNIT,
    coUnits:
      c.coUnits.includes(ESCALATION_UNIT) || c.leadUnit === ESCALATION_UNIT
        ? c.coUnits
        : [...c.coUnits, ESCALATION_UNIT],
    dueAt: now + CATEGORY_POLICY[c.category].slaMs,
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

export const isActive = (status: CaseStatus) => ACTIVE_STATUSES.includes(status);

/** A working case that missed its deadline: past due now, or escalated already (escalation sets a new deadline). */
export const isOverdue = (c: Case, now: number) =>
  WORKING_STATUSES.includes(c.status) && (now > c.dueAt || c.escalationLevel > 0);

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
